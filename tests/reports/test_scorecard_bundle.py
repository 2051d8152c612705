"""ZIP bundles of a cycle's published scorecards."""

import io
import time
import zipfile

import pytest
from django.urls import reverse
from pypdf import PdfReader

from assessments.models import Assessment
from cities.models import Office
from reports import bundle, pdf
from tests import factories

from .scorecard_helpers import RenderCounter, pdf_bytes

pytestmark = pytest.mark.django_db

CHARTS_2024 = [
    "bristol-bristol-bvpc-2024-research.pdf",
    "cali-cali-ecosystem-2024-research.pdf",
    "edmonton-reach-edmonton-2024-research.pdf",
    "rosario-rosario-ecosystem-2024-research.pdf",
]


@pytest.fixture
def renders(monkeypatch):
    counter = RenderCounter()
    monkeypatch.setattr(pdf, "render_pdf", counter)
    return counter


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
    assert client.get(bundle_url(2030, "?fictional=on")).status_code == 200  # fills the cache
    with django_assert_num_queries(1):
        assert len(names(client.get(bundle_url(2030, "?fictional=on")))) == count


def test_bundle_over_the_time_budget_answers_503_and_keeps_what_was_made(
    client, settings, monkeypatch
):
    settings.PDF_RENDER_TIMEOUT = 0.3
    calls = []

    def first_fast_then_slow(*, html, timeout=None, **kwargs):
        # As the render child does: the first takes a while, the others run out of time.
        calls.append(timeout)
        if len(calls) == 1:
            time.sleep(0.1)
            return b"%PDF-1.7 fake"
        time.sleep(min(timeout, 5))
        raise pdf.RenderTimeout(seconds=timeout)

    monkeypatch.setattr(pdf, "render_pdf", first_fast_then_slow)
    started = time.monotonic()
    response = client.get(bundle_url(2024))
    assert time.monotonic() - started < 2
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert b"1 of 4 scorecards are ready" in response.content
    # The second render had what was left of the budget, not the whole limit.
    assert len(calls) == 2 and calls[1] < 0.25
    # The next try renders only the three missing ones: running out of the bundle's time
    # is not the document's fault, so nothing was remembered as failed.
    counter = RenderCounter()
    monkeypatch.setattr(pdf, "render_pdf", counter)
    assert names(client.get(bundle_url(2024))) == CHARTS_2024
    assert counter.calls == 3


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
    for _ in range(2):  # the second time from the cache and the remembered failure
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
