"""The researchers' dashboard: charts equal their tables, filters, fictional data, queries."""

import csv
import io
import json
import re

import pytest
from django.db.models import F

from assessments.models import Assessment
from cities.models import City, Origin
from reports import charts, exports
from reports.sample import Filters, load_sample, load_trend, load_trends
from reports.synth import synthesize
from tests import factories

pytestmark = pytest.mark.django_db

PUBLISHED = Assessment.Status.PUBLISHED


def rated_office(levels, cycle=2025, **kw):
    office = factories.make_office(**kw)
    factories.make_assessment(office, cycle=cycle, status=PUBLISHED, levels=levels)
    return office


def chart_json(response):
    """{chart name: figure} from the page's <script id="chart-NAME"> elements."""
    scripts = re.findall(
        r'<script id="chart-([a-z]+)" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return {name: json.loads(data) for name, data in scripts}


def parse_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def three(report):
    """Three demo offices; the second is unrated on criterion 2; the first has two cycles."""
    a = factories.make_office(name="Alpha")
    factories.make_assessment(a, cycle=2024, status=PUBLISHED, levels=[1] * 9)
    factories.make_assessment(a, cycle=2025, status=PUBLISHED, levels=[2, 2, 2, 2, 2, 2, 2, 2, 2])
    b = rated_office([4, None, 0, 1, 2, 3, 4, 0, 1], name="Bravo")
    c = rated_office([0, 3, 4, 4, 4, 4, 4, 4, 4], name="Charlie")
    return a, b, c


# Charts equal their tables -------------------------------------------------------------


def test_heatmap_table_matches_figure(three):
    sample = load_sample(filters=Filters(include_demo=True))

    chart = charts.heatmap(offices=sample.offices, criteria=sample.criteria)

    trace = chart["figure"]["data"][0]
    rows = chart["table"]["rows"]
    assert trace["type"] == "heatmap"
    assert trace["y"] == [r["header"] for r in rows]
    assert trace["z"] == [r["cells"][1:10] for r in rows]
    assert trace["x"] == [str(n) for n in range(1, 10)]
    assert chart["table"]["columns"] == ["Cycle", *[str(n) for n in range(1, 10)], "Mean"]
    assert [r["cells"][0] for r in rows] == [2025, 2025, 2025]
    assert trace["z"] == [
        [2, 2, 2, 2, 2, 2, 2, 2, 2],
        [4, None, 0, 1, 2, 3, 4, 0, 1],
        [0, 3, 4, 4, 4, 4, 4, 4, 4],
    ]
    # Unrated is a gap (None), and the mean leaves it out instead of counting it as zero.
    assert [r["cells"][10] for r in rows] == [2.0, round(15 / 8, 2), round(31 / 9, 2)]


def test_radar_table_matches_figure_with_sample_median(three):
    sample = load_sample(filters=Filters(include_demo=True))
    chosen = sample.offices[1:3]

    chart = charts.radar(chosen=chosen, offices=sample.offices, criteria=sample.criteria)

    data = chart["figure"]["data"]
    rows = chart["table"]["rows"]
    assert [d["type"] for d in data] == ["scatterpolar"] * 3
    assert data[0]["name"] == "Sample median (3 offices)"
    expected_median = [2, 2.5, 2, 2, 2, 3, 4, 2, 2]
    assert data[0]["r"] == [*expected_median, expected_median[0]]
    assert [r["cells"][0] for r in rows] == expected_median
    for column, trace in enumerate(data[1:], start=1):
        assert trace["r"][:-1] == [r["cells"][column] for r in rows]
        assert trace["r"][-1] == trace["r"][0]
        assert trace["theta"][:-1] == [r["header"] for r in rows]
    assert chart["table"]["columns"] == ["Sample median", chosen[0]["label"], chosen[1]["label"]]


def test_radar_draws_at_most_six_offices(report):
    offices = [{"label": f"O{i}", "levels": [1] * 9} for i in range(8)]
    criteria = load_sample(filters=Filters()).criteria

    chart = charts.radar(chosen=offices, offices=offices, criteria=criteria)

    assert len(chart["figure"]["data"]) == 7
    assert len(chart["table"]["columns"]) == 7


def test_trends_table_matches_figure(three):
    a = three[0]
    sample = load_sample(filters=Filters(include_demo=True))
    office = sample.by_slug[a.slug]
    trend = load_trend(office_id=a.pk, criteria=sample.criteria)

    chart = charts.trends(panels=[(office, trend)], criteria=sample.criteria)

    assert trend == {
        "cycles": [2024, 2025],
        "levels": [[1] * 9, [2] * 9],
        "not_applicable": [[False] * 9] * 2,
        "reasons": [[""] * 9] * 2,
    }
    [table] = chart["table"]["panels"]
    meta = chart["figure"]["meta"]
    assert table["columns"] == ["2024", "2025"]
    assert meta["criteria"] == [r["header"] for r in table["rows"]]
    for row, trace in zip(table["rows"], chart["figure"]["data"], strict=True):
        # The levels themselves: the script nudges each line by meta["offset"] when drawing.
        assert trace["x"] == [2024, 2025]
        assert trace["y"] == row["cells"]
    assert meta["offset"] == charts.TREND_OFFSET


def test_trends_draw_one_panel_per_office_on_the_same_axes(three):
    a, b, c = three
    sample = load_sample(filters=Filters(include_demo=True))
    trends = load_trends(office_ids=[a.pk, b.pk, c.pk], criteria=sample.criteria)
    panels = [(sample.by_slug[o.slug], trends[o.pk]) for o in (b, a, c)]

    chart = charts.trends(panels=panels, criteria=sample.criteria)

    data, layout = chart["figure"]["data"], chart["figure"]["layout"]
    assert [trends[o.pk]["cycles"] for o in (a, b, c)] == [[2024, 2025], [2025], [2025]]
    assert trends[b.pk]["levels"] == [[4, None, 0, 1, 2, 3, 4, 0, 1]]
    # One trace per panel and criterion, in that order (the script colours criterion i the
    # same in every panel).
    assert len(data) == 27
    assert [(d["xaxis"], d["yaxis"]) for d in data[::9]] == [("x", "y"), ("x2", "y2"), ("x3", "y3")]
    assert [d["y"][0] for d in data[9:18]] == [1, 1, 1, 1, 1, 1, 1, 1, 1]  # Alpha's 2024
    assert [d["y"] for d in data[:9]] == [[lv] for lv in [4, None, 0, 1, 2, 3, 4, 0, 1]]
    assert len(set(chart["figure"]["meta"]["colours"])) == 9
    # The same axes: every cycle of any office on every x axis, levels 0-4 on every y axis.
    assert {tuple(layout[f"xaxis{s}"]["range"]) for s in ("", "2", "3")} == {(2023.7, 2025.3)}
    assert {tuple(layout[f"yaxis{s}"]["range"]) for s in ("", "2", "3")} == {(-0.4, 4.4)}
    assert [t["text"] for t in layout["annotations"]] == [p[0]["label"] for p in panels]
    assert [t["caption"] for t in chart["table"]["panels"]] == [
        f"Levels across cycles: {p[0]['label']}" for p in panels
    ]
    assert chart["figure"]["meta"]["panels"] == 3


def test_trends_draw_at_most_twelve_panels(report):
    criteria = load_sample(filters=Filters()).criteria
    trend = {"cycles": [2025], "levels": [[1] * 9], "not_applicable": [[False] * 9]}
    trend["reasons"] = [[""] * 9]
    panels = [({"label": f"O{i}", "slug": f"o{i}", "city": "C"}, trend) for i in range(15)]

    chart = charts.trends(panels=panels, criteria=criteria)

    assert chart["figure"]["meta"]["panels"] == 12
    assert len(chart["table"]["panels"]) == 12
    assert chart["figure"]["layout"]["grid"]["rows"] == 4


def test_distribution_table_matches_figure(three):
    sample = load_sample(filters=Filters(include_demo=True))

    chart = charts.distribution(offices=sample.offices, criteria=sample.criteria)

    rows = chart["table"]["rows"]
    data = chart["figure"]["data"]
    assert [d["name"] for d in data] == [f"Level {n}" for n in range(5)] + [
        "Unrated",
        "Not applicable",
    ]
    for column, trace in enumerate(data):
        assert trace["y"] == [r["cells"][column] for r in rows]
    # Criterion 2: Alpha 2, Bravo unrated, Charlie 3.
    assert rows[1]["cells"] == [0, 0, 1, 1, 0, 1, 0]
    assert [sum(r["cells"]) for r in rows] == [3] * 9


def test_dashboard_page_sends_the_figures_it_tabulates(three, client):
    response = client.get("/reports/dashboard/?include_demo=on&sort=mean")

    data = chart_json(response)
    tables = response.context["tables"]
    assert set(data) == {"heatmap", "radar", "trends", "distribution"}
    assert data["heatmap"]["data"][0]["z"] == [r["cells"][1:10] for r in tables["heatmap"]["rows"]]
    labels = data["heatmap"]["data"][0]["y"]
    assert labels == [r["header"] for r in tables["heatmap"]["rows"]]
    assert [label.split(" (")[0] for label in labels] == ["Charlie", "Alpha", "Bravo"]
    assert data["distribution"]["data"][5]["y"] == [
        r["cells"][5] for r in tables["distribution"]["rows"]
    ]
    html = response.content.decode()
    # Unrated shows as text in the table, never as a zero.
    assert '<td><span class="unrated">unrated</span></td>' in html
    assert "<script>" not in html.replace("<script src=", "")


def test_dashboard_json_has_no_per_cell_markup_and_grows_slowly(report, client):
    def raw_data():
        response = client.get("/reports/dashboard/?include_synthetic=on")
        scripts = re.findall(
            r'<script id="chart-[a-z]+" type="application/json">.*?</script>',
            response.content.decode(),
            re.S,
        )
        return "".join(scripts)

    synthesize(offices=30, cycles=2, seed=1)
    small = raw_data()
    synthesize(offices=60, cycles=2, seed=1)
    large = raw_data()

    heatmap = re.search(r'<script id="chart-heatmap" type="application/json">(.*?)</script>', large)
    assert "text" not in json.loads(heatmap.group(1))["data"][0]
    assert "\\u003C" not in large  # no HTML inside the chart data
    # Each office adds a label and nine levels once: far below the 150 bytes per office
    # that the 150 KB budget for 1,000 offices allows.
    assert (len(large.encode()) - len(small.encode())) / 30 < 100


# Sorting, choosing ------------------------------------------------------------------------


def test_sort_by_criterion_puts_unrated_last(three):
    sample = load_sample(filters=Filters(include_demo=True))

    by_two = charts.sort_offices(sample.offices, "2")
    by_mean = charts.sort_offices(sample.offices, "mean")
    by_name = charts.sort_offices(sample.offices, "name")

    assert [o["name"] for o in by_two] == ["Charlie", "Alpha", "Bravo"]
    assert [o["name"] for o in by_mean] == ["Charlie", "Alpha", "Bravo"]
    assert [o["name"] for o in by_name] == ["Alpha", "Bravo", "Charlie"]


def test_dashboard_sort_parameter_orders_heatmap(three, client):
    response = client.get("/reports/dashboard/?include_demo=on&sort=1")

    rows = response.context["tables"]["heatmap"]["rows"]
    assert [r["header"].split(" (")[0] for r in rows] == ["Bravo", "Alpha", "Charlie"]


def test_dashboard_radar_and_trend_offices_from_the_url(three, client):
    a, b, c = three

    response = client.get(
        f"/reports/dashboard/?include_demo=on&offices={c.slug},{b.slug}&office={b.slug}"
    )

    assert response.context["problems"] == []
    assert [o["slug"] for o in response.context["chosen"]] == [c.slug, b.slug]
    assert response.context["office"]["slug"] == b.slug
    # The office asked for is drawn first, then the others in the table's order.
    panels = response.context["tables"]["trends"]["panels"]
    assert [o["slug"] for o, _t in response.context["trend_panels"]] == [b.slug, a.slug, c.slug]
    assert [p["columns"] for p in panels] == [["2025"], ["2024", "2025"], ["2025"]]
    peers = response.context["peers"]
    # Bravo's weakest: criteria 3 and 8 (level 0), then 4 (level 1).
    assert [i["criterion"]["number"] for i in peers["items"]] == [3, 8, 4]
    assert [p["slug"] for p in peers["items"][0]["peers"]] == [c.slug, a.slug]


def test_dashboard_defaults_radar_and_trend_to_the_first_offices(three, client):
    response = client.get("/reports/dashboard/?include_demo=on")

    assert response.context["radar_default"] is True
    assert [o["name"] for o in response.context["chosen"]] == ["Alpha", "Bravo", "Charlie"]
    assert response.context["office"]["name"] == "Alpha"


# Fictional data ---------------------------------------------------------------------------


def test_dashboard_shows_demo_when_no_real_office_is_rated(three, client):
    response = client.get("/reports/dashboard/")

    assert response.context["sample"].auto_demo is True
    assert len(response.context["sample"].offices) == 3
    html = response.content.decode()
    assert "shows the fictional demo offices instead" in html
    assert html.count('<span class="badge badge-fictional">Demo, fictional</span>') >= 3


def test_dashboard_leaves_demo_out_once_a_real_office_is_rated(three, client):
    oakland = City.objects.get(slug="oakland").offices.get()
    factories.make_assessment(oakland, cycle=2026, status=PUBLISHED, levels=[3] * 9)

    plain = client.get("/reports/dashboard/")
    with_demo = client.get("/reports/dashboard/?include_demo=on")

    assert plain.context["sample"].auto_demo is False
    assert [o["slug"] for o in plain.context["sample"].offices] == [oakland.slug]
    assert len(with_demo.context["sample"].offices) == 4


def test_dashboard_never_shows_synthetic_data_unless_asked(report, client):
    synthesize(offices=3, cycles=2, seed=5)

    plain = client.get("/reports/dashboard/")
    asked = client.get("/reports/dashboard/?include_synthetic=on")

    assert plain.context["sample"].offices == []
    assert "Synthetic" not in json.dumps(chart_json(plain))
    assert [o["origin"] for o in asked.context["sample"].offices] == [Origin.SYNTHETIC] * 3


def test_dashboard_empty_offers_demo_link(report, client):
    response = client.get("/reports/dashboard/?region=western-europe")

    assert response.status_code == 200
    assert response.context["sample"].offices == []
    assert "region=western-europe&amp;include_demo=on" in response.content.decode()


def test_dashboard_ignores_unrated_and_unpublished_assessments(report, client):
    office = factories.make_office(name="Drafty")
    factories.make_assessment(office, cycle=2025, status=Assessment.Status.DRAFT, levels=[4] * 9)
    factories.make_assessment(
        office, cycle=2024, status=Assessment.Status.SUBMITTED, levels=[4] * 9
    )
    factories.make_assessment(office, cycle=2023, status=PUBLISHED)  # unrated
    factories.make_assessment(office, cycle=2022, status=PUBLISHED, levels=[1] * 9)

    sample = load_sample(filters=Filters(include_demo=True))

    assert [(o["name"], o["cycle"], o["levels"]) for o in sample.offices] == [
        ("Drafty", 2022, [1] * 9)
    ]


@pytest.mark.parametrize("persona", [None, "staff", "reviewer", "researcher"])
def test_dashboard_shows_no_drafts_to_anyone(report, request, client_for, persona):
    user = request.getfixturevalue(persona) if persona else None
    office = request.getfixturevalue("office")
    factories.make_assessment(office, cycle=2025, status=Assessment.Status.DRAFT, levels=[4] * 9)

    response = client_for(user).get("/reports/dashboard/?include_demo=on")

    assert response.context["sample"].offices == []


# Filters and bad input --------------------------------------------------------------------


def test_dashboard_filters_region_country_home_cycle_kind(report, client):
    us = City.objects.get(slug="oakland").country
    office_us = rated_office([1] * 9, name="US office", city=factories.make_city(country=us))
    office_other = rated_office([2] * 9, cycle=2024, name="Other office")
    office_other.institutional_home = "public-health"
    office_other.save()

    def names(query):
        response = client.get("/reports/dashboard/?include_demo=on&" + query)
        assert response.context["problems"] == []
        return [o["name"] for o in response.context["sample"].offices]

    assert names("region=north-america") == ["US office"]
    assert names("country=united-states") == ["US office"]
    assert names("home=public-health") == ["Other office"]
    assert names("cycle=2024") == ["Other office"]
    assert names("kind=research") == []
    assert names("kind=self") == ["Other office", "US office"]
    assert office_us


def test_dashboard_bad_filters_are_named_and_the_rest_shown(three, client):
    response = client.get(
        "/reports/dashboard/?include_demo=on&region=atlantis&cycle=20x5&kind=x&sort=zzz"
        "&page=abc&offices=nope,<b>&office=ghost"
    )

    assert response.status_code == 200
    assert response.context["problems"] == [
        "Region: Select a valid choice. atlantis is not one of the available choices.",
        "Cycle: Select a valid choice. 20x5 is not one of the available choices.",
        "Assessment kind: Select a valid choice. x is not one of the available choices.",
        "Sort by: Select a valid choice. zzz is not one of the available choices.",
        "Table page: Enter a whole number.",
        "Offices on the radar: '<b>' cannot be an office identifier; left out.",
        "Offices on the radar: 'nope' not in the current selection.",
        "Office for trends and peers: 'ghost' is not in the current selection.",
    ]
    assert len(response.context["sample"].offices) == 3


def test_dashboard_radar_limit_is_six(report, client):
    slugs = [rated_office([1] * 9).slug for _ in range(8)]

    response = client.get("/reports/dashboard/?include_demo=on&offices=" + ",".join(slugs))

    assert response.context["problems"] == [
        "Offices on the radar: at most 6; the others were left out."
    ]
    assert [o["slug"] for o in response.context["chosen"]] == slugs[:6]


def test_dashboard_heatmap_table_is_paginated_but_the_chart_and_csv_have_all(report, client):
    synthesize(offices=30, cycles=1, seed=2)

    first = client.get("/reports/dashboard/?include_synthetic=on")
    second = client.get("/reports/dashboard/?include_synthetic=on&page=2")
    beyond = client.get("/reports/dashboard/?include_synthetic=on&page=99")
    rows = parse_csv(client.get("/reports/dashboard/heatmap.csv?include_synthetic=on"))

    assert len(chart_json(first)["heatmap"]["data"][0]["y"]) == 30
    assert [r["slug"] for r in first.context["page_rows"]] == [
        f"synthetic-ovp-{i:04d}" for i in range(1, 26)
    ]
    assert [r["slug"] for r in second.context["page_rows"]] == [
        f"synthetic-ovp-{i:04d}" for i in range(26, 31)
    ]
    assert beyond.context["page"].number == 2
    assert len(rows) == 1 + 30 * 9  # one row per office and criterion
    assert "Offices 1 to 25 of 30; the CSV has them all." in first.content.decode()
    assert 'href="?include_synthetic=on&amp;page=2#heatmap-heading"' in first.content.decode()


def test_dashboard_row_links_set_trend_office_and_radar(report, client):
    synthesize(offices=3, cycles=1, seed=2)

    response = client.get(
        "/reports/dashboard/?include_synthetic=on&offices=synthetic-ovp-0002&sort=mean"
    )

    rows = {r["slug"]: r for r in response.context["page_rows"]}
    base = "include_synthetic=on&sort=mean"
    assert rows["synthetic-ovp-0001"]["trend_query"] == (
        "include_synthetic=on&offices=synthetic-ovp-0002&sort=mean&office=synthetic-ovp-0001"
    )
    assert rows["synthetic-ovp-0001"]["radar_query"] == (
        f"{base}&offices=synthetic-ovp-0002%2Csynthetic-ovp-0001"
    )
    assert rows["synthetic-ovp-0002"]["on_radar"] is True
    assert rows["synthetic-ovp-0002"]["radar_query"] == base


@pytest.mark.parametrize("chart", ["heatmap", "radar", "trends", "distribution"])
def test_dashboard_csv_holds_the_numbers_of_the_table(three, client, chart):
    response = client.get(f"/reports/dashboard/{chart}.csv?include_demo=on")
    table = client.get("/reports/dashboard/?include_demo=on").context["tables"][chart]

    rows = parse_csv(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert rows[0] == exports.DASHBOARD[chart].header
    body = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    number = lambda v: "" if v is None else str(v)  # noqa: E731
    if chart == "heatmap":
        expected = [(r["header"], number(v)) for r in table["rows"] for v in r["cells"][1:10]]
        assert [(r["office"], r["level"]) for r in body] == expected
    elif chart == "radar":
        medians = [(number(r["cells"][0])) for r in table["rows"]]
        assert [r["level"] for r in body if r["series"] == "sample-median"] == medians
        offices = [number(v) for r in table["rows"] for v in r["cells"][1:]]
        assert [r["level"] for r in body if r["series"] == "office"] == offices
    elif chart == "trends":
        # Every office drawn, each named in its rows (office and city columns).
        expected = [
            (label, city, cycle, number(r["cells"][k]))
            for (label, city), panel in zip(
                [(o.name, o.city.name) for o in three], table["panels"], strict=True
            )
            for k, cycle in enumerate(panel["columns"])
            for r in panel["rows"]
        ]
        assert [
            (r["office"].split(" (")[0], r["city"], r["cycle"], r["level"]) for r in body
        ] == expected
        assert [r["office_slug"] for r in body][::9] == [three[0].slug] * 2 + [
            o.slug for o in three[1:]
        ]
    else:
        assert [[r[c] for c in rows[0][2:]] for r in body] == [
            [str(v) for v in r["cells"]] for r in table["rows"]
        ]


def test_dashboard_csv_unknown_chart_is_404(report, client):
    assert client.get("/reports/dashboard/pie.csv").status_code == 404


# Queries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 20])
@pytest.mark.parametrize("persona", [None, "researcher"])
def test_dashboard_query_count_does_not_grow_with_offices_and_cycles(
    report, request, client_for, django_assert_num_queries, persona, n
):
    synthesize(offices=n, cycles=3, seed=3)
    user = request.getfixturevalue(persona) if persona else None
    client = client_for(user)

    # stamp (for the page cache, then for the data), countries, cycles, criteria,
    # assessments, entries, perspectives rounds, trend, examples, targets reached (published
    # pairs, their entries, offices) (+ the signed-in user's session and account)
    with django_assert_num_queries(13 if persona is None else 15):
        response = client.get("/reports/dashboard/?include_synthetic=on")
    # Warm: the stamp only; the content is cached, the same for every visitor.
    with django_assert_num_queries(1 if persona is None else 3):
        again = client.get("/reports/dashboard/?include_synthetic=on")

    assert len(response.context["sample"].offices) == n

    def content(r):  # the header around it has a per-response CSRF token
        return r.content.decode().split('id="main"')[1]

    assert content(again) == content(response)


def test_dashboard_cache_follows_publication(report, client, reviewer):
    from assessments.workflow import publish

    office = rated_office([1] * 9, name="First")
    assert len(client.get("/reports/dashboard/").context["sample"].offices) == 1
    second = factories.make_office(name="Second")
    pending = factories.make_assessment(second, status=Assessment.Status.SUBMITTED, levels=[3] * 9)
    assert len(client.get("/reports/dashboard/").context["sample"].offices) == 1

    publish(assessment=pending, user=reviewer)

    offices = client.get("/reports/dashboard/").context["sample"].offices
    assert [o["name"] for o in offices] == ["First", "Second"]
    assert office


def test_dashboard_cache_follows_bulk_changes_through_the_stamp(report, client):
    rated_office([1] * 9, name="First")
    assert len(client.get("/reports/dashboard/").context["sample"].offices) == 1
    # .update() sends no signal; the stamp (version sum) still moves.
    Assessment.objects.update(status=Assessment.Status.DRAFT, version=F("version") + 1)

    assert client.get("/reports/dashboard/").context["sample"].offices == []


@pytest.mark.parametrize("n", [1, 20])
def test_dashboard_csv_query_count_does_not_grow(report, client, django_assert_num_queries, n):
    synthesize(offices=n, cycles=3, seed=3)

    # The page's queries (the perspectives rounds included), without the examples.
    with django_assert_num_queries(9):
        response = client.get("/reports/dashboard/heatmap.csv?include_synthetic=on")

    assert len(parse_csv(response)) == 9 * n + 1
