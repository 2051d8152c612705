"""One hostile scorecard must not hold a worker: the render process, its limits, the slots
and the remembered failures (reports/pdf.py, reports/scorecard_cache.py).

The finding: with every text `"x\\n" * 2500` (within the 5,000-character limit) the scorecard
answered 503 after 30 s, on every request, grew each worker to about 1.1 GB and stalled
/healthz. Here the same document, with a 3 s limit, is answered within the limit while
/healthz stays fast and this (the web) process's memory stays flat; the next request is
answered from the remembered failure without rendering.
"""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment
from reports import pdf, scorecard_cache
from tests import factories

from .scorecard_helpers import HOST, RenderCounter

pytestmark = pytest.mark.django_db

HOSTILE = "x\n" * 2500


def url(assessment):
    return reverse("reports:scorecard", args=[assessment.pk])


def rss_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture
def hostile(office):
    assessment = factories.make_assessment(
        office, status=Assessment.Status.PUBLISHED, levels=[2] * 9
    )
    assessment.entries.update(strengths=HOSTILE, opportunities=HOSTILE)
    return assessment


@pytest.fixture
def published(office):
    return factories.make_assessment(office, status=Assessment.Status.PUBLISHED, levels=[2] * 9)


@pytest.fixture
def fair_cpu(monkeypatch):
    # Whether a timeout is the document's fault also depends on the CPU the render got; a
    # test machine busy with other work must not decide these tests.
    monkeypatch.setattr(scorecard_cache, "RENDER_CPU_SHARE", 0)


def failure_file(assessment, language="en", paper="a4"):
    key = scorecard_cache.cache_key(
        assessment=assessment, language=language, paper=paper, base=HOST
    )
    return scorecard_cache.failure_path_for(assessment_id=assessment.pk, key=key)


def test_hostile_scorecard_answers_within_the_limit_healthz_stays_fast_memory_stays_flat(
    client, hostile, settings, fair_cpu, warm_renderer
):
    settings.PDF_RENDER_TIMEOUT = 3
    settings.PDF_RENDER_RSS_MB = 1000  # this test is about the time limit
    renders_before = pdf.render_count
    health = {}

    def probe():
        # Once the render child runs, time a health check beside it.
        give_up = time.monotonic() + 5
        while pdf.render_count == renders_before and time.monotonic() < give_up:
            time.sleep(0.01)
        time.sleep(0.5)
        started = time.monotonic()
        response = Client().get("/healthz")
        health.update(status=response.status_code, seconds=time.monotonic() - started)
        connection.close()

    memory_before = rss_mb()
    thread = threading.Thread(target=probe)
    thread.start()
    started = time.monotonic()
    first = client.get(url(hostile))  # anonymous: the assessment is published
    answered = time.monotonic() - started
    thread.join()
    memory_after = rss_mb()

    assert first.status_code == 503
    assert b"This scorecard could not be rendered" in first.content
    assert b"took longer than the 3 seconds allowed" in first.content
    assert b"very long words without spaces" in first.content
    assert "no-store" in first["Cache-Control"]
    assert "Retry-After" not in first
    assert answered < 3 + pdf.KILL_GRACE + 1.5
    assert pdf.render_count == renders_before + 1
    assert health["status"] == 200
    assert health["seconds"] < 1
    # The web process only built the HTML: the render's memory was the child's.
    assert memory_after - memory_before < 25
    assert pdf.last_render.outcome == "timeout"

    # Remembered for this version: answered at once, nothing rendered.
    marker = failure_file(hostile)
    assert marker.stat().st_mode & 0o777 == 0o600
    started = time.monotonic()
    second = client.get(url(hostile))
    assert time.monotonic() - started < 0.5
    assert second.status_code == 503
    assert b"This scorecard could not be rendered" in second.content
    assert pdf.render_count == renders_before + 1


def test_a_remembered_failure_lasts_until_the_version_changes(
    client, published, monkeypatch, fair_cpu
):
    def too_slow(**kwargs):
        raise pdf.RenderTimeout(seconds=10.0)

    monkeypatch.setattr(pdf, "render_pdf", too_slow)
    assert client.get(url(published)).status_code == 503
    counter = RenderCounter()
    monkeypatch.setattr(pdf, "render_pdf", counter)
    for query in ["", "?lang=en&paper=a4"]:
        assert client.get(url(published) + query).status_code == 503
    assert counter.calls == 0
    # Another language or paper is another document: it is rendered.
    assert client.get(url(published) + "?paper=letter").status_code == 200
    assert counter.calls == 1
    # A new version (the texts were shortened) is rendered again; the old marker goes.
    old_marker = failure_file(published)
    published.version += 1
    published.save()
    assert client.get(url(published)).status_code == 200
    assert counter.calls == 2
    assert not old_marker.exists()


def test_a_higher_limit_forgets_a_remembered_timeout(client, published, settings, monkeypatch):
    def too_slow(**kwargs):
        raise pdf.RenderTimeout(seconds=10.0)

    monkeypatch.setattr(pdf, "render_pdf", too_slow)
    assert client.get(url(published)).status_code == 503
    counter = RenderCounter()
    monkeypatch.setattr(pdf, "render_pdf", counter)
    assert client.get(url(published)).status_code == 503
    settings.PDF_RENDER_TIMEOUT += 5
    assert client.get(url(published)).status_code == 200
    assert counter.calls == 1


