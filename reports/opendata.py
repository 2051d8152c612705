"""The open data: every published table as one Frictionless Data Package (v1).

`build_package()` reads the database and returns the package's files as bytes: one CSV per
table below and `datapackage.json`, the descriptor (a Table Schema per table, with types,
constraints, primary and foreign keys, the licence, the sources and how to cite). What a
file says does not depend on who asks or in which language: anonymous visitors' view
(published assessments only), English cells, the column names of reports/exports.py.

What is left out on purpose: every assessment that is not published (drafts, submitted,
withdrawn, superseded), and uploaded evidence files (only web links of published entries).
Fictional records (demo and synthetic data) are in, flagged by `origin` and `demo`.

reports/opendata_cache.py keeps the files on disk and rebuilds them when the published
data changes; docs/open-data.md describes the tables for people.
"""

import hashlib
import io
import json
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from assessments.access import visible_assessments
from assessments.links import site_base
from assessments.models import Assessment, Entry, EvidenceLink
from assessments.report_data import report_source
from cities.models import (
    FICTIONAL,
    City,
    Country,
    InstitutionalHome,
    Office,
    OfficeStatus,
    Origin,
    Region,
    SourcedFact,
    office_origin,
)
from criteria.models import Criterion, RubricLevel

from . import exports
from .csvexport import write_rows
from .exports import Column, Layout

# Bump when a table's layout or what fills it changes: the stored package is rebuilt.
FORMAT = 1
NAME = "ovp-assess-open-data"
ZIP_NAME = "ovp-assess-data.zip"
DESCRIPTOR = "datapackage.json"
LICENSE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}


@dataclass(frozen=True, eq=False)  # hashed by identity: a key of {Table: rows}
class Table:
    layout: Layout  # name (the resource's and file's name), description, columns
    title: str  # translated on the /data/ page, English in the descriptor
    primary_key: tuple
    foreign_keys: tuple = ()  # ((fields, resource, fields), ...)
    constraints: dict = field(default_factory=dict)  # this table's own, by column

    @property
    def name(self):
        return self.layout.name

    @property
    def path(self):
        return f"{self.name}.csv"


def _layout(name, description, *specs):
    return Layout(name, description, tuple(Column(*spec) for spec in specs))


def _enum(choices):
    return {"enum": [str(value) for value in choices.values]}


# Constraints that hold wherever the column appears (one concept, one rule).
CONSTRAINTS = {
    "criterion_number": {"minimum": 1, "maximum": 9},
    "level": {"minimum": 0, "maximum": 4},
    "target": {"minimum": 0, "maximum": 4},
    "cycle": {"minimum": 2000, "maximum": 2100},
    "applicability": _enum(Entry.Applicability),
    "kind": _enum(Assessment.Kind),
    "origin": _enum(Origin),
    "region": _enum(Region),
    "institutional_home": _enum(InstitutionalHome),
    "evidence_count": {"minimum": 0},
    "population": {"minimum": 0},
    "version": {"minimum": 1},
}
# Never empty (besides the primary keys, which are required by definition).
REQUIRED = {
    "criterion",
    "country",
    "city",
    "office",
    "origin",
    "demo",
    "cycle",
    "kind",
    "status",
    "applicability",
    "label",
    "value",
    "url",
    "scope",
}

ORIGIN = (
    "origin",
    "string",
    "report (from the report), registered (an office that joined), "
    "demo or synthetic (fictional, never real data).",
)
DEMO = exports.DEMO
SOURCE = ("source", "string", "Where the record comes from: the part of the report it cites.")
CITY_SLUG = ("city_slug", "string", "The city's identifier (/cities/<city_slug>/).")
OFFICE_SLUG = ("office_slug", "string", "The office's identifier.")
COUNTRY_SLUG = ("country_slug", "string", "The country's identifier.")
CRITERION = ("criterion", "string", "The criterion's short name (in English).")

