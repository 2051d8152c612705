"""The documented export layouts: one per table, the same in CSV and XLSX.

Column names are stable English identifiers whatever the interface language: `?lang=`
may translate what cells say (criterion names, sources), never a header, so scripts in R,
Stata or Python keep working. Numeric columns hold numbers or nothing (unrated, or a
criterion that does not apply); "not applicable" is its own value in `applicability`, with
its `reason`. docs/exports.md describes every layout below; a test checks they agree.

CSV cells go through assessments.csvcells.safe_cell (no formulas); XLSX cells are written as text,
numbers or booleans, never as formulas, by openpyxl (chosen because it is the maintained,
pure-Python library for the format, with no binary dependency).
"""

import io
from dataclasses import dataclass

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from assessments.models import Entry
from cities.models import Origin

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # integer, number, string, boolean, date
    description: str


@dataclass(frozen=True)
class Layout:
    name: str  # also the sheet's name in a workbook
    description: str
    columns: tuple

    @property
    def header(self):
        return [c.name for c in self.columns]


def _columns(*specs):
    return tuple(Column(*spec) for spec in specs)


# Shared columns, described once.
LEVEL = ("level", "integer", "Level 0-4; empty when unrated or not applicable.")
APPLICABILITY = (
    "applicability",
    "string",
    "assessed, not-applicable (the office says the criterion does not apply to it) or "
    "not-assessed.",
)
REASON = ("reason", "string", "Why the criterion does not apply; empty otherwise.")
DEMO = ("demo", "boolean", "true for a fictional (demo or synthetic) office, never real data.")
CRITERION_NUMBER = ("criterion_number", "integer", "The criterion's number, 1 to 9.")
CRITERION = ("criterion", "string", "The criterion's short name (in the language asked).")

MATRIX = Layout(
    "matrix",
    "The comparison matrix: one row per city and criterion, for the published assessment "
    "shown in the city's column. Cities without one are left out.",
    _columns(
        ("city", "string", "The city's name."),
        ("office", "string", "The office assessed."),
        CRITERION_NUMBER,
        CRITERION,
        LEVEL,
        ("strengths", "string", "Current strengths, as published."),
        ("opportunities", "string", "Opportunities to enhance effectiveness, as published."),
        ("source", "string", "Where the assessment comes from (citation or kind and date)."),
        ("country", "string", "The city's country."),
        ("cycle", "integer", "The assessment's cycle (year)."),
        ("kind", "string", "research (the report's charts) or self (a self-assessment)."),
        ("status", "string", "published (the matrix shows nothing else)."),
        DEMO,
        APPLICABILITY,
        REASON,
        ("evidence_count", "integer", "How many evidence links back the criterion up."),
        ("city_slug", "string", "The city's identifier in /cities/<slug>/."),
        ("office_slug", "string", "The office's identifier."),
        ("assessment_id", "integer", "The assessment's id (/reports/scorecards/<id>.pdf)."),
    ),
)

ASSESSMENT = Layout(
    "assessment",
    "One row describing the assessment.",
    _columns(
        ("assessment_id", "integer", "The assessment's id."),
        ("office", "string", "The office assessed."),
        ("office_slug", "string", "The office's identifier."),
        ("city", "string", "The city's name."),
        ("country", "string", "The city's country."),
        ("cycle", "integer", "The assessment's cycle (year)."),
        ("kind", "string", "research or self."),
        ("status", "string", "draft, submitted, published or withdrawn."),
        ("version", "integer", "The assessment's version (each save adds one)."),
        ("published_on", "date", "The day it was published; empty before."),
        DEMO,
        ("source", "string", "The citation of a research assessment; empty otherwise."),
    ),
)

ENTRIES = Layout(
    "entries",
    "One row per criterion of the assessment.",
    _columns(
        CRITERION_NUMBER,
        CRITERION,
        LEVEL,
        APPLICABILITY,
        REASON,
        ("strengths", "string", "Current strengths."),
        ("opportunities", "string", "Opportunities to enhance effectiveness."),
        ("evidence_count", "integer", "How many evidence links back the criterion up."),
    ),
)

EVIDENCE = Layout(
    "evidence",
    "One row per evidence link.",
    _columns(
        CRITERION_NUMBER,
        ("url", "string", "The link."),
        ("title", "string", "What the link is."),
        ("checked_on", "date", "When someone last checked the link; empty if never."),
    ),
)

# The dashboard's four tables. A level is the latest published rated assessment's; here
# applicability is also "not-assessed" for a criterion without a level.
OFFICE_COLUMNS = (
    ("office", "string", "The office (with its city)."),
    ("office_slug", "string", "The office's identifier (?office= on the dashboard)."),
)

LEVELS = Layout(
    "levels",
    "The heatmap (heatmap.csv): one row per office and criterion, every office of the "
    "selection (not only the page shown).",
    _columns(
        *OFFICE_COLUMNS,
        ("city", "string", "The office's city."),
        ("country", "string", "The city's country."),
        ("cycle", "integer", "The assessment's cycle (year)."),
        ("kind", "string", "research or self."),
        ("status", "string", "published (the dashboard shows nothing else)."),
        DEMO,
        ("assessment_id", "integer", "The assessment's id."),
        CRITERION_NUMBER,
        CRITERION,
        LEVEL,
        APPLICABILITY,
        REASON,
        (
            "office_mean",
            "number",
            "The mean of the office's levels; criteria unrated or not applicable are left out.",
        ),
    ),
)

