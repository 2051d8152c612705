"""Hostile input (tests/security/corpus.py) in every form field and every query parameter.

Each payload either gets a clear message next to the field (the form's error, shown in the
page), or is stored exactly and shown escaped: in HTML pages, in the PDF scorecard's text
and in the CSV export (where a formula prefix is neutralised with a quote). Never a 500:
the test client re-raises any exception a view lets through, so a 500 fails the test.
Nothing here depends on the database backend: `make test` runs it on SQLite and PostgreSQL
(where a NUL byte or an over-long value reaching the database would be an error).
"""

import csv
import io
import json
import re
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from pypdf import PdfReader

from assessments.csvcells import FORMULA_PREFIXES
from assessments.models import Assessment, Entry, EvidenceLink, ReviewComment
from ovp_assess.client_ip import client_username
from tests import factories
from tests.assessments.helpers import entry_post
from tests.reports.scorecard_helpers import flat, link_targets, pdf_bytes, pdf_flat

from . import corpus
from .corpus import escaped

NUL = "Null characters are not allowed."
INVALID_URL = "Enter a valid URL."
SCHEME = "Only web links starting with http:// or https:// are allowed."
PRIVATE = "Links to this computer or to a private network are not allowed."
BACKSLASH = "Links may not contain a backslash (\\). Use a forward slash (/) instead."
USERINFO = (
    "Links may not contain a user name or password (the part before @). "
    "Remove it, and never put a password in a link."
)
INVALID_DATE = "Enter a valid date."
WHOLE_NUMBER = "Enter a whole number."
CYCLE_TOO_SMALL = "Ensure this value is greater than or equal to 2000."
NOT_A_CHOICE = "Select a valid choice. That choice is not one of the available choices."
LOGIN_FAILED = "The username and/or password you specified are not correct."
OLD_PASSWORD = "Please type your current password."
BAD_QUERY = "Bad request: a query parameter holds a NUL byte or is too long."


def too_long(limit, length):
    return f"Ensure this value has at most {limit} characters (it has {length})."


def invalid_choice(value):
    return f"Select a valid choice. {value} is not one of the available choices."


# What the evidence link field says to each payload; anything not named: INVALID_URL.
URL_ERRORS = {
    "javascript-url": [SCHEME],
    "nul": [INVALID_URL, NUL],
    "one-megabyte": [INVALID_URL, too_long(500, corpus.ONE_MB + len("https://"))],
    "javascript": [SCHEME],
    "file": [SCHEME],
    "data": [SCHEME],
    "loopback-v4": [PRIVATE],
    "private-v4": [PRIVATE],
    "loopback-v6": [PRIVATE],
    "localhost": [PRIVATE],
    "backslash-userinfo": [BACKSLASH],
    "userinfo": [USERINFO],
    "decimal-ipv4": [PRIVATE],
}


def ids(cases):
    return [name for name, _text in cases]


def storable(payload):
    return "\x00" not in payload and len(payload) <= settings.MAX_TEXT_LENGTH


def text_errors(payload, limit=settings.MAX_TEXT_LENGTH):
    """The message a free-text field gives `payload`, or [] when it is stored."""
    if "\x00" in payload:
        return [NUL]
    if len(payload) > limit:
        return [too_long(limit, len(payload))]
    return []


def shown_errors(html, auto_id):
    """The messages rendered in the error element of the field `auto_id`, which the field
    points at with aria-describedby (crispy-forms' Bootstrap 5 layout)."""
    control = re.search(rf'<(?:input|textarea|select)[^>]*\bid="{re.escape(auto_id)}"', html)
    if control is None or f"{auto_id}_error" not in control.group(0):
        return None
    block = re.search(rf'<div id="{re.escape(auto_id)}_error"[^>]*>(.*?)</div>', html, re.S)
    return re.findall(r"<strong>(.*?)</strong>", block.group(1), re.S) if block else None


def shown_radio_errors(html, name):
    block = re.search(rf'<div id="id_{name}_error"[^>]*>(.*?)</div>', html, re.S)
    return re.findall(r"<strong>(.*?)</strong>", block.group(1), re.S) if block else None


def assert_escaped(html, payload):
    """Shown, escaped: never as markup."""
    if corpus.needs_escaping(payload):
        assert payload not in html
    assert escaped(payload) in html


