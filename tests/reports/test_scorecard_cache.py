"""Scorecards are rendered once per version: cached files, ETag, 304s, and the time limit."""

import hashlib
import threading
import time
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.http import http_date

from assessments.models import Assessment
from reports import cache as reports_cache
from reports import pdf, scorecard_cache, storage
from tests import factories

from .scorecard_helpers import HOST, pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(office):
    return factories.make_assessment(office, status=Assessment.Status.PUBLISHED, levels=[2] * 9)


def url(assessment, query=""):
    return reverse("reports:scorecard", args=[assessment.pk]) + query


def cached_files(settings):
    """The files of the cache; not the render slots' lock files (under .render-slots)."""
    root = Path(settings.PDF_CACHE_DIR)
    return sorted(
        p.name
        for p in root.rglob("*")
        if p.is_file() and not p.relative_to(root).parts[0].startswith(".")
    )


def test_scorecard_second_download_does_not_render_again(client, published, renders, settings):
    first = client.get(url(published))
    second = client.get(url(published))
    assert renders.calls == 1
    assert pdf_bytes(first) == pdf_bytes(second)
    assert first["ETag"] == second["ETag"]
    assert first["Last-Modified"] == second["Last-Modified"]
    assert first["Cache-Control"] == "public, no-cache"
    key = scorecard_cache.cache_key(assessment=published, language="en", paper="a4", base=HOST)
    assert first["ETag"] == scorecard_cache.etag_for(key)
    assert cached_files(settings) == [f"{key}.pdf"]


def test_scorecard_conditional_requests_get_304(client, published, renders):
    first = client.get(url(published))
    etag, modified = first["ETag"], first["Last-Modified"]
    by_etag = client.get(url(published), headers={"if-none-match": etag})
    by_date = client.get(url(published), headers={"if-modified-since": modified})
    assert (by_etag.status_code, by_etag.content, by_etag["ETag"]) == (304, b"", etag)
    assert (by_date.status_code, by_date.content) == (304, b"")
    other = client.get(url(published), headers={"if-none-match": '"something-else"'})
    assert other.status_code == 200
    older = client.get(url(published), headers={"if-modified-since": http_date(0)})
    assert older.status_code == 200
    assert renders.calls == 1


def test_scorecard_version_bump_renders_again(client, published, renders, settings):
    first = client.get(url(published))
    published.version += 1
    published.save()
    second = client.get(url(published))
    assert renders.calls == 2
    assert first["ETag"] != second["ETag"]
    # The old version is gone from the cache, the new one is there.
    key = scorecard_cache.cache_key(assessment=published, language="en", paper="a4", base=HOST)
    assert cached_files(settings) == [f"{key}.pdf"]
    # A client holding the old ETag gets the new file, not a 304.
    third = client.get(url(published), headers={"if-none-match": first["ETag"]})
    assert third.status_code == 200


def test_scorecard_publishing_renders_again_without_watermark(client_for, staff, office, renders):
    assessment = factories.make_assessment(office, status=Assessment.Status.SUBMITTED)
    client_for(staff).get(url(assessment))
    assessment.status = Assessment.Status.PUBLISHED
    assessment.save()  # even without a version bump
    client_for(staff).get(url(assessment))
    assert renders.calls == 2


def test_scorecard_language_and_paper_are_cached_apart(client, published, renders):
    for query in ["", "?lang=es", "?paper=letter", "?lang=es&paper=letter", "?lang=es"]:
        assert client.get(url(published, query)).status_code == 200
    assert renders.calls == 4


def test_scorecard_permission_is_checked_before_the_cache(
    client_for, office, other_staff, staff, renders
):
    assessment = factories.make_assessment(office)
    assert client_for(staff).get(url(assessment)).status_code == 200  # now cached
    assert client_for(other_staff).get(url(assessment)).status_code == 404
    assert client_for(None).get(url(assessment)).status_code == 404


def test_scorecard_render_over_the_time_limit_answers_503(
    client, published, settings, monkeypatch, warm_renderer
):
    # A real render in the child process, stopped at the limit (it used to be a sleeping
    # stand-in for WeasyPrint in this process, which no longer renders).
    settings.PDF_RENDER_TIMEOUT = 0.2
    monkeypatch.setattr(scorecard_cache, "RENDER_CPU_SHARE", 0)  # a busy test machine
    published.entries.update(strengths="x\n" * 2500)
    started = time.monotonic()
    response = client.get(url(published))
    assert time.monotonic() - started < 2
    assert response.status_code == 503
    # Changed on purpose: the page says the scorecard cannot be rendered and what to do,
    # with no Retry-After (trying again does not help), and the failure is remembered.
    assert b"This scorecard could not be rendered" in response.content
    assert "Retry-After" not in response
    key = scorecard_cache.cache_key(assessment=published, language="en", paper="a4", base=HOST)
    assert cached_files(settings) == [f"{key}.failed"]


