"""The dashboard's sample: per office, the latest published rated assessment's nine levels.

Two queries whatever the number of offices and cycles: the candidate assessments (with
their office, city and country), then the entries of the one picked per office. Rows come
back as plain dicts and lists (values_list), never model instances: at 1,000 offices and
5 cycles that is 5,000 + 9,000 small rows.
"""

from dataclasses import dataclass, field

from django.db.models import Case, Exists, F, OuterRef, TextField, Value, When

from assessments.models import Assessment, Entry
from cities.models import Origin, office_origin

from .matrix import criteria_rows


@dataclass(frozen=True)
class Filters:
    region: str = ""
    country: str = ""  # country slug
    home: str = ""  # institutional home
    cycle: int | None = None
    kind: str = ""
    include_demo: bool = False
    include_synthetic: bool = False


@dataclass
class Sample:
    criteria: list
    offices: list  # dicts, see load_sample
    # True when no real office matched and the demo offices are shown in their place.
    auto_demo: bool = False
    by_slug: dict = field(default_factory=dict)


def rated_assessments(assessments=None):
    """Published assessments with at least one level."""
    qs = assessments if assessments is not None else Assessment.objects.all()
    rated = Entry.objects.filter(assessment=OuterRef("pk"), level__isnull=False)
    return qs.filter(Exists(rated), status=Assessment.Status.PUBLISHED)


def office_label(name, city):
    return f"{name} ({city})" if city and city not in name else name


def _not_applicable_reason():
    """The reason of an entry that does not apply, "" for any other (a draft may keep a
    reason typed before the office chose "it applies" after all)."""
    return Case(
        When(applicability=Entry.Applicability.NOT_APPLICABLE, then=F("justification")),
        default=Value(""),
        output_field=TextField(),
    )


def _entry_values(assessment_ids):
    """(assessment id, criterion id, level, not applicable?, reason) per entry, one query."""
    return (
        Entry.objects.filter(assessment_id__in=assessment_ids)
        .annotate(reason=_not_applicable_reason())
        .values_list("assessment_id", "criterion_id", "level", "applicability", "reason")
    )


def load_sample(*, filters, assessments=None, auto_demo=True):
    """Offices matching `filters`, each with its latest published rated assessment.

    Demo offices are left out unless `filters.include_demo`; when nothing else matches
    and `auto_demo` is on, they are shown instead (flagged by `Sample.auto_demo`), so a
    fresh install has something to look at. Synthetic offices only with include_synthetic.

    Each office: {"id", "slug", "name", "label", "city", "city_slug", "origin",
    "assessment_id", "cycle", "kind", "levels": [nine levels or None], "mean",
    "not_applicable": [nine booleans], "reasons": [nine reasons, "" where it applies],
    "country"}. A criterion that does not apply has no level, so it is left out of the mean
    and of every median, and is told apart from an unrated one by "not_applicable".
    """
    criteria = criteria_rows()
    origins = [Origin.REPORT, Origin.DEMO, Origin.REGISTERED]
    if filters.include_synthetic:
        origins.append(Origin.SYNTHETIC)
    qs = rated_assessments(assessments).filter(office__city__origin__in=origins)
    if filters.region:
        qs = qs.filter(office__city__country__region=filters.region)
    if filters.country:
        qs = qs.filter(office__city__country__slug=filters.country)
    if filters.home:
        qs = qs.filter(office__institutional_home=filters.home)
    if filters.cycle:
        qs = qs.filter(cycle=filters.cycle)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    rows = qs.order_by().values_list(
        "id",
        "cycle",
        "kind",
        "office_id",
        "office__slug",
        "office__name",
        "office__city__name",
        "office__city__slug",
        "office__city__origin",
        "office__origin",
        "office__city__country__name",
    )
    # Latest cycle first; within a cycle the research assessment, as in the matrix.
    latest = {}
    for row in rows:
        key = (row[1], row[2] == Assessment.Kind.RESEARCH, -row[0])
        current = latest.get(row[3])
        if current is None or key > current[0]:
            latest[row[3]] = (key, row)

    picked = [row for _key, row in latest.values()]
    auto = False
    if not filters.include_demo:
        others = [row for row in picked if row[8] != Origin.DEMO]
        if others or not auto_demo:
            picked = others
        else:
            auto = bool(picked)

    index = {c["id"]: i for i, c in enumerate(criteria)}
    levels = {row[0]: [None] * len(criteria) for row in picked}
    not_applicable = {row[0]: [False] * len(criteria) for row in picked}
    reasons = {row[0]: [""] * len(criteria) for row in picked}
    if levels:
        for aid, criterion_id, level, applicability, reason in _entry_values(list(levels)):
            i = index[criterion_id]
            levels[aid][i] = level
            not_applicable[aid][i] = applicability == Entry.Applicability.NOT_APPLICABLE
            reasons[aid][i] = reason

    offices = []
    seen_labels = set()
    for (
        aid,
        cycle,
        kind,
        office_id,
        slug,
        name,
        city,
        city_slug,
        city_origin,
        own,
        country,
    ) in picked:
        origin = office_origin(office_origin=own, city_origin=city_origin)
        label = office_label(name, city)
        if label in seen_labels:  # chart axes need distinct labels
            label = f"{label} [{slug}]"
        seen_labels.add(label)
        rated = [lv for lv in levels[aid] if lv is not None]
        offices.append(
            {
                "id": office_id,
                "slug": slug,
                "name": name,
                "label": label,
                "city": city,
                "city_slug": city_slug,
                "origin": origin,
                "assessment_id": aid,
                "cycle": cycle,
                "kind": kind,
                "levels": levels[aid],
                "mean": round(sum(rated) / len(rated), 2) if rated else None,
                "not_applicable": not_applicable[aid],
                "reasons": reasons[aid],
                "country": country,
            }
        )
    offices.sort(key=lambda o: (o["label"].casefold(), o["slug"]))
    return Sample(
        criteria=criteria,
        offices=offices,
        auto_demo=auto,
        by_slug={o["slug"]: o for o in offices},
    )