def assert_not_raw(html, payload):
    if corpus.needs_escaping(payload):
        assert payload not in html


def post_raw(client, url, data, field, encoded):
    """POST `data` with `field` set to an already percent-encoded value (invalid UTF-8)."""
    body = urlencode({k: v for k, v in data.items() if k != field}) + f"&{field}={encoded}"
    return client.post(url, body, content_type="application/x-www-form-urlencoded")


# --- the criterion form ----------------------------------------------------------------------


@pytest.fixture
def draft(office, staff):
    return factories.make_assessment(office, cycle=2025, levels=[2] * 9)


def _criterion(client, assessment, data):
    return client.post(reverse("assess:criterion", args=[assessment.pk, 1]), data)


def _criterion_text_post(entry, payload, **fields):
    link = {"url": "https://example.org/evidence", "title": payload, "checked_on": "2025-01-02"}
    return entry_post(
        entry,
        links=[link],
        applicability="not-applicable",
        justification=payload,
        strengths=payload,
        opportunities=payload,
        **fields,
    )


TEXT_FIELDS = ["justification", "strengths", "opportunities"]


@pytest.mark.parametrize(
    ("payload_id", "payload"), corpus.STORABLE + corpus.NUL, ids=ids(corpus.STORABLE + corpus.NUL)
)
def test_criterion_text_fields_store_exactly_or_explain(
    draft, staff, reviewer, client_for, payload_id, payload
):  # fmt: skip
    entry = draft.entries.get(criterion__number=1)
    client = client_for(staff)

    response = _criterion(client, draft, _criterion_text_post(entry, payload))

    if storable(payload):
        assert response.status_code == 302
        stored = Entry.objects.get(pk=entry.pk)
        assert [getattr(stored, f) for f in TEXT_FIELDS] == [payload] * 3
        assert list(EvidenceLink.objects.filter(entry=entry).values_list("title", flat=True)) == [
            payload
        ]
        page = client.get(reverse("assess:criterion", args=[draft.pk, 1])).content.decode()
        assert_escaped(page, payload)
        review = client_for(reviewer).get(reverse("assess:review", args=[draft.pk]))
        assert_escaped(review.content.decode(), payload)
    else:
        html = response.content.decode()
        assert response.status_code == 200
        shown = {f: shown_errors(html, f"id_{f}") for f in TEXT_FIELDS}
        shown["title"] = shown_errors(html, "id_evidence-0-title")
        assert shown == dict.fromkeys([*TEXT_FIELDS, "title"], [NUL])
        assert Entry.objects.get(pk=entry.pk).version == entry.version
        assert not EvidenceLink.objects.filter(entry=entry).exists()


@pytest.mark.parametrize("field", [*TEXT_FIELDS, "title"])
def test_criterion_one_megabyte_in_a_text_field_is_explained(draft, staff, client_for, field):
    entry = draft.entries.get(criterion__number=1)
    huge = corpus.HUGE[0][1]
    data = _criterion_text_post(entry, "Fine text")
    key = "evidence-0-title" if field == "title" else field
    data[key] = huge

    response = _criterion(client_for(staff), draft, data)

    limit = 200 if field == "title" else settings.MAX_TEXT_LENGTH
    assert response.status_code == 200
    assert shown_errors(response.content.decode(), f"id_{key}") == [too_long(limit, len(huge))]
    assert Entry.objects.get(pk=entry.pk).version == entry.version


@pytest.mark.parametrize("field", [*TEXT_FIELDS, "evidence-0-title"])
def test_criterion_lone_surrogate_arrives_replaced_and_is_stored(draft, staff, client_for, field):
    entry = draft.entries.get(criterion__number=1)
    data = _criterion_text_post(entry, "Fine text")

    response = post_raw(
        client_for(staff),
        reverse("assess:criterion", args=[draft.pk, 1]),
        data,
        field,
        corpus.LONE_SURROGATE_QUERY,
    )

    assert response.status_code == 302
    stored = Entry.objects.get(pk=entry.pk)
    values = {f: getattr(stored, f) for f in TEXT_FIELDS}
    values["evidence-0-title"] = EvidenceLink.objects.get(entry=entry).title
    assert values[field] == corpus.LONE_SURROGATE_DECODED == "\ufffd\ufffd\ufffd"


