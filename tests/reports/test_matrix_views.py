"""Which assessment each matrix column shows: the report view, the kind filter and its
default, the per-column labels, the phone's city switcher and the picker's "has data" mark."""

import csv
import io

import pytest
from django.http import QueryDict

from assessments.models import Assessment
from cities.models import Office
from reports.forms import MatrixForm
from reports.matrix import (
    CHART_FIRST,
    DEFAULT_CITIES,
    LATEST,
    REPORT_VIEW,
    build_matrix,
    matrix_filters,
    newer_than,
    pick_assessment,
)
from tests import factories

RESEARCH, SELF = Assessment.Kind.RESEARCH, Assessment.Kind.SELF

# The CSV's columns, written out: a contract for scripts (docs/exports.md), not a copy of
# exports.MATRIX that would follow any change.
MATRIX_CSV_HEADER = [
    "city",
    "office",
    "criterion_number",
    "criterion",
    "level",
    "strengths",
    "opportunities",
    "source",
    "country",
    "cycle",
    "kind",
    "status",
    "demo",
    "applicability",
    "reason",
    "evidence_count",
    "city_slug",
    "office_slug",
    "assessment_id",
]


def candidate(id, cycle, kind, office="Office"):
    return {"id": id, "cycle": cycle, "kind": kind, "office__name": office}


# Picking, without the database ---------------------------------------------------------

CHART = candidate(1, 2024, RESEARCH)
SELF_2025 = candidate(2, 2025, SELF)
SELF_2026 = candidate(3, 2026, SELF)
SELF_2024 = candidate(4, 2024, SELF)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (CHART_FIRST, CHART),
        (RESEARCH, CHART),
        (SELF, SELF_2026),
        (LATEST, SELF_2026),
        ("no-such-kind", CHART),  # unknown: the default
    ],
)
def test_pick_assessment_by_kind(kind, expected):
    assert pick_assessment([SELF_2025, CHART, SELF_2026], kind=kind) == expected


def test_pick_assessment_default_without_research_is_the_latest_published():
    assert pick_assessment([SELF_2025, SELF_2026], kind=CHART_FIRST) == SELF_2026


def test_pick_assessment_latest_prefers_research_within_a_cycle():
    assert pick_assessment([SELF_2024, CHART], kind=LATEST) == CHART


def test_pick_assessment_without_a_candidate_of_the_kind_is_none():
    assert pick_assessment([SELF_2025], kind=RESEARCH) is None
    assert pick_assessment([], kind=CHART_FIRST) is None


def test_newer_than_names_the_latest_later_cycle_only():
    assert newer_than([CHART, SELF_2024, SELF_2025, SELF_2026], CHART) == SELF_2026
    assert newer_than([CHART, SELF_2024], CHART) is None


def test_matrix_filters_report_view_pins_cities_and_kind():
    assert matrix_filters(view=REPORT_VIEW, cities=["lima"], cycle=2026, kind=SELF) == (
        DEFAULT_CITIES,
        None,
        RESEARCH,
    )
    assert matrix_filters(view="", cities=["lima"], cycle=2026, kind=SELF) == (
        ["lima"],
        2026,
        SELF,
    )
    assert matrix_filters(view="", cities=["lima"], cycle=None, kind=None) == (
        ["lima"],
        None,
        CHART_FIRST,
    )


def test_matrix_form_report_view_with_other_choices_says_they_are_not_used():
    form = MatrixForm(QueryDict("view=report&cities=lima&kind=self"))

    assert form.values()["view"] == REPORT_VIEW
    assert form.problems() == [
        "The report's four charts are always the research assessments of Bristol, Cali, "
        "Edmonton and Rosario: the cities, cycle and kind asked for are not used here."
    ]
    assert MatrixForm(QueryDict("view=report")).problems() == []


# With the database: a chart city's office publishes a self-assessment ------------------

pytestmark_db = pytest.mark.django_db


@pytest.fixture
def cali_publishes(report):
    """The office of Cali's chart publishes a rated self-assessment of a later cycle."""
    office = Office.objects.get(slug="cali-ecosystem")
    return factories.make_assessment(
        office, cycle=2026, status=Assessment.Status.PUBLISHED, levels=[2] * 9
    )


def chart(city_slug):
    return Assessment.objects.get(office__city__slug=city_slug, kind=RESEARCH)