RADAR = Layout(
    "radar",
    "The radar (radar.csv): per criterion, the sample median, then each office chosen.",
    _columns(
        ("series", "string", "sample-median, or office for an office chosen on the radar."),
        *OFFICE_COLUMNS,
        CRITERION_NUMBER,
        CRITERION,
        (
            "level",
            "number",
            "The office's level, or the sample median (it may end in .5); empty when none.",
        ),
        APPLICABILITY,
        REASON,
        (
            "offices_counted",
            "integer",
            "For the median: how many offices are rated on the criterion (unrated and not "
            "applicable are left out); empty for an office.",
        ),
    ),
)

TRENDS = Layout(
    "trends",
    "The trends (trends.csv) of the offices drawn as small multiples (up to 12), each named "
    "in every row: one row per office, cycle and criterion.",
    _columns(
        *OFFICE_COLUMNS,
        ("city", "string", "The office's city."),
        ("cycle", "integer", "The cycle (year)."),
        CRITERION_NUMBER,
        CRITERION,
        LEVEL,
        APPLICABILITY,
        REASON,
    ),
)

DISTRIBUTION = Layout(
    "distribution",
    "The distribution (distribution.csv): per criterion, how many offices are at each level.",
    _columns(
        CRITERION_NUMBER,
        CRITERION,
        *[(f"level_{n}", "integer", f"Offices at level {n}.") for n in range(5)],
        ("unrated", "integer", "Offices without a level for the criterion."),
        ("not_applicable", "integer", "Offices that say the criterion does not apply."),
    ),
)

DASHBOARD = {"heatmap": LEVELS, "radar": RADAR, "trends": TRENDS, "distribution": DISTRIBUTION}
LAYOUTS = (MATRIX, ASSESSMENT, ENTRIES, EVIDENCE, LEVELS, RADAR, TRENDS, DISTRIBUTION)


# --- values ---------------------------------------------------------------------------------


def is_fictional(origin):
    return origin in (Origin.DEMO, Origin.SYNTHETIC)


def published_on(published_at):
    """The day an assessment was published (in the site's time zone), or None."""
    return timezone.localtime(published_at).date() if published_at else None


def reason_of(applicability, justification):
    """The reason a criterion does not apply; a draft may keep one typed before the office
    chose "it applies" after all, which is no reason."""
    return justification if applicability == Entry.Applicability.NOT_APPLICABLE else ""


def matrix_rows(matrix):
    """MATRIX rows (lists in its column order) of a reports.matrix.Matrix."""
    for index, column in enumerate(matrix.columns):
        a = column["assessment"]
        if a is None:
            continue
        city = column["city"]
        for row in matrix.rows:
            cell = row["cells"][index] or {}
            applicability = cell.get("applicability", Entry.Applicability.NOT_ASSESSED)
            yield [
                city["name"],
                a["office_name"],
                row["criterion"]["number"],
                row["criterion"]["short_title"],
                cell.get("level"),
                cell.get("strengths", ""),
                cell.get("opportunities", ""),
                a["source"],
                city["country__name"],
                a["cycle"],
                a["kind"],
                "published",
                is_fictional(city["origin"]),
                applicability,
                reason_of(applicability, cell.get("justification", "")),
                cell.get("evidence_count", 0),
                city["slug"],
                a["office_slug"],
                a["id"],
            ]


def assessment_tables(assessment, entries):
    """{layout: rows} of one assessment; `entries` with criterion and evidence loaded."""
    office = assessment.office
    head = [
        assessment.pk,
        office.name,
        office.slug,
        office.city.name,
        office.city.country.name,
        assessment.cycle,
        assessment.kind,
        assessment.status,
        assessment.version,
        published_on(assessment.published_at),
        is_fictional(office.city.origin),
        assessment.citation,
    ]
    rows, links = [], []
    for e in entries:
        evidence = list(e.evidence.all())
        rows.append(
            [
                e.criterion.number,
                e.criterion.tr("short_title"),
                e.level,
                e.applicability,
                reason_of(e.applicability, e.justification),
                e.strengths,
                e.opportunities,
                len(evidence),
            ]
        )
        links += [[e.criterion.number, x.url, x.title, x.checked_on] for x in evidence]
    return {ASSESSMENT: [head], ENTRIES: rows, EVIDENCE: links}


def _applicability(level, not_applicable):
    if not_applicable:
        return Entry.Applicability.NOT_APPLICABLE
    return Entry.Applicability.ASSESSED if level is not None else Entry.Applicability.NOT_ASSESSED