CHOICE_AND_LINK_PAYLOADS = corpus.STORABLE + corpus.NUL + corpus.BAD_URLS


@pytest.mark.parametrize(
    ("payload_id", "payload"), CHOICE_AND_LINK_PAYLOADS, ids=ids(CHOICE_AND_LINK_PAYLOADS)
)
def test_criterion_level_and_link_fields_explain(draft, staff, client_for, payload_id, payload):  # fmt: skip
    entry = draft.entries.get(criterion__number=1)
    link = {"url": payload, "title": "Evidence", "checked_on": payload}
    data = entry_post(entry, links=[link], level=payload, applicability=payload)

    response = _criterion(client_for(staff), draft, data)

    html = response.content.decode()
    assert response.status_code == 200
    shown = {
        "applicability": shown_radio_errors(html, "applicability"),
        "level": shown_radio_errors(html, "level"),
        "url": shown_errors(html, "id_evidence-0-url"),
        "checked_on": shown_errors(html, "id_evidence-0-checked_on"),
    }
    expected = {
        "applicability": [invalid_choice(payload)],
        "level": [invalid_choice(payload)],
        "url": URL_ERRORS.get(payload_id, [INVALID_URL]),
        "checked_on": [INVALID_DATE],
    }
    assert shown == {name: [escaped(m) for m in messages] for name, messages in expected.items()}
    assert_not_raw(html, payload)
    assert Entry.objects.get(pk=entry.pk).version == entry.version
    assert not EvidenceLink.objects.filter(entry=entry).exists()


@pytest.mark.parametrize(
    "field", ["level", "applicability", "evidence-0-url", "evidence-0-checked_on"]
)
def test_criterion_one_megabyte_in_a_choice_or_link_field_is_explained(
    draft, staff, client_for, field
):  # fmt: skip
    entry = draft.entries.get(criterion__number=1)
    huge = corpus.HUGE[0][1]
    link = {"url": "https://example.org/", "title": "Evidence", "checked_on": ""}
    data = entry_post(entry, links=[link], **{field: huge})

    response = _criterion(client_for(staff), draft, data)

    html = response.content.decode()
    assert response.status_code == 200
    if field in ("level", "applicability"):
        assert shown_radio_errors(html, field) == [invalid_choice(huge)]
    elif field == "evidence-0-url":
        assert shown_errors(html, "id_evidence-0-url") == URL_ERRORS["one-megabyte"]
    else:
        assert shown_errors(html, "id_evidence-0-checked_on") == [INVALID_DATE]
    assert Entry.objects.get(pk=entry.pk).version == entry.version


def test_request_body_over_the_upload_limit_is_a_413_not_a_500(draft, staff, settings):
    # The body limit leaves room for evidence files; here it is set to the form-data limit.
    settings.MAX_REQUEST_BODY = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    entry = draft.entries.get(criterion__number=1)
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = _criterion(client, draft, entry_post(entry, strengths=big))

    # Refused by MaxRequestBodyMiddleware (MAX_REQUEST_BODY) before Django's own check.
    assert response.status_code == 413
    assert Entry.objects.get(pk=entry.pk).version == entry.version


# --- review comments and decisions -------------------------------------------------------------


@pytest.fixture
def submitted(office):
    return factories.make_assessment(
        office, cycle=2024, status=Assessment.Status.SUBMITTED, levels=[2] * 9
    )


