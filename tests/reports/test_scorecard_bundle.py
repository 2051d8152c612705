"""ZIP bundles of a cycle's published scorecards, made by the task worker.

Tests run tasks at once (ImmediateBackend), so a bundle asked for is ready when the request
answers: the ZIP comes straight back. The tests with `queued_tasks` keep the task in the
database queue until work_queue() runs it, to see the progress page; the test with the
real worker running in a thread is tests/reports/test_bundle_worker.py.
"""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from assessments.models import Assessment
from cities.models import Office
from reports import bundle, pdf
from reports.models import BundleJob
from tests import factories
from tests.worker import queued_tasks, work_queue  # noqa: F401 - a fixture

from .scorecard_helpers import pdf_bytes

pytestmark = pytest.mark.django_db

CHARTS_2024 = [
    "bristol-bristol-bvpc-2024-research.pdf",
    "cali-cali-ecosystem-2024-research.pdf",
    "edmonton-reach-edmonton-2024-research.pdf",
    "rosario-rosario-ecosystem-2024-research.pdf",
]


def bundle_url(cycle, query=""):
    return reverse("reports:scorecard-bundle", args=[cycle]) + query


def names(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(pdf_bytes(response))) as archive:
        assert archive.testzip() is None
        return sorted(archive.namelist())


def test_bundle_has_one_pdf_per_published_assessment_and_nothing_else(client, renders, office):
    cali = Office.objects.filter(city__slug="cali").first()
    factories.make_assessment(cali, cycle=2024, status=Assessment.Status.DRAFT)
    factories.make_assessment(cali, cycle=2023, status=Assessment.Status.PUBLISHED)
    factories.make_assessment(office, cycle=2024, status=Assessment.Status.PUBLISHED)  # demo
    response = client.get(bundle_url(2024))
    assert response["Content-Disposition"] == 'attachment; filename="scorecards-2024.zip"'
    assert names(response) == CHARTS_2024
    assert renders.calls == 4


def test_bundle_includes_fictional_offices_only_when_asked(client, renders, office):
    demo = factories.make_assessment(office, cycle=2024, status=Assessment.Status.PUBLISHED)
    assert names(client.get(bundle_url(2024, "?fictional=on"))) == sorted(
        CHARTS_2024 + [bundle.archive_name(demo)]
    )


def test_bundle_region_filter(client, renders):
    response = client.get(bundle_url(2024, "?region=latin-america"))
    assert response["Content-Disposition"] == (
        'attachment; filename="scorecards-2024-latin-america.zip"'
    )
    assert [n.split("-")[0] for n in names(response)] == ["cali", "rosario"]


def test_bundle_members_are_real_scorecards(client):
    response = client.get(bundle_url(2024, "?region=western-europe"))
    with zipfile.ZipFile(io.BytesIO(pdf_bytes(response))) as archive:
        [name] = archive.namelist()
        reader = PdfReader(io.BytesIO(archive.read(name)))
    assert name.startswith("bristol-")
    assert "Bristol" in reader.pages[0].extract_text()


def test_bundle_uses_the_cache(client, renders):
    names(client.get(bundle_url(2024)))
    names(client.get(bundle_url(2024)))
    cali = Assessment.objects.get(office__city__slug="cali", kind="research", cycle=2024)
    client.get(reverse("reports:scorecard", args=[cali.pk]))
    assert renders.calls == 4


@pytest.mark.parametrize("query", ["?region=mars", "?lang=klingon", "?paper=a0"])
def test_bundle_bad_options_answer_400(client, renders, query):
    response = client.get(bundle_url(2024, query))
    assert response.status_code == 400
    assert b"The scorecard options are not valid" in response.content
    assert renders.calls == 0


def test_bundle_of_a_cycle_without_published_scorecards_is_404(client, renders):
    response = client.get(bundle_url(2031))
    assert response.status_code == 404
    assert b"No published scorecards" in response.content


