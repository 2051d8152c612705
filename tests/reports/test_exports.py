"""The documented CSV and XLSX layouts (reports/exports.py, docs/exports.md): the same
English headers in every interface language, typed cells, "not applicable" with its reason."""

import csv
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from assessments.models import Assessment, Entry, EvidenceLink
from criteria.models import Criterion
from reports import exports
from tests import factories

LANGS = ["", "es", "pt-br", "fr"]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "exports.md"
REASON = "The office has no say over schools (fictional)."


@pytest.fixture
def published(report):
    """A fictional office's published, rated assessment: criterion 4 does not apply,
    criterion 1 has two links, criterion 2's strengths start like a formula."""
    office = factories.make_office()
    a = factories.make_assessment(
        office, cycle=2025, status=Assessment.Status.PUBLISHED, levels=[2, 1, 3, 2, 0, 4, 2, 1, 3]
    )
    Entry.objects.filter(assessment=a, criterion__number=4).update(
        applicability=Entry.Applicability.NOT_APPLICABLE, level=None, justification=REASON
    )
    # A reason kept in a criterion that applies is no reason.
    Entry.objects.filter(assessment=a, criterion__number=5).update(justification="Old draft")
    Entry.objects.filter(assessment=a, criterion__number=2).update(strengths="=HYPERLINK(1)")
    first = a.entries.get(criterion__number=1)
    for i in range(2):
        EvidenceLink.objects.create(entry=first, url=f"https://example.org/{i}", title=f"L{i}")
    return a


def _query(lang, **more):
    params = {**({"lang": lang} if lang else {}), **more}
    return "&".join(f"{k}={v}" for k, v in params.items())


def parse_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


@pytest.mark.parametrize("lang", LANGS)
def test_matrix_csv_header_and_types_are_the_same_in_every_language(lang, published, client):
    slug = published.office.city.slug
    response = client.get(f"/reports/matrix.csv?cities={slug}&{_query(lang)}")
    rows = parse_csv(response)
    assert rows[0] == exports.MATRIX.header
    assert rows[0][:8] == [
        "city",
        "office",
        "criterion_number",
        "criterion",
        "level",
        "strengths",
        "opportunities",
        "source",
    ]
    body = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [int(r["criterion_number"]) for r in body] == list(range(1, 10))
    assert [r["level"] for r in body] == ["2", "1", "3", "", "0", "4", "2", "1", "3"]
    assert [r["applicability"] for r in body] == ["assessed"] * 3 + ["not-applicable"] + [
        "assessed"
    ] * 5
    assert [r["reason"] for r in body] == [""] * 3 + [REASON] + [""] * 5
    assert [int(r["evidence_count"]) for r in body] == [2] + [0] * 8
    assert {(r["cycle"], r["kind"], r["status"], r["demo"]) for r in body} == {
        ("2025", "self", "published", "true")
    }
    assert {r["country"] for r in body} == {published.office.city.country.name}
    assert body[1]["strengths"] == "'=HYPERLINK(1)"  # text, never a formula
    suffix = f"-{lang}" if lang else ""
    assert response["Content-Disposition"] == (
        f'attachment; filename="ovp-matrix-{slug}-2025{suffix}.csv"'
    )


def test_matrix_csv_byte_order_mark_only_when_asked(published, client):
    slug = published.office.city.slug
    plain = client.get(f"/reports/matrix.csv?cities={slug}").content
    marked = client.get(f"/reports/matrix.csv?cities={slug}&bom=1").content
    assert plain.startswith(b"city,")
    assert marked == "\ufeff".encode() + plain


def test_matrix_filename_names_the_cities_and_cycle(report, client):
    response = client.get("/reports/matrix.csv?cities=bristol,cali")
    assert response["Content-Disposition"] == (
        'attachment; filename="ovp-matrix-bristol-cali-2024.csv"'
    )


def _workbook(response):
    assert response["Content-Type"] == exports.XLSX_TYPE
    return load_workbook(io.BytesIO(response.content))


