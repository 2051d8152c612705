"""One hostile scorecard must not hold a worker: the render process, its limits and the
render slots (reports/pdf.py)."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import reverse

from assessments.models import Assessment
from reports import pdf
from tests import factories

pytestmark = pytest.mark.django_db


def url(assessment):
    return reverse("reports:scorecard", args=[assessment.pk])


def rss_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture
def published(office):
    return factories.make_assessment(office, status=Assessment.Status.PUBLISHED, levels=[2] * 9)


def test_all_render_slots_busy_answers_503_at_once_without_rendering(
    client, published, settings, warm_renderer
):
    settings.PDF_RENDER_CONCURRENCY = 1
    settings.PDF_RENDER_SLOT_WAIT = 0.2
    slots = Path(settings.PDF_CACHE_DIR) / ".render-slots"
    pdf.private_dir(slots)
    # Another process (another gunicorn worker) holds the only slot.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time; f = open(sys.argv[1], 'a'); "
            "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(30)",
            str(slots / "slot-0"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        renders_before = pdf.render_count
        started = time.monotonic()
        response = client.get(url(published))
        assert time.monotonic() - started < 1
        assert response.status_code == 503
        assert response["Retry-After"] == str(settings.PDF_RENDER_TIMEOUT)
        assert b"The PDF renderer is busy" in response.content
        assert pdf.render_count == renders_before
    finally:
        holder.kill()
        holder.wait()
    # The slot is free again once its holder is gone.
    assert client.get(url(published)).status_code == 200
    assert pdf.render_count == renders_before + 1


def test_slots_limit_renders_at_once(settings):
    settings.PDF_RENDER_CONCURRENCY = 2
    with pdf.render_slot() as first, pdf.render_slot() as second:
        assert {first, second} == {0, 1}
        with pytest.raises(pdf.RenderBusy), pdf.render_slot(wait=0):
            pass
    with pdf.render_slot(wait=0) as again:
        assert again == 0


def test_a_render_over_the_memory_limit_ends_cleanly(warm_renderer):
    # Far below what WeasyPrint needs, so it fails at once: the child, not this process.
    memory_before = rss_mb()
    with pytest.raises(pdf.RenderOutOfMemory):
        pdf.render_pdf(html="<p>Hello</p>", memory_mb=64, timeout=5)
    assert pdf.last_render.outcome == "memory"
    assert rss_mb() - memory_before < 10
    # The next render is not affected.
    assert pdf.render_pdf(html="<p>Hello</p>").startswith(b"%PDF")


def test_the_child_uses_the_locked_down_fetcher(warm_renderer):
    fetcher = pdf.StaticOnlyFetcher()
    html = (
        '<link rel="stylesheet" href="css/scorecard.css">'
        '<img src="file:///etc/hostname"><p>Hello</p>'
    )
    pdf.render_pdf(html=html, fetcher=fetcher)
    assert fetcher.attempts == [pdf.BASE_URL + "css/scorecard.css", "file:///etc/hostname"]
    assert fetcher.refused == ["file:///etc/hostname"]
