"""Shared files (docs/storage.md): every file through Django's storage API, S3-compatible
object storage by configuration, and one render per scorecard version for the cluster.

The S3 tests run against moto's in-process S3 (`mock_aws`, nothing leaves the machine),
with STORAGES as settings.s3_storages() makes it for STORAGE_BACKEND=s3.
"""

import io
import logging
import os
import subprocess
import sys
import threading
import time
import zipfile
from datetime import timedelta

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from moto import mock_aws

from assessments.models import Assessment, EvidenceLink
from ovp_assess.settings import s3_storages
from reports import pdf, scorecard_cache, storage
from reports.models import BundleJob, ScorecardRender
from tests import factories
from tests.assessments.helpers import entry_post

from .scorecard_helpers import HOST, RenderCounter

BUCKET = "ovp-assess-test"
RENDERED = "scorecard rendered key="


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def scorecard_url(assessment):
    return reverse("reports:scorecard", args=[assessment.pk])


def rendered_lines(caplog):
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "ovp.scorecards" and r.getMessage().startswith(RENDERED)
    ]


@pytest.fixture
def s3(settings):
    """A private bucket in moto's S3, and STORAGES pointing every file storage at it."""
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        settings.STORAGES = {
            **settings.STORAGES,
            **s3_storages(bucket=BUCKET, region="us-east-1"),
        }
        yield client


def keys(client):
    listing = client.list_objects_v2(Bucket=BUCKET)
    return sorted(item["Key"] for item in listing.get("Contents", []))


@pytest.mark.django_db
def test_the_whole_path_through_s3(s3, report, renders, caplog, settings, tmp_path):
    caplog.set_level(logging.INFO, logger="ovp.scorecards")
    office = factories.make_office()
    staff = factories.make_user("s3-staff", office=office)
    published = factories.make_assessment(
        office, cycle=2032, status=Assessment.Status.PUBLISHED, levels=[2] * 9
    )
    draft = factories.make_assessment(office, cycle=2033)
    client = Client()
    client.force_login(staff)

    # Evidence: uploaded through the criterion form, downloaded through its view.
    entry = draft.entries.get(criterion__number=1)
    data = entry_post(entry, links=[{"title": "", "checked_on": ""}], strengths="Typed.")
    data["evidence-0-file"] = SimpleUploadedFile("budget.pdf", factories.PDF_BYTES)
    assert client.post(reverse("assess:criterion", args=[draft.pk, 1]), data).status_code == 302
    link = EvidenceLink.objects.get(entry=entry)
    assert f"media/{link.file.name}" in keys(s3)
    assert not (tmp_path / "media").exists()  # nothing on the local disk
    download = client.get(reverse("assess:evidence-file", args=[draft.pk, link.pk]))
    assert (download.status_code, body(download)) == (200, factories.PDF_BYTES)

    # A scorecard: rendered once, stored in the bucket, served with its ETag, then 304.
    first = client.get(scorecard_url(published))
    second = client.get(scorecard_url(published))
    assert (first.status_code, second.status_code) == (200, 200)
    scorecard_bytes = body(first)
    assert scorecard_bytes == body(second) == b"%PDF-1.7\n% fake scorecard 1\n%%EOF\n"
    key = scorecard_cache.cache_key(assessment=published, language="en", paper="a4", base=HOST)
    assert first["ETag"] == second["ETag"] == scorecard_cache.etag_for(key)
    assert first["Last-Modified"] == second["Last-Modified"]
    assert f"scorecards/{published.pk}/{key}.pdf" in keys(s3)
    again = client.get(scorecard_url(published), headers={"if-none-match": first["ETag"]})
    assert (again.status_code, again.content) == (304, b"")
    assert renders.calls == 1
    assert rendered_lines(caplog) == [f"{RENDERED}{key}"]
    assert not (tmp_path / "scorecards" / str(published.pk)).exists()

    # The open-data package: built into the bucket, its files served from there.
    table = client.get("/data/entries.csv")
    table_bytes = body(table)
    assert table.status_code == 200
    assert table_bytes.startswith(b"assessment_id,")
    descriptor = client.get("/data/datapackage.json")
    assert descriptor["ETag"] == table["ETag"]
    opendata_keys = [k for k in keys(s3) if k.startswith("opendata/")]
    folders = {k.split("/")[1] for k in opendata_keys}
    assert len(folders) == 1
    folder = folders.pop()
    assert f"opendata/{folder}/entries.csv" in opendata_keys
    assert f"opendata/{folder}/summary.json" in opendata_keys
    stored = s3.get_object(Bucket=BUCKET, Key=f"opendata/{folder}/entries.csv")["Body"].read()
    assert stored == table_bytes

    # A bundle: its scorecards from the bucket, its ZIP into the bucket, served from there.
    response = client.get(reverse("reports:scorecard-bundle", args=[2032]) + "?fictional=on")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(body(response))) as archive:
        member = archive.namelist()
        assert len(member) == 1
        assert archive.read(member[0]) == scorecard_bytes
    job = BundleJob.objects.get()
    assert f"media/{job.file_name}" in keys(s3)
    assert renders.calls == 1  # the bundle used the stored scorecard

    # Every object is private: the owner's grant only, no public ACL.
    for object_key in keys(s3):
        grants = s3.get_object_acl(Bucket=BUCKET, Key=object_key)["Grants"]
        assert [g["Permission"] for g in grants] == ["FULL_CONTROL"], object_key
        assert [g["Grantee"]["Type"] for g in grants] == ["CanonicalUser"], object_key