CRITERIA = Table(
    _layout(
        "criteria",
        "The nine criteria of an effective Office of Violence Prevention.",
        exports.CRITERION_NUMBER,
        ("criterion_slug", "string", "The criterion's identifier (/criteria/<criterion_slug>/)."),
        CRITERION,
        ("title", "string", "The criterion's title."),
        ("definition", "string", "What the criterion asks, in our own words."),
        SOURCE,
    ),
    _("Criteria"),
    ("criterion_number",),
    constraints={"title": {"required": True}},
)
RUBRIC = Table(
    _layout(
        "rubric-levels",
        "The rubric: what each level 0-4 of each criterion means.",
        exports.CRITERION_NUMBER,
        ("level", "integer", "The level, 0 to 4."),
        ("label", "string", "The level's name."),
        ("descriptor", "string", "What an office at this level looks like."),
    ),
    _("Rubric levels"),
    ("criterion_number", "level"),
    ((("criterion_number",), "criteria", ("criterion_number",)),),
)
COUNTRIES = Table(
    _layout(
        "countries",
        "Countries of the cities.",
        COUNTRY_SLUG,
        ("country", "string", "The country's name."),
        ("region", "string", "north-america, latin-america, western-europe or other."),
        ORIGIN,
        DEMO,
    ),
    _("Countries"),
    ("country_slug",),
)
CITIES = Table(
    _layout(
        "cities",
        "Cities with an office (or a city-wide prevention ecosystem) described.",
        CITY_SLUG,
        ("city", "string", "The city's name."),
        COUNTRY_SLUG,
        ("country", "string", "The country's name."),
        ("population", "integer", "Population, when the report gives it; empty otherwise."),
        ("in_sample", "boolean", "true for the report's 18-city sample."),
        ("adaptation_city", "boolean", "true for the report's four adaptation charts."),
        ORIGIN,
        DEMO,
        ("summary", "string", "A summary, in our own words."),
        SOURCE,
    ),
    _("Cities"),
    ("city_slug",),
    ((("country_slug",), "countries", ("country_slug",)),),
)
OFFICES = Table(
    _layout(
        "offices",
        "Offices of Violence Prevention.",
        OFFICE_SLUG,
        ("office", "string", "The office's name."),
        ("acronym", "string", "Its acronym, if any."),
        CITY_SLUG,
        ("city", "string", "The city's name."),
        (
            "institutional_home",
            "string",
            "Where the office sits: mayor, department, public-health, civil-society, mixed, "
            "none or unknown (not stated in the report).",
        ),
        ("civilian_led", "boolean", "true when the office is civilian-led."),
        (
            "status",
            "string",
            "active, proposed, ecosystem (no single office: the city's ecosystem) or unknown.",
        ),
        ("year_founded", "integer", "The year the office was founded, when known."),
        ("website", "string", "The office's website, if known."),
        ("in_sample", "boolean", "true when the report's appendix lists the office."),
        ORIGIN,
        DEMO,
        ("description", "string", "A description, in our own words."),
        SOURCE,
    ),
    _("Offices"),
    ("office_slug",),
    ((("city_slug",), "cities", ("city_slug",)),),
    {"status": _enum(OfficeStatus), "year_founded": {"minimum": 1900, "maximum": 2100}},
)
FACTS = Table(
    _layout(
        "facts",
        "Figures the report gives, each with the part of the report it comes from.",
        ("fact_key", "string", "The figure's identifier."),
        (
            "scope",
            "string",
            "What the figure is about: network (Peace in Our Cities), country, city or office.",
        ),
        ("country_slug", "string", "The country, for a figure about a whole country."),
        ("city_slug", "string", "The city, for a figure about a city or one of its offices."),
        ("office_slug", "string", "The office, for a figure about one office."),
        ("label", "string", "What the figure measures."),
        ("value", "number", "The figure."),
        ("unit", "string", "Its unit, if any."),
        ("year", "string", "The year or period it refers to."),
        ("source", "string", "The part of the report that gives it (cite the report)."),
        ("note", "string", "A note on how to read it, if any."),
    ),
    _("Facts from the report"),
    ("fact_key",),
    (
        (("country_slug",), "countries", ("country_slug",)),
        (("city_slug",), "cities", ("city_slug",)),
        (("office_slug",), "offices", ("office_slug",)),
    ),
    {"scope": {"enum": ["network", "country", "city", "office"]}},
)
ASSESSMENTS = Table(
    _layout(
        "assessments",
        "Published assessments: the report's research assessments (its charts) and offices' "
        "self-assessments, once a reviewer published them.",
        ("assessment_id", "integer", "The assessment's id (/reports/scorecards/<id>.pdf)."),
        OFFICE_SLUG,
        ("office", "string", "The office assessed."),
        CITY_SLUG,
        ("city", "string", "The city's name."),
        ("country", "string", "The city's country."),
        ("cycle", "integer", "The assessment's cycle (year)."),
        ("kind", "string", "research (the report's charts) or self (a self-assessment)."),
        ("status", "string", "published (nothing else is open data)."),
        ("version", "integer", "The assessment's version (each change adds one)."),
        (
            "published_on",
            "date",
            "The day it was published (a research assessment: its "
            "source's month, as the month's first day).",
        ),
        ORIGIN,
        DEMO,
        ("title", "string", "The assessment's title, if any."),
        (
            "source",
            "string",
            "The citation of a research assessment; empty for a "
            "self-assessment (its source is the office).",
        ),
        ("source_url", "string", "Where the source can be read, if known."),
    ),
    _("Assessments"),
    ("assessment_id",),
    (
        (("office_slug",), "offices", ("office_slug",)),
        (("city_slug",), "cities", ("city_slug",)),
    ),
    {"status": {"enum": [Assessment.Status.PUBLISHED.value]}},
)
ENTRIES = Table(
    _layout(
        "entries",
        "One row per criterion of each published assessment.",
        ("assessment_id", "integer", "The assessment."),
        exports.CRITERION_NUMBER,
        CRITERION,
        exports.LEVEL,
        exports.APPLICABILITY,
        exports.REASON,
        ("strengths", "string", "Current strengths, as published."),
        ("opportunities", "string", "Opportunities to enhance effectiveness, as published."),
        ("target", "integer", "The level the office aims for next cycle; empty when none."),
        (
            "evidence_count",
            "integer",
            "How many evidence links (rows of the evidence table) back the criterion up.",
        ),
    ),
    _("Entries"),
    ("assessment_id", "criterion_number"),
    (
        (("assessment_id",), "assessments", ("assessment_id",)),
        (("criterion_number",), "criteria", ("criterion_number",)),
    ),
)
EVIDENCE = Table(
    _layout(
        "evidence",
        "The web links that back up published entries (uploaded files are not included).",
        ("evidence_id", "integer", "The link's id."),
        ("assessment_id", "integer", "The assessment."),
        exports.CRITERION_NUMBER,
        ("url", "string", "The link."),
        ("title", "string", "What the link is."),
        ("checked_on", "date", "When the office last checked the link; empty if never."),
    ),
    _("Evidence links"),
    ("evidence_id",),
    ((("assessment_id", "criterion_number"), "entries", ("assessment_id", "criterion_number")),),
)

