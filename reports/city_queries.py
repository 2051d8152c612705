"""Querysets for the public city pages, as plain functions with a fixed number of queries."""

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, prefetch_related_objects
from django.utils import timezone

from assessments import rounds
from assessments.access import visible_assessments
from assessments.models import Assessment, Entry, PerspectiveRound
from cities.models import City, Office, Origin, SourcedFact
from criteria.models import Criterion, PeerExample

SORT_FIELDS = {
    "name": "name",
    "country": "country__name",
    "population": "population",
    "offices": "offices_count",
}


def _ordering(sort):
    """ORDER BY for ?sort= ("population", "-offices", ...); unknown populations go last."""
    field = SORT_FIELDS.get(sort.removeprefix("-"), "name")
    expr = F(field).desc(nulls_last=True) if sort.startswith("-") else F(field).asc(nulls_last=True)
    return [expr, F("name").asc(), F("pk").asc()]


def city_list(
    *,
    country=None,
    region=None,
    institutional_home=None,
    in_sample=None,
    include_fictional=False,
    sort="name",
):
    """Cities with their country and number of offices, filtered and sorted (one query)."""
    qs = City.objects.select_related("country").annotate(offices_count=Count("offices"))
    if not include_fictional:
        qs = qs.filter(origin=Origin.REPORT)
    if country is not None:
        qs = qs.filter(country=country)
    if region:
        qs = qs.filter(country__region=region)
    if institutional_home:
        # Exists, not a join: a join would multiply the rows and the office count.
        qs = qs.filter(
            Exists(
                Office.objects.filter(city=OuterRef("pk"), institutional_home=institutional_home)
            )
        )
    if in_sample is not None:
        qs = qs.filter(in_sample=in_sample)
    return qs.order_by(*_ordering(sort))


def city_detail(*, slug):
    """The city, with its country: what the page needs before its cached content."""
    return City.objects.select_related("country").filter(slug=slug)


def prefetch_city(city):
    """The city's offices (with their peer examples), in two queries."""
    prefetch_related_objects(
        [city],
        Prefetch("offices", queryset=Office.objects.order_by("name")),
        Prefetch(
            "offices__examples",
            queryset=PeerExample.objects.select_related("criterion").order_by("criterion__number"),
        ),
    )


def city_facts(city):
    """(the city's own facts, its country's facts), in one query.

    The country's facts are national context: about the country as a whole or places in
    it, never about this city, and shown apart from the city's own figures.
    """
    facts = (
        SourcedFact.objects.filter(Q(city=city) | Q(city=None, country_id=city.country_id))
        .select_related("office")
        .order_by("office__name", "label", "key")
    )
    own, national = [], []
    for fact in facts:
        (own if fact.city_id == city.pk else national).append(fact)
    return own, national


def city_assessments(*, user, city):
    """Assessments of the city's offices that `user` may read, newest cycle first."""
    return (
        visible_assessments(user)
        .filter(office__city=city)
        .select_related("office")
        .order_by("office__name", "-cycle", "kind")
    )


def latest_published_self(assessments):
    """The latest published self-assessment of each office, among `assessments`."""
    latest = {}
    for a in assessments:
        if a.kind == Assessment.Kind.SELF and a.status == Assessment.Status.PUBLISHED:
            current = latest.get(a.office_id)
            if current is None or a.cycle > current.cycle:
                latest[a.office_id] = a
    return list(latest.values())


def published_research(assessments):
    return [
        a
        for a in assessments
        if a.kind == Assessment.Kind.RESEARCH and a.status == Assessment.Status.PUBLISHED
    ]


def chart_rows(*, assessment, criteria):
    """One (criterion, entry or None) row per criterion, in the report's order.

    `assessment.entries` should be prefetched (see prefetch_entries) to keep queries flat.
    """
    by_criterion = {e.criterion_id: e for e in assessment.entries.all()}
    return [(c, by_criterion.get(c.pk)) for c in criteria]


def prefetch_entries(assessments):
    """Load the entries of the given assessments in one query."""
    prefetch_related_objects(
        assessments, Prefetch("entries", queryset=Entry.objects.order_by("criterion__number"))
    )
    return assessments


def all_criteria():
    return list(Criterion.objects.order_by("number"))


def published_perspectives(*, assessments, criteria):
    """{assessment id: rounds.public_figures} for the closed perspectives rounds of the
    published ones among `assessments` (the privacy rule holds: the figures are the API's and
    the scorecard's). No query without a published assessment, one without a closed round,
    five otherwise, whatever their number."""
    published = [a.pk for a in assessments if a.status == Assessment.Status.PUBLISHED]
    if not published:
        return {}
    closed = list(
        PerspectiveRound.objects.filter(assessment_id__in=published)
        .filter(Q(closed_at__isnull=False) | Q(closes_on__lt=timezone.localdate()))
        .prefetch_related("groups")
    )
    if not closed:
        return {}
    computed = rounds.summaries(round_ids=[r.pk for r in closed])
    titles = {c.number: c.tr("short_title") for c in criteria}
    return {
        r.assessment_id: rounds.public_figures(round_=r, computed=computed[r.pk], titles=titles)
        for r in closed
    }
