"""The comparison matrix: the nine criteria by chosen cities, like the report's four charts.

Plain data in, plain data out, in a fixed number of queries whatever the number of
cities: the cities, the criteria, the candidate assessments, their entries.

One column per city. A city's column shows one published assessment of one of its
offices, chosen by `kind` (the page's "what each column shows"; see pick_assessment):

- "" (the default): the city's research assessment (the report's chart) when it has one,
  else its latest published assessment. A self-assessment published later never replaces
  a report chart silently: the column says that a newer one exists (`newer`).
- "research" or "self": the latest published assessment of that kind.
- "latest": the latest published of any kind (a research assessment first within a cycle).

The report view (`view=report`, REPORT_VIEW) pins the four chart cities and "research":
the report's four charts whatever the offices publish afterwards.
"""

from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _

from assessments.models import Assessment, Entry
from assessments.workflow import pending_correction_notes
from cities.models import City, Origin, office_origin
from criteria.models import Criterion

DEFAULT_CITIES = ["bristol", "cali", "edmonton", "rosario"]
MAX_CITIES = 20

REPORT_VIEW = "report"
CHART_FIRST = ""  # the default kind: the report's chart where there is one
LATEST = "latest"


@dataclass
class Matrix:
    criteria: list  # [{"id", "number", "slug", "short_title"}]
    columns: list  # one per found city, in the order asked
    rows: list  # one per criterion: {"criterion": {...}, "cells": [cell or None per column]}
    unknown: list = field(default_factory=list)  # slugs that name no city
    kind: str = CHART_FIRST  # how each column's assessment was chosen (module docstring)
    report_view: bool = False  # the report's four charts (view=report)

    @property
    def single(self):
        return len(self.columns) == 1

    def column_index(self, slug):
        """The index of the city `slug`'s column, or None."""
        for index, column in enumerate(self.columns):
            if column["city"]["slug"] == slug:
                return index
        return None

    def column_rows(self, index):
        """[{"criterion", "cell"}] of one column, criterion by criterion (the phone's cards)."""
        return [{"criterion": r["criterion"], "cell": r["cells"][index]} for r in self.rows]


def matrix_filters(*, view, cities, cycle, kind):
    """(cities, cycle, kind) that a view shows: the report view is the four chart cities'
    research assessments, whatever else was asked; otherwise the choices as given."""
    if view == REPORT_VIEW:
        return list(DEFAULT_CITIES), None, Assessment.Kind.RESEARCH
    return cities, cycle, kind or CHART_FIRST


def criteria_rows():
    """The nine criteria as plain dicts, short titles in the active language."""
    return [
        {"id": c.pk, "number": c.number, "slug": c.slug, "short_title": c.tr("short_title")}
        for c in Criterion.objects.order_by("number").only(
            "number", "slug", "short_title", "translations"
        )
    ]


def source_text(assessment):
    """The citation, or a line that says what kind of assessment it is and when it was published.

    An assessment dated by its source (the report's charts) gives the source's month.
    """
    if assessment["citation"] and assessment["source_date"]:
        return _("%(citation)s, published %(month)s") % {
            "citation": assessment["citation"],
            "month": assessment["source_date"].strftime("%Y-%m"),
        }
    if assessment["citation"]:
        return assessment["citation"]
    if assessment.get("office__origin") == Origin.REGISTERED:
        # A registered office's own words: said so, never passed off as the report's.
        return _("%(kind)s %(cycle)s of an office registered on OVP Assess") % {
            "kind": Assessment.Kind(assessment["kind"]).label,
            "cycle": assessment["cycle"],
        }
    kind = Assessment.Kind(assessment["kind"]).label
    published = assessment["published_at"]
    if published is None:
        return _("%(kind)s %(cycle)s") % {"kind": kind, "cycle": assessment["cycle"]}
    return _("%(kind)s %(cycle)s, published %(date)s") % {
        "kind": kind,
        "cycle": assessment["cycle"],
        "date": published.date().isoformat(),
    }


def _latest(candidates):
    """The latest cycle; within a cycle a research assessment, then the office by name."""
    return min(
        candidates,
        key=lambda a: (
            -a["cycle"],
            a["kind"] != Assessment.Kind.RESEARCH,
            a["office__name"],
            a["id"],
        ),
    )


def pick_assessment(candidates, *, kind=CHART_FIRST):
    """The assessment a city's column shows among its published `candidates`, or None.

    `kind` as in the module docstring; unknown values count as the default.
    """
    if kind in (Assessment.Kind.RESEARCH, Assessment.Kind.SELF):
        candidates = [a for a in candidates if a["kind"] == kind]
    elif kind != LATEST:
        research = [a for a in candidates if a["kind"] == Assessment.Kind.RESEARCH]
        candidates = research or candidates
    return _latest(candidates) if candidates else None


