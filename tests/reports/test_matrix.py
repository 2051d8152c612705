"""The comparison matrix: the report's four charts cell by cell, filters, bad input, queries."""

import csv
import io
import re

import pytest
from django.core.cache import cache
from django.utils.html import escape

from assessments.models import Assessment, Entry
from cities.models import City, Origin
from criteria.models import Criterion
from reports.exports import MATRIX, matrix_rows
from reports.forms import MatrixForm
from reports.matrix import DEFAULT_CITIES, MAX_CITIES, build_matrix
from tests import factories

pytestmark = pytest.mark.django_db

CHART_OFFICES = {
    "bristol": "bristol-bvpc",
    "cali": "cali-ecosystem",
    "edmonton": "reach-edmonton",
    "rosario": "rosario-ecosystem",
}


def chart_entries(city):
    """{criterion number: Entry} of the report's chart for `city`, straight from the DB."""
    assessment = Assessment.objects.get(
        office__slug=CHART_OFFICES[city], kind=Assessment.Kind.RESEARCH
    )
    return {e.criterion.number: e for e in assessment.entries.select_related("criterion")}


def parse_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def test_build_matrix_four_chart_cities_equals_loaded_data_cell_by_cell(report):
    matrix = build_matrix(cities=DEFAULT_CITIES)

    assert [c["city"]["slug"] for c in matrix.columns] == DEFAULT_CITIES
    assert [c["assessment"]["office_slug"] for c in matrix.columns] == [
        CHART_OFFICES[city] for city in DEFAULT_CITIES
    ]
    assert [r["criterion"]["number"] for r in matrix.rows] == list(range(1, 10))
    assert [r["criterion"]["short_title"] for r in matrix.rows] == list(
        Criterion.objects.order_by("number").values_list("short_title", flat=True)
    )
    for index, city in enumerate(DEFAULT_CITIES):
        expected = chart_entries(city)
        for row in matrix.rows:
            cell = row["cells"][index]
            entry = expected[row["criterion"]["number"]]
            assert cell["strengths"] == entry.strengths
            assert cell["opportunities"] == entry.opportunities
            assert cell["level"] is None
            assert cell["rated"] is False
    assert matrix.unknown == []


def test_matrix_page_default_shows_the_four_charts(report, client):
    response = client.get("/reports/matrix/")

    assert response.status_code == 200
    html = response.content.decode()
    assert [c["city"]["slug"] for c in response.context["matrix"].columns] == DEFAULT_CITIES
    for city in DEFAULT_CITIES:
        for entry in chart_entries(city).values():
            assert escape(entry.strengths) in html
            assert escape(entry.opportunities) in html
    # The charts give no levels, so no level badge at all (not even "Unrated").
    assert "level-badge" not in html
    assert response.context["problems"] == []


def test_matrix_page_links_each_column_to_its_scorecard(report, client):
    response = client.get("/reports/matrix/")

    html = response.content.decode()
    for column in response.context["matrix"].columns:
        assert f'href="/reports/scorecards/{column["assessment"]["id"]}.pdf"' in html


def test_matrix_csv_has_36_rows_for_the_four_chart_cities(report, client):
    response = client.get("/reports/matrix.csv?cities=bristol,cali,edmonton,rosario")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = parse_csv(response)
    assert rows[0] == MATRIX.header
    assert len(rows) == 37
    body = rows[1:]
    assert [(r[0], r[2]) for r in body] == [
        (City.objects.get(slug=city).name, str(n)) for city in DEFAULT_CITIES for n in range(1, 10)
    ]
    for row in body:
        city = City.objects.get(name=row[0]).slug
        entry = chart_entries(city)[int(row[2])]
        assert row[1] == entry.assessment.office.name
        assert row[3] == entry.criterion.short_title
        assert row[4] == ""  # unrated: blank, never 0
        assert row[5] == entry.strengths
        assert row[6] == entry.opportunities
        # The chart's citation and its source's month (the report's), never the load date.
        assert row[7] == f"{entry.assessment.citation}, published 2024-01"