@pytest.mark.parametrize(("payload_id", "payload"), corpus.TEXT, ids=ids(corpus.TEXT))
@pytest.mark.parametrize("action", ["comment", "return"])
def test_review_note_stored_exactly_or_explained(
    submitted, staff, reviewer, client_for, action, payload_id, payload
):
    client = client_for(reviewer)
    url = reverse(f"assess:review-{action}", args=[submitted.pk])
    # The review page posts every criterion's box as c<number>; the button names the one clicked.
    data = {"criterion": "1", "c1": payload} if action == "comment" else {"text": payload}

    response = client.post(url, data)

    errors = text_errors(payload)
    if errors:
        assert response.status_code == 200
        auto_id = "id_c1_text" if action == "comment" else "id_text"
        html = response.content.decode()
        assert shown_errors(html, auto_id) == [escaped(e) for e in errors]
        assert not ReviewComment.objects.filter(assessment=submitted).exists()
        assert Assessment.objects.get(pk=submitted.pk).status == Assessment.Status.SUBMITTED
        return
    assert response.status_code == 302
    assert list(ReviewComment.objects.filter(assessment=submitted).values_list("text", flat=True)) == [payload]  # fmt: skip
    # The office reads a criterion's comment on that criterion's page, a decision's note on
    # the assessment page; the reviewer reads both on the review page.
    office_page = (
        reverse("assess:criterion", args=[submitted.pk, 1])
        if action == "comment"
        else reverse("assess:detail", args=[submitted.pk])
    )
    for user, url in [
        (staff, office_page),
        (reviewer, reverse("assess:review", args=[submitted.pk])),
    ]:
        assert_escaped(client_for(user).get(url).content.decode(), payload)


# --- starting a cycle ----------------------------------------------------------------------------


@pytest.mark.parametrize(("payload_id", "payload"), corpus.TEXT, ids=ids(corpus.TEXT))
def test_start_form_cycle_and_source_are_explained(office, staff, client_for, payload_id, payload):
    before = Assessment.objects.count()

    response = client_for(staff).post(
        reverse("assess:start"), {"office": office.pk, "cycle": payload, "prefill_from": payload}
    )

    html = response.content.decode()
    prefix = f"id_start{office.pk}_"
    cycle = [CYCLE_TOO_SMALL] if payload in ("+1", "-1") else [WHOLE_NUMBER]
    source = [NUL] if "\x00" in payload else [NOT_A_CHOICE]
    assert response.status_code == 200
    assert {
        "cycle": shown_errors(html, f"{prefix}cycle"),
        "prefill_from": shown_errors(html, f"{prefix}prefill_from"),
    } == {"cycle": cycle, "prefill_from": source}
    assert_not_raw(html, payload)
    assert Assessment.objects.count() == before


# --- logging in and changing the password ------------------------------------------------------


@pytest.mark.parametrize(("payload_id", "payload"), corpus.TEXT, ids=ids(corpus.TEXT))
def test_login_form_hostile_credentials_are_explained(report, payload_id, payload):
    response = Client().post(reverse("account_login"), {"login": payload, "password": payload})

    html = response.content.decode()
    assert response.status_code == 200
    if "\x00" in payload:
        assert shown_errors(html, "id_login") == [NUL]
        assert shown_errors(html, "id_password") == [NUL]
    else:
        assert [str(e) for e in response.context["form"].non_field_errors()] == [LOGIN_FAILED]
        assert escaped(LOGIN_FAILED) in html
    # The username comes back in its box, escaped (the password never does).
    if len(payload) < 1000:
        assert f'value="{escaped(payload)}"' in html
    assert_not_raw(html, payload)
    assert "_auth_user_id" not in response.wsgi_request.session


def test_login_throttling_key_is_cut_to_what_axes_can_store(rf):
    # Uncut, a 256-character username made PostgreSQL refuse axes' failure record: a 500.
    request = rf.post("/accounts/login/", {"login": "u" * 300})
    assert client_username(request) == "u" * 255
    assert client_username(request, {"username": "staff"}) == "staff"
    assert client_username(request, {"email": "e" * 300}) == "e" * 255
    assert client_username(rf.post("/accounts/login/", {})) is None


NEXT_PAYLOADS = corpus.TEXT + corpus.BAD_URLS + corpus.OFFSITE


@pytest.mark.parametrize(("payload_id", "payload"), NEXT_PAYLOADS, ids=ids(NEXT_PAYLOADS))
def test_login_next_never_leads_off_site(staff, payload_id, payload):
    response = Client().post(
        reverse("account_login"), {"login": "staff", "password": "pw", "next": payload}
    )
    assert response.status_code == 302
    assert url_has_allowed_host_and_scheme(response["Location"], allowed_hosts={"testserver"})