TABLES = (CRITERIA, RUBRIC, COUNTRIES, CITIES, OFFICES, FACTS, ASSESSMENTS, ENTRIES, EVIDENCE)


# --- rows -----------------------------------------------------------------------------------


def _is_fictional(origin):
    return origin in FICTIONAL


def criteria_rows():
    for c in Criterion.objects.order_by("number"):
        yield [c.number, c.slug, c.short_title, c.title, c.definition, c.citation]


def rubric_rows():
    levels = RubricLevel.objects.select_related("criterion").order_by("criterion__number", "level")
    for r in levels:
        yield [r.criterion.number, r.level, r.label, r.descriptor]


def countries_rows():
    for c in Country.objects.order_by("slug"):
        yield [c.slug, c.name, c.region, c.origin, _is_fictional(c.origin)]


def cities_rows():
    for c in City.objects.select_related("country").order_by("slug"):
        yield [
            c.slug,
            c.name,
            c.country.slug,
            c.country.name,
            c.population,
            c.in_sample,
            c.adaptation_city,
            c.origin,
            c.is_fictional,
            c.summary,
            c.citation,
        ]


def offices_rows():
    for o in Office.objects.select_related("city").order_by("slug"):
        origin = o.shown_origin
        yield [
            o.slug,
            o.name,
            o.acronym,
            o.city.slug,
            o.city.name,
            o.institutional_home,
            o.civilian_led,
            o.status,
            o.year_founded,
            o.website,
            o.in_sample,
            origin,
            _is_fictional(origin),
            o.description,
            o.citation,
        ]


