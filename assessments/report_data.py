"""Load the report's content from fixtures/ into the database, idempotently.

Each record is found by its natural key (slug, number or key) and written only when a value
differs, so a second run changes no row, bumps no timestamp and writes no history.

Before writing anything, the cities file is checked against its own rule: a field listed
under `stated_in_report` may only hold a value other than its "not stated" one when the
record cites the part of the report that gives it (see unsourced_fields).
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from cities.models import City, Country, Office, OfficeStatus, Origin, SourcedFact
from criteria.models import Criterion, GuidingQuestion, PeerExample, RubricLevel

from .models import Assessment, Entry

FIXTURES = settings.BASE_DIR / "fixtures"
CONTENT_FIELDS = ("title", "short_title", "definition", "why_it_matters", "takeaways", "tradeoffs")


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    changed: list = field(default_factory=list)

    def __str__(self):
        text = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        return f"{text}, {self.deleted} removed" if self.deleted else text


def _upsert(tally, model, lookup, values):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        tally.created += 1
        return obj
    dirty = [name for name, value in values.items() if _differs(getattr(obj, name), value)]
    if dirty:
        for name in dirty:
            setattr(obj, name, values[name])
        obj.save()
        tally.updated += 1
        tally.changed.append(f"{model.__name__} {lookup}: {', '.join(dirty)}")
    else:
        tally.unchanged += 1
    return obj


def _differs(current, new):
    if isinstance(current, Decimal) and new is not None:
        return current != Decimal(str(new))
    if hasattr(current, "pk") and hasattr(new, "pk"):
        return current.pk != new.pk
    return current != new


class ReportDataError(ValueError):
    """The fixtures break a rule they set themselves; nothing was loaded."""


def unsourced_fields(data):
    """Problems with the "stated in the report" fields of cities.yaml, as readable lines.

    `stated_in_report` maps each kind of record (city, office) to its fields and the value
    that means "not stated in the report". Any other value needs `sources: {field:
    {citation: ...}}` in the record; a source for a field that is not listed is a mistake too.
    """
    rules = data["stated_in_report"]
    problems = []
    for city in data["cities"]:
        problems += _unsourced(city, rules["city"], f"city {city['slug']}")
        for office in city.get("offices", []):
            problems += _unsourced(office, rules["office"], f"office {office['slug']}")
    return problems


def _unsourced(record, rules, name):
    sources = record.get("sources") or {}
    problems = [
        f"{name}: sources names {key!r}, which is not a stated field"
        for key in sources
        if key not in rules
    ]
    for key, not_stated in rules.items():
        value = record.get(key)
        if value is None or value == not_stated:
            continue
        citation = (sources.get(key) or {}).get("citation")
        if not str(citation or "").strip():
            problems.append(f"{name}: {key} is {value!r} but no citation is given for it")
    return problems


def _read(name):
    with open(FIXTURES / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@cache
def report_source():
    """The report itself (title, publisher, authors, month, page), as fixtures/criteria.yaml
    records it under `source`: what the open data cites for the report's facts."""
    return dict(_read("criteria.yaml")["source"])