def test_bundle_refuses_more_than_the_maximum(client, renders, office, monkeypatch):
    monkeypatch.setattr(bundle, "MAX_FILES", 3)
    response = client.get(bundle_url(2024))
    assert response.status_code == 400
    assert b"Too many scorecards for one bundle" in response.content
    assert renders.calls == 0


def test_stream_zip_never_holds_a_whole_pdf(tmp_path):
    size = 5 * bundle.CHUNK
    files = []
    for n in range(3):
        path = tmp_path / f"{n}.pdf"
        path.write_bytes(bytes([n]) * size)
        files.append((f"{n}.pdf", path))
    chunks = list(bundle.stream_zip(files))
    assert max(len(c) for c in chunks) < bundle.CHUNK + 1024
    with zipfile.ZipFile(io.BytesIO(b"".join(chunks))) as archive:
        assert [archive.read(f"{n}.pdf") == bytes([n]) * size for n in range(3)] == [True] * 3
        assert archive.getinfo("0.pdf").date_time[0] >= 2025  # the file's date, not 1980


@pytest.mark.parametrize("count", [1, 20])
def test_bundle_query_count_does_not_grow(client, renders, count, django_assert_num_queries):
    for _ in range(count):
        office = factories.make_office()
        factories.make_assessment(office, cycle=2030, status=Assessment.Status.PUBLISHED)
    assert client.get(bundle_url(2030, "?fictional=on")).status_code == 200  # makes the bundle
    # The assessments of the selection, and its job (ready: the stored ZIP is served).
    with django_assert_num_queries(2):
        assert len(names(client.get(bundle_url(2030, "?fictional=on")))) == count


def test_bundle_leaves_out_a_scorecard_that_cannot_render_and_says_why(client, office, monkeypatch):
    hostile = factories.make_assessment(
        office, cycle=2024, status=Assessment.Status.PUBLISHED, text="HOSTILE-TEXT"
    )
    calls = []

    def render(*, html, **kwargs):
        calls.append(1)
        if "HOSTILE-TEXT" in html:
            raise pdf.RenderTimeout(seconds=10.0)
        return b"%PDF-1.7 fake"

    monkeypatch.setattr(pdf, "render_pdf", render)
    for _ in range(2):  # the second time the stored ZIP, rendering nothing
        response = client.get(bundle_url(2024, "?fictional=on"))
        assert response.status_code == 200
        with zipfile.ZipFile(io.BytesIO(pdf_bytes(response))) as archive:
            assert sorted(archive.namelist()) == sorted(CHARTS_2024 + [bundle.NOTES_NAME])
            note = archive.read(bundle.NOTES_NAME).decode()
        assert "Scorecards left out of this bundle (cycle 2024)" in note
        assert f"- {bundle.archive_name(hostile)}: {office.name}, {office.city.name}." in note
        assert "Rendering took longer than the 10 seconds allowed." in note
        assert len(calls) == 5  # four scorecards and the hostile one, once


def test_bundle_note_is_in_the_bundles_language(client, office, monkeypatch):
    factories.make_assessment(office, cycle=2030, status=Assessment.Status.PUBLISHED)

    def fails(**kwargs):
        raise pdf.RenderOutOfMemory()

    monkeypatch.setattr(pdf, "render_pdf", fails)
    response = client.get(bundle_url(2030, "?fictional=on&lang=es"))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(pdf_bytes(response))) as archive:
        assert archive.namelist() == [bundle.NOTES_NAME]
        note = archive.read(bundle.NOTES_NAME).decode()
    assert "2030" in note
    assert "Scorecards left out" not in note


# --- the job: asked for once, made by the worker, shown while it runs ---------------------------


def job_url(job, name="reports:bundle-job"):
    return reverse(name, args=[job.pk])


def status_of(client, job):
    response = client.get(job_url(job, "reports:bundle-status"))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    return json.loads(response.content)