def _sheet_rows(book, name):
    return [list(row) for row in book[name].iter_rows(values_only=True)]


@pytest.mark.parametrize("lang", LANGS)
def test_matrix_xlsx_has_the_csv_layout_the_columns_and_the_citation(lang, published, client):
    slug = published.office.city.slug
    response = client.get(f"/reports/matrix.xlsx?cities={slug}&{_query(lang)}")
    book = _workbook(response)
    assert book.sheetnames == ["matrix", "columns", "citation"]
    rows = _sheet_rows(book, "matrix")
    assert rows[0] == exports.MATRIX.header
    body = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [r["level"] for r in body] == [2, 1, 3, None, 0, 4, 2, 1, 3]
    assert [(r["applicability"], r["reason"]) for r in body][3] == ("not-applicable", REASON)
    assert {(r["cycle"], r["demo"]) for r in body} == {(2025, True)}
    assert book["matrix"]["F3"].value == "=HYPERLINK(1)"
    assert book["matrix"]["F3"].data_type == "s"  # stored as text, not as a formula
    columns = _sheet_rows(book, "columns")
    assert columns[0] == ["sheet", "column", "type", "description"]
    assert [r[1] for r in columns[1:]] == exports.MATRIX.header
    [header, [citation]] = _sheet_rows(book, "citation")
    assert header == ["citation"]
    assert f"/reports/matrix/?cities={slug}" in citation
    suffix = f"-{lang}" if lang else ""
    assert response["Content-Disposition"] == (
        f'attachment; filename="ovp-matrix-{slug}-2025{suffix}.xlsx"'
    )


@pytest.mark.parametrize("lang", LANGS)
def test_assessment_xlsx_one_sheet_per_table_in_every_language(lang, published, client):
    response = client.get(f"/reports/assessments/{published.pk}.xlsx?{_query(lang)}")
    book = _workbook(response)
    assert book.sheetnames == ["assessment", "entries", "evidence", "columns", "citation"]
    [head, row] = _sheet_rows(book, "assessment")
    assert head == exports.ASSESSMENT.header
    assert dict(zip(head, row, strict=True))["cycle"] == 2025
    entries = _sheet_rows(book, "entries")
    assert entries[0] == exports.ENTRIES.header
    assert [r[0] for r in entries[1:]] == list(range(1, 10))
    assert [(r[2], r[3], r[4]) for r in entries[1:]][3:5] == [
        (None, "not-applicable", REASON),
        (0, "assessed", None),  # an empty text is an empty cell
    ]
    short = Criterion.objects.get(number=1)
    assert entries[1][1] == (short.translations[lang]["short_title"] if lang else short.short_title)
    evidence = _sheet_rows(book, "evidence")
    assert evidence == [
        exports.EVIDENCE.header,
        [1, "https://example.org/0", "L0", None],
        [1, "https://example.org/1", "L1", None],
    ]
    [_header, [citation]] = _sheet_rows(book, "citation")
    # The permanent address is the one the workbook was asked from (SITE_URL unset).
    assert f"http://testserver/reports/scorecards/{published.pk}.pdf" in citation
    office = published.office
    suffix = f"-{lang}" if lang else ""
    assert response["Content-Disposition"] == (
        f'attachment; filename="ovp-assessment-{office.city.slug}-{office.slug}-2025-self'
        f'{suffix}.xlsx"'
    )


def test_assessment_xlsx_of_a_draft_only_for_those_who_may_read_it(
    report, office, staff, other_staff, client_for
):
    draft = factories.make_assessment(office, cycle=2026)
    url = f"/reports/assessments/{draft.pk}.xlsx"
    assert client_for(staff).get(url).status_code == 200
    assert client_for(other_staff).get(url).status_code == 404


def test_docs_describe_every_layout_column_by_column():
    text = DOCS.read_text()
    for layout in exports.LAYOUTS:
        section = re.search(rf"^## `{layout.name}`\n(.*?)(?=^## |\Z)", text, re.S | re.M)
        assert section, layout.name
        documented = re.findall(r"^\| `(\w+)` \| (\w+) \|", section[1], re.M)
        assert documented == [(c.name, c.type) for c in layout.columns], layout.name