def shown(matrix):
    return [c["assessment"]["id"] if c["assessment"] else None for c in matrix.columns]


@pytestmark_db
def test_build_matrix_default_keeps_the_chart_after_a_self_assessment(cali_publishes):
    matrix = build_matrix(cities=DEFAULT_CITIES)

    assert shown(matrix) == [chart(c).pk for c in DEFAULT_CITIES]
    cali = matrix.columns[1]["assessment"]
    assert (cali["kind"], cali["cycle"], cali["rated"]) == (RESEARCH, 2024, False)
    # The self-assessment is named in the column, not hidden.
    assert cali["newer"] == {
        "id": cali_publishes.pk,
        "cycle": 2026,
        "kind": SELF,
        "kind_label": "Self-assessment",
    }
    assert [c["assessment"]["newer"] for i, c in enumerate(matrix.columns) if i != 1] == [None] * 3


@pytestmark_db
def test_build_matrix_report_view_after_a_self_assessment(cali_publishes):
    cities, cycle, kind = matrix_filters(view=REPORT_VIEW, cities=["cali"], cycle=2026, kind="")

    matrix = build_matrix(cities=cities, cycle=cycle, kind=kind, report_view=True)

    assert matrix.report_view is True
    assert matrix.kind == RESEARCH
    assert shown(matrix) == [chart(c).pk for c in DEFAULT_CITIES]
    assert all(r["cells"][1]["level"] is None for r in matrix.rows)


@pytestmark_db
@pytest.mark.parametrize(
    ("kind", "cycle", "expected"),
    [
        (LATEST, None, "self"),
        (SELF, None, "self"),
        (RESEARCH, None, "chart"),
        (CHART_FIRST, 2026, "self"),  # a cycle asked for: that cycle's assessment
        (CHART_FIRST, 2024, "chart"),
    ],
)
def test_build_matrix_kind_and_cycle_choose_the_column(cali_publishes, kind, cycle, expected):
    matrix = build_matrix(cities=["cali"], cycle=cycle, kind=kind)

    want = cali_publishes.pk if expected == "self" else chart("cali").pk
    assert shown(matrix) == [want]


@pytestmark_db
def test_build_matrix_self_kind_leaves_a_chart_only_city_empty(report):
    matrix = build_matrix(cities=["bristol", "cali"], kind=SELF)

    assert shown(matrix) == [None, None]


# The page ------------------------------------------------------------------------------


@pytestmark_db
def test_matrix_page_report_view_is_labelled_and_unchanged(cali_publishes, client):
    before = client.get("/reports/matrix/?view=report")
    html = before.content.decode()

    assert shown(before.context["matrix"]) == [chart(c).pk for c in DEFAULT_CITIES]
    assert before.context["problems"] == []
    assert 'aria-current="page" href="/reports/matrix/?view=report"' in html
    assert "The report's four charts: the research assessments of Bristol" in html
    assert html.count('<span class="d-block fw-normal small matrix-shows">') == 4
    assert (
        html.count(
            '<span class="d-block fw-normal small matrix-shows">Research assessment, 2024</span>'
        )
        == 4
    )
    assert "Also published, not shown here: Self-assessment, 2026." in html
    assert f'href="/reports/scorecards/{cali_publishes.pk}.pdf"' in html
    # The form shows what is shown: the four cities checked, "report charts only".
    assert [c["slug"] for c in before.context["picker"] if c["checked"]] == sorted(DEFAULT_CITIES)
    assert '<option value="research" selected>' in html


@pytestmark_db
def test_matrix_page_default_says_what_each_column_shows(cali_publishes, client):
    response = client.get("/reports/matrix/?cities=bristol,cali,edmonton,rosario")

    html = response.content.decode()
    assert shown(response.context["matrix"]) == [chart(c).pk for c in DEFAULT_CITIES]
    assert "a self-assessment published later never replaces a report chart" in html
    assert '<option value="" selected>' in html
    latest = client.get("/reports/matrix/?cities=bristol,cali,edmonton,rosario&kind=latest")
    assert shown(latest.context["matrix"])[1] == cali_publishes.pk
    assert (
        '<span class="d-block fw-normal small matrix-shows">Self-assessment, 2026</span>'
        in latest.content.decode()
    )