@pytest.mark.parametrize(("payload_id", "payload"), NEXT_PAYLOADS, ids=ids(NEXT_PAYLOADS))
def test_login_page_sends_a_signed_in_user_nowhere_off_site(staff, client_for, payload_id, payload):
    response = client_for(staff).get(reverse("account_login"), {"next": payload})
    if "\x00" in payload or len(payload) > settings.MAX_QUERY_VALUE_LENGTH:
        assert response.status_code == 400  # refused before any view
        return
    assert response.status_code == 302
    assert url_has_allowed_host_and_scheme(response["Location"], allowed_hosts={"testserver"})


@pytest.mark.parametrize(("payload_id", "payload"), NEXT_PAYLOADS, ids=ids(NEXT_PAYLOADS))
def test_set_language_hostile_choice_and_next_are_ignored(report, payload_id, payload):
    response = Client().post(reverse("set_language"), {"language": payload, "next": payload})
    assert response.status_code == 302
    assert url_has_allowed_host_and_scheme(response["Location"], allowed_hosts={"testserver"})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


@pytest.mark.parametrize(("payload_id", "payload"), corpus.TEXT, ids=ids(corpus.TEXT))
def test_password_reset_hostile_address_is_explained(report, mailoutbox, payload_id, payload):
    response = Client().post(reverse("account_reset_password"), {"email": payload})

    expected = ["Enter a valid email address.", *text_errors(payload, limit=320)]
    assert response.status_code == 200
    assert shown_errors(response.content.decode(), "id_email") == [escaped(m) for m in expected]
    assert mailoutbox == []


def _password_errors(payload, user):
    if "\x00" in payload:
        return {"password1": [NUL], "password2": [NUL]}
    try:
        password_validation.validate_password(payload, user)
    except ValidationError as exc:
        return {"password1": list(exc.messages)}
    return {}


@pytest.mark.parametrize(("payload_id", "payload"), corpus.TEXT, ids=ids(corpus.TEXT))
def test_password_change_hostile_new_password_is_kept_exactly_or_explained(
    staff, client_for, payload_id, payload
):
    response = client_for(staff).post(
        reverse("account_change_password"),
        {"oldpassword": "pw", "password1": payload, "password2": payload},
    )

    staff.refresh_from_db()
    expected = _password_errors(payload, staff)
    if not expected:
        assert response.status_code == 302
        assert staff.check_password(payload)
        return
    html = response.content.decode()
    assert response.status_code == 200
    shown = {name: shown_errors(html, f"id_{name}") for name in expected}
    assert shown == {name: [escaped(m) for m in msgs] for name, msgs in expected.items()}
    assert staff.check_password("pw")


@pytest.mark.parametrize(("payload_id", "payload"), corpus.TEXT, ids=ids(corpus.TEXT))
def test_password_change_hostile_old_password_is_refused(staff, client_for, payload_id, payload):
    new = "A long and unusual passphrase 42"
    response = client_for(staff).post(
        reverse("account_change_password"),
        {"oldpassword": payload, "password1": new, "password2": new},
    )
    expected = [NUL] if "\x00" in payload else [OLD_PASSWORD]
    assert response.status_code == 200
    assert shown_errors(response.content.decode(), "id_oldpassword") == expected
    staff.refresh_from_db()
    assert staff.check_password("pw")


# --- stored text shown everywhere: pages, API, CSV and the PDF scorecard -------------------------


@pytest.fixture
def hostile_published(office):
    """A published self-assessment whose texts are the corpus, each in a different field."""
    assessment = factories.make_assessment(
        office, cycle=2024, status=Assessment.Status.PUBLISHED, levels=[1] * 9
    )
    entries = list(assessment.entries.order_by("criterion__number"))
    placed = {}
    for i, (_pid, payload) in enumerate(corpus.STORABLE):
        entry = entries[i % 9]
        field = "strengths" if i < 9 else "opportunities"
        setattr(entry, field, payload)
        placed[payload] = (entry.criterion.number, field)
    for entry in entries:
        entry.save()
        EvidenceLink.objects.create(
            entry=entry, url=f"https://example.org/{entry.criterion.number}", title=entry.strengths
        )
    return assessment, placed