@pytest.mark.usefixtures("queued_tasks")
def test_bundle_waits_in_the_queue_shows_its_progress_page_then_the_zip(client, renders):
    response = client.get(bundle_url(2024, "?region=latin-america"))
    job = BundleJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job_url(job)
    # A second request joins the same job: one job, one task in the queue.
    assert client.get(bundle_url(2024, "?region=latin-america"))["Location"] == job_url(job)
    assert BundleJob.objects.count() == 1
    assert DBTaskResult.objects.count() == 1
    assert renders.calls == 0  # nothing is rendered in the request

    page = client.get(job_url(job))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Scorecards of 2024" in html
    assert "Latin America · English · A4" in html
    assert '<p id="bundle-message" role="status">Waiting for the worker to start on it.</p>' in html
    # Without JavaScript, a link to look again; no automatic refresh (WCAG 2.2.1).
    assert "refresh" not in html
    assert f'<a id="bundle-check" href="{job_url(job)}">Check again</a>' in html
    assert "bundle-progress.js" in html
    assert status_of(client, job) == {
        "status": "queued",
        "done": 0,
        "total": 2,
        "left_out": 0,
        "message": "Waiting for the worker to start on it.",
        "download_url": None,
    }
    download = client.get(job_url(job, "reports:bundle-download"))
    assert (download.status_code, download["Location"]) == (302, job_url(job))

    work_queue()

    assert renders.calls == 2
    assert status_of(client, job) == {
        "status": "ready",
        "done": 2,
        "total": 2,
        "left_out": 0,
        "message": "The bundle is ready: 2 scorecards.",
        "download_url": job_url(job, "reports:bundle-download"),
    }
    html = client.get(job_url(job)).content.decode()
    assert "bundle-progress.js" not in html and "Check again" not in html
    assert (
        f'<a class="btn btn-primary" id="bundle-download" '
        f'href="{job_url(job, "reports:bundle-download")}" download>'
        "Download scorecards-2024-latin-america.zip</a>"
    ) in html
    download = client.get(job_url(job, "reports:bundle-download"))
    assert download["Content-Disposition"] == (
        'attachment; filename="scorecards-2024-latin-america.zip"'
    )
    assert [n.split("-")[0] for n in names(download)] == ["cali", "rosario"]
    # The bundle URL now answers the ZIP at once.
    assert [
        n.split("-")[0] for n in names(client.get(bundle_url(2024, "?region=latin-america")))
    ] == [
        "cali",
        "rosario",
    ]
    assert renders.calls == 2


