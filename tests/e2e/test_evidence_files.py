"""Evidence files in the browser: staff upload a PDF, see it listed with its name, type and
size, and download it as an attachment; a file over the limit is refused before it is sent.
Pages are checked with axe with a file listed."""

import pytest

from assessments import workflow
from assessments.models import EvidenceLink
from cities.models import Office
from tests import factories

from . import helpers
from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = factories.PDF_BYTES + b"%" + b"0" * 1500  # about 1.5 KB


@pytest.fixture
def staff(report):
    helpers.seed_demo()
    return helpers.office_staff("staff-northvale", helpers.NORTHVALE)


@pytest.fixture
def draft(staff):
    office = Office.objects.get(slug=helpers.NORTHVALE)
    return workflow.start_assessment(office=office, cycle=helpers.CYCLE, user=staff)


def _file(name, content, mime="application/pdf"):
    return {"name": name, "mimeType": mime, "buffer": content}


def test_staff_upload_a_pdf_and_download_it(page, staff, draft, assert_accessible, media_dir):
    log_in(page, "staff-northvale")
    page.goto(f"/assess/{draft.pk}/criteria/1/")
    page.get_by_label("Current strengths").fill("A budget line for prevention.")
    page.get_by_label("or a file").set_input_files(_file("Budget 2026.pdf", PDF))
    helpers.follow(page.get_by_role("button", name="Save draft"))

    link = EvidenceLink.objects.get(entry__assessment=draft)
    listed = page.locator(".evidence-file")
    assert " ".join(listed.inner_text().split()) == "Budget 2026.pdf (PDF, 1.5 KB)"
    assert page.get_by_label("Title").input_value() == "Budget 2026.pdf"
    assert page.get_by_label("Replace the file").count() == 1
    assert_accessible(page)

    with page.expect_download() as download:
        listed.get_by_role("link", name="Budget 2026.pdf").click()
    saved = download.value
    assert saved.suggested_filename == "Budget 2026.pdf"
    with open(saved.path(), "rb") as handle:
        assert handle.read() == PDF
    assert (media_dir / link.file.name).read_bytes() == PDF

    # The overview lists it too, with its type and size.
    page.goto(f"/assess/{draft.pk}/")
    cell = page.locator(".evidence-cell").first
    assert " ".join(cell.inner_text().split()) == (
        "Budget 2026.pdf (file Budget 2026.pdf, PDF, 1.5 KB)"
    )
    assert_accessible(page)


def test_a_file_over_the_limit_is_refused_before_sending(
    page, staff, draft, settings, assert_accessible
):
    settings.EVIDENCE_MAX_BYTES = 1000
    log_in(page, "staff-northvale")
    page.goto(f"/assess/{draft.pk}/criteria/1/")
    box = page.get_by_label("or a file")
    box.set_input_files(_file("big.pdf", PDF))

    assert page.locator(".evidence-too-big").inner_text() == (
        "This file is too big: files may be at most 1000\xa0bytes."
    )
    assert box.evaluate("input => input.files.length") == 0
    assert_accessible(page)
    # Without the script the server says the same next to the field (the unit tests).