def test_matrix_csv_without_cities_is_the_default_four(report, client):
    assert parse_csv(client.get("/reports/matrix.csv")) == parse_csv(
        client.get("/reports/matrix.csv?cities=bristol,cali,edmonton,rosario")
    )


def test_matrix_one_city_is_exactly_the_report_chart(report, client):
    response = client.get("/reports/matrix/?cities=edmonton")

    html = response.content.decode()
    assert 'class="table table-bordered report-chart"' in html
    assert '<th scope="col">Criteria</th>' in html
    assert '<th scope="col">Current strengths</th>' in html
    assert '<th scope="col">Opportunities to enhance effectiveness</th>' in html
    rows = response.context["matrix"].rows
    expected = chart_entries("edmonton")
    assert [(r["cells"][0]["strengths"], r["cells"][0]["opportunities"]) for r in rows] == [
        (expected[n].strengths, expected[n].opportunities) for n in range(1, 10)
    ]
    assert "matrix-scroll" not in html


def test_matrix_twenty_cities_scroll_with_fixed_criterion_column(report, client):
    cities = list(City.objects.real().order_by("slug").values_list("slug", flat=True))[:20]
    assert len(cities) == 20

    response = client.get("/reports/matrix/?cities=" + ",".join(cities))

    html = response.content.decode()
    assert response.context["problems"] == []
    assert len(response.context["matrix"].columns) == 20
    assert 'class="matrix-scroll"' in html
    assert html.count('<th scope="row" class="sticky-col">') == 9
    assert html.count('<th scope="row" class="sticky-col matrix-about-head">') == 1


def test_matrix_accepts_repeated_city_parameters_from_checkboxes(report, client):
    response = client.get("/reports/matrix/?cities=rosario&cities=cali")

    assert [c["city"]["slug"] for c in response.context["matrix"].columns] == ["rosario", "cali"]


def test_matrix_latest_of_any_kind_shows_a_newer_self_assessment(report, client):
    # Only when asked for (kind=latest): by default the report's chart stays
    # (tests/reports/test_matrix_views.py).
    cali = City.objects.get(slug="cali")
    office = factories.make_office(city=cali)
    newer = factories.make_assessment(
        office, cycle=2026, status=Assessment.Status.PUBLISHED, levels=[2] * 9
    )
    factories.make_assessment(office, cycle=2027, status=Assessment.Status.DRAFT, levels=[4] * 9)

    latest = client.get("/reports/matrix/?cities=cali&kind=latest").context["matrix"]
    research = client.get("/reports/matrix/?cities=cali&kind=research").context["matrix"]
    by_cycle = client.get("/reports/matrix/?cities=cali&cycle=2024").context["matrix"]

    assert latest.columns[0]["assessment"]["id"] == newer.pk
    assert latest.columns[0]["assessment"]["rated"] is True
    assert latest.columns[0]["assessment"]["source"].startswith("Self-assessment 2026")
    assert [r["cells"][0]["level"] for r in latest.rows] == [2] * 9
    chart = Assessment.objects.get(office__slug="cali-ecosystem")
    assert research.columns[0]["assessment"]["id"] == chart.pk
    assert by_cycle.columns[0]["assessment"]["id"] == chart.pk


def test_matrix_rated_assessment_shows_level_badges(report, client):
    office = factories.make_office()
    factories.make_assessment(
        office,
        status=Assessment.Status.PUBLISHED,
        levels=[0, 1, 2, 3, 4, None, 1, 2, 3],
    )

    html = client.get(f"/reports/matrix/?cities={office.city.slug}").content.decode()

    assert '<span class="badge level-badge level-4">4/4</span>' in html
    assert '<span class="badge level-badge level-0">0/4</span>' in html
    # Once in the table, once in the cards that replace it on a phone.
    assert html.count('<span class="badge level-badge level-unrated">Unrated</span>') == 2
    assert '<span class="badge badge-fictional">Demo, fictional</span>' in html


