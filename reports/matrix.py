"""The comparison matrix: the nine criteria by chosen cities, like the report's four charts.

Plain data in, plain data out, in a fixed number of queries whatever the number of
cities: the cities, the criteria, the candidate assessments, their entries.

One column per city. A city's column shows one published assessment of one of its
offices: the latest cycle matching the filters; within a cycle a research assessment
before a self-assessment (so the four chart cities show the report's chart), then the
office first by name.
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


@dataclass
class Matrix:
    criteria: list  # [{"id", "number", "slug", "short_title"}]
    columns: list  # one per found city, in the order asked
    rows: list  # one per criterion: {"criterion": {...}, "cells": [cell or None per column]}
    unknown: list = field(default_factory=list)  # slugs that name no city

    @property
    def single(self):
        return len(self.columns) == 1


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


def _pick(candidates):
    """The assessment a city's column shows (see the module docstring)."""
    return min(
        candidates,
        key=lambda a: (
            -a["cycle"],
            a["kind"] != Assessment.Kind.RESEARCH,
            a["office__name"],
            a["id"],
        ),
    )


def build_matrix(*, cities, cycle=None, kind=None, assessments=None):
    """Matrix of the nine criteria by `cities` (slugs, in display order).

    `assessments` is the queryset the viewer may read (assessments.access.visible_assessments);
    only its published assessments are used.
    """
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
    if kind:
        qs = qs.filter(kind=kind)
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
    picked = {city_id: _pick(rows) for city_id, rows in by_city.items()}

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
    return Matrix(criteria=criteria, columns=columns, rows=rows, unknown=unknown)