def test_bundle_progress_counts_each_scorecard(renders, report):
    assessments = bundle.bundle_assessments(user=_anonymous(), cycle=2024)
    job = bundle.start_job(
        assessments=assessments, cycle=2024, region="", fictional=False, language="en", paper="a4"
    )
    seen = []
    name, made = bundle.build(job, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    assert name.startswith("bundles/scorecards-2024-") and name.endswith(".zip")
    with default_storage.open(name) as fh, zipfile.ZipFile(fh) as archive:
        assert sorted(archive.namelist()) == CHARTS_2024


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def test_the_zip_is_kept_in_the_storage_and_one_per_selection(client, renders, office, media_dir):
    names(client.get(bundle_url(2024, "?fictional=on")))
    first = BundleJob.objects.get()
    assert (media_dir / first.file_name).is_file()
    # Another selection has a bundle of its own.
    names(client.get(bundle_url(2024)))
    assert BundleJob.objects.count() == 2
    # A new publication in the cycle makes a new bundle; the older one of that selection
    # and its file are deleted, the other selection's stays.
    demo = factories.make_assessment(office, cycle=2024, status=Assessment.Status.PUBLISHED)
    assert bundle.archive_name(demo) in names(client.get(bundle_url(2024, "?fictional=on")))
    newest = BundleJob.objects.get(selection=first.selection)
    assert newest.pk != first.pk
    assert not (media_dir / first.file_name).exists()
    assert BundleJob.objects.count() == 2
    assert renders.calls == 5


def test_a_bundle_whose_file_is_gone_is_made_again(client, renders):
    names(client.get(bundle_url(2024)))
    job = BundleJob.objects.get()
    default_storage.delete(job.file_name)
    assert names(client.get(bundle_url(2024))) == CHARTS_2024
    job.refresh_from_db()
    assert default_storage.exists(job.file_name)
    assert BundleJob.objects.count() == 1


def test_a_failing_bundle_is_retried_then_failed_and_can_be_tried_again(
    client, settings, monkeypatch, renders
):
    settings.TASK_ATTEMPTS = 3
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise OSError("disk full")

    monkeypatch.setattr(bundle.default_storage, "save", broken)
    response = client.get(bundle_url(2024))
    job = BundleJob.objects.get()
    assert response["Location"] == job_url(job)
    assert len(calls) == 3  # the first attempt and two retries (at once: ImmediateBackend)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == ("failed", 3, "OSError: disk full")
    html = client.get(job_url(job)).content.decode()
    assert '<p id="bundle-message" role="status">Making the bundle failed.</p>' in html
    assert "It was tried 3 times and did not succeed." in html
    assert "refresh" not in html
    # The bundle URL shows the failed job rather than starting it again by itself.
    assert client.get(bundle_url(2024))["Location"] == job_url(job)
    assert len(calls) == 3

    monkeypatch.undo()
    monkeypatch.setattr(pdf, "render_pdf", renders)
    response = client.post(job_url(job))
    assert (response.status_code, response["Location"]) == (302, job_url(job))
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == ("ready", 1, "")
    assert names(client.get(job_url(job, "reports:bundle-download"))) == CHARTS_2024


@pytest.mark.usefixtures("queued_tasks")
def test_try_again_does_nothing_to_a_job_that_did_not_fail(client, renders):
    client.get(bundle_url(2024))
    job = BundleJob.objects.get()
    assert client.post(job_url(job)).status_code == 302
    assert DBTaskResult.objects.count() == 1
    assert "Try again" not in client.get(job_url(job)).content.decode()


@pytest.mark.usefixtures("queued_tasks")
def test_a_running_job_that_stopped_moving_may_be_started_again(client, renders):
    client.get(bundle_url(2024))
    job = BundleJob.objects.get()
    long_ago = timezone.now() - timedelta(seconds=bundle.STALE_SECONDS + 1)
    BundleJob.objects.filter(pk=job.pk).update(status="running", done=1, updated=long_ago)
    html = client.get(job_url(job)).content.decode()
    assert "its worker may have stopped" in html
    assert "Try again" in html
    client.post(job_url(job))
    job.refresh_from_db()
    assert (job.status, job.done) == ("queued", 0)
    assert DBTaskResult.objects.count() == 2
    work_queue()
    job.refresh_from_db()
    assert job.status == "ready"


def test_job_pages_of_a_missing_job_are_404(client):
    for name in ("reports:bundle-job", "reports:bundle-status", "reports:bundle-download"):
        url = reverse(name, args=["00000000-0000-4000-8000-000000000000"])
        assert client.get(url).status_code == 404


def test_job_pages_are_404_for_who_may_not_read_a_scorecard_in_it(
    client_for, renders, office, staff, other_staff
):
    # A job made while the assessment was published; it is a draft again now.
    assessment = factories.make_assessment(office, cycle=2030, status=Assessment.Status.PUBLISHED)
    names(client_for(staff).get(bundle_url(2030, "?fictional=on")))
    job = BundleJob.objects.get()
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.DRAFT)
    for name in ("reports:bundle-job", "reports:bundle-status", "reports:bundle-download"):
        assert client_for(None).get(job_url(job, name)).status_code == 404
        assert client_for(other_staff).get(job_url(job, name)).status_code == 404
        assert client_for(staff).get(job_url(job, name)).status_code == 200