def _level_columns(office, i):
    """level, applicability, reason of an office (a sample dict) on criterion index i."""
    level = office["levels"][i]
    na = (office.get("not_applicable") or [False] * len(office["levels"]))[i]
    reason = (office.get("reasons") or [""] * len(office["levels"]))[i] if na else ""
    return [level, _applicability(level, na), reason]


def levels_rows(*, offices, criteria):
    for o in offices:
        for i, c in enumerate(criteria):
            yield [
                o["label"],
                o["slug"],
                o["city"],
                o.get("country", ""),
                o["cycle"],
                o["kind"],
                "published",
                is_fictional(o["origin"]),
                o["assessment_id"],
                c["number"],
                c["short_title"],
                *_level_columns(o, i),
                o["mean"],
            ]


def radar_rows(*, chosen, offices, criteria, medians):
    for i, c in enumerate(criteria):
        counted = sum(1 for o in offices if o["levels"][i] is not None)
        yield ["sample-median", "", "", c["number"], c["short_title"], medians[i], "", "", counted]
        for o in chosen:
            yield ["office", o["label"], o["slug"], c["number"], c["short_title"]] + [
                *_level_columns(o, i),
                None,
            ]


def trends_rows(*, panels, criteria):
    """TRENDS rows of the trend panels: [(office, trend)] as charts.trends draws them."""
    for office, trend in panels:
        for k, cycle in enumerate(trend["cycles"]):
            per_cycle = {
                "levels": trend["levels"][k],
                "not_applicable": (trend.get("not_applicable") or [None] * (k + 1))[k],
                "reasons": (trend.get("reasons") or [None] * (k + 1))[k],
            }
            for i, c in enumerate(criteria):
                yield [
                    office["label"],
                    office["slug"],
                    office["city"],
                    cycle,
                    c["number"],
                    c["short_title"],
                    *_level_columns(per_cycle, i),
                ]


def distribution_rows(*, table, criteria):
    """From the distribution chart's table (its cells are the counts, in DISTRIBUTION's order)."""
    for c, row in zip(criteria, table["rows"], strict=True):
        yield [c["number"], c["short_title"], *row["cells"]]


# --- file names -------------------------------------------------------------------------------

MAX_NAMED_CITIES = 4


def matrix_filename(matrix, *, cycle, extension, lang=None):
    """ "ovp-matrix-bristol-cali-2024.csv": the cities shown and the cycle (asked for, or
    the one all columns share, else "latest"), and the language when one was asked."""
    slugs = [c["city"]["slug"] for c in matrix.columns if c["assessment"]]
    parts = slugs[:MAX_NAMED_CITIES]
    if len(slugs) > MAX_NAMED_CITIES:
        parts.append(f"and-{len(slugs) - MAX_NAMED_CITIES}-more")
    cycles = {c["assessment"]["cycle"] for c in matrix.columns if c["assessment"]}
    if cycle is None:
        cycle = cycles.pop() if len(cycles) == 1 else "latest"
    parts.append(str(cycle))
    if lang:
        parts.append(lang)
    return f"ovp-matrix-{'-'.join(parts)}.{extension}"


def dashboard_filename(chart, *, office=None, lang=None):
    """ "ovp-dashboard-levels.csv"; the trends of one office name it:
    "ovp-dashboard-trends-northvale-office.csv"."""
    parts = [DASHBOARD[chart].name]
    if chart == "trends" and office is not None:
        parts.append(office["slug"])
    if lang:
        parts.append(lang)
    return f"ovp-dashboard-{'-'.join(parts)}.csv"


def assessment_filename(assessment, *, extension, lang=None):
    office = assessment.office
    parts = [office.city.slug, office.slug, str(assessment.cycle), assessment.kind]
    if lang:
        parts.append(lang)
    return f"ovp-assessment-{slugify('-'.join(parts))}.{extension}"


# --- XLSX ---------------------------------------------------------------------------------------


def _xlsx_value(value):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters XLSX cannot hold
    return value


def _add_sheet(book, layout, rows):
    from openpyxl.styles import Font

    sheet = book.create_sheet(layout.name)
    sheet.append(layout.header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                # openpyxl reads a string starting with "=" as a formula: never for our cells.
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    return sheet


def workbook(tables, *, citation):
    """An XLSX file (bytes): one sheet per table, then "columns" (every column of every
    sheet, its type and meaning) and "citation"."""
    # Imported here, as the PDF renderer is: only a workbook download needs openpyxl.
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for layout, rows in tables.items():
        _add_sheet(book, layout, rows)
    columns = Layout(
        "columns",
        "",
        _columns(
            ("sheet", "string", ""),
            ("column", "string", ""),
            ("type", "string", ""),
            ("description", "string", ""),
        ),
    )
    _add_sheet(
        book,
        columns,
        [[layout.name, c.name, c.type, c.description] for layout in tables for c in layout.columns],
    )
    about = Layout("citation", "", _columns(("citation", "string", "")))
    _add_sheet(book, about, [[citation]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def matrix_citation(*, url, when):
    return _(
        "Cite as: OVP Assess, comparison matrix, %(url)s, downloaded %(date)s. Each row's "
        "source column names the assessment it comes from."
    ) % {"url": url, "date": when.date().isoformat()}