def _translations(directory=FIXTURES / "i18n"):
    """{lang: data} from fixtures/i18n/criteria.<lang>.yaml, if any."""
    found = {}
    for path in sorted(Path(directory).glob("criteria.*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        found[data["language"]] = data.get("criteria", {})
    return found


def _pick(translations, slug, getter):
    """{lang: {...}} for one record, from every language file that has it."""
    out = {}
    for lang, criteria in translations.items():
        part = getter(criteria.get(slug) or {})
        if part:
            out[lang] = part
    return out


@transaction.atomic
def load_report():
    tally = Tally()
    cities = _read("cities.yaml")
    problems = unsourced_fields(cities)
    if problems:
        raise ReportDataError("fixtures/cities.yaml:\n" + "\n".join(problems))
    _load_cities(tally, cities)
    _load_criteria(tally, _read("criteria.yaml"), _translations())
    _load_charts(tally, cities.get("charts", []))
    return tally


def _load_cities(tally, data):
    countries = {}
    for row in data["countries"]:
        countries[row["slug"]] = _upsert(
            tally,
            Country,
            {"slug": row["slug"]},
            {"name": row["name"], "region": row["region"], "origin": Origin.REPORT},
        )
    offices = {}
    for row in data["cities"]:
        city = _upsert(
            tally,
            City,
            {"slug": row["slug"]},
            {
                "name": row["name"],
                "country": countries[row["country"]],
                "population": row.get("population"),
                "in_sample": bool(row.get("in_sample")),
                "adaptation_city": bool(row.get("adaptation_city")),
                "origin": Origin.REPORT,
                "summary": (row.get("summary") or "").strip(),
                "citation": row.get("citation") or "",
            },
        )
        for o in row.get("offices", []):
            offices[o["slug"]] = _upsert(
                tally,
                Office,
                {"slug": o["slug"]},
                {
                    "city": city,
                    "name": o["name"],
                    "acronym": o.get("acronym") or "",
                    "website": o.get("website") or "",
                    "year_founded": o.get("year_founded"),
                    "institutional_home": o.get("institutional_home") or "unknown",
                    "civilian_led": bool(o.get("civilian_led", True)),
                    "status": o.get("status") or OfficeStatus.UNKNOWN,
                    "in_sample": bool(o.get("in_sample")),
                    "description": (o.get("description") or "").strip(),
                    "citation": o.get("citation") or "",
                },
            )
    cities = {c.slug: c for c in City.objects.filter(origin=Origin.REPORT)}
    for f in data.get("facts", []):
        office = offices[f["office"]] if f.get("office") else None
        _load_fact(tally, f, city=cities[f["city"]], office=office)
    for f in data.get("national_facts", []):
        _load_fact(tally, f, country=countries[f["country"]])
    for f in data.get("network_facts", []):
        _load_fact(tally, f)
    keys = [
        f["key"]
        for part in ("facts", "national_facts", "network_facts")
        for f in data.get(part, [])
    ]
    _remove_stale_facts(tally, keys)


def _load_fact(tally, f, *, city=None, country=None, office=None):
    """A fact about a city (and office), a country (national context) or, with neither,
    the Peace in Our Cities network."""
    _upsert(
        tally,
        SourcedFact,
        {"key": f["key"]},
        {
            "city": city,
            "country": country,
            "office": office,
            "label": f["label"],
            "value": Decimal(str(f["value"])),
            "unit": f.get("unit") or "",
            "year": str(f.get("year") or ""),
            "citation": f["citation"],
            "note": (f.get("note") or "").strip(),
        },
    )


def _remove_stale_facts(tally, keys):
    """Facts about real places (or the network) that the fixtures no longer hold: a fact
    moved or corrected under a new key must not linger under its old one."""
    stale = SourcedFact.objects.filter(
        Q(city__origin=Origin.REPORT)
        | Q(city=None, country__origin=Origin.REPORT)
        | Q(city=None, country=None)
    ).exclude(key__in=keys)
    for key in stale.order_by("key").values_list("key", flat=True):
        tally.changed.append(f"SourcedFact {{'key': {key!r}}}: removed")
        tally.deleted += 1
    stale.delete()


def _load_criteria(tally, data, translations):
    offices = {o.slug: o for o in Office.objects.all()}
    for row in data["criteria"]:
        slug = row["slug"]
        criterion = _upsert(
            tally,
            Criterion,
            {"number": row["number"]},
            {
                "slug": slug,
                **{name: str(row[name]).strip() for name in CONTENT_FIELDS},
                "citation": row["citation"],
                "translations": _pick(
                    translations,
                    slug,
                    lambda t: {k: str(t[k]).strip() for k in CONTENT_FIELDS if t.get(k)},
                ),
            },
        )
        for level in row["rubric"]:
            n = level["level"]
            _upsert(
                tally,
                RubricLevel,
                {"criterion": criterion, "level": n},
                {
                    "label": level["label"],
                    "descriptor": str(level["descriptor"]).strip(),
                    "translations": _pick(
                        translations,
                        slug,
                        lambda t, n=n: _clean((t.get("rubric") or {}).get(n)),
                    ),
                },
            )
        for order, text in enumerate(row["questions"], start=1):
            _upsert(
                tally,
                GuidingQuestion,
                {"criterion": criterion, "order": order},
                {
                    "text": str(text).strip(),
                    "translations": _pick(
                        translations,
                        slug,
                        lambda t, o=order: _clean({"text": (t.get("questions") or {}).get(o)}),
                    ),
                },
            )
        for ex in row.get("examples", []):
            key = ex["key"]
            _upsert(
                tally,
                PeerExample,
                {"key": key},
                {
                    "criterion": criterion,
                    "office": offices[ex["office"]],
                    "title": ex["title"],
                    "summary": str(ex["summary"]).strip(),
                    "citation": ex["citation"],
                    "translations": _pick(
                        translations,
                        slug,
                        lambda t, k=key: _clean((t.get("examples") or {}).get(k)),
                    ),
                },
            )


def _clean(mapping):
    return {k: str(v).strip() for k, v in (mapping or {}).items() if v}


def _month(text):
    """Month "2024-01" -> date(2024, 1, 1): a source known to the month, as its first day."""
    year, month = (int(part) for part in str(text).split("-"))
    return date(year, month, 1)


def _load_charts(tally, charts):
    """The report's four adaptation charts, as published research assessments without levels.

    They are dated by their source, the report's publication, never by the day of loading:
    `source_date` is shown wherever a publication date is, and `published_at` holds the same
    month so that nothing falls back on the load date.
    """
    criteria = {c.number: c for c in Criterion.objects.all()}
    for chart in charts:
        office = Office.objects.get(slug=chart["office"])
        created, changed = tally.created, tally.updated
        source_date = _month(chart["source_date"])
        assessment = _upsert(
            tally,
            Assessment,
            {"office": office, "cycle": chart["cycle"], "kind": Assessment.Kind.RESEARCH},
            {
                "status": Assessment.Status.PUBLISHED,
                "title": chart["title"],
                "citation": chart["citation"],
                "source_date": source_date,
                "published_at": datetime.combine(source_date, time.min, tzinfo=UTC),
            },
        )
        for row in chart["entries"]:
            _upsert(
                tally,
                Entry,
                {"assessment": assessment, "criterion": criteria[row["criterion"]]},
                {
                    "level": None,
                    "applicability": Entry.Applicability.ASSESSED,
                    "strengths": str(row["strengths"]).strip(),
                    "opportunities": str(row["opportunities"]).strip(),
                },
            )
        if tally.created == created and tally.updated > changed:
            # A changed chart is a new version: cached scorecards and pages key on it.
            Assessment.objects.filter(pk=assessment.pk).update(
                version=F("version") + 1, updated_at=timezone.now()
            )