@pytest.mark.django_db
def test_a_remembered_failure_is_an_object_in_the_bucket(s3, office, monkeypatch, client):
    published = factories.make_assessment(office, status=Assessment.Status.PUBLISHED)

    def fails(**kwargs):
        raise pdf.RenderOutOfMemory("too big")

    monkeypatch.setattr(pdf, "render_pdf", fails)
    assert client.get(scorecard_url(published)).status_code == 503
    counter = RenderCounter()
    monkeypatch.setattr(pdf, "render_pdf", counter)
    assert client.get(scorecard_url(published)).status_code == 503
    assert counter.calls == 0
    key = scorecard_cache.cache_key(assessment=published, language="en", paper="a4", base=HOST)
    assert keys(s3) == [f"scorecards/{published.pk}/{key}.failed"]


def _retrying_locked(func):
    """func(), tried again while SQLite's in-memory test database says "table is locked"
    (a second writer is refused at once there instead of waiting, as tests/assessments/
    test_concurrency.py explains); each statement either happened whole or not at all."""
    for _attempt in range(200):
        try:
            return func()
        except OperationalError as exc:
            if connection.vendor != "sqlite" or "locked" not in str(exc):
                raise
            time.sleep(0.01)
    raise AssertionError("the database stayed locked")


@pytest.mark.django_db(transaction=True)
def test_two_nodes_asking_at_once_get_one_render_and_the_same_bytes(
    report, monkeypatch, caplog, settings
):
    caplog.set_level(logging.INFO, logger="ovp.scorecards")
    # A busy machine (the rest of the suite, a browser) must not turn the wait into a 503:
    # this test is about one render, not about the render slots' time limit.
    settings.PDF_RENDER_SLOT_WAIT = 10
    office = factories.make_office()
    published = factories.make_assessment(
        office, status=Assessment.Status.PUBLISHED, levels=[2] * 9
    )
    counter = RenderCounter()

    def slow_render(**kwargs):
        time.sleep(0.5)  # long enough that the other request surely finds the claim
        return counter(**kwargs)

    monkeypatch.setattr(pdf, "render_pdf", slow_render)
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def node(name):
        try:
            barrier.wait()
            response = _retrying_locked(lambda: Client().get(scorecard_url(published)))
            results[name] = (response.status_code, body(response), response["ETag"])
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=node, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert results["a"] == results["b"]
    assert results["a"][0] == 200
    assert results["a"][1].startswith(b"%PDF-")
    key = scorecard_cache.cache_key(assessment=published, language="en", paper="a4", base=HOST)
    assert counter.calls == 1
    assert rendered_lines(caplog) == [f"{RENDERED}{key}"]
    assert ScorecardRender.objects.count() == 0  # the claim is released