def test_matrix_never_shows_drafts_even_to_the_office_staff(report, client_for, staff, office):
    factories.make_assessment(office, status=Assessment.Status.DRAFT, text="Secret draft")
    factories.make_assessment(
        office, cycle=2024, status=Assessment.Status.SUBMITTED, text="Secret submitted"
    )

    for user in (None, staff):
        cache.clear()  # render for each user, not from the page cache
        response = client_for(user).get(f"/reports/matrix/?cities={office.city.slug}")
        assert "Secret" not in response.content.decode()
        assert response.context["matrix"].columns[0]["assessment"] is None
        assert response.context["missing"] == response.context["matrix"].columns


def test_matrix_csv_leaves_out_cities_without_an_assessment(report, client):
    office = factories.make_office()

    rows = parse_csv(client.get(f"/reports/matrix.csv?cities=edmonton,{office.city.slug}"))

    assert len(rows) == 10
    assert {r[0] for r in rows[1:]} == {"Edmonton"}


def test_matrix_csv_source_of_a_self_assessment_names_cycle_and_date(report, client):
    office = factories.make_office()
    a = factories.make_assessment(office, cycle=2025, status=Assessment.Status.PUBLISHED)
    Assessment.objects.filter(pk=a.pk).update(published_at="2025-03-04T10:00:00Z")

    rows = parse_csv(client.get(f"/reports/matrix.csv?cities={office.city.slug}"))

    assert {r[7] for r in rows[1:]} == {"Self-assessment 2025, published 2025-03-04"}
    assert [r[4] for r in rows[1:]] == [""] * 9


# Bad input ---------------------------------------------------------------------------


def test_matrix_unknown_city_is_named_and_the_rest_shown(report, client):
    response = client.get("/reports/matrix/?cities=cali,atlantis")

    assert response.status_code == 200
    assert response.context["problems"] == ["Cities: no city has the identifier 'atlantis'."]
    assert [c["city"]["slug"] for c in response.context["matrix"].columns] == ["cali"]
    assert "no city has the identifier &#x27;atlantis&#x27;" in response.content.decode()


def test_matrix_more_than_twenty_cities_keeps_the_first_twenty(report, client):
    extra = [factories.make_city().slug for _ in range(3)]
    cities = list(City.objects.real().order_by("slug").values_list("slug", flat=True)) + extra
    assert len(cities) == 23

    response = client.get("/reports/matrix/?cities=" + ",".join(cities))

    assert response.status_code == 200
    assert response.context["problems"] == [
        "Cities: at most 20 can be compared; the last 3 were left out."
    ]
    assert [c["city"]["slug"] for c in response.context["matrix"].columns] == cities[:MAX_CITIES]


def test_matrix_malformed_cycle_and_kind_fall_back_with_messages(report, client):
    response = client.get("/reports/matrix/?cities=rosario&cycle=20x4&kind=gossip")

    assert response.status_code == 200
    problems = response.context["problems"]
    assert problems == [
        "Cycle: Select a valid choice. 20x4 is not one of the available choices.",
        "Each column shows: Select a valid choice. gossip is not one of the available choices.",
    ]
    assert response.context["matrix"].columns[0]["assessment"]["office_slug"] == (
        "rosario-ecosystem"
    )


def test_matrix_cycle_without_data_says_so_for_each_city(report, client):
    response = client.get("/reports/matrix/?cities=rosario&cycle=2024&kind=self")

    assert response.status_code == 200
    assert response.context["missing"][0]["city"]["slug"] == "rosario"
    assert "No published assessment matches this cycle and kind for:\n  Rosario." in (
        response.content.decode()
    )


def test_matrix_garbage_city_identifiers_are_named(report, client):
    response = client.get("/reports/matrix/?cities=<script>,cali")

    assert response.status_code == 200
    assert response.context["problems"] == [
        "Cities: '<script>' cannot be a city identifier; left out."
    ]
    assert "<script>," not in response.content.decode()


def test_matrix_csv_with_bad_input_still_exports_the_rest(report, client):
    rows = parse_csv(client.get("/reports/matrix.csv?cities=cali,nowhere&cycle=abc"))

    assert len(rows) == 10
    assert {r[0] for r in rows[1:]} == {"Cali"}


