"""The open-data package (/data/): valid for frictionless, published data only, rebuilt after
a publication, the same headers as documented, cheap to serve."""

import csv
import io
import json
import re
import zipfile
from datetime import date
from pathlib import Path

import frictionless
import pytest
from django.test import Client
from django.utils import translation

from assessments import workflow
from assessments.models import Assessment, Entry, EvidenceLink
from cities.models import SourcedFact
from reports import opendata, opendata_cache
from tests import factories

S = Assessment.Status
TABLES = {t.name: t for t in opendata.TABLES}
FILES = [opendata.DESCRIPTOR] + [t.path for t in opendata.TABLES]


@pytest.fixture
def data(office, reviewer):
    """A published self-assessment (one criterion not applicable, with a reason; a web link
    and an uploaded file as evidence; a target) and a draft with words of its own."""
    published = factories.make_assessment(
        office, cycle=2024, status=S.PUBLISHED, levels=[2, 3, 1, 0, 4, 2, 2, 1, 3]
    )
    Assessment.objects.filter(pk=published.pk).update(published_at="2024-06-03T12:00:00Z")
    entries = {e.criterion.number: e for e in published.entries.select_related("criterion")}
    Entry.objects.filter(pk=entries[7].pk).update(
        level=None,
        applicability=Entry.Applicability.NOT_APPLICABLE,
        justification="A regional agency holds this task.",
    )
    Entry.objects.filter(pk=entries[1].pk).update(target=3)
    link = EvidenceLink.objects.create(
        entry=entries[1],
        url="https://example.org/mandate",
        title="The mandate",
        checked_on=date(2024, 5, 1),
    )
    factories.make_evidence_file(entries[1], name="Published budget.pdf")
    draft = factories.make_assessment(office, cycle=2025, text="Secret draft words")
    draft_entry = draft.entries.get(criterion__number=1)
    EvidenceLink.objects.create(entry=draft_entry, url="https://example.org/draft", title="D")
    factories.make_evidence_file(draft_entry, name="Draft budget.pdf")
    return {"published": published, "draft": draft, "link": link, "reviewer": reviewer}


def download(client, tmp_path):
    """Every file of the package as served, written to tmp_path; {name: bytes}."""
    files = {}
    for name in FILES:
        response = client.get(f"/data/{name}")
        assert response.status_code == 200, name
        content = b"".join(response.streaming_content)
        (tmp_path / name).write_bytes(content)
        files[name] = content
    return files


def rows(content):
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline="")))


def test_the_package_validates_with_frictionless(data, client, tmp_path):
    download(client, tmp_path)

    report = frictionless.validate(tmp_path / opendata.DESCRIPTOR)

    assert report.flatten(["title", "type", "note"]) == []
    assert report.valid
    assert len(report.tasks) == len(opendata.TABLES)


def test_the_zip_holds_the_same_files(data, client, tmp_path):
    files = download(client, tmp_path)
    response = client.get("/data/ovp-assess-data.zip")

    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="ovp-assess-data.zip"'
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.namelist() == FILES
    assert {name: archive.read(name) for name in FILES} == files


def test_the_descriptor_says_licence_sources_citation_and_keys(data, client, tmp_path):
    meta = json.loads(download(client, tmp_path)[opendata.DESCRIPTOR])

    assert meta["name"] == "ovp-assess-open-data"
    assert meta["licenses"] == [opendata.LICENSE]
    assert [s["path"] for s in meta["sources"]] == [
        "https://stanleycenter.org/publications/offices-of-violence-prevention/",
        "http://127.0.0.1:8000/",
    ]
    assert meta["citation"].startswith("OVP Assess open data, http://127.0.0.1:8000/data/")
    assert [r["name"] for r in meta["resources"]] == [t.name for t in opendata.TABLES]
    entries = next(r for r in meta["resources"] if r["name"] == "entries")
    assert entries["schema"]["primaryKey"] == ["assessment_id", "criterion_number"]
    assert entries["schema"]["foreignKeys"] == [
        {
            "fields": ["assessment_id"],
            "reference": {"resource": "assessments", "fields": ["assessment_id"]},
        },
        {
            "fields": ["criterion_number"],
            "reference": {"resource": "criteria", "fields": ["criterion_number"]},
        },
    ]
    level = next(f for f in entries["schema"]["fields"] if f["name"] == "level")
    assert level["constraints"] == {"minimum": 0, "maximum": 4}