def newer_than(candidates, picked):
    """The latest of `candidates` from a later cycle than `picked`, or None: what the
    column could show instead, named on the page so that nothing is hidden."""
    later = [a for a in candidates if a["cycle"] > picked["cycle"]]
    return _latest(later) if later else None


def build_matrix(*, cities, cycle=None, kind=CHART_FIRST, assessments=None, report_view=False):
    """Matrix of the nine criteria by `cities` (slugs, in display order).

    `kind` says which assessment each column shows (module docstring); `report_view` only
    labels the result (matrix_filters gives the report view's cities and kind).
    `assessments` is the queryset the viewer may read (assessments.access.visible_assessments);
    only its published assessments are used.
    """
    kind = kind or CHART_FIRST
    if assessments is None:
        assessments = Assessment.objects.all()
    slugs = list(dict.fromkeys(cities))
    found = {
        c["slug"]: c
        for c in City.objects.filter(slug__in=slugs).values(
            "id", "slug", "name", "origin", "country__name"
        )
    }
    unknown = [s for s in slugs if s not in found]
    chosen = [found[s] for s in slugs if s in found]
    criteria = criteria_rows()

    qs = assessments.filter(
        status=Assessment.Status.PUBLISHED, office__city_id__in=[c["id"] for c in chosen]
    )
    if cycle:
        qs = qs.filter(cycle=cycle)
    # Every kind is read (a city has a few assessments): the kind is chosen in Python, and
    # a newer assessment than the one shown is named in the column.
    by_city = {}
    for a in qs.values(
        "id",
        "cycle",
        "kind",
        "citation",
        "title",
        "published_at",
        "source_date",
        "corrects_id",
        "correction_note",
        "office__name",
        "office__slug",
        "office__origin",
        "office__city_id",
    ):
        by_city.setdefault(a["office__city_id"], []).append(a)
    picked, newer = {}, {}
    for city_id, rows in by_city.items():
        a = pick_assessment(rows, kind=kind)
        if a is not None:
            picked[city_id] = a
            newer[city_id] = newer_than(rows, a)

    pending = pending_correction_notes(ids=[a["id"] for a in picked.values()])
    entries = {}
    picked_entries = Entry.objects.filter(assessment_id__in=[a["id"] for a in picked.values()])
    for e in picked_entries.annotate(evidence_count=Count("evidence")).values(
        "assessment_id",
        "criterion_id",
        "level",
        "applicability",
        "justification",
        "strengths",
        "opportunities",
        "evidence_count",
    ):
        entries[(e["assessment_id"], e["criterion_id"])] = e

    columns = []
    for city in chosen:
        a = picked.get(city["id"])
        column = {"city": city, "assessment": None}
        if a is not None:
            later = newer[city["id"]]
            column["assessment"] = {
                "id": a["id"],
                "cycle": a["cycle"],
                "kind": a["kind"],
                "kind_label": Assessment.Kind(a["kind"]).label,
                "office_name": a["office__name"],
                "office_slug": a["office__slug"],
                "office_origin": office_origin(
                    office_origin=a["office__origin"], city_origin=city["origin"]
                ),
                "source": source_text(a),
                # Read by reports/includes/correction_note.html, as on the city page.
                "published_at": a["published_at"],
                "corrects_id": a["corrects_id"],
                "correction_note": a["correction_note"],
                "pending_note": pending.get(a["id"], ""),
                "rated": any(
                    entries.get((a["id"], c["id"]), {}).get("level") is not None for c in criteria
                ),
                # A later published assessment that this column does not show, or None.
                "newer": None
                if later is None
                else {
                    "id": later["id"],
                    "cycle": later["cycle"],
                    "kind": later["kind"],
                    "kind_label": Assessment.Kind(later["kind"]).label,
                },
            }
        columns.append(column)

    rows = []
    for c in criteria:
        cells = []
        for column in columns:
            a = column["assessment"]
            cell = entries.get((a["id"], c["id"])) if a else None
            if cell is not None:
                # A level badge ("Unrated" included) only in assessments that give levels:
                # the report's charts have none, and show none.
                cell = {
                    **cell,
                    "rated": a["rated"],
                    "not_applicable": cell["applicability"] == Entry.Applicability.NOT_APPLICABLE,
                }
            cells.append(cell)
        rows.append({"criterion": c, "cells": cells})
    return Matrix(
        criteria=criteria,
        columns=columns,
        rows=rows,
        unknown=unknown,
        kind=kind,
        report_view=report_view,
    )