def test_stored_payloads_are_escaped_on_every_page(hostile_published, staff, reviewer, client_for):
    assessment, placed = hostile_published
    city = assessment.office.city
    pages = {
        "city": (None, reverse("cities:detail", args=[city.slug])),
        "matrix": (None, reverse("reports:matrix") + f"?cities={city.slug}"),
        "review": (reviewer, reverse("assess:review", args=[assessment.pk])),
    }
    for name, (user, url) in pages.items():
        response = client_for(user).get(url)
        assert response.status_code == 200, name
        html = response.content.decode()
        for payload in placed:
            if corpus.needs_escaping(payload):
                assert payload not in html, (name, payload)
            assert escaped(payload) in html, (name, payload)


def test_stored_payloads_come_back_exactly_from_the_api(hostile_published, client):
    assessment, placed = hostile_published
    response = client.get(reverse("api:get_assessment", args=[assessment.pk]))
    entries = {e["criterion"]: e for e in json.loads(response.content)["entries"]}
    for payload, (number, field) in placed.items():
        assert entries[number][field] == payload
    assert [entries[n]["evidence"][0]["title"] for n in range(1, 10)] == [
        entries[n]["strengths"] for n in range(1, 10)
    ]


def test_stored_payloads_in_the_matrix_csv_are_literal_and_never_formulas(
    hostile_published, client
):
    assessment, placed = hostile_published
    city = assessment.office.city
    response = client.get(reverse("reports:matrix-csv") + f"?cities={city.slug}")
    rows = {
        int(r["criterion_number"]): r
        for r in csv.DictReader(io.StringIO(response.content.decode()))
    }
    for payload, (number, field) in placed.items():
        expected = "'" + payload if payload.startswith(FORMULA_PREFIXES) else payload
        assert rows[number][field] == expected
    assert all(
        not value.startswith(FORMULA_PREFIXES) for row in rows.values() for value in row.values()
    )


# A PDF holds what is drawn, in the order it is drawn: the override reverses the text after
# it (as a browser shows it too), and zero-width characters draw nothing.
PDF_TEXT = {
    "invoice\u202etxt.exe": "invoiceexe.txt",
    "zero\u200dwidth\u200bjoiner\ufeffspace": "zerowidthjoinerspace",
}


def test_stored_payloads_are_literal_text_in_the_pdf_scorecard(hostile_published, client):
    assessment, placed = hostile_published
    content = pdf_bytes(client.get(reverse("reports:scorecard", args=[assessment.pk])))
    text = pdf_flat(content)
    reader = PdfReader(io.BytesIO(content))
    for payload in placed:
        assert flat(PDF_TEXT.get(payload, payload)) in text, payload
    # Nothing the text says became part of the document: no attachment from
    # <link rel=attachment>, no link but the evidence and the scorecard's own address.
    assert reader.attachments == {}
    own = "http://testserver" + reverse("reports:scorecard", args=[assessment.pk])
    assert set(link_targets(content)) == {f"https://example.org/{n}" for n in range(1, 10)} | {own}


# --- query parameters ----------------------------------------------------------------------------

# Every GET view that reads query parameters, with all the parameters it reads. Each payload
# goes into all of them at once: a bad value falls back to its default with a message, so
# one request shows every parameter's message (and a 500 from any of them).
HTML_VIEWS = {
    "cities": ("cities:list", ["country", "region", "institutional_home", "sample", "include_fictional", "sort"], 200),
    "matrix": ("reports:matrix", ["cities", "cycle", "kind", "include_demo"], 200),
    "dashboard": ("reports:dashboard", ["region", "country", "home", "cycle", "kind", "include_demo", "include_synthetic", "sort", "offices", "office", "page"], 200),
    "scorecard": ("reports:scorecard", ["lang", "paper"], 400),
    "bundle": ("reports:scorecard-bundle", ["lang", "paper", "region", "fictional"], 400),
    "criterion": ("assess:criterion", ["links"], 200),
    "diff": ("assess:diff", ["old", "new"], 200),
    # A signed-in user is sent on from the login page (never off the site: below).
    "login": ("account_login", ["next"], 302),
}  # fmt: skip
CSV_VIEWS = {
    "matrix-csv": ("reports:matrix-csv", HTML_VIEWS["matrix"][1]),
    "dashboard-csv": ("reports:dashboard-csv", HTML_VIEWS["dashboard"][1]),
}
# API filters: slugs match nothing, or are refused (422) when they are not slugs (the
# OpenAPI document declares their pattern and length); enumerations, numbers and yes/no
# answers are validated (422).
API_VIEWS = {
    "api:list_countries": ([], ["region", "origin", "limit", "offset"]),
    "api:list_cities": (["country"], ["region", "in_sample", "origin", "limit"]),
    "api:list_offices": (["city"], ["institutional_home", "in_sample", "origin", "offset"]),
    "api:list_assessments": (["city", "office"], ["cycle", "kind", "status", "origin"]),
}

