"""The dashboard's not-applicable values, empty state, region and country filters and the
trends of several offices: plain functions first, then the page and its CSVs."""

import csv
import io
import json
import re

import pytest

from assessments.models import Assessment, Entry
from cities.models import Country
from reports import charts, exports
from reports.dashboard import empty_state, narrowing_filters, trend_offices
from reports.forms import DashboardForm
from reports.sample import Filters, load_sample
from tests import factories

pytestmark = pytest.mark.django_db

PUBLISHED = Assessment.Status.PUBLISHED
REASON = "Schools are run by the province (fictional)."
LANGS = ["", "es", "pt-br", "fr"]


def rated(name, levels, cycle=2025, **kw):
    office = factories.make_office(name=name, **kw)
    return factories.make_assessment(office, cycle=cycle, status=PUBLISHED, levels=levels)


def not_applicable(assessment, number, reason=REASON):
    Entry.objects.filter(assessment=assessment, criterion__number=number).update(
        applicability=Entry.Applicability.NOT_APPLICABLE, level=None, justification=reason
    )


@pytest.fixture
def na_sample(report):
    """Criterion 4: Alpha says it does not apply, Bravo is unrated, Charlie and Delta are at
    1 and 4. Criterion 1: 0, 1, 3, 4. The median of criterion 4 is that of 1 and 4 (2.5),
    never of 0, 1, 4 (a zero in place of "not applicable") or 0, 0, 1, 4."""
    alpha = rated("Alpha", [0, 2, 2, None, 2, 2, 2, 2, 2])
    not_applicable(alpha, 4)
    rated("Bravo", [1, 2, 2, None, 2, 2, 2, 2, 2])
    rated("Charlie", [3, 2, 2, 1, 2, 2, 2, 2, 2])
    rated("Delta", [4, 2, 2, 4, 2, 2, 2, 2, 2])
    return load_sample(filters=Filters(include_demo=True))


def parse_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


# Not applicable --------------------------------------------------------------------------


def test_not_applicable_is_left_out_of_medians_and_means(na_sample):
    offices = {o["name"]: o for o in na_sample.offices}

    median = charts.medians(offices=na_sample.offices, criteria=na_sample.criteria)

    assert median[:4] == [2, 2, 2, 2.5]
    assert offices["Alpha"]["not_applicable"][3] is True
    assert offices["Alpha"]["reasons"][3] == REASON
    assert offices["Bravo"]["not_applicable"][3] is False
    # Alpha's mean: the eight criteria that apply, (0 + 2 * 7) / 8.
    assert offices["Alpha"]["mean"] == 1.75


def test_radar_marks_not_applicable_apart_from_unrated(na_sample):
    alpha, bravo = na_sample.offices[:2]

    chart = charts.radar(
        chosen=[alpha, bravo], offices=na_sample.offices, criteria=na_sample.criteria
    )

    data = chart["figure"]["data"]
    assert [d["name"] for d in data] == [
        "Sample median (4 offices)",
        alpha["label"],
        bravo["label"],
        f"{alpha['label']}: not applicable",
    ]
    # Both lines have a gap on criterion 4; only Alpha's carries an "N/A" mark, on the
    # outer ring, in its colour, with its reason for the hover.
    assert data[1]["r"][3] is None and data[2]["r"][3] is None
    mark = data[3]
    assert (mark["r"], mark["theta"], mark["text"]) == ([4], ["4. Population"], ["N/A"])
    assert mark["customdata"] == [REASON]
    assert mark["marker"]["color"] == data[1]["line"]["color"]
    assert (mark["legendgroup"], mark["showlegend"]) == (alpha["label"], False)
    # The table: the median leaves both out; Alpha's cell is "not applicable" with its reason.
    row = chart["table"]["rows"][3]
    assert row["cells"] == [2.5, charts.NotApplicable(REASON), None]


def test_dashboard_tables_show_not_applicable_with_its_reason_and_the_page_says_why(
    na_sample, client
):
    body = client.get("/reports/dashboard/?include_demo=on").content.decode()

    # Heatmap, radar (Alpha is among the first offices) and Alpha's trend table.
    assert body.count(f'<span class="small na-reason">{REASON}</span>') == 3
    assert "the gap is marked “N/A” on the outer ring" in body
    assert "left out of the office's mean and of every median" in body


@pytest.mark.parametrize("lang", LANGS)
def test_radar_csv_writes_not_applicable_and_the_median_of_the_rated(lang, na_sample, client):
    query = "include_demo=on" + (f"&lang={lang}" if lang else "")
    rows = parse_csv(client.get(f"/reports/dashboard/radar.csv?{query}"))

    assert rows[0] == exports.RADAR.header
    body = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    fourth = [r for r in body if r["criterion_number"] == "4"]
    assert [(r["series"], r["level"], r["applicability"], r["reason"]) for r in fourth] == [
        ("sample-median", "2.5", "", ""),
        ("office", "", "not-applicable", REASON),
        ("office", "", "not-assessed", ""),
        ("office", "1", "assessed", ""),
    ]
    assert fourth[0]["offices_counted"] == "2"
    for r in body:
        assert r["level"] == "" or 0 <= float(r["level"]) <= 4


# Empty state -----------------------------------------------------------------------------


def test_empty_state_names_each_filter_and_how_to_clear_it():
    narrowing = narrowing_filters(
        values={"region": "western-europe", "country": "", "cycle": 2024, "kind": None},
        labels={"region": {"western-europe": "Western Europe"}},
    )

    state = empty_state(narrowing=narrowing, include_demo=False)

    assert narrowing == [("region", "Western Europe"), ("cycle", "2024")]
    assert state == {
        "message": "No published, rated assessment matches region Western Europe and cycle 2024.",
        "hint": "Widen the selection: clear one of these filters, or all of them.",
        "clear": [
            ("region", "Clear the region (Western Europe)"),
            ("cycle", "Any cycle instead of 2024"),
        ],
        "demo": True,
    }