def _scope(fact):
    if fact.office_id:
        return "office"
    if fact.city_id:
        return "city"
    return "country" if fact.country_id else "network"


def _number(value):
    """A Decimal figure as written: 1500000 rather than 1500000.00, 12.5 as 12.50."""
    return int(value) if value == value.to_integral_value() else value


def facts_rows():
    facts = SourcedFact.objects.select_related("city", "country", "office").order_by("key")
    for f in facts:
        yield [
            f.key,
            _scope(f),
            f.country.slug if f.country_id else None,
            f.city.slug if f.city_id else None,
            f.office.slug if f.office_id else None,
            f.label,
            _number(f.value),
            f.unit,
            f.year,
            f.citation,
            f.note,
        ]


def published_assessments():
    """What anyone may read (assessments.access): published assessments only."""
    return visible_assessments(AnonymousUser()).filter(status=Assessment.Status.PUBLISHED)


def assessments_rows(assessments):
    for a in assessments:
        office, city = a.office, a.office.city
        origin = office_origin(office_origin=office.origin, city_origin=city.origin)
        yield [
            a.pk,
            office.slug,
            office.name,
            city.slug,
            city.name,
            city.country.name,
            a.cycle,
            a.kind,
            a.status,
            a.version,
            exports.published_on(a.published_at),
            origin,
            _is_fictional(origin),
            a.title,
            a.citation,
            a.source_url,
        ]


ENTRY_FIELDS = (
    "assessment_id",
    "criterion__number",
    "criterion__short_title",
    "level",
    "applicability",
    "justification",
    "strengths",
    "opportunities",
    "target",
)


def entries_rows(entries, *, links):
    """`entries`: tuples of ENTRY_FIELDS; `links`: evidence rows (evidence_count counts
    them, so that the column and the evidence table agree)."""
    counts = Counter((link[1], link[2]) for link in links)
    for assessment_id, number, short_title, level, applicability, why, *texts, target in entries:
        yield [
            assessment_id,
            number,
            short_title,
            level,
            applicability,
            exports.reason_of(applicability, why),
            *texts,
            target,
            counts[assessment_id, number],
        ]


def evidence_rows(assessments):
    # Web links only: an uploaded file is not public data of its own.
    links = (
        EvidenceLink.objects.filter(entry__assessment__in=assessments)
        .exclude(url="")
        .order_by("pk")
    )
    fields = ("pk", "entry__assessment_id", "entry__criterion__number", "url", "title")
    return [list(row) for row in links.values_list(*fields, "checked_on")]


def table_rows():
    """{Table: rows} of the whole package, in a fixed number of queries."""
    assessments = published_assessments()
    entries = (
        Entry.objects.filter(assessment__in=assessments)
        .order_by("assessment_id", "criterion__number")
        .values_list(*ENTRY_FIELDS)
    )
    links = evidence_rows(assessments)
    return {
        CRITERIA: criteria_rows(),
        RUBRIC: rubric_rows(),
        COUNTRIES: countries_rows(),
        CITIES: cities_rows(),
        OFFICES: offices_rows(),
        FACTS: facts_rows(),
        ASSESSMENTS: assessments_rows(
            assessments.select_related("office__city__country").order_by("pk")
        ),
        ENTRIES: entries_rows(entries, links=links),
        EVIDENCE: links,
    }


# --- descriptor -----------------------------------------------------------------------------


def _field(table, column):
    spec = {"name": column.name, "type": column.type, "description": column.description}
    if column.type == "boolean":
        spec.update(trueValues=["true"], falseValues=["false"])
    constraints = dict(CONSTRAINTS.get(column.name, {}))
    constraints.update(table.constraints.get(column.name, {}))
    if column.name in REQUIRED or column.name in table.primary_key:
        constraints["required"] = True
    if constraints:
        spec["constraints"] = constraints
    return spec