def _check_type(kind, value):
    if value == "":
        return
    if kind == "integer":
        int(value)
    elif kind == "number":
        float(value)
    elif kind == "boolean":
        assert value in ("true", "false"), value
    elif kind == "date":
        date.fromisoformat(value)


def test_every_csv_has_its_documented_header_and_types(data, client, tmp_path):
    files = download(client, tmp_path)
    for table in opendata.TABLES:
        reader = csv.reader(io.StringIO(files[table.path].decode("utf-8"), newline=""))
        header, *body = list(reader)
        assert header == table.layout.header, table.name
        assert body, table.name
        for row in body:
            assert len(row) == len(header)
            for column, value in zip(table.layout.columns, row, strict=True):
                _check_type(column.type, value)


def test_headers_and_cells_do_not_change_with_the_language(data, tmp_path):
    files = {}
    for lang in ("en", "es", "fr", "pt-br"):
        client = Client(HTTP_ACCEPT_LANGUAGE=lang)
        opendata_cache.forget()
        (tmp_path / lang).mkdir()
        files[lang] = download(client, tmp_path / lang)
    assert files["es"] == files["en"] == files["fr"] == files["pt-br"]


def test_a_draft_never_appears(data, client, tmp_path):
    files = download(client, tmp_path)
    everything = b"".join(files.values()).decode()

    assert "Secret draft words" not in everything
    assert "example.org/draft" not in everything
    assessment_ids = {r["assessment_id"] for r in rows(files["assessments.csv"])}
    assert str(data["draft"].pk) not in assessment_ids
    assert str(data["published"].pk) in assessment_ids
    assert {r["status"] for r in rows(files["assessments.csv"])} == {"published"}
    assert {r["assessment_id"] for r in rows(files["entries.csv"])} == assessment_ids - {""}


def test_a_signed_in_member_gets_the_public_package_too(data, staff, client_for, tmp_path):
    files = download(client_for(staff), tmp_path)
    assert "Secret draft words" not in b"".join(files.values()).decode()


def test_entries_of_the_published_assessment(data, client, tmp_path):
    files = download(client, tmp_path)
    mine = {
        r["criterion_number"]: r
        for r in rows(files["entries.csv"])
        if r["assessment_id"] == str(data["published"].pk)
    }

    assert list(mine) == [str(n) for n in range(1, 10)]
    assert mine["1"] == {
        "assessment_id": str(data["published"].pk),
        "criterion_number": "1",
        "criterion": "Clearly defined, public mandate",
        "level": "2",
        "applicability": "assessed",
        "reason": "",
        "strengths": "Fictional test text: strengths 1",
        "opportunities": "Fictional test text: opportunities 1",
        "target": "3",
        "evidence_count": "1",
    }
    # Not applicable is its own value, with its reason, and no level.
    assert (mine["7"]["level"], mine["7"]["applicability"], mine["7"]["reason"]) == (
        "",
        "not-applicable",
        "A regional agency holds this task.",
    )
    assert mine["2"]["target"] == ""


def test_evidence_is_web_links_of_published_entries_only(data, client, tmp_path):
    files = download(client, tmp_path)
    mine = [
        r for r in rows(files["evidence.csv"]) if r["assessment_id"] == str(data["published"].pk)
    ]
    assert mine == [
        {
            "evidence_id": str(data["link"].pk),
            "assessment_id": str(data["published"].pk),
            "criterion_number": "1",
            "url": "https://example.org/mandate",
            "title": "The mandate",
            "checked_on": "2024-05-01",
        }
    ]
    assert "budget.pdf" not in b"".join(files.values()).decode().lower()


def test_fictional_rows_are_flagged(data, office, client, tmp_path):
    files = download(client, tmp_path)
    assessment = next(
        r for r in rows(files["assessments.csv"]) if r["assessment_id"] == str(data["published"].pk)
    )
    assert (assessment["origin"], assessment["demo"]) == ("demo", "true")
    assert assessment["published_on"] == "2024-06-03"
    office_row = next(r for r in rows(files["offices.csv"]) if r["office_slug"] == office.slug)
    assert (office_row["origin"], office_row["demo"]) == ("demo", "true")
    city = next(r for r in rows(files["cities.csv"]) if r["city_slug"] == office.city.slug)
    assert (city["origin"], city["demo"]) == ("demo", "true")
    # The report's cities are real.
    bristol = next(r for r in rows(files["cities.csv"]) if r["city_slug"] == "bristol")
    assert (bristol["origin"], bristol["demo"]) == ("report", "false")
    research = [r for r in rows(files["assessments.csv"]) if r["kind"] == "research"]
    assert {(r["origin"], r["demo"]) for r in research} == {("report", "false")}
    assert all(r["source"] for r in research)


