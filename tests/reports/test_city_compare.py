"""The city page's sources side by side: the report's chart, each office's latest published
self-assessment and its perspectives, one row per criterion (reports.city_compare)."""

import datetime
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import (
    Assessment,
    PerspectiveAnswer,
    PerspectiveGroup,
    PerspectiveRound,
    Respondent,
)
from cities.models import City
from criteria.models import Criterion
from reports import city_compare
from reports import city_queries as queries
from tests import factories

from .test_city_pages import column_headers, compare_table

pytestmark = pytest.mark.django_db

PUBLISHED = Assessment.Status.PUBLISHED


def published_self(office, *, cycle=2025, levels=(2, 1, 2, 3, 2, 1, 2, 2, 1)):
    """A fictional published self-assessment (test data: levels only for test offices or in
    tests that say so)."""
    a = factories.make_assessment(office, cycle=cycle, status=PUBLISHED, levels=list(levels))
    a.published_at = timezone.now()
    a.save(update_fields=["published_at"])
    return a


def closed_round(assessment, groups, *, closed=True):
    """A perspectives round of `assessment`: {group name: [level per respondent]} for
    criterion 1, and 2 for everyone on criterion 2."""
    round_ = PerspectiveRound.objects.create(
        assessment=assessment,
        closes_on=timezone.localdate() + datetime.timedelta(days=0 if closed else 5),
        closed_at=timezone.now() if closed else None,
    )
    first, second = Criterion.objects.filter(number__in=(1, 2)).order_by("number")
    for position, (name, levels) in enumerate(groups.items(), start=1):
        group = PerspectiveGroup.objects.create(round=round_, name=name, position=position)
        for level in levels:
            respondent = Respondent.objects.create(
                round=round_, group=group, token_hash=uuid.uuid4().hex, answered_at=timezone.now()
            )
            PerspectiveAnswer.objects.create(respondent=respondent, criterion=first, level=level)
            PerspectiveAnswer.objects.create(respondent=respondent, criterion=second, level=2)
    return round_


def research_chart(city_slug):
    return Assessment.objects.get(office__city__slug=city_slug, kind="research")


def compare(*, charts=(), selves=()):
    """side_by_side as the view calls it."""
    criteria = queries.all_criteria()
    charts, selves = list(charts), list(selves)
    queries.prefetch_entries(charts + selves)
    return city_compare.side_by_side(
        criteria=criteria,
        charts=charts,
        self_assessments=selves,
        perspectives=queries.published_perspectives(assessments=selves, criteria=criteria),
    )


def kinds_and_keys(comparison):
    return [(c["kind"], c["key"]) for c in comparison["columns"]]


# --- What goes side by side (plain functions) ------------------------------------------


def test_nothing_to_compare_gives_none(report):
    assert compare() is None
    assert city_compare.kinds(None) == []


def test_chart_only_is_one_column_without_levels(report):
    chart = research_chart("bristol")
    comparison = compare(charts=[chart])
    assert kinds_and_keys(comparison) == [("chart", f"chart-{chart.pk}")]
    assert [row["criterion"].number for row in comparison["rows"]] == list(range(1, 10))
    cells = [row["cells"][0] for row in comparison["rows"]]
    assert [cell["entry"].level for cell in cells] == [None] * 9
    assert [cell["entry"].criterion_id for cell in cells] == [
        row["criterion"].pk for row in comparison["rows"]
    ]


def test_self_only_is_one_column_with_the_office_levels(report, office):
    own = published_self(office, levels=[0, 1, 2, 3, 4, 4, 3, 2, 1])
    comparison = compare(selves=[own])
    assert kinds_and_keys(comparison) == [("self", f"self-{own.pk}")]
    assert [row["cells"][0]["entry"].level for row in comparison["rows"]] == [
        0,
        1,
        2,
        3,
        4,
        4,
        3,
        2,
        1,
    ]


