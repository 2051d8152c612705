"""Evidence files: what the criterion form accepts (by content, within the limit), what it
refuses (a message next to the field, everything typed kept, nothing stored), where files
go, who may download them, and what survives conflicts, errors and a copied cycle."""

import datetime
import io
import re
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from assessments import evidence, workflow
from assessments.models import Assessment, EvidenceLink, StoredFile

from .. import factories
from .helpers import entry_post, fill

PDF = factories.PDF_BYTES
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
STRENGTHS = "Typed for an hour with our partners."
RANDOM_NAME = re.compile(r"^evidence/[0-9a-f]{32}\.(pdf|png|jpg|gif|webp|docx|xlsx|odt)$")
NOT_ALLOWED = (
    "This file is not a PDF, an image (PNG, JPEG, WebP, GIF) or an office document (Word, "
    "Excel, PowerPoint, OpenDocument), whatever its name says."
)


def _zip(entries):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in entries:
            method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            z.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return out.getvalue()


DOCX = _zip(
    [
        ("[Content_Types].xml", "<Types/>"),
        ("_rels/.rels", "<Relationships/>"),
        ("word/document.xml", "<w:document/>"),
    ]
)
XLSX = _zip([("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml", "<workbook/>")])
ODT = _zip([("mimetype", "application/vnd.oasis.opendocument.text"), ("content.xml", "<office/>")])
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64


def _url(assessment, number=1):
    return reverse("assess:criterion", args=[assessment.pk, number])


def _upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _post_file(client, assessment, name, content, **row):
    entry = assessment.entries.get(criterion__number=1)
    data = entry_post(entry, links=[{"title": "", "checked_on": "", **row}], strengths=STRENGTHS)
    data["evidence-0-file"] = _upload(name, content)
    return client.post(_url(assessment), data)


def _stored(media_dir):
    """Every file under the storage's location, as relative paths."""
    if not media_dir.exists():
        return []
    return sorted(str(p.relative_to(media_dir)) for p in media_dir.rglob("*") if p.is_file())


def _file_errors(response):
    return [str(e) for e in response.context["formset"].forms[0].errors.get("file", [])]


def _client(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _body(response):
    return b"".join(response.streaming_content)


# --- accepted files ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("budget.pdf", PDF, "application/pdf"),
        ("photo.png", PNG, "image/png"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("chart.gif", GIF, "image/gif"),
        ("chart.webp", WEBP, "image/webp"),
        (
            "minutes.docx",
            DOCX,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),  # fmt: skip
        ("budget.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("plan.odt", ODT, "application/vnd.oasis.opendocument.text"),
        # The name does not matter either way: a PDF called .png is stored as the PDF it is.
        ("scan.png", PDF, "application/pdf"),
    ],
)
def test_criterion_upload_is_stored_under_a_random_name(
    assessment, staff, media_dir, name, content, kind
):
    response = _post_file(_client(staff), assessment, name, content)

    assert response.status_code == 302
    link = EvidenceLink.objects.get(entry__assessment=assessment)
    ext = evidence.ALLOWED_TYPES[kind][0]
    assert (link.url, link.file_type, link.file_size) == ("", kind, len(content))
    assert link.file_name == f"{name.rsplit('.', 1)[0]}.{ext}"
    assert link.title == link.file_name  # no title typed: the file's name
    assert RANDOM_NAME.match(link.file.name)
    assert _stored(media_dir) == [link.file.name]
    assert (media_dir / link.file.name).read_bytes() == content


# --- refused files: a message next to the field, the text kept, nothing stored ----------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", HTML, NOT_ALLOWED),  # HTML renamed .pdf
        ("report.pdf", b"", "This file is empty. Choose another file."),
        ("../../etc/passwd.pdf", HTML, NOT_ALLOWED),
        ("report.pdf", b"MZ\x90\x00" + b"\x00" * 200, NOT_ALLOWED),  # a Windows program
        ("archive.pdf", _zip([("a.txt", "not an office document")]), NOT_ALLOWED),
        ("page.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', NOT_ALLOWED),
    ],
)
def test_criterion_refused_upload_is_explained_and_not_stored(
    assessment, staff, media_dir, name, content, message
):
    response = _post_file(_client(staff), assessment, name, content)

    assert response.status_code == 200
    assert _file_errors(response) == [message]
    assert response.context["form"]["strengths"].value() == STRENGTHS
    assert EvidenceLink.objects.filter(entry__assessment=assessment).count() == 0
    assert _stored(media_dir) == []