def test_run_with_timeout_in_main_thread_restores_the_signal_handler():
    import signal

    before = signal.getsignal(signal.SIGALRM)
    with pytest.raises(pdf.RenderTimeout):
        pdf.run_with_timeout(lambda: time.sleep(5), 0.05)
    assert pdf.run_with_timeout(lambda: "done", 1) == "done"
    assert signal.getsignal(signal.SIGALRM) == before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_run_with_timeout_in_a_worker_thread():
    outcome = {}

    def worker():
        started = time.monotonic()
        try:
            pdf.run_with_timeout(lambda: time.sleep(2), 0.05)
        except pdf.RenderTimeout:
            outcome["timeout"] = time.monotonic() - started
        outcome["value"] = pdf.run_with_timeout(lambda: 42, 1)
        try:
            pdf.run_with_timeout(lambda: 1 / 0, 1)
        except ZeroDivisionError:
            outcome["error"] = True

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert outcome["timeout"] < 1
    assert (outcome["value"], outcome["error"]) == (42, True)


def test_write_atomic_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "a" / "b.pdf"
    storage.write_atomic(target, b"one")
    storage.write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["b.pdf"]


def test_cache_key_names_id_version_status_language_paper_site_and_peers(published):
    key = scorecard_cache.cache_key(
        assessment=published, language="fr", paper="letter", base=HOST, peers="0.0.0"
    )
    layout = scorecard_cache.layout_fingerprint()
    host = hashlib.sha256(HOST.encode()).hexdigest()[:10]
    peers = hashlib.sha256(b"0.0.0").hexdigest()[:10]
    assert key == f"{published.pk}-v1-published-fr-letter-h{host}-s{peers}-p0-{layout}"
    # Another host, or a publication among the peers of the median: another file.
    assert scorecard_cache.cache_key(
        assessment=published, language="fr", paper="letter", base="http://example.org"
    ) != scorecard_cache.cache_key(assessment=published, language="fr", paper="letter", base=HOST)
    assert key != scorecard_cache.cache_key(
        assessment=published, language="fr", paper="letter", base=HOST, peers="1.1.0"
    )


def test_two_hosts_get_two_cached_scorecards(client, published, renders, settings):
    settings.ALLOWED_HOSTS = ["testserver", "example.org"]
    client.get(url(published))
    client.get(url(published), HTTP_HOST="example.org")
    client.get(url(published))
    assert renders.calls == 2
    assert len(cached_files(settings)) == 2


def test_a_publication_among_the_peers_renders_again_and_drops_the_old_file(
    client, published, renders, settings, monkeypatch
):
    client.get(url(published))
    monkeypatch.setattr(scorecard_cache, "peers_stamp", lambda: "6.6.1700000000")
    # A publication moves the published-data stamp, under which the peers' stamp is kept;
    # here the peers' stamp is patched instead, so this process's memory is emptied.
    reports_cache.clear()
    client.get(url(published))
    assert renders.calls == 2
    key = scorecard_cache.cache_key(assessment=published, language="en", paper="a4", base=HOST)
    assert cached_files(settings) == [f"{key}.pdf"]


def test_a_new_layout_drops_files_of_the_old_one(client, published, renders, settings, monkeypatch):
    client.get(url(published))
    monkeypatch.setattr(scorecard_cache, "layout_fingerprint", lambda: "newlayout")
    client.get(url(published))
    assert renders.calls == 2
    key = scorecard_cache.cache_key(assessment=published, language="en", paper="a4", base=HOST)
    assert cached_files(settings) == [f"{key}.pdf"]
    assert key.endswith("-p0-newlayout")


def mode(path):
    return path.stat().st_mode & 0o777


@pytest.mark.parametrize(
    ("status", "file_mode", "cache_control"),
    [
        (Assessment.Status.DRAFT, 0o600, "private, no-store"),
        (Assessment.Status.SUBMITTED, 0o600, "private, no-store"),
        (Assessment.Status.PUBLISHED, 0o644, "public, no-cache"),
    ],
)
def test_unpublished_scorecards_are_private_on_disk_and_on_the_wire(
    client_for, staff, office, renders, settings, status, file_mode, cache_control
):
    assessment = factories.make_assessment(office, status=status)
    response = client_for(staff).get(url(assessment))
    assert response.status_code == 200
    assert response["Cache-Control"] == cache_control
    key = scorecard_cache.cache_key(assessment=assessment, language="en", paper="a4", base=HOST)
    path = scorecard_cache.path_for(assessment_id=assessment.pk, key=key)
    assert mode(path) == file_mode
    assert mode(path.parent) == 0o700
    assert mode(Path(settings.PDF_CACHE_DIR)) == 0o700


def test_an_existing_cache_folder_is_made_private(client, published, renders, settings):
    root = Path(settings.PDF_CACHE_DIR)
    (root / str(published.pk)).mkdir(parents=True, mode=0o755)
    root.chmod(0o755)
    assert client.get(url(published)).status_code == 200
    assert mode(root) == mode(root / str(published.pk)) == 0o700