QUERY_PAYLOADS = corpus.TEXT + corpus.BAD_URLS + [("lone-surrogate", None)]


@pytest.fixture
def fake_pdf(monkeypatch):
    # Where query parameters are the point, the PDF's pages are not: no WeasyPrint.
    monkeypatch.setattr(
        "reports.scorecard_cache.render_scorecard", lambda **kw: b"%PDF-1.7\n%%EOF\n"
    )


def _view_url(name, *, draft, published):
    if name == "reports:scorecard":
        return reverse(name, args=[published.pk])
    if name == "assess:diff":
        return reverse(name, args=[draft.pk])
    if name == "assess:criterion":
        return reverse(name, args=[draft.pk, 1])
    if name == "reports:scorecard-bundle":
        return reverse(name, args=[2024])
    if name == "reports:dashboard-csv":
        return reverse(name, args=["heatmap"])
    return reverse(name)


def _query(params, payload):
    value = corpus.LONE_SURROGATE_QUERY if payload is None else quote(payload, safe="")
    return "&".join(f"{p}={value}" for p in params)


def _messages(response):
    """What the view said about its input: a filter form's problems or its field errors."""
    context = response.context
    if context is None:  # a redirect
        return []
    if context.get("problems"):
        return [str(m) for m in context["problems"]]
    form = context.get("form")
    if form is not None and form.is_bound:
        return [str(e) for errors in form.errors.values() for e in errors]
    return []


@pytest.mark.parametrize(("payload_id", "payload"), QUERY_PAYLOADS, ids=ids(QUERY_PAYLOADS))
def test_query_parameters_hostile_values_get_messages_never_a_500(
    office, staff, client_for, fake_pdf, payload_id, payload
):
    draft = factories.make_assessment(office, cycle=2025)
    published = factories.make_assessment(office, cycle=2024, status=Assessment.Status.PUBLISHED)
    client = client_for(staff)
    early = payload is not None and ("\x00" in payload or len(payload) > 2000)
    sent = corpus.LONE_SURROGATE_DECODED if payload is None else payload

    statuses, expected = {}, {}
    for view, (name, params, ok) in HTML_VIEWS.items():
        response = client.get(
            _view_url(name, draft=draft, published=published) + "?" + _query(params, payload)
        )
        html = response.content.decode()
        statuses[view], expected[view] = response.status_code, 400 if early else ok
        if early:
            assert html == BAD_QUERY, view
            continue
        assert_not_raw(html, sent)
        for message in _messages(response):
            assert escaped(message) in html, (view, message)
    for view, (name, params) in CSV_VIEWS.items():
        response = client.get(
            _view_url(name, draft=draft, published=published) + "?" + _query(params, payload)
        )
        statuses[view], expected[view] = response.status_code, 400 if early else 200
        if not early:
            assert response["Content-Type"] == "text/csv; charset=utf-8"
    for name, (text_params, typed_params) in API_VIEWS.items():
        slug = re.fullmatch(r"[-a-zA-Z0-9_]{0,120}", sent) is not None
        for kind, params, ok in [
            ("text", text_params, 200 if slug else 422),
            ("typed", typed_params, 422),
        ]:
            if not params:
                continue
            response = client.get(reverse(name) + "?" + _query(params, payload))
            statuses[f"{name}-{kind}"] = response.status_code
            expected[f"{name}-{kind}"] = 400 if early else ok
            if not early and ok == 200:
                assert json.loads(response.content)["items"] == []
    # Changing the language goes back to the page it came from, never to another site.
    response = client.get(reverse("set_language") + "?" + _query(["next"], payload))
    statuses["set_language"], expected["set_language"] = response.status_code, 400 if early else 302
    if not early:
        assert url_has_allowed_host_and_scheme(response["Location"], allowed_hosts={"testserver"})

    assert statuses == expected