@pytest.mark.parametrize("also", [[], ["cali"]])
def test_matrix_page_shows_not_applicable_with_its_reason_and_links_the_downloads(
    also, published, client
):
    slugs = ",".join([published.office.city.slug, *also])
    body = client.get(f"/reports/matrix/?cities={slugs}").content.decode()
    # Twice: in the table (wide screens) and in the city's cards (narrow screens).
    assert body.count("Why not applicable:") == 2
    assert body.count(REASON) == 2
    assert body.count("Not applicable</span>") == 2
    assert f'href="/reports/matrix.xlsx?cities={slugs.replace(",", "%2C")}"' in body


def test_assessment_page_links_its_workbook(report, office, staff, client_for):
    draft = factories.make_assessment(office, cycle=2026)
    body = client_for(staff).get(f"/assess/{draft.pk}/").content.decode()
    assert f'href="/reports/assessments/{draft.pk}.xlsx">Workbook (XLSX)</a>' in body


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("chart", ["heatmap", "radar", "trends", "distribution"])
def test_dashboard_csv_headers_are_the_same_in_every_language(chart, lang, published, client):
    response = client.get(f"/reports/dashboard/{chart}.csv?include_demo=on&{_query(lang)}")
    rows = parse_csv(response)
    assert rows[0] == exports.DASHBOARD[chart].header
    body = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    suffix = f"-{lang}" if lang else ""
    office = published.office.slug if chart == "trends" else ""
    name = exports.DASHBOARD[chart].name + (f"-{office}" if office else "")
    assert response["Content-Disposition"] == (
        f'attachment; filename="ovp-dashboard-{name}{suffix}.csv"'
    )
    if chart == "distribution":
        assert [int(r["not_applicable"]) for r in body] == [0, 0, 0, 1, 0, 0, 0, 0, 0]
        assert [int(r["unrated"]) for r in body] == [0] * 9
        return
    if chart == "radar":
        medians = [r for r in body if r["series"] == "sample-median"]
        # One office: criterion 4 does not apply, so no office is counted and no median.
        assert [(r["level"], r["offices_counted"]) for r in medians][3] == ("", "0")
        body = [r for r in body if r["series"] == "office"]
    assert [(r["level"], r["applicability"], r["reason"]) for r in body][3:5] == [
        ("", "not-applicable", REASON),
        ("0", "assessed", ""),
    ]
    if chart == "heatmap":
        # The mean leaves the criterion that does not apply out: (2+1+3+0+4+2+1+3) / 8.
        assert {r["office_mean"] for r in body} == {"2.0"}
        assert {r["demo"] for r in body} == {"true"}


def test_dashboard_page_shows_not_applicable_with_its_reason(published, client):
    response = client.get("/reports/dashboard/?include_demo=on")
    body = response.content.decode()
    assert (
        body.count(f'<span class="small na-reason">{REASON}</span>') == 3
    )  # heatmap, radar, trends
    assert "left out of the office's mean and of every median" in body
    assert "unrated criteria and those marked “not applicable” are left out" in body


def test_heatmap_tells_the_script_which_gaps_do_not_apply(published, client):
    response = client.get("/reports/dashboard/?include_demo=on")
    meta = response.context["figures"]["heatmap"]["figure"]["meta"]
    assert (meta["na"], meta["not_applicable"]) == ([[0, 3]], "not applicable")


def test_dashboard_downloads_ask_for_the_page_language(published, client):
    body = client.get("/reports/dashboard/?include_demo=on&lang=fr").content.decode()
    english = client.get("/reports/dashboard/?include_demo=on").content.decode()
    assert 'href="/reports/dashboard/trends.csv?include_demo=on&amp;lang=fr"' in body
    assert 'href="/reports/dashboard/trends.csv?include_demo=on"' in english