def test_empty_state_without_filters_says_nothing_is_published():
    state = empty_state(narrowing=[], include_demo=True)

    assert state == {
        "message": "No office has a published, rated assessment yet.",
        "hint": "",
        "clear": [],
        "demo": False,
    }


def test_dashboard_with_nothing_matching_draws_no_empty_axes(na_sample, client):
    response = client.get("/reports/dashboard/?include_demo=on&region=western-europe&cycle=2025")
    body = response.content.decode()

    assert response.context["sample"].offices == []
    assert 'type="application/json" id="chart-' not in body
    assert '<script id="chart-' not in body
    assert "data-chart=" not in body
    assert "offices)" not in body  # no "Sample median (0 offices)"
    assert "No published, rated assessment matches region Western Europe and cycle 2025." in body
    links = re.findall(r'<li><a href="\?([^"]*)">([^<]*)</a></li>', body)
    assert links == [
        ("include_demo=on&amp;cycle=2025", "Clear the region (Western Europe)"),
        ("include_demo=on&amp;region=western-europe", "Any cycle instead of 2025"),
    ]
    assert '<a href="/reports/dashboard/">Clear all filters</a>' in body


# Region and country -------------------------------------------------------------------------


def _form(data):
    countries = Country.objects.order_by("name").values_list("slug", "name", "region")
    return DashboardForm(data, countries=countries, cycles=[2025])


def test_form_refuses_a_country_outside_the_region_and_keeps_the_region(report):
    form = _form({"region": "north-america", "country": "chile"})

    assert form.values()["region"] == "north-america"
    assert form.values()["country"] is None
    assert form.problems() == [
        "Country: Chile is not in North America: choose one of its countries, or "
        "“All regions” to see Chile."
    ]
    # Offered: the region's countries only.
    assert form.fields["country"].choices == [
        ("", "All countries"),
        ("canada", "Canada"),
        ("united-states", "United States"),
    ]


def test_form_accepts_a_country_of_the_region_and_any_country_without_one(report):
    assert _form({"region": "latin-america", "country": "chile"}).problems() == []
    assert _form({"country": "chile"}).values()["country"] == "chile"
    assert len(_form({}).fields["country"].choices) == Country.objects.count() + 1


def test_dashboard_shows_the_refused_country_next_to_its_field(report, client):
    body = client.get("/reports/dashboard/?region=north-america&country=chile").content.decode()

    assert re.search(
        r'<select class="form-select" name="country" id="id_country" aria-invalid="true" '
        r'aria-describedby="id_country-error dashboard-problems">',
        body,
    )
    assert (
        '<p class="invalid-feedback d-block" id="id_country-error">Chile is not in North '
        "America: choose one of its countries, or “All regions” to see Chile.</p>"
    ) in body
    options = re.search(r'name="country".*?</select>', body, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)"', options) == ["", "canada", "united-states"]
    # The other choices are kept.
    assert '<option value="north-america" selected>' in body
    countries = re.search(r'id="dashboard-countries" type="application/json">(.*?)<', body)
    assert ["chile", "Chile", "latin-america"] in json.loads(countries.group(1))


# Trends of several offices -----------------------------------------------------------------


def test_trend_offices_put_the_one_asked_for_first_and_stop_at_the_limit():
    ordered = [{"slug": f"o{i}"} for i in range(20)]

    assert [o["slug"] for o in trend_offices(ordered=ordered, limit=3)] == ["o0", "o1", "o2"]
    picked = trend_offices(ordered=ordered, office=ordered[7], limit=3)
    assert [o["slug"] for o in picked] == ["o7", "o0", "o1"]
    assert len(trend_offices(ordered=ordered)) == charts.MAX_TREND_PANELS


@pytest.mark.parametrize("lang", LANGS)
def test_trends_csv_names_the_office_and_city_of_every_row_in_every_language(
    lang, na_sample, client
):
    first = rated("Alpha", [1] * 9, cycle=2024)  # Alpha's earlier cycle, another office
    query = "include_demo=on" + (f"&lang={lang}" if lang else "")
    response = client.get(f"/reports/dashboard/trends.csv?{query}")

    rows = parse_csv(response)
    assert rows[0] == exports.TRENDS.header
    assert rows[0][:4] == ["office", "office_slug", "city", "cycle"]
    body = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    offices = {o["slug"]: o for o in na_sample.offices}
    offices[first.office.slug] = {"city": first.office.city.name}
    assert len(body) == 9 * 5
    for r in body:
        assert r["city"] == offices[r["office_slug"]]["city"]
        assert int(r["cycle"]) in (2024, 2025)
        assert int(r["criterion_number"]) in range(1, 10)
        assert r["level"] == "" or int(r["level"]) in range(5)
    assert {r["applicability"] for r in body} == {"assessed", "not-applicable", "not-assessed"}
    assert response["Content-Disposition"] == (
        f'attachment; filename="ovp-dashboard-trends{"-" + lang if lang else ""}.csv"'
    )


def test_empty_state_links_leave_out_a_refused_country_except_when_clearing_the_region(
    na_sample, client
):
    body = client.get(
        "/reports/dashboard/?include_demo=on&region=north-america&country=chile&cycle=2025"
    ).content.decode()

    links = re.findall(r'<li><a href="\?([^"]*)">([^<]*)</a></li>', body)
    assert links == [
        # Without the region, Chile is a country like any other: kept.
        ("include_demo=on&amp;country=chile&amp;cycle=2025", "Clear the region (North America)"),
        ("include_demo=on&amp;region=north-america", "Any cycle instead of 2025"),
    ]