def test_chart_and_self_are_side_by_side_in_the_same_rows(report, office):
    chart = research_chart("edmonton")
    own = published_self(office)
    comparison = compare(charts=[chart], selves=[own])
    assert kinds_and_keys(comparison) == [
        ("chart", f"chart-{chart.pk}"),
        ("self", f"self-{own.pk}"),
    ]
    for row in comparison["rows"]:
        chart_cell, self_cell = row["cells"]
        assert chart_cell["entry"].criterion_id == self_cell["entry"].criterion_id
        assert chart_cell["entry"].criterion_id == row["criterion"].pk


def test_perspectives_follow_their_self_assessment_with_the_privacy_rule(report, office):
    own = published_self(office)
    # "Experts" has two respondents, fewer than the minimum group (3): never shown apart,
    # and too few to be pooled into the all-respondents figures.
    closed_round(own, {"Staff": [1, 2, 3], "Partners": [0, 0, 4], "Experts": [4, 4]})
    comparison = compare(selves=[own])
    assert kinds_and_keys(comparison) == [
        ("self", f"self-{own.pk}"),
        ("perspectives", f"perspectives-{own.pk}"),
    ]
    first, second, third = (row["cells"][1] for row in comparison["rows"][:3])
    assert [
        (f["group"], f["median"], f["low"], f["high"], f["answers"]) for f in first["figures"]
    ] == [
        ("all respondents", 1.5, 0, 4, 6),
        ("Staff", 2, 1, 3, 3),
        ("Partners", 0, 0, 4, 3),
    ]
    assert first["divergent"] is True
    assert second["divergent"] is False
    assert third["figures"] == []  # nobody answered criterion 3
    assert comparison["columns"][1]["figures"]["respondents"] == 8


def test_an_open_round_or_a_round_without_figures_adds_no_column(report, office, other_office):
    open_one = published_self(office)
    closed_round(open_one, {"Staff": [1, 2, 3]}, closed=False)
    too_few = published_self(other_office)
    closed_round(too_few, {"Staff": [1, 2]})
    comparison = compare(selves=[open_one, too_few])
    assert [c["kind"] for c in comparison["columns"]] == ["self", "self"]


def test_perspectives_of_an_unpublished_assessment_are_never_loaded(report, office):
    draft = factories.make_assessment(office, levels=[2] * 9)
    closed_round(draft, {"Staff": [1, 2, 3]})
    assert queries.published_perspectives(assessments=[draft], criteria=[]) == {}


def test_kinds_lists_each_kind_once_in_column_order(report, office, other_office):
    selves = [published_self(office), published_self(other_office)]
    closed_round(selves[1], {"Staff": [1, 2, 3]})
    comparison = compare(charts=[research_chart("cali")], selves=selves)
    assert city_compare.kinds(comparison) == ["chart", "self", "perspectives"]


# --- The page ---------------------------------------------------------------------------


def test_a_chart_city_shows_a_published_self_assessment_beside_the_chart(report, client):
    # Cali is a real city: the self-assessment here is fictional test data of a test office.
    cali = City.objects.get(slug="cali")
    office = factories.make_office(city=cali, name="Test office (fictional)")
    own = published_self(office)
    chart = research_chart("cali")
    html = client.get("/cities/cali/").content.decode()
    table = compare_table(html)
    headers = column_headers(table)
    assert headers[0] == "Criterion"
    assert headers[1].startswith("Cali violence-prevention ecosystem (both secretariats) ")
    assert re.fullmatch(r"Test office \(fictional\) Self-assessment, 2025 published .+", headers[2])
    assert re.findall(r'<th scope="col" id="([a-z]+-\d+)"', table) == [
        f"chart-{chart.pk}",
        f"self-{own.pk}",
    ]
    row = table[table.index('id="criterion-4"') :]
    row = row[: row.index("</tr>")]
    assert f'headers="chart-{chart.pk} criterion-4"' in row
    assert f'headers="self-{own.pk} criterion-4"' in row
    assert "3/4 Established" in row
    assert "Fictional test text: strengths 4" in row
    # Each explanation once, the dashboard's wording nowhere.
    for phrase in (
        "It gives no levels, so none are shown",
        "is the office's own judgement against the rubric",
        "Put this result on your own website",
        f'id="embed-{own.pk}"',
    ):
        assert html.count(phrase) == 1, phrase
    assert "perspectives-" not in table
    assert "No office in the selection is rated higher" not in html
    assert "Learn from peers" not in html


