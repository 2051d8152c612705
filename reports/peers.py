"""Peers: where an office is weakest, which offices are strongest, and the report's example.

`find_peers` is a plain function over data already loaded (the dashboard passes its
sample). `peers_for_offices` loads what it needs for a page about one or more offices (the
city page) in a fixed number of queries.

City page usage (one query set for all the city's offices):
    peers = peers_for_offices(offices=city_offices, user=request.user)
    items = city_compare.peers_to_show(peers=peers[office.pk], own_url=...)
The city page lists only whom to learn from (its table shows the office's levels already);
the dashboard includes "reports/includes/peers.html" with the whole peers dict. For one
office, `peers_for_office(office=office, user=request.user)`; None when the office has no
published rated assessment.
"""

from assessments.access import visible_assessments
from cities.models import Origin, office_url
from criteria.models import PeerExample
from criteria.rubric import weakest

from .sample import Filters, load_sample

MAX_CRITERIA = 3
MAX_PEERS = 3


def examples_by_criterion():
    """{criterion id: [example dicts]}: the report's peer examples, one query."""
    out = {}
    for ex in PeerExample.objects.select_related("office__city").order_by(
        "criterion__number", "office__city__name", "key"
    ):
        out.setdefault(ex.criterion_id, []).append(
            {
                "title": ex.tr("title"),
                "summary": ex.tr("summary"),
                "citation": ex.citation,
                "office_name": ex.office.name,
                "city_name": ex.office.city.name,
                "url": office_url(ex.office.city.slug, ex.office.slug),
            }
        )
    return out


def rank_offices(*, offices, criteria):
    """Per criterion, the rated offices from strongest to weakest (ties by name).

    find_peers walks these from the top; the dashboard computes them once per sample.
    """
    return [
        sorted(
            (o for o in offices if o["levels"][i] is not None),
            key=lambda o, i=i: (-o["levels"][i], o["label"].casefold(), o["slug"]),
        )
        for i in range(len(criteria))
    ]


def find_peers(
    *,
    office,
    offices,
    criteria,
    examples,
    ranked=None,
    max_criteria=MAX_CRITERIA,
    max_peers=MAX_PEERS,
):
    """Peers for `office` (a sample dict with "levels") among `offices` (sample dicts).

    The office's weakest criteria are criteria.rubric.weakest's, at most `max_criteria`.
    For each, the offices rated higher on it, strongest first (ties by name), and the
    report's examples. Real offices are compared with real offices only; a fictional
    office also with its own kind.
    `ranked` is rank_offices(offices) when the caller has it already.
    Returns {"office", "cycle", "items": [...]}, with no items when nothing is rated.
    """
    if ranked is None:
        ranked = rank_offices(offices=offices, criteria=criteria)
    allowed = {Origin.REPORT, office["origin"]}
    index = {c["number"]: i for i, c in enumerate(criteria)}
    pairs = ((c["number"], office["levels"][i]) for i, c in enumerate(criteria))
    items = []
    for number in weakest(pairs, limit=max_criteria):
        i = index[number]
        level = office["levels"][i]
        stronger = []
        for o in ranked[i]:
            if o["levels"][i] <= level or len(stronger) == max_peers:
                break
            if o["origin"] in allowed and o["id"] != office["id"]:
                stronger.append(o)
        items.append(
            {
                "criterion": criteria[i],
                "level": level,
                "peers": [
                    {
                        "label": o["label"],
                        "slug": o["slug"],
                        "origin": o["origin"],
                        "level": o["levels"][i],
                        "url": office_url(o["city_slug"], o["slug"]),
                    }
                    for o in stronger
                ],
                "examples": examples.get(criteria[i]["id"], []),
            }
        )
    return {"office": office, "cycle": office.get("cycle"), "items": items}


def peers_for_offices(*, offices, user=None):
    """{office id: peers dict, or None when the office has no published rated assessment}.

    Three queries (criteria, assessments, entries) plus one for the examples, whatever
    the number of offices given or in the database.
    """
    offices = list(offices)
    origins = {o.city.origin for o in offices}
    filters = Filters(
        include_demo=Origin.DEMO in origins, include_synthetic=Origin.SYNTHETIC in origins
    )
    assessments = visible_assessments(user) if user is not None else None
    sample = load_sample(filters=filters, assessments=assessments, auto_demo=False)
    by_id = {o["id"]: o for o in sample.offices}
    examples = examples_by_criterion() if any(o.pk in by_id for o in offices) else {}
    return {
        o.pk: (
            find_peers(
                office=by_id[o.pk],
                offices=sample.offices,
                criteria=sample.criteria,
                examples=examples,
            )
            if o.pk in by_id
            else None
        )
        for o in offices
    }


def peers_for_office(*, office, user=None):
    return peers_for_offices(offices=[office], user=user)[office.pk]