def test_matrix_form_cities_from_commas_and_repeats():
    from django.http import QueryDict

    form = MatrixForm(QueryDict("cities=Cali,rosario&cities=cali&cities=edmonton"))

    assert form.values()["cities"] == ["cali", "rosario", "edmonton"]
    assert form.problems() == []


def test_matrix_form_defaults_without_parameters():
    from django.http import QueryDict

    values = MatrixForm(QueryDict("")).values()

    assert values["cities"] == DEFAULT_CITIES
    assert values["cycle"] is None
    assert values["kind"] == ""


def test_matrix_picker_lists_fictional_cities_only_when_asked(report, client):
    demo = factories.make_city()

    plain = client.get("/reports/matrix/").context["picker"]
    asked = client.get("/reports/matrix/?include_demo=on").context["picker"]
    chosen = client.get(f"/reports/matrix/?cities={demo.slug}").context["picker"]

    assert demo.slug not in [c["slug"] for c in plain]
    assert len(plain) == 20
    assert demo.slug in [c["slug"] for c in asked]
    assert demo.slug in [c["slug"] for c in chosen]
    assert all(c["origin"] == Origin.REPORT for c in plain)


def test_matrix_rows_follow_the_matrix(report):
    matrix = build_matrix(cities=["rosario"])

    rows = list(matrix_rows(matrix))

    assert [r[2] for r in rows] == list(range(1, 10))
    assert [r[5] for r in rows] == [r["cells"][0]["strengths"] for r in matrix.rows]


# Queries -----------------------------------------------------------------------------


def _cities_with_assessments(n):
    slugs = []
    for i in range(n):
        office = factories.make_office()
        factories.make_assessment(
            office, cycle=2024, status=Assessment.Status.PUBLISHED, levels=[i % 5] * 9
        )
        factories.make_assessment(office, cycle=2025, status=Assessment.Status.PUBLISHED)
        slugs.append(office.city.slug)
    return slugs


@pytest.mark.parametrize("n", [1, 20])
@pytest.mark.parametrize("persona", [None, "staff"])
def test_matrix_query_count_does_not_grow_with_cities(
    report, request, client_for, django_assert_num_queries, persona, n
):
    slugs = _cities_with_assessments(n)
    user = request.getfixturevalue(persona) if persona else None
    client = client_for(user)

    # page stamp, cycles, cities, criteria, assessments, notes of corrections in the works,
    # entries, picker (+ session, user)
    with django_assert_num_queries(8 if persona is None else 10):
        response = client.get("/reports/matrix/?cities=" + ",".join(slugs))
    assert len(response.context["matrix"].columns) == n

    # The same view again comes from the page cache: the stamp (+ session, user).
    with django_assert_num_queries(1 if persona is None else 3):
        again = client.get("/reports/matrix/?cities=" + ",".join(slugs))
    main = re.compile(r"<main.*</main>", re.S)
    assert main.search(again.content.decode())[0] == main.search(response.content.decode())[0]


@pytest.mark.parametrize("n", [1, 20])
def test_matrix_csv_query_count_does_not_grow_with_cities(
    report, client, django_assert_num_queries, n
):
    slugs = _cities_with_assessments(n)

    # One of them for the notes of corrections in the works (build_matrix serves both).
    with django_assert_num_queries(6):
        response = client.get("/reports/matrix.csv?cities=" + ",".join(slugs))

    assert len(parse_csv(response)) == 1 + 9 * n


def test_matrix_entries_match_database_for_rated_cities(report):
    slugs = _cities_with_assessments(3)

    matrix = build_matrix(cities=slugs)

    for index, column in enumerate(matrix.columns):
        a = column["assessment"]
        assert a["cycle"] == 2025
        entries = {
            e.criterion.number: e
            for e in Entry.objects.filter(assessment_id=a["id"]).select_related("criterion")
        }
        assert [r["cells"][index]["strengths"] for r in matrix.rows] == [
            entries[n].strengths for n in range(1, 10)
        ]