def test_riverton_like_page_shows_the_perspectives_once(report, client, office):
    own = published_self(office)
    closed_round(own, {"Staff": [1, 2, 3], "Partners": [0, 0, 4], "Experts": [4, 4]})
    html = client.get(office.city.get_absolute_url()).content.decode()
    table = compare_table(html)
    headers = column_headers(table)
    assert len(headers) == 3
    assert re.fullmatch(
        rf"{re.escape(office.name)} Demo, fictional Perspectives, 2025 round closed .+, "
        r"8 respondents",
        headers[2],
    )
    cell = table[table.index(f'headers="perspectives-{own.pk} criterion-1"') :]
    cell = cell[cell.index(">") + 1 :]
    cell = " ".join(re.sub(r"<[^>]+>", " ", cell[: cell.index("</td>")]).split())
    assert cell == (
        f"{office.name} · Perspectives, 2025 Views diverge All respondents : "
        "median 1.5, range 0–4 (6 answers) Staff: median 2, range 1–3 (3 answers) "
        "Partners: median 0, range 0–4 (3 answers)"
    )
    assert "Experts" not in table  # a group of two is never shown apart
    assert html.count("A group is shown apart only when at least 3 of its people") == 1
    assert table.count("Too few answers to show.") == 7  # criteria 3 to 9


def test_peers_on_the_city_page_name_stronger_offices_without_dashboard_wording(
    report, client, office
):
    published_self(office, levels=[0, 4, 4, 4, 4, 4, 4, 4, 4])
    strong = factories.make_office(name="Strong office")
    published_self(strong, levels=[4] * 9)
    html = client.get(office.city.get_absolute_url()).content.decode()
    peers = html[html.index(f'id="peers-{office.slug}"') :]
    peers = peers[: peers.index("</section>")]
    assert "Whom this office can learn from" in peers
    assert f'href="/cities/{strong.city.slug}/#office-{strong.slug}"' in peers
    assert '<span class="badge level-badge level-4">4/4</span>' in peers
    assert "0/4" not in peers  # the office's own level is in the table, not repeated here
    assert "No office in the selection" not in html


@pytest.mark.parametrize("n", [1, 4])
def test_city_page_query_count_is_flat_with_more_offices_cycles_and_rounds(report, client, n):
    city = factories.make_city()
    for _ in range(n):
        office = factories.make_office(city=city)
        for cycle in (2023, 2024):
            published_self(office, cycle=cycle)
        closed_round(published_self(office, cycle=2025), {"Staff": [1, 2, 3]})
        factories.make_assessment(office, cycle=2024, kind="research", status=PUBLISHED)
    # data stamp, city, offices, examples, facts, assessments, entries, criteria, rubric
    # labels, perspectives (rounds, their groups, the summaries' groups, answers and
    # criteria), the peers (criteria, assessments, entries, examples), correction notes.
    with CaptureQueriesContext(connection) as queries_made:
        html = client.get(city.get_absolute_url()).content.decode()
    assert len(queries_made) == 19
    assert len(re.findall(r'<th scope="col" id="perspectives-\d+"', html)) == n
    assert len(re.findall(r'<th scope="col" id="self-\d+"', html)) == n
    assert len(re.findall(r'<th scope="col" id="chart-\d+"', html)) == n
    # Earlier cycles stay reachable from each office's list of assessments.
    assert html.count("Scorecard 2023 (PDF)") == n


def test_peers_to_show_leaves_out_the_office_own_examples_and_empty_criteria():
    own, other = "/cities/a/#office-a", "/cities/b/#office-b"
    peers = {
        "items": [
            {"criterion": 1, "peers": [], "examples": [{"url": own}]},
            {"criterion": 2, "peers": [], "examples": [{"url": own}, {"url": other}]},
            {"criterion": 3, "peers": [{"label": "B"}], "examples": []},
        ]
    }
    items = city_compare.peers_to_show(peers=peers, own_url=own)
    assert [(i["criterion"], i["examples"]) for i in items] == [
        (2, [{"url": other}]),
        (3, []),
    ]
    assert city_compare.peers_to_show(peers=None, own_url=own) == []
