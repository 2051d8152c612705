"""Bad input on the criterion form: a message next to the field, nothing saved, nothing lost."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from assessments.models import Assessment, Entry, EvidenceLink

from .helpers import entry_post

LINK = {"url": "https://example.org/report", "title": "Annual report", "checked_on": ""}
LONG = "x" * (settings.MAX_TEXT_LENGTH + 1)
SCHEME = "Only web links starting with http:// or https:// are allowed."
PRIVATE = "Links to this computer or to a private network are not allowed."
SPACES = "This field holds only spaces. Write some text or leave it empty."
NUL = "Null characters are not allowed."
BACKSLASH = "Links may not contain a backslash (\\). Use a forward slash (/) instead."
USERINFO = (
    "Links may not contain a user name or password (the part before @). "
    "Remove it, and never put a password in a link."
)


def _post(client, assessment, data):
    url = reverse("assess:criterion", args=[assessment.pk, 1])
    return client.post(url, data)


def _errors(response):
    form, formset = response.context["form"], response.context["formset"]
    errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
    for i, f in enumerate(formset.forms):
        for name, errs in f.errors.items():
            errors[f"evidence-{i}-{name}"] = [str(e) for e in errs]
    if formset.non_form_errors():
        errors["evidence"] = [str(e) for e in formset.non_form_errors()]
    return errors


MAX_LINES = settings.MAX_TEXT_LINES
MANY_LINES = "A short line.\n" * (MAX_LINES + 1)
MANY_EMOJI = "Good news 🎉 " * (settings.MAX_TEXT_EMOJI + 1)
LONG_URL = "https://example.org/" + "a" * 190  # 210 characters without a space
LONG_WORD = "x" * 101


def lines_message(lines):
    return f"This text has {lines} lines; at most {MAX_LINES} are allowed. Join short lines into paragraphs."  # fmt: skip


def word_message(word, limit):
    return (
        f"“{word[:30]}…” has {len(word)} characters without a space; a word or link may have "
        f"at most {limit}. Add spaces, or shorten it."
    )


BAD_FIELDS = [
    ({"strengths": "   "}, {"strengths": [SPACES]}),
    ({"opportunities": "\t\n  \r\n"}, {"opportunities": [SPACES]}),
    ({"strengths": LONG}, {"strengths": [f"Ensure this value has at most 5000 characters (it has {len(LONG)})."]}),
    ({"strengths": "a\x00b"}, {"strengths": [NUL]}),
    ({"level": "7"}, {"level": ["Select a valid choice. 7 is not one of the available choices."]}),
    ({"level": "-1"}, {"level": ["Select a valid choice. -1 is not one of the available choices."]}),
    ({"level": "two"}, {"level": ["Select a valid choice. two is not one of the available choices."]}),
    ({"applicability": "maybe"}, {"applicability": ["Select a valid choice. maybe is not one of the available choices."]}),
    (
        {"applicability": "not-applicable", "justification": "  "},
        {"justification": [SPACES]},
    ),
    (
        {"applicability": "not-applicable", "justification": ""},
        {"justification": ["Explain why the criterion does not apply to your office."]},
    ),
    ({"base_version": "abc"}, {"base_version": ["Enter a whole number."]}),
    ({"base_version": ""}, {"base_version": ["This field is required."]}),
    ({"strengths": MANY_LINES}, {"strengths": [lines_message(MAX_LINES + 1)]}),
    (
        {"opportunities": MANY_EMOJI},
        {"opportunities": [f"This text has {settings.MAX_TEXT_EMOJI + 1} emoji; at most {settings.MAX_TEXT_EMOJI} are allowed."]},  # fmt: skip
    ),
    ({"opportunities": f"Read {LONG_URL} first."}, {"opportunities": [word_message(LONG_URL, 200)]}),
    (
        {"applicability": "not-applicable", "justification": "\r\n".join(["a"] * MAX_LINES + [LONG_URL])},
        {"justification": [lines_message(MAX_LINES + 1), word_message(LONG_URL, 200)]},
    ),
]  # fmt: skip

BAD_URLS = [
    ("javascript:alert(1)", SCHEME),
    ("JavaScript:alert(document.cookie)", SCHEME),
    ("file:///etc/passwd", SCHEME),
    ("data:text/html,<script>alert(1)</script>", SCHEME),
    ("ftp://example.org/report.pdf", SCHEME),
    ("http://localhost:8000/admin/", PRIVATE),
    ("https://LOCALHOST./", PRIVATE),
    ("http://intranet.localhost/", PRIVATE),
    ("http://127.0.0.1/", PRIVATE),
    ("http://10.1.2.3/x", PRIVATE),
    ("http://172.16.0.1/", PRIVATE),
    ("http://192.168.1.1/router", PRIVATE),
    ("http://169.254.169.254/latest/meta-data/", PRIVATE),
    ("http://0.0.0.0/", PRIVATE),
    ("http://[::1]/", PRIVATE),
    ("http://[fe80::1]/", PRIVATE),
    ("http://[::ffff:127.0.0.1]/", PRIVATE),
    ("https://exa mple.org/", "Enter a valid URL."),
    ("https://example.org/\x00", NUL),
    # Read as a browser reads them (WHATWG URL parsing, ada-url): a backslash is a slash,
    # so this opens 127.0.0.1 although urlsplit sees the host example.com.
    ("http://127.0.0.1\\@example.com/", BACKSLASH),
    ("https://example.org\\report", BACKSLASH),
    ("http://user:secret@example.org/", USERINFO),
    ("http://127.0.0.1:80@example.com/", USERINFO),
    ("https://example.org@evil.example/", USERINFO),
    # IPv4 in the forms a browser normalises, and IPv6 forms that embed IPv4.
    ("http://2130706433/", PRIVATE),
    ("http://0x7f.1/", PRIVATE),
    ("http://0177.0.0.1/", PRIVATE),
    ("http://127.1/", PRIVATE),
    ("http://%31%32%37.0.0.1/", PRIVATE),
    ("http://0xa9.0xfe.0xa9.0xfe/latest/meta-data/", PRIVATE),
    ("http://[::127.0.0.1]/", PRIVATE),
    ("http://[64:ff9b::10.0.0.1]/", PRIVATE),
    ("http://[fc00::1]/", PRIVATE),
    ("http://intranet.local./", PRIVATE),
    ("http://ＬＯＣＡＬＨＯＳＴ/", PRIVATE),
]

GOOD_URLS = [
    ("https://example.org/report.pdf", "https://example.org/report.pdf"),
    ("https://mastodon.social/@ovp", "https://mastodon.social/@ovp"),
    ("https://example.org/search?q=a@b#top", "https://example.org/search?q=a@b#top"),
    ("https://bücher.example/plan", "https://bücher.example/plan"),
    ("http://[2606:4700::1]/", "http://[2606:4700::1]/"),
    ("https://example.org:8443/x", "https://example.org:8443/x"),
    ("http://8.8.8.8/", "http://8.8.8.8/"),
]


@pytest.mark.parametrize(("fields", "expected"), BAD_FIELDS)
def test_criterion_bad_field_shows_error_and_keeps_input(
    assessment, staff, client_for, fields, expected
):
    entry = assessment.entries.get(criterion__number=1)
    data = entry_post(entry, **{"strengths": "Kept text ñ", **fields})

    response = _post(client_for(staff), assessment, data)

    assert response.status_code == 200
    assert _errors(response) == expected
    assert response.context["form"].data["strengths"] == data["strengths"]
    assert Entry.objects.get(pk=entry.pk).version == entry.version
    assert Assessment.objects.get(pk=assessment.pk).version == assessment.version


@pytest.mark.parametrize(("url", "message"), BAD_URLS)
def test_criterion_bad_evidence_url_is_refused(assessment, staff, client_for, url, message):
    entry = assessment.entries.get(criterion__number=1)
    data = entry_post(entry, links=[{**LINK, "url": url}])

    response = _post(client_for(staff), assessment, data)

    assert response.status_code == 200
    assert _errors(response) == {"evidence-0-url": [message]}
    assert response.context["formset"].forms[0].data["evidence-0-url"] == url
    assert EvidenceLink.objects.filter(entry=entry).count() == 0


@pytest.mark.parametrize(("url", "stored"), GOOD_URLS)
def test_criterion_public_evidence_url_is_saved(assessment, staff, client_for, url, stored):
    entry = assessment.entries.get(criterion__number=1)
    response = _post(client_for(staff), assessment, entry_post(entry, links=[{**LINK, "url": url}]))
    assert response.status_code == 302
    assert EvidenceLink.objects.get(entry=entry).url == stored


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ({"title": "   "}, {"evidence-0-title": ["Give the link a title."]}),
        ({"url": ""}, {"evidence-0-url": ["Enter the link's address, or choose a file."]}),
        ({"title": "t" * 201}, {"evidence-0-title": ["Ensure this value has at most 200 characters (it has 201)."]}),
        ({"checked_on": "31/31/2025"}, {"evidence-0-checked_on": ["Enter a valid date."]}),
        ({"checked_on": "2999-01-01"}, {"evidence-0-checked_on": ["The date last checked cannot be in the future."]}),
        ({"title": "a\x00b"}, {"evidence-0-title": [NUL]}),
        ({"title": "Annual\nreport"}, {"evidence-0-title": ["A title is one line: remove the line breaks."]}),
        ({"title": "Annual\rreport"}, {"evidence-0-title": ["A title is one line: remove the line breaks."]}),
        ({"title": f"Report {LONG_WORD}"}, {"evidence-0-title": [word_message(LONG_WORD, 100)]}),
    ],
)  # fmt: skip
def test_criterion_bad_evidence_row_is_refused(assessment, staff, client_for, link, expected):
    entry = assessment.entries.get(criterion__number=1)
    response = _post(client_for(staff), assessment, entry_post(entry, links=[{**LINK, **link}]))
    assert response.status_code == 200
    assert _errors(response) == expected
    assert EvidenceLink.objects.filter(entry=entry).count() == 0


def test_criterion_tampered_management_form_is_a_message(assessment, staff, client_for):
    entry = assessment.entries.get(criterion__number=1)
    data = entry_post(entry)
    data["evidence-TOTAL_FORMS"] = "x\x00"
    response = _post(client_for(staff), assessment, data)
    assert response.status_code == 200
    assert list(_errors(response)) == ["evidence"]


def test_criterion_too_many_links_is_a_message(assessment, staff, client_for):
    entry = assessment.entries.get(criterion__number=1)
    links = [{**LINK, "url": f"https://example.org/{i}"} for i in range(51)]
    response = _post(client_for(staff), assessment, entry_post(entry, links=links))
    assert response.status_code == 200
    assert _errors(response) == {"evidence": ["Please submit at most 50 forms."]}


def test_criterion_valid_link_is_saved_with_https_assumed(assessment, staff, client_for):
    entry = assessment.entries.get(criterion__number=1)
    link = {"url": "example.org/budget", "title": "Budget", "checked_on": "2025-03-01"}
    response = _post(client_for(staff), assessment, entry_post(entry, links=[link]))
    assert response.status_code == 302
    stored = EvidenceLink.objects.get(entry=entry)
    assert (stored.url, stored.title, stored.checked_on) == (
        "https://example.org/budget",
        "Budget",
        datetime.date(2025, 3, 1),
    )


def test_criterion_empty_draft_is_saved(assessment, staff, client_for):
    entry = assessment.entries.get(criterion__number=1)
    data = entry_post(entry, level="", strengths="", opportunities="")
    response = _post(client_for(staff), assessment, data)
    stored = Entry.objects.get(pk=entry.pk)
    assert response.status_code == 302
    assert (stored.level, stored.strengths, stored.version) == (None, "", 2)


TEXTS = {
    "Spanish": "Mesas de convivencia en las comunas; ¿quién participa? Año 2025.",
    "Portuguese": "Ações de prevenção à violência nas periferias, com participação cidadã.",
    "German": "Gewaltprävention für Jugendliche: Straßensozialarbeit in Äußeren Bezirken (ß, ü).",
    "Arabic": "الوقاية من العنف في الأحياء مع الشركاء المحليين",
    "emoji": "Community walks 🚶‍♀️🕊️ and youth football ⚽ — with 👍🏽 from residents",
}


@pytest.mark.parametrize("language", list(TEXTS))
def test_criterion_text_in_any_script_is_stored_and_shown_exactly(
    assessment, staff, client_for, language
):
    text = TEXTS[language]
    entry = assessment.entries.get(criterion__number=1)
    client = client_for(staff)
    link = {"url": "https://example.org/", "title": text[:200], "checked_on": ""}
    data = entry_post(entry, links=[link], strengths=text, opportunities=f"{text}\r\nSecond line")

    assert _post(client, assessment, data).status_code == 302

    stored = Entry.objects.get(pk=entry.pk)
    assert (stored.strengths, stored.opportunities) == (text, f"{text}\nSecond line")
    assert EvidenceLink.objects.get(entry=entry).title == text[:200]
    page = client.get(reverse("assess:criterion", args=[assessment.pk, 1]))
    assert page.context["form"].initial["strengths"] == text
    assert text in page.content.decode().replace("&#x27;", "'")


def test_criterion_realistic_long_prose_with_links_is_saved(assessment, staff, client_for):
    # The longest real address in the report has 96 characters; this one has 154. Long
    # compound words, a list of 50 short lines after a few paragraphs and a few emoji are
    # fine.
    url = (
        "https://www.example.gov/city/en/depts/mayor/supp_info/community-safety/reports/"
        "2024/annual-violence-prevention-report-final-version.pdf?download=1&lang=en"
    )
    paragraph = (
        "Die Donaudampfschifffahrtsgesellschaft und die Kinder- und Jugendhilfeeinrichtungen "
        f"treffen sich monatlich; das Protokoll steht unter {url}. "
    )
    items = "\n".join(f"- Partner {i}: outreach 🤝" for i in range(settings.MAX_TEXT_EMOJI))
    strengths = "\n\n".join([paragraph] * 3 + [items])
    assert len(strengths) <= settings.MAX_TEXT_LENGTH and len(url) == 154
    entry = assessment.entries.get(criterion__number=1)
    link = {**LINK, "title": "Informe anual de prevención de la violencia 2024 (versión final)"}
    data = entry_post(entry, links=[link], strengths=strengths, opportunities=paragraph)

    response = _post(client_for(staff), assessment, data)

    assert response.status_code == 302
    stored = Entry.objects.get(pk=entry.pk)
    assert (stored.strengths, stored.opportunities) == (strengths, paragraph.strip())