@pytest.mark.django_db
def test_criterion_upload_over_the_limit_reaches_the_form(assessment, staff, media_dir, settings):
    # The default limits: the body passes MaxRequestBodyMiddleware and the form says why.
    assert settings.EVIDENCE_MAX_BYTES == 10 * 1024 * 1024
    content = PDF + b"0" * (settings.EVIDENCE_MAX_BYTES + 1 - len(PDF))

    response = _post_file(_client(staff), assessment, "big.pdf", content)

    assert response.status_code == 200
    assert _file_errors(response) == [
        "This file is too big (10.0\xa0MB): files may be at most 10.0\xa0MB."
    ]
    assert response.context["form"]["strengths"].value() == STRENGTHS
    assert EvidenceLink.objects.count() == 0
    assert _stored(media_dir) == []


@pytest.mark.django_db
def test_criterion_upload_limit_is_a_setting(assessment, staff, media_dir, settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    response = _post_file(_client(staff), assessment, "big.pdf", PDF + b"0" * 1000)

    assert _file_errors(response) == [
        "This file is too big (1.1\xa0KB): files may be at most 1000\xa0bytes."
    ]
    assert _stored(media_dir) == []


@pytest.mark.django_db
def test_criterion_path_traversal_name_stays_inside_the_storage(
    assessment, staff, media_dir, tmp_path
):
    # Django's upload parser keeps only the last part of a name; ours never uses it for a
    # path at all: the file gets a random name, the download the sanitised one.
    response = _post_file(_client(staff), assessment, "../../etc/passwd.pdf", PDF)

    assert response.status_code == 302
    link = EvidenceLink.objects.get(entry__assessment=assessment)
    assert link.file_name == "passwd.pdf"
    assert _stored(media_dir) == [link.file.name]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["media"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\win.ini.pdf", "win.ini.pdf"),
        ("..", "evidence.pdf"),
        ("report.html", "report.pdf"),  # the detected type's extension, not the name's
        ("Informe final (versión 2).pdf", "Informe final (versión 2).pdf"),
        ("bad\x00name\u202e\u200b.pdf", "badname.pdf"),
        ('a<b>:"c"|?*.pdf', "a_b___c____.pdf"),
        ("  tabs\tand\nlines  .pdf", "tabsandlines.pdf"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_safe_name(name, expected):
    assert evidence.safe_name(name, "application/pdf") == expected


@pytest.mark.django_db
def test_criterion_link_and_file_in_one_row_is_refused(assessment, staff, media_dir):
    response = _post_file(
        _client(staff), assessment, "budget.pdf", PDF, url="https://example.org/budget"
    )

    assert _file_errors(response) == ["Give a link or a file in this row, not both."]
    assert _stored(media_dir) == []


@pytest.mark.django_db
def test_criterion_outsider_cannot_upload(assessment, other_staff, viewer, media_dir):
    assert _post_file(_client(other_staff), assessment, "budget.pdf", PDF).status_code == 404
    assert _post_file(_client(viewer), assessment, "budget.pdf", PDF).status_code == 403
    assert _post_file(_client(None), assessment, "budget.pdf", PDF).status_code == 302
    assert EvidenceLink.objects.count() == 0
    assert _stored(media_dir) == []


# --- a stored file in a form row: a signed token, for this entry only ---------------------------


@pytest.mark.django_db
def test_criterion_token_of_another_entry_is_refused(assessment, staff):
    theirs = factories.make_evidence_file(
        factories.make_assessment(factories.make_office(), cycle=2025).entries.first()
    )
    entry = assessment.entries.get(criterion__number=1)
    forged = [
        evidence.sign(theirs.stored_file, entry_id=theirs.entry_id),  # another entry's token
        theirs.file.name,  # a bare storage name
        "evidence/../../settings.py",
    ]
    for token in forged:
        data = entry_post(entry, links=[{"stored": token, "title": "Theirs"}])
        response = _client(staff).post(_url(assessment), data)
        assert response.status_code == 200
        errors = response.context["formset"].forms[0].errors
        assert errors["stored"] == ["This file could not be found again. Choose it again."]
    assert EvidenceLink.objects.filter(entry=entry).count() == 0


def test_token_names_only_evidence_files():
    bad = StoredFile("settings.py", "x.pdf", 1, "application/pdf")
    assert evidence.unsign(evidence.sign(bad, entry_id=1), entry_id=1) is None
    good = StoredFile("evidence/ab.pdf", "x.pdf", 1, "application/pdf")
    assert evidence.unsign(evidence.sign(good, entry_id=1), entry_id=1) == good
    assert evidence.unsign(evidence.sign(good, entry_id=1), entry_id=2) is None


@pytest.mark.django_db
def test_criterion_accepted_file_survives_another_fields_error(assessment, staff, media_dir):
    client = _client(staff)
    entry = assessment.entries.get(criterion__number=1)
    data = entry_post(entry, links=[{"title": "", "checked_on": ""}], strengths="  ")
    data["evidence-0-file"] = _upload("budget.pdf", PDF)

    response = client.post(_url(assessment), data)

    assert response.status_code == 200
    assert "strengths" in response.context["form"].errors
    row = response.context["formset"].forms[0]
    assert row.stored_file.original_name == "budget.pdf"
    assert b"budget.pdf" in response.content
    # Sent again with the text fixed, the row's token saves the file stored the first time.
    again = {**data, "strengths": STRENGTHS, "evidence-0-stored": row.data["evidence-0-stored"]}
    del again["evidence-0-file"]
    assert client.post(_url(assessment), again).status_code == 302
    link = EvidenceLink.objects.get(entry=entry)
    assert _stored(media_dir) == [link.file.name]


@pytest.mark.django_db
def test_criterion_replace_and_remove_keep_the_stored_files(assessment, staff, media_dir):
    client = _client(staff)
    assert _post_file(client, assessment, "v1.pdf", PDF).status_code == 302
    entry = assessment.entries.get(criterion__number=1)
    first = EvidenceLink.objects.get(entry=entry)
    page = client.get(_url(assessment))
    token = page.context["formset"].forms[0].initial["stored"]
    data = entry_post(entry, links=[{"stored": token, "title": "Budget", "checked_on": ""}])
    data["evidence-INITIAL_FORMS"] = "1"
    data["evidence-0-file"] = _upload("v2.pdf", PDF + b"%v2")

    assert client.post(_url(assessment), data).status_code == 302

    second = EvidenceLink.objects.get(entry=entry)
    assert (second.file_name, second.title) == ("v2.pdf", "Budget")
    entry.refresh_from_db()
    removed = entry_post(entry, links=[])
    assert client.post(_url(assessment), removed).status_code == 302
    assert EvidenceLink.objects.filter(entry=entry).count() == 0
    # History still names both files, so both stay in storage.
    assert _stored(media_dir) == sorted([first.file.name, second.file.name])


# --- downloads ---------------------------------------------------------------------------------


@pytest.fixture
def cycles(office, staff, reviewer):
    """A published assessment with a file, and the draft of the next cycle copied from it."""
    published = fill(workflow.start_assessment(office=office, cycle=2024, user=staff), staff)
    factories.make_evidence_file(published.entries.get(criterion__number=1))
    assert workflow.submit(assessment=published, user=staff) == []
    workflow.publish(assessment=published, user=reviewer)
    draft = workflow.start_assessment(office=office, cycle=2025, user=staff, prefill_from=published)
    return {"published": published, "draft": draft}


def _file_url(assessment):
    link = EvidenceLink.objects.get(entry__assessment=assessment)
    return reverse("assess:evidence-file", args=[assessment.pk, link.pk])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "draft", "published"),
    [
        ("staff", 200, 200),
        ("viewer", 200, 200),
        ("reviewer", 200, 200),
        ("other_staff", 404, 200),
        ("researcher", 404, 200),
        ("anonymous", 404, 200),
    ],
)
def test_evidence_download_follows_the_assessment(request, cycles, viewer, persona, draft, published):  # fmt: skip
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    client = _client(user)
    assert client.get(_file_url(cycles["draft"])).status_code == draft
    assert client.get(_file_url(cycles["published"])).status_code == published


@pytest.mark.django_db
def test_evidence_download_is_an_attachment_that_never_renders(cycles, staff):
    response = _client(staff).get(_file_url(cycles["draft"]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="Budget 2024.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Cache-Control"] == "private, no-store"
    assert _body(response) == PDF


@pytest.mark.django_db
def test_evidence_download_of_another_assessment_is_404(cycles, staff, other_staff):
    theirs = factories.make_assessment(other_staff.memberships.get().office, cycle=2025)
    their_file = factories.make_evidence_file(theirs.entries.first())
    link = EvidenceLink.objects.create(
        entry=cycles["draft"].entries.get(criterion__number=2),
        url="https://example.org/",
        title="A link, not a file",
    )
    mine = cycles["draft"].pk
    for item in (their_file.pk, link.pk, 999_999):
        url = reverse("assess:evidence-file", args=[mine, item])
        assert _client(staff).get(url).status_code == 404
    # And their file under its own address, as an outsider:
    url = reverse("assess:evidence-file", args=[theirs.pk, their_file.pk])
    assert _client(staff).get(url).status_code == 404
    assert _client(None).get(url).status_code == 404


@pytest.mark.django_db
def test_copied_cycle_shares_the_file_and_deleting_one_keeps_it(cycles, staff, media_dir):
    old = EvidenceLink.objects.get(entry__assessment=cycles["published"])
    new = EvidenceLink.objects.get(entry__assessment=cycles["draft"])
    assert (new.file.name, new.carried_over) == (old.file.name, True)

    Assessment.objects.filter(pk=cycles["published"].pk).delete()

    assert default_storage.exists(new.file.name)
    assert _body(_client(staff).get(_file_url(cycles["draft"]))) == PDF


# --- to re-check ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_ago", "carried_over", "expected"),
    [(0, False, False), (365, False, False), (366, False, True), (10, True, True)],
)
def test_needs_recheck_after_a_year_or_when_copied(days_ago, carried_over, expected):
    today = datetime.date(2026, 11, 29)
    link = EvidenceLink(
        url="https://example.org/",
        title="Law",
        checked_on=today - datetime.timedelta(days=days_ago),
        carried_over=carried_over,
    )
    assert link.needs_recheck(today=today) is expected


def test_needs_recheck_never_checked_is_not_flagged():
    assert EvidenceLink(url="https://example.org/", title="Law").needs_recheck() is False


# --- conflicts over files -----------------------------------------------------------------------


@pytest.mark.django_db
def test_criterion_file_added_by_one_and_link_by_another_both_kept(assessment, staff, office):
    colleague = factories.make_user("colleague", office=office)
    entry = assessment.entries.get(criterion__number=1)
    alice, bob = _client(staff), _client(colleague)
    assert _post_file(alice, assessment, "budget.pdf", PDF).status_code == 302
    # Bob started from the first version and adds a link: a conflict, not a silent loss.
    link = {"url": "https://example.org/law", "title": "Law", "checked_on": ""}
    response = bob.post(_url(assessment), entry_post(entry, links=[link], strengths=STRENGTHS))

    assert response.status_code == 409
    shown = {f.name: f.resolution for f in response.context["conflict"]["fields"]}
    assert shown["evidence"] == "both"
    assert b"budget.pdf, PDF, 77\xc2\xa0bytes" in response.content
    rows = response.context["formset"].forms
    assert [(f.initial["title"], bool(f.initial["stored"])) for f in rows] == [
        ("budget.pdf", True),
        ("Law", False),
    ]
    # Saving the merge keeps Alice's file and Bob's link.
    data = entry_post(
        entry,
        links=[{k: f.initial[k] or "" for k in ("url", "title", "stored")} for f in rows],
        strengths=STRENGTHS,
        base_version=response.context["form"]["base_version"].value(),
    )
    assert bob.post(_url(assessment), data).status_code == 302
    kept = EvidenceLink.objects.filter(entry=entry).order_by("title")
    assert [(k.title, k.url, k.file_name) for k in kept] == [
        ("Law", "https://example.org/law", ""),
        ("budget.pdf", "", "budget.pdf"),
    ]


# --- what staff see: to re-check, and the link check ------------------------------------------


@pytest.mark.django_db
def test_criterion_and_overview_show_recheck_and_link_check(assessment, staff):
    entry = assessment.entries.get(criterion__number=1)
    today = timezone.now().date()
    old = EvidenceLink.objects.create(
        entry=entry,
        url="https://example.org/law",
        title="Law",
        checked_on=today - datetime.timedelta(days=366),
        link_status=EvidenceLink.LinkStatus.BROKEN,
        link_status_code=404,
        link_checked_at=timezone.now(),
    )
    EvidenceLink.objects.create(
        entry=entry,
        url="https://example.org/plan",
        title="Plan",
        checked_on=today - datetime.timedelta(days=365),
    )
    copied = factories.make_evidence_file(entry, carried_over=True)
    client = _client(staff)

    page = client.get(_url(assessment)).content.decode()
    overview = client.get(reverse("assess:detail", args=[assessment.pk])).content.decode()

    for html in (page, overview):
        assert re.findall(r'class="badge text-bg-warning recheck">([^<]*)<', html) == [
            "to re-check: checked more than a year ago",
            "to re-check: copied from last cycle",
        ]
    day = date_format(old.link_checked_at, "DATE_FORMAT")
    assert f"Link check on {day}: broken (HTTP 404)" in page
    assert "Link check on" not in overview  # the overview stays short
    download = reverse("assess:evidence-file", args=[assessment.pk, copied.pk])
    assert f'href="{download}" download' in page
    assert f'href="{download}" download' in overview


@pytest.mark.django_db
def test_admin_shows_a_file_through_the_download_view(cycles, superuser):
    link = EvidenceLink.objects.get(entry__assessment=cycles["draft"])
    url = reverse("admin:assessments_evidencelink_change", args=[link.pk])
    response = _client(superuser).get(url)
    assert response.status_code == 200
    download = reverse("assess:evidence-file", args=[cycles["draft"].pk, link.pk])
    assert f'<a href="{download}" download>{link.file.name}</a>' in response.content.decode()
    assert 'type="file"' not in response.content.decode()