@pytest.mark.django_db
def test_a_stale_claim_is_taken_over(office, renders, client, caplog):
    caplog.set_level(logging.INFO, logger="ovp.scorecards")
    published = factories.make_assessment(office, status=Assessment.Status.PUBLISHED)
    key = scorecard_cache.cache_key(assessment=published, language="en", paper="a4", base=HOST)
    lifetime = scorecard_cache.render_budget() + scorecard_cache.CLAIM_MARGIN
    ScorecardRender.objects.create(
        key=key,
        token="dead",
        holder="node-that-died:1",
        claimed=timezone.now() - timedelta(seconds=lifetime + 1),
    )
    started = time.monotonic()
    response = client.get(scorecard_url(published))
    assert time.monotonic() - started < 2  # taken over at once, not waited for
    assert response.status_code == 200
    assert renders.calls == 1
    assert ScorecardRender.objects.count() == 0
    messages = [r.getMessage() for r in caplog.records if r.name == "ovp.scorecards"]
    assert messages == [f"scorecard claim taken over key={key}", f"{RENDERED}{key}"]


@pytest.mark.django_db
def test_a_live_claim_is_waited_for_then_answers_busy(office, renders, client, settings):
    settings.PDF_RENDER_SLOT_WAIT = 0
    settings.PDF_RENDER_TIMEOUT = 1
    published = factories.make_assessment(office, status=Assessment.Status.PUBLISHED)
    key = scorecard_cache.cache_key(assessment=published, language="en", paper="a4", base=HOST)
    ScorecardRender.objects.create(key=key, token="other", claimed=timezone.now())
    started = time.monotonic()
    response = client.get(scorecard_url(published))
    waited = time.monotonic() - started
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert b"The PDF renderer is busy" in response.content
    assert 1 + pdf.KILL_GRACE <= waited < 1 + pdf.KILL_GRACE + 1
    assert renders.calls == 0
    assert ScorecardRender.objects.get().token == "other"  # not ours to release


@pytest.mark.django_db
def test_a_waiting_request_gets_the_file_the_holder_stores(office, renders, monkeypatch):
    published = factories.make_assessment(office, status=Assessment.Status.PUBLISHED)
    key = scorecard_cache.cache_key(assessment=published, language="en", paper="a4", base=HOST)
    name = scorecard_cache.name_for(assessment_id=published.pk, key=key)
    ScorecardRender.objects.create(key=key, token="other", claimed=timezone.now())
    still_claimed = scorecard_cache.is_claimed
    looks = []

    def holder_finishes_while_we_wait(*, key):
        # The other node stores its PDF, then ends its claim, as open_scorecard does.
        if not looks:
            storage.scorecards().save(name, storage.StoredBytes(b"%PDF-1.7 other node"))
            ScorecardRender.objects.filter(key=key).delete()
        looks.append(key)
        return still_claimed(key=key)

    monkeypatch.setattr(scorecard_cache, "is_claimed", holder_finishes_while_we_wait)
    fh, got = scorecard_cache.open_scorecard(
        assessment=published, language="en", paper="a4", base=HOST
    )
    with fh:
        assert fh.read() == b"%PDF-1.7 other node"
    assert (got, looks, renders.calls) == (key, [key], 0)