@pytestmark_db
def test_matrix_page_hide_column_links_keep_the_view(report, client):
    response = client.get("/reports/matrix/?view=report")

    hides = [c["hide_query"] for c in response.context["matrix"].columns]
    assert hides == [
        "cities=cali%2Cedmonton%2Crosario&kind=research",
        "cities=bristol%2Cedmonton%2Crosario&kind=research",
        "cities=bristol%2Ccali%2Crosario&kind=research",
        "cities=bristol%2Ccali%2Cedmonton&kind=research",
    ]
    html = response.content.decode()
    assert (
        'href="/reports/matrix/?cities=bristol%2Ccali%2Cedmonton&amp;kind=research">'
        'Hide column<span class="visually-hidden">: Rosario</span></a>'
    ) in html


@pytestmark_db
def test_matrix_page_city_switcher_shows_the_city_asked_for(report, client):
    first = client.get("/reports/matrix/?cities=bristol,cali,edmonton,rosario")
    rosario = client.get("/reports/matrix/?cities=bristol,cali,edmonton,rosario&city=rosario")
    report_view = client.get("/reports/matrix/?view=report&city=edmonton")

    assert first.context["card_column"]["city"]["slug"] == "bristol"
    assert rosario.context["card_column"]["city"]["slug"] == "rosario"
    expected = chart("rosario").entries.order_by("criterion__number")
    assert [r["cell"]["strengths"] for r in rosario.context["card_rows"]] == [
        e.strengths for e in expected
    ]
    html = rosario.content.decode()
    assert '<option value="rosario" selected>Rosario</option>' in html
    # The switcher keeps the cities (or the report view) in hidden fields.
    assert '<input type="hidden" name="cities" value="bristol,cali,edmonton,rosario">' in html
    assert report_view.context["switcher_params"] == [("view", "report")]
    assert report_view.context["card_column"]["city"]["slug"] == "edmonton"
    assert '<input type="hidden" name="view" value="report">' in report_view.content.decode()


@pytestmark_db
def test_matrix_page_city_switcher_with_an_unknown_city_says_so(report, client):
    response = client.get("/reports/matrix/?cities=cali,rosario&city=lima")

    assert response.context["problems"] == ["City shown: 'lima' is not one of the cities compared."]
    assert response.context["card_column"]["city"]["slug"] == "cali"


@pytestmark_db
def test_matrix_picker_marks_cities_with_published_data(report, client):
    office = factories.make_office()
    factories.make_assessment(office, status=Assessment.Status.DRAFT)

    response = client.get(f"/reports/matrix/?include_demo=on&cities=cali,{office.city.slug}")

    marked = {c["slug"] for c in response.context["picker"] if c["has_data"]}
    assert marked == set(DEFAULT_CITIES)  # a draft is no data
    html = response.content.decode()
    assert html.count('<span class="badge has-data">has data</span>') == 4


# Exports -------------------------------------------------------------------------------


def parse_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


@pytestmark_db
@pytest.mark.parametrize(
    "query",
    [
        "cities=bristol,cali,edmonton,rosario",
        "view=report",
        "cities=cali&kind=latest",
        "cities=cali&kind=self",
    ],
)
def test_matrix_csv_header_is_unchanged(cali_publishes, client, query):
    rows = parse_csv(client.get(f"/reports/matrix.csv?{query}"))

    assert rows[0] == MATRIX_CSV_HEADER


@pytestmark_db
def test_matrix_csv_report_view_after_a_self_assessment_is_the_charts(cali_publishes, client):
    rows = parse_csv(client.get("/reports/matrix.csv?view=report"))
    same = parse_csv(client.get("/reports/matrix.csv?cities=bristol,cali,edmonton,rosario"))

    kind, cycle, assessment_id = (
        MATRIX_CSV_HEADER.index(n) for n in ("kind", "cycle", "assessment_id")
    )
    assert len(rows) == 37
    assert {(r[kind], r[cycle]) for r in rows[1:]} == {("research", "2024")}
    assert {int(r[assessment_id]) for r in rows[1:]} == {chart(c).pk for c in DEFAULT_CITIES}
    assert same == rows
    latest = parse_csv(client.get("/reports/matrix.csv?cities=cali&kind=latest"))
    assert {(r[kind], r[cycle]) for r in latest[1:]} == {("self", "2026")}
