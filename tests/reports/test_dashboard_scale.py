"""The dashboard past a few hundred offices: the heatmap draws groups of offices, targets are
totals per pair of cycles, and the chart data stays the same size. Plain functions first,
then the page."""

import json
import re
from types import SimpleNamespace

import pytest

from reports import charts
from reports.dashboard import targets_summary
from reports.synth import synthesize

pytestmark = pytest.mark.django_db


def office(n, levels):
    return {"label": f"Office {n}", "slug": f"o{n}", "levels": levels}


# Heatmap groups ----------------------------------------------------------------------------


def test_heatmap_groups_are_one_office_each_up_to_the_limit():
    offices = [office(n, [n % 5, None]) for n in range(3)]

    size, rows = charts.heatmap_groups(offices=offices, max_rows=3)

    assert size == 1
    assert rows == [("Office 0", [0, None]), ("Office 1", [1, None]), ("Office 2", [2, None])]


def test_heatmap_groups_take_the_lower_median_of_the_rated_offices():
    offices = [
        office(1, [1, None, 4]),
        office(2, [3, None, None]),
        office(3, [2, None, 0]),
        office(4, [4, 2, 1]),
        office(5, [0, None, 3]),
    ]

    size, rows = charts.heatmap_groups(offices=offices, max_rows=2)

    # Five offices in at most two rows: three, then the two left.
    assert size == 3
    assert rows == [
        # [1, 3, 2] -> 2; nobody rated -> None; [4, 0] -> the lower middle one, 0.
        ("Offices 1 to 3", [2, None, 0]),
        ("Offices 4 to 5", [0, 2, 1]),
    ]


def test_heatmap_figure_draws_groups_and_the_table_keeps_every_office():
    criteria = [{"number": n, "short_title": f"C{n}"} for n in (1, 2)]
    offices = [
        {**office(n, [n % 5, 4]), "origin": "synthetic", "cycle": 2025, "mean": 2.0}
        for n in range(7)
    ]
    offices[0]["not_applicable"] = [False, True]

    chart = charts.heatmap(offices=offices, criteria=criteria, max_rows=3)

    trace = chart["figure"]["data"][0]
    assert chart["group"] == 3
    # [0, 1, 2] -> 1; [3, 4, 0] -> 3; the last office alone keeps its name.
    assert trace["y"] == ["Offices 1 to 3", "Offices 4 to 6", "Office 6"]
    assert trace["z"] == [[1, 4], [3, 4], [1, 4]]
    assert chart["figure"]["meta"]["median"] == "median of 3 offices"
    # A group's cell is a median: no office's "not applicable" mark on it.
    assert chart["figure"]["meta"]["na"] == []
    assert [r["header"] for r in chart["table"]["rows"]] == [f"Office {n}" for n in range(7)]


# Targets -----------------------------------------------------------------------------------


def test_targets_summary_totals_per_pair_of_cycles_latest_first():
    def row(earlier, later, set_, reached):
        return SimpleNamespace(earlier=earlier, later=later, set=set_, reached=reached)

    rows = [row(2023, 2024, 2, 1), row(2024, 2025, 3, 3), row(2024, 2025, 0, 0)]
    rows.append(row(2024, 2025, 4, 1))

    assert targets_summary(rows=rows) == [
        {"earlier": 2024, "later": 2025, "offices": 3, "with_targets": 2, "set": 7, "reached": 4},
        {"earlier": 2023, "later": 2024, "offices": 1, "with_targets": 1, "set": 2, "reached": 1},
    ]
    assert targets_summary(rows=[]) == []


# The page ----------------------------------------------------------------------------------


def chart_bytes(response):
    return sum(
        len(text.encode())
        for text in re.findall(
            r'<script id="[a-z-]+" type="application/json">(.*?)</script>',
            response.content.decode(),
            re.S,
        )
    )


def test_dashboard_past_the_limit_draws_groups_and_says_so(report, client, monkeypatch):
    monkeypatch.setattr(charts, "MAX_HEATMAP_ROWS", 10)
    monkeypatch.setattr(charts.heatmap, "__kwdefaults__", {"max_rows": 10})
    synthesize(offices=10, cycles=2, seed=4)
    at_limit = client.get("/reports/dashboard/?include_synthetic=on")
    synthesize(offices=40, cycles=2, seed=4)
    beyond = client.get("/reports/dashboard/?include_synthetic=on")

    heatmap = json.loads(
        re.search(
            r'<script id="chart-heatmap" type="application/json">(.*?)</script>',
            beyond.content.decode(),
        ).group(1)
    )
    assert 'id="heatmap-grouped"' not in at_limit.content.decode()
    assert heatmap["data"][0]["y"][0] == "Offices 1 to 4"
    assert len(heatmap["data"][0]["y"]) == 10
    html = beyond.content.decode()
    assert 'id="heatmap-grouped"' in html
    assert "each row of the chart is 4 consecutive offices" in html
    # Four times the offices, about the same chart data.
    assert chart_bytes(beyond) < chart_bytes(at_limit) * 1.3
    # One table row per office, 25 a page.
    assert len(beyond.context["page_rows"]) == 25
    assert beyond.context["page"].paginator.count == 40


def test_dashboard_targets_are_totals_not_a_row_per_office(report, client):
    synthesize(offices=30, cycles=2, seed=4)

    response = client.get("/reports/dashboard/?include_synthetic=on")

    targets = response.context["targets"]
    assert [(t["earlier"], t["later"], t["offices"]) for t in targets] == [(2024, 2025, 30)]
    table = response.content.decode().split("targets-table")[1].split("</table>")[0]
    assert table.count("<tr>") == 2  # the header and one pair of cycles


def test_dashboard_content_is_shared_by_every_visitor_and_its_header_is_not(
    report, client_for, researcher, django_assert_num_queries
):
    synthesize(offices=5, cycles=2, seed=4)
    url = "/reports/dashboard/?include_synthetic=on&sort=mean"
    anonymous = client_for(None).get(url)
    client = client_for(researcher)

    # The content comes from the page cache: the data stamp, then the session and the user.
    with django_assert_num_queries(3):
        signed_in = client.get(url)

    def content(response):
        html = response.content.decode()
        return html.split('id="main"')[1], html.split('id="main"')[0]

    assert content(signed_in)[0] == content(anonymous)[0]
    assert "researcher-user" in content(signed_in)[1]
    assert "researcher-user" not in content(anonymous)[1]