TREND_LISTS = ("levels", "not_applicable", "reasons")


def load_trend(*, office_id, criteria, kind="", assessments=None):
    """{"cycles": [...], "levels": [[nine levels or None] per cycle], "not_applicable":
    [[nine booleans] per cycle], "reasons": [[nine reasons] per cycle]} for one office."""
    return load_trends(
        office_ids=[office_id], criteria=criteria, kind=kind, assessments=assessments
    )[office_id]


def load_trends(*, office_ids, criteria, kind="", assessments=None):
    """{office id: trend as load_trend gives it} for several offices, in one query.

    One published rated assessment per office and cycle (research first within a cycle).
    Every office asked for is in the answer, with no cycles when it has none.
    """
    qs = rated_assessments(assessments).filter(office_id__in=list(office_ids))
    if kind:
        qs = qs.filter(kind=kind)
    index = {c["id"]: i for i, c in enumerate(criteria)}
    per_office = {office_id: {} for office_id in office_ids}
    n = len(criteria)
    for office_id, cycle, akind, aid, criterion_id, level, applicability, reason in (
        Entry.objects.filter(assessment__in=qs)
        .annotate(reason=_not_applicable_reason())
        .order_by()
        .values_list(
            "assessment__office_id",
            "assessment__cycle",
            "assessment__kind",
            "assessment_id",
            "criterion_id",
            "level",
            "applicability",
            "reason",
        )
    ):
        per_cycle = per_office.setdefault(office_id, {})
        key = (akind == Assessment.Kind.RESEARCH, -aid)
        empty = {"levels": [None] * n, "not_applicable": [False] * n, "reasons": [""] * n}
        chosen = per_cycle.setdefault(cycle, {"key": key, **empty})
        if key > chosen["key"]:
            chosen.update(key=key, **empty)
        if key == chosen["key"]:
            i = index[criterion_id]
            chosen["levels"][i] = level
            chosen["not_applicable"][i] = applicability == Entry.Applicability.NOT_APPLICABLE
            chosen["reasons"][i] = reason
    out = {}
    for office_id, per_cycle in per_office.items():
        cycles = sorted(per_cycle)
        out[office_id] = {
            "cycles": cycles,
            **{name: [per_cycle[c][name] for c in cycles] for name in TREND_LISTS},
        }
    return out
