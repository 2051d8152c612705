"""A scorecard bundle made by the worker: its progress page on a phone and a laptop.

The bundle's task waits in the database queue (no worker runs) until the test works the
queue off; meanwhile the page's script polls the JSON status and, once the bundle is
ready, reloads to offer the download. With OVP_SCREENSHOTS=<directory> the pages are
saved as PNGs (see test_responsive.py).
"""

import io
import re
import zipfile

import pytest

from reports.models import BundleJob
from tests.worker import DATABASE_TASKS, work_queue

from .test_responsive import HEIGHTS, WIDTHS, assert_no_page_overflow, assert_on_screen, save

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BUNDLE = "/reports/scorecards/bundle/2024.zip"


@pytest.fixture
def stand_in_pdfs(monkeypatch):
    # What the page shows does not depend on the PDFs' pages: no WeasyPrint here.
    monkeypatch.setattr(
        "reports.scorecard_cache.render_scorecard",
        lambda **kw: b"%PDF-1.7\n% e2e stand-in\n%%EOF\n",
    )


def test_bundle_progress_page_then_download(
    new_page, report, settings, stand_in_pdfs, assert_accessible
):
    settings.TASKS = DATABASE_TASKS
    pages = {}
    for width in WIDTHS:
        page = new_page(width, HEIGHTS[width])
        page.goto(BUNDLE)
        page.wait_for_url(re.compile(r"/reports/scorecards/bundle/jobs/[0-9a-f-]+/$"))
        assert page.get_by_role("heading", level=1).inner_text() == "Scorecards of 2024"
        assert page.get_by_role("status").inner_text() == "Waiting for the worker to start on it."
        assert_on_screen(page.get_by_role("link", name="Check again"), width)
        assert_no_page_overflow(page, width)
        assert_accessible(page)
        save(page, f"bundle-progress-{width}")
        pages[width] = page
    assert BundleJob.objects.count() == 1  # the second visit joined the first one's job

    # As the worker counts its progress, the script shows it without reloading the page.
    BundleJob.objects.update(status="running", done=1, total=4)
    for width, page in pages.items():
        page.get_by_text("1 of 4 scorecards ready.").wait_for()
        assert page.locator("#bundle-bar").evaluate("e => [e.value, e.max]") == [1, 4]
        save(page, f"bundle-running-{width}")

    work_queue()

    for width, page in pages.items():
        # The script sees the bundle ready and reloads the page, which offers the ZIP.
        download = page.get_by_role("link", name="Download scorecards-2024.zip")
        download.wait_for()
        assert page.get_by_role("status").inner_text() == "The bundle is ready: 4 scorecards."
        assert_on_screen(download, width)
        assert_no_page_overflow(page, width)
        assert_accessible(page)
        save(page, f"bundle-ready-{width}")
    with pages[1280].expect_download() as info:
        pages[1280].get_by_role("link", name="Download scorecards-2024.zip").click()
    assert info.value.suggested_filename == "scorecards-2024.zip"
    with zipfile.ZipFile(io.BytesIO(open(info.value.path(), "rb").read())) as archive:  # noqa: SIM115
        assert len(archive.namelist()) == 4


def test_bundle_failed_page_offers_to_try_again(
    new_page, report, settings, stand_in_pdfs, assert_accessible
):
    settings.TASKS = DATABASE_TASKS
    page = new_page(375, HEIGHTS[375])
    page.goto(BUNDLE)
    job = BundleJob.objects.get()
    BundleJob.objects.filter(pk=job.pk).update(status="failed", attempts=5, error="OSError")
    page.reload()
    assert page.get_by_role("status").inner_text() == "Making the bundle failed."
    again = page.get_by_role("button", name="Try again")
    assert_on_screen(again, 375)
    assert_accessible(page)
    save(page, "bundle-failed-375")
    again.click()
    page.get_by_role("link", name="Check again").wait_for()
    job.refresh_from_db()
    assert job.status == "queued"