@pytest.mark.django_db
def test_a_store_that_does_not_answer_gets_503_with_retry_after(
    office, renders, client, monkeypatch, caplog
):
    caplog.set_level(logging.INFO, logger="ovp.scorecards")
    published = factories.make_assessment(office, status=Assessment.Status.PUBLISHED)

    def down(*args, **kwargs):
        raise EndpointConnectionError(endpoint_url="http://store.invalid:9000")

    monkeypatch.setattr(storage.scorecards(), "open", down)
    monkeypatch.setattr(storage.opendata(), "open", down)
    for url in (scorecard_url(published), "/data/", "/data/entries.csv"):
        response = client.get(url)
        assert response.status_code == 503, url
        assert response["Retry-After"] == "60"
        assert "no-store" in response["Cache-Control"]
        assert b"Files are unavailable for a moment" in response.content
    assert renders.calls == 0


@pytest.mark.django_db
def test_an_edit_of_reference_data_does_not_fail_when_the_store_is_down(
    office, monkeypatch, caplog
):
    def down(*args, **kwargs):
        raise EndpointConnectionError(endpoint_url="http://store.invalid:9000")

    monkeypatch.setattr(storage.opendata(), "listdir", down)
    office.name = "Renamed while the store is down"
    office.save()  # the signal's forget() logs instead of failing the save
    office.refresh_from_db()
    assert office.name == "Renamed while the store is down"
    assert [r.getMessage() for r in caplog.records if r.name == "ovp.storage"] == [
        "open-data package not forgotten: the file storage did not answer"
    ]


@pytest.mark.django_db
def test_a_bucket_refusing_the_upload_answers_503_and_releases_the_claim(
    s3, office, renders, client, settings, caplog
):
    # The bucket is gone: reads find nothing (404), the upload after the render fails.
    caplog.set_level(logging.INFO, logger="ovp.scorecards")
    settings.STORAGES = {
        **settings.STORAGES,
        **s3_storages(bucket="no-such-bucket", region="us-east-1"),
    }
    published = factories.make_assessment(office, status=Assessment.Status.PUBLISHED)
    response = client.get(scorecard_url(published))
    assert response.status_code == 503
    assert b"Files are unavailable for a moment" in response.content
    assert renders.calls == 1
    assert ScorecardRender.objects.count() == 0
    assert rendered_lines(caplog) == []  # nothing was stored
    # Once the store answers again, the next request renders and stores it.
    settings.STORAGES = {**settings.STORAGES, **s3_storages(bucket=BUCKET, region="us-east-1")}
    assert client.get(scorecard_url(published)).status_code == 200
    assert renders.calls == 2
    assert len(rendered_lines(caplog)) == 1


SHOW_SETTINGS = """
import ovp_assess.settings as s
options = s.STORAGES["scorecards"]["OPTIONS"]
config = options.pop("client_config")
print(options, config.s3, config.connect_timeout, config.retries)
"""


def test_s3_backend_needs_a_bucket_and_names_only_known_backends():
    def settings_with(**env):
        return subprocess.run(
            [sys.executable, "-c", SHOW_SETTINGS],
            env={**os.environ, "SECRET_KEY": "x" * 40, **env},
            capture_output=True,
            text=True,
            timeout=60,
        )

    missing = settings_with(STORAGE_BACKEND="s3", S3_BUCKET="")
    assert "STORAGE_BACKEND=s3 needs S3_BUCKET." in missing.stderr
    unknown = settings_with(STORAGE_BACKEND="ftp")
    assert "STORAGE_BACKEND must be local or s3, not 'ftp'" in unknown.stderr
    s3 = settings_with(STORAGE_BACKEND="s3", S3_BUCKET="b", S3_ENDPOINT_URL="http://127.0.0.1:9000")
    assert s3.returncode == 0, s3.stderr
    assert "'location': 'scorecards'" in s3.stdout
    assert "'endpoint_url': 'http://127.0.0.1:9000'" in s3.stdout
    assert "'default_acl': None" in s3.stdout
    assert "{'addressing_style': 'path'} 3 {'max_attempts': 3, 'mode': 'standard'}" in s3.stdout