def table_schema(table):
    schema = {
        "fields": [_field(table, c) for c in table.layout.columns],
        "missingValues": [""],
        "primaryKey": list(table.primary_key),
    }
    if table.foreign_keys:
        schema["foreignKeys"] = [
            {"fields": list(mine), "reference": {"resource": resource, "fields": list(theirs)}}
            for mine, resource, theirs in table.foreign_keys
        ]
    return schema


def data_url():
    return site_base() + reverse("opendata:index")


def citation(*, created):
    source = report_source()
    return (
        f"OVP Assess open data, {data_url()}, version of {created.date().isoformat()}, "
        f"{LICENSE['name']}. Figures and research assessments from the report: "
        f"{source['authors']}, {source['title']}, {source['publisher']}, "
        f"{source['published'][:4]}, {source['page']} (the source column names the part)."
    )


def descriptor(*, resources, created):
    """The datapackage.json dict; `resources` are (Table, bytes) of the written CSVs."""
    source = report_source()
    with translation.override("en"):
        return {
            "profile": "tabular-data-package",
            "name": NAME,
            "title": "OVP Assess: published assessments of Offices of Violence Prevention",
            "description": (
                "Every published table of OVP Assess: the nine criteria and their rubric, "
                "countries, cities, offices, the report's figures, published assessments, "
                "their entries and evidence links. Drafts and anything not published are "
                "left out. Demo and synthetic records are fictional: origin says so and "
                "demo is true."
            ),
            "homepage": data_url(),
            "created": created.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "licenses": [LICENSE],
            "sources": [
                {
                    "title": f"{source['title']} ({source['publisher']}, "
                    f"{source['published'][:4]})",
                    "path": source["page"],
                },
                {"title": "OVP Assess", "path": site_base() + "/"},
            ],
            "citation": citation(created=created),
            "keywords": ["violence prevention", "cities", "public policy", "self-assessment"],
            "resources": [
                {
                    "name": table.name,
                    "path": table.path,
                    "profile": "tabular-data-resource",
                    "title": str(table.title),
                    "description": table.layout.description,
                    "format": "csv",
                    "mediatype": "text/csv",
                    "encoding": "utf-8",
                    "bytes": len(content),
                    "hash": hashlib.md5(content, usedforsecurity=False).hexdigest(),
                    "schema": table_schema(table),
                }
                for table, content in resources
            ],
        }


# --- files ----------------------------------------------------------------------------------


def created_at():
    """When the package's data last changed: the newest change of a published assessment
    (so that rebuilding unchanged data gives the same bytes), else now."""
    latest = published_assessments().aggregate(
        updated=Max("updated_at"), published=Max("published_at")
    )
    stamps = [v for v in latest.values() if v is not None]
    return max(stamps) if stamps else timezone.now()


def csv_bytes(layout, rows):
    out = io.StringIO(newline="")
    write_rows(out, layout.header, rows)
    return out.getvalue().encode("utf-8")


@dataclass
class Package:
    files: dict  # name -> bytes, datapackage.json first
    rows: dict  # table name -> number of rows
    created: datetime


def build_package():
    """Every file of the package, built from the database."""
    created = created_at()
    resources, rows = [], {}
    for table, table_rows_ in table_rows().items():
        materialised = list(table_rows_)
        rows[table.name] = len(materialised)
        resources.append((table, csv_bytes(table.layout, materialised)))
    meta = descriptor(resources=resources, created=created)
    files = {DESCRIPTOR: json.dumps(meta, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"}
    files.update((table.path, content) for table, content in resources)
    return Package(files=files, rows=rows, created=created)


def zip_bytes(package):
    """The whole package as one ZIP, byte for byte the same for the same data."""
    out = io.BytesIO()
    stamp = package.created.astimezone(UTC).timetuple()[:6]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in package.files.items():
            info = zipfile.ZipInfo(name, date_time=max(stamp, (1980, 1, 1, 0, 0, 0)))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return out.getvalue()
