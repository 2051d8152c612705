"""The dashboard's sample: per office, the latest published rated assessment's nine levels.

Two queries whatever the number of offices and cycles: the candidate assessments (with
their office, city and country), then the entries of the one picked per office. Rows come
back as plain dicts and lists (values_list), never model instances: at 1,000 offices and
5 cycles that is 5,000 + 9,000 small rows.
"""

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Exists, OuterRef
from django.db.models.signals import post_delete, post_save
from django.utils.translation import get_language

from assessments.models import Assessment, Entry
from cities.models import City, Country, Office, Origin
from criteria.models import Criterion, PeerExample

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


def load_sample(*, filters, assessments=None, auto_demo=True):
    """Offices matching `filters`, each with its latest published rated assessment.

    Demo offices are left out unless `filters.include_demo`; when nothing else matches
    and `auto_demo` is on, they are shown instead (flagged by `Sample.auto_demo`), so a
    fresh install has something to look at. Synthetic offices only with include_synthetic.

    Each office: {"id", "slug", "name", "label", "city", "city_slug", "origin",
    "assessment_id", "cycle", "kind", "levels": [nine levels or None], "mean"}.
    """
    criteria = criteria_rows()
    origins = [Origin.REPORT, Origin.DEMO]
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
    if levels:
        for assessment_id, criterion_id, level in Entry.objects.filter(
            assessment_id__in=list(levels)
        ).values_list("assessment_id", "criterion_id", "level"):
            levels[assessment_id][index[criterion_id]] = level

    offices = []
    seen_labels = set()
    for aid, cycle, kind, office_id, slug, name, city, city_slug, origin in picked:
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
            }
        )
    offices.sort(key=lambda o: (o["label"].casefold(), o["slug"]))
    return Sample(
        criteria=criteria,
        offices=offices,
        auto_demo=auto,
        by_slug={o["slug"]: o for o in offices},
    )


def load_trend(*, office_id, criteria, kind="", assessments=None):
    """{"cycles": [...], "levels": [[nine levels or None] per cycle]} for one office.

    One published rated assessment per cycle (research first within a cycle), one query.
    """
    qs = rated_assessments(assessments).filter(office_id=office_id)
    if kind:
        qs = qs.filter(kind=kind)
    index = {c["id"]: i for i, c in enumerate(criteria)}
    per_cycle = {}
    for cycle, akind, aid, criterion_id, level in (
        Entry.objects.filter(assessment__in=qs)
        .order_by()
        .values_list(
            "assessment__cycle", "assessment__kind", "assessment_id", "criterion_id", "level"
        )
    ):
        key = (akind == Assessment.Kind.RESEARCH, -aid)
        chosen = per_cycle.setdefault(cycle, {"key": key, "levels": [None] * len(criteria)})
        if key > chosen["key"]:
            chosen.update(key=key, levels=[None] * len(criteria))
        if key == chosen["key"]:
            chosen["levels"][index[criterion_id]] = level
    cycles = sorted(per_cycle)
    return {"cycles": cycles, "levels": [per_cycle[c]["levels"] for c in cycles]}


# Cache ---------------------------------------------------------------------------------
#
# The sample is the dashboard's one expensive step (5,000 + 9,000 rows at 1,000 offices
# and 5 cycles). It holds published data only, the same for every viewer, so it is cached
# per process, keyed on the filters, the language and a stamp of the assessments table:
# every workflow step (submit, return, publish) and every admin save of an assessment
# changes its version or updated_at, and a deletion changes the count, so the stamp moves
# whenever a published level can change. Saves of offices, cities, countries or entries
# in this process (admin edits) clear it at once through signals; the same edits in
# another worker show there after TTL seconds at the latest.

TTL = 300
# An overview of 1,000 offices (sample, charts, JSON) takes about 2 MB: at most ~25 MB.
MAX_ENTRIES = 12
_cache = OrderedDict()
_lock = threading.Lock()


def data_stamp():
    """One cheap query (about 1 ms at 5,000 assessments) that changes with the data."""
    a, o = Assessment._meta.db_table, Office._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), SUM(version), MAX(updated_at), MAX(id), "  # noqa: S608
            f"(SELECT COUNT(*) FROM {o}), (SELECT MAX(id) FROM {o}) FROM {a}"
        )
        return tuple(str(v) for v in cursor.fetchone())


def clear_cache(**kwargs):
    with _lock:
        _cache.clear()


for _model in (Assessment, Entry, Office, City, Country, Criterion, PeerExample):
    post_save.connect(clear_cache, sender=_model, dispatch_uid=f"reports-sample-{_model}")
    post_delete.connect(clear_cache, sender=_model, dispatch_uid=f"reports-sample-d-{_model}")


def cached(name, builder, *key, stamp):
    """builder() cached under (name, key, language, `stamp`) for up to TTL seconds.

    `stamp` is data_stamp(), taken once per request. Callers must not mutate what they
    get back: it is shared between requests.
    """
    full_key = (name, key, get_language(), stamp)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(full_key)
        if hit is not None and hit[0] > now:
            _cache.move_to_end(full_key)
            return hit[1]
    value = builder()
    with _lock:
        _cache[full_key] = (now + TTL, value)
        while len(_cache) > MAX_ENTRIES:
            _cache.popitem(last=False)
    return value