def test_facts_carry_their_citation(data, client, tmp_path):
    facts = rows(download(client, tmp_path)["facts.csv"])
    assert len(facts) == SourcedFact.objects.count()
    assert all(f["source"] for f in facts)
    assert {f["scope"] for f in facts} == {"network", "country", "city", "office"}


def test_a_publication_rebuilds_the_package(data, office, staff, client, tmp_path):
    first = client.get("/data/datapackage.json")
    etag = first["ETag"]
    assert client.get("/data/datapackage.json", HTTP_IF_NONE_MATCH=etag).status_code == 304

    draft = data["draft"]
    Entry.objects.filter(assessment=draft).update(level=2)
    workflow.submit(assessment=draft, user=staff)
    # A submission moves the stamp, but nothing published changed: the same bytes.
    assert client.get("/data/datapackage.json")["ETag"] == etag
    workflow.publish(assessment=Assessment.objects.get(pk=draft.pk), user=data["reviewer"])

    after = client.get("/data/datapackage.json")
    assert after["ETag"] != etag
    assert client.get("/data/datapackage.json", HTTP_IF_NONE_MATCH=etag).status_code == 200
    files = download(client, tmp_path)
    assert "Secret draft words" in files["entries.csv"].decode()
    assert str(draft.pk) in {r["assessment_id"] for r in rows(files["assessments.csv"])}


def test_an_edit_of_reference_data_rebuilds_the_package(data, client, tmp_path):
    etag = client.get("/data/facts.csv")["ETag"]
    fact = SourcedFact.objects.order_by("key").first()
    fact.note = "A corrected note."
    fact.save()

    response = client.get("/data/facts.csv")

    assert response["ETag"] != etag
    assert "A corrected note." in b"".join(response.streaming_content).decode()


def test_files_are_served_from_disk_with_cache_headers(data, client, django_assert_num_queries):
    client.get("/data/")  # built
    with django_assert_num_queries(1):  # the stamp
        response = client.get("/data/entries.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "public, no-cache"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Last-Modified"]


@pytest.mark.parametrize("extra", [0, 3])
def test_building_runs_a_fixed_number_of_queries(report, extra, django_assert_num_queries):
    for _ in range(extra):
        office = factories.make_office()
        a = factories.make_assessment(office, status=S.PUBLISHED, levels=[1] * 9)
        EvidenceLink.objects.create(entry=a.entries.first(), url="https://example.org/", title="x")
    with django_assert_num_queries(10):
        opendata.build_package()


def test_an_unknown_table_is_404(report, client):
    assert client.get("/data/no-such-table.csv").status_code == 404


@pytest.mark.parametrize("lang", ["en", "es", "pt-br", "fr"])
def test_the_page_lists_every_table_in_each_language(data, client, lang):
    response = client.get("/data/", HTTP_ACCEPT_LANGUAGE=lang)

    assert response.status_code == 200
    page = response.content.decode()
    for table in opendata.TABLES:
        assert f'href="/data/{table.path}"' in page
        with translation.override(lang):
            assert str(table.title) in page
    assert 'href="/data/datapackage.json"' in page
    assert 'href="/data/ovp-assess-data.zip"' in page
    assert "https://creativecommons.org/licenses/by/4.0/" in page
    assert "OVP Assess open data, http://127.0.0.1:8000/data/" in page


def test_the_docs_describe_every_table_and_column():
    text = (Path(__file__).resolve().parents[2] / "docs" / "open-data.md").read_text()
    for table in opendata.TABLES:
        section = re.search(rf"^## `{table.name}`\n(.*?)(?=^## |\Z)", text, re.S | re.M)
        assert section, table.name
        documented = re.findall(r"^\| `(\w+)` \| (\w+) \|", section[1], re.M)
        assert documented == [(c.name, c.type) for c in table.layout.columns], table.name


def test_a_deleted_assessment_leaves_the_package(data, client, tmp_path):
    etag = client.get("/data/assessments.csv")["ETag"]
    pk = data["published"].pk
    data["published"].delete()

    response = client.get("/data/assessments.csv")

    assert response["ETag"] != etag
    ids = {r["assessment_id"] for r in rows(b"".join(response.streaming_content))}
    assert str(pk) not in ids