@pytest.mark.parametrize(
    ("failure", "status", "text"),
    [
        (pdf.RenderOutOfMemory, 503, b"of memory allowed"),
        (pdf.RenderFailed, 500, b"The PDF renderer stopped with an error."),
    ],
)
def test_memory_and_renderer_failures_answer_a_clear_page_and_are_remembered(
    client, published, monkeypatch, failure, status, text
):
    def fails(**kwargs):
        raise failure("detail for the log")

    monkeypatch.setattr(pdf, "render_pdf", fails)
    for _ in range(2):
        response = client.get(url(published))
        assert response.status_code == status
        assert b"This scorecard could not be rendered" in response.content
        assert text in response.content
        assert b"detail for the log" not in response.content
    assert failure_file(published).exists()


@pytest.mark.parametrize(
    ("timeout", "cpu_seconds", "remembered"),
    [
        (None, 9.0, True),  # the whole limit, the CPU it needed: the document
        (None, None, True),  # CPU time unknown: the document
        (None, 0.5, False),  # starved by a busy machine
        (4.0, 9.0, False),  # cut short by a bundle's budget
        (9.5, 9.0, True),  # nearly the whole limit
    ],
)
def test_which_timeouts_are_the_documents_fault(settings, timeout, cpu_seconds, remembered):
    settings.PDF_RENDER_TIMEOUT = 10
    failure = pdf.RenderTimeout(cpu_seconds=cpu_seconds)
    assert scorecard_cache.is_the_documents_fault(failure, timeout=timeout) is remembered
    assert scorecard_cache.is_the_documents_fault(pdf.RenderOutOfMemory(), timeout=1) is True


def test_a_starved_timeout_is_not_remembered(client, published, monkeypatch):
    def starved(**kwargs):
        raise pdf.RenderTimeout(seconds=10.0, cpu_seconds=0.1)

    monkeypatch.setattr(pdf, "render_pdf", starved)
    assert client.get(url(published)).status_code == 503
    assert not failure_file(published).exists()


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
        assert not failure_file(published).exists()  # busy is not the document's fault
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


FONT_CACHE_CHECK = """
import sys
from pathlib import Path
from reports import pdf

cache = Path(sys.argv[1])
pdf._run_child(html="<p>warm</p>", timeout=60, memory_mb=4000, rss_mb=4000)
before = {p.name: p.read_bytes() for p in cache.iterdir()}
try:
    pdf._run_child(html="<p>Hello</p>", timeout=10, memory_mb=64, rss_mb=4000)
except pdf.RenderOutOfMemory:
    print("out of memory")
after = {p.name: p.read_bytes() for p in cache.iterdir()}
print("caches kept" if before and after == before else "caches changed")
"""


def test_a_render_over_the_memory_limit_leaves_fontconfig_caches_whole(tmp_path, settings):
    # Under a memory limit fontconfig could not read its caches, scanned the fonts again,
    # failed on most of them and rewrote the machine's shared caches with fonts missing.
    # Here with caches of its own (FONTCONFIG_FILE), so the machine's are never at risk.
    cache = tmp_path / "fontconfig"
    cache.mkdir()
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><fontconfig><dir>/usr/share/fonts</dir>'
        f"<cachedir>{cache}</cachedir></fontconfig>"
    )
    result = subprocess.run(
        [sys.executable, "-c", FONT_CACHE_CHECK, str(cache)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "FONTCONFIG_FILE": str(config)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split("\n")[:2] == ["out of memory", "caches kept"], result.stderr


def test_a_render_over_the_resident_memory_limit_is_stopped(warm_renderer):
    # The address space may be large; what the child really uses is watched too.
    with pytest.raises(pdf.RenderOutOfMemory, match="resident memory over 20 MB"):
        pdf.render_pdf(html="<p>Hello</p>" * 2000, rss_mb=20, timeout=5)
    assert pdf.last_render.outcome == "memory"


def test_the_child_uses_the_locked_down_fetcher(warm_renderer):
    fetcher = pdf.StaticOnlyFetcher()
    html = (
        '<link rel="stylesheet" href="css/scorecard.css">'
        '<img src="file:///etc/hostname"><p>Hello</p>'
    )
    pdf.render_pdf(html=html, fetcher=fetcher)
    assert fetcher.attempts == [pdf.BASE_URL + "css/scorecard.css", "file:///etc/hostname"]
    assert fetcher.refused == ["file:///etc/hostname"]


def test_the_hostile_benchmark_builds_renders_and_judges(settings, report, warm_renderer):
    from bench import hostile

    texts = [("plain", "A short, ordinary text."), ("spaces only", "   ")]
    result = hostile.measure_scorecard(texts=texts)
    plain, spaces = result["cases"]
    assert plain["accepted"] is True
    assert plain["first"]["status"] == 200 and plain["first"]["rendered"] is True
    assert plain["again"]["status"] == 200 and plain["again"]["rendered"] is False
    assert plain["first"]["peak_mb"] > 0
    assert spaces["accepted"] is False and "strengths" in spaces["errors"]
    assert [t["pass"] for t in result["targets"]] == [True, True, True]
    assert result["limits"]["timeout_s"] == settings.PDF_RENDER_TIMEOUT
    # Rolled back: nothing of it stays in the database.
    assert not Assessment.objects.filter(office__name__startswith="Hostile Office").exists()
