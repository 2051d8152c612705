"""Peers: weakest criteria, offices strongest on them, and the report's examples."""

import pytest
from django.template.loader import render_to_string

from assessments.models import Assessment
from cities.models import City, Origin
from criteria.models import PeerExample
from reports.peers import find_peers, peers_for_office, peers_for_offices
from reports.sample import Filters, load_sample
from tests import factories

pytestmark = pytest.mark.django_db

PUBLISHED = Assessment.Status.PUBLISHED


def sample_office(slug, levels, origin=Origin.DEMO, oid=None):
    return {
        "id": oid or slug,
        "slug": slug,
        "label": slug.title(),
        "city_slug": f"city-{slug}",
        "origin": origin,
        "levels": levels,
        "cycle": 2025,
    }


CRITERIA = [{"id": n, "number": n, "short_title": f"C{n}"} for n in range(1, 10)]


def test_find_peers_weakest_criteria_and_strongest_offices():
    me = sample_office("me", [0, 3, 1, 4, None, 1, 2, 2, 2])
    others = [
        sample_office("ann", [4, 0, 4, 0, 4, 2, 0, 0, 0]),
        sample_office("bob", [2, 0, 1, 0, 4, 4, 0, 0, 0]),
        sample_office("cid", [4, 0, None, 0, 4, 3, 0, 0, 0]),
        sample_office("dan", [1, 0, 0, 0, 4, 0, 0, 0, 0]),
    ]
    examples = {1: [{"title": "Example one"}]}

    peers = find_peers(
        office=me, offices=[me, *others], criteria=CRITERIA, examples=examples, max_peers=2
    )

    assert peers["cycle"] == 2025
    assert [(i["criterion"]["number"], i["level"]) for i in peers["items"]] == [
        (1, 0),
        (3, 1),
        (6, 1),
    ]
    assert [[p["slug"] for p in i["peers"]] for i in peers["items"]] == [
        ["ann", "cid"],
        ["ann"],
        ["bob", "cid"],
    ]
    assert peers["items"][0]["examples"] == [{"title": "Example one"}]
    assert peers["items"][1]["examples"] == []
    assert peers["items"][0]["peers"][0]["url"] == "/cities/city-ann/#office-ann"


def test_find_peers_real_office_is_never_compared_with_fictional_ones():
    me = sample_office("me", [1] * 9, origin=Origin.REPORT)
    demo = sample_office("demo", [4] * 9, origin=Origin.DEMO)
    synthetic = sample_office("synth", [4] * 9, origin=Origin.SYNTHETIC)
    real = sample_office("real", [2] * 9, origin=Origin.REPORT)

    peers = find_peers(
        office=me, offices=[me, demo, synthetic, real], criteria=CRITERIA, examples={}
    )

    assert {p["slug"] for i in peers["items"] for p in i["peers"]} == {"real"}


def test_find_peers_top_level_everywhere_has_no_items():
    me = sample_office("me", [4] * 9)

    assert find_peers(office=me, offices=[me], criteria=CRITERIA, examples={})["items"] == []


def test_peers_for_office_uses_published_rated_data_and_report_examples(report):
    me = factories.make_office(name="Me")
    factories.make_assessment(me, status=PUBLISHED, levels=[0, 4, 4, 4, 4, 4, 4, 4, 3])
    strong = factories.make_office(name="Strong")
    factories.make_assessment(strong, status=PUBLISHED, levels=[4] * 9)
    hidden = factories.make_office(name="Hidden")
    factories.make_assessment(hidden, levels=[4] * 9)  # a draft: never a peer

    peers = peers_for_office(office=me)

    assert [i["criterion"]["number"] for i in peers["items"]] == [1, 9]
    assert [p["slug"] for p in peers["items"][0]["peers"]] == [strong.slug]
    expected = list(
        PeerExample.objects.filter(criterion__number=1)
        .order_by("office__city__name", "key")
        .values_list("title", flat=True)
    )
    assert expected
    assert [e["title"] for e in peers["items"][0]["examples"]] == expected


def test_peers_for_office_without_rated_assessment_is_none(report):
    office = City.objects.get(slug="edmonton").offices.get()

    assert peers_for_office(office=office) is None


@pytest.mark.parametrize("n", [1, 20])
def test_peers_for_offices_query_count_is_fixed(report, django_assert_num_queries, n):
    offices = []
    for i in range(n):
        office = factories.make_office()
        factories.make_assessment(office, status=PUBLISHED, levels=[i % 5] * 9)
        offices.append(office)
    offices = list(
        type(offices[0]).objects.filter(pk__in=[o.pk for o in offices]).select_related("city")
    )

    # criteria, assessments, entries, examples
    with django_assert_num_queries(4):
        result = peers_for_offices(offices=offices)

    assert set(result) == {o.pk for o in offices}


def test_peers_partial_renders_items_examples_and_fictional_badges(report):
    me = factories.make_office(name="Me")
    factories.make_assessment(me, status=PUBLISHED, levels=[0, 4, 4, 4, 4, 4, 4, 4, 4])
    strong = factories.make_office(name="Strong")
    factories.make_assessment(strong, status=PUBLISHED, levels=[4] * 9)

    html = render_to_string("reports/includes/peers.html", {"peers": peers_for_office(office=me)})

    assert "<h3" in html
    assert "1. Clearly defined, public mandate" in html
    assert f'href="/cities/{strong.city.slug}/#office-{strong.slug}"' in html
    assert '<span class="badge badge-fictional">Demo, fictional</span>' in html
    assert "From the report:" in html


def test_peers_partial_without_data_says_so(report):
    html = render_to_string("reports/includes/peers.html", {"peers": None, "heading_level": 2})

    assert "<h2" in html
    assert "no published, rated assessment yet" in html


def test_dashboard_peers_come_from_its_sample(report):
    a = factories.make_office(name="A")
    factories.make_assessment(a, status=PUBLISHED, levels=[1] * 9)
    sample = load_sample(filters=Filters(include_demo=True))

    peers = find_peers(
        office=sample.offices[0], offices=sample.offices, criteria=sample.criteria, examples={}
    )

    assert [i["peers"] for i in peers["items"]] == [[], [], []]
