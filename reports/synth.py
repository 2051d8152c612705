"""Synthetic scale data: fictional offices with rated, published self-assessments.

Everything made here is flagged `origin="synthetic"` on its country and city, so no view
mixes it up with the report's cities, and every research view leaves it out unless asked.
Levels come from a random generator seeded per office (`seed`, office number), so office
0042 gets the same levels whatever N is and whichever offices already exist.
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction

from assessments.models import Assessment, Entry
from cities.models import City, Country, InstitutionalHome, Office, Origin, Region
from criteria.models import Criterion

BATCH = 2000
# A few fictional countries in each region, so the region and country filters have work to do.
COUNTRIES = [
    (1, Region.NORTH_AMERICA),
    (2, Region.NORTH_AMERICA),
    (3, Region.LATIN_AMERICA),
    (4, Region.LATIN_AMERICA),
    (5, Region.LATIN_AMERICA),
    (6, Region.WESTERN_EUROPE),
    (7, Region.WESTERN_EUROPE),
    (8, Region.OTHER),
]
HOMES = [
    InstitutionalHome.MAYOR,
    InstitutionalHome.DEPARTMENT,
    InstitutionalHome.PUBLIC_HEALTH,
    InstitutionalHome.CIVIL_SOCIETY,
    InstitutionalHome.MIXED,
]
UNRATED_SHARE = 0.03


@dataclass
class SynthResult:
    countries: int = 0
    cities: int = 0
    offices: int = 0
    assessments: int = 0
    entries: int = 0
    kept_offices: int = 0

    def __str__(self):
        return (
            f"created {self.countries} countries, {self.cities} cities, {self.offices} offices, "
            f"{self.assessments} assessments, {self.entries} entries; "
            f"{self.kept_offices} synthetic offices already existed"
        )


def _rng(*parts):
    # Reproducible fiction, not secrets: the standard generator is the right tool.
    return random.Random("-".join(str(p) for p in parts))  # noqa: S311


def city_slug(i):
    return f"synthetic-city-{i:04d}"


def office_slug(i):
    return f"synthetic-ovp-{i:04d}"


def cycles_for(count, last_cycle):
    return list(range(last_cycle - count + 1, last_cycle + 1))


def office_levels(*, seed, number, cycles):
    """{cycle: [nine levels or None]}: an office that mostly improves from cycle to cycle."""
    rng = _rng(seed, number)
    maturity = rng.uniform(0.3, 3.2)
    levels = [min(4, max(0, round(maturity + rng.gauss(0, 0.9)))) for _ in range(9)]
    out = {}
    for cycle in cycles:
        row = []
        for i in range(9):
            step = rng.random()
            if step < 0.3:
                levels[i] = min(4, levels[i] + 1)
            elif step > 0.92:
                levels[i] = max(0, levels[i] - 1)
            row.append(None if rng.random() < UNRATED_SHARE else levels[i])
        out[cycle] = row
    return out


@transaction.atomic
def synthesize(*, offices, cycles, seed=0, last_cycle=2025):
    """Add `offices` synthetic offices with `cycles` published self-assessments each.

    Idempotent: offices, cities and assessments that exist (by slug, and by office, cycle
    and kind) are kept as they are; only missing ones are created.
    """
    result = SynthResult()
    countries = _countries(result)
    criteria = list(Criterion.objects.order_by("number").values_list("pk", flat=True))
    if len(criteria) != 9:
        raise ValueError("The nine criteria are not loaded: run load_report first.")

    numbers = range(1, offices + 1)
    existing_cities = dict(
        City.objects.filter(slug__in=[city_slug(i) for i in numbers]).values_list("slug", "pk")
    )
    new_cities = []
    for i in numbers:
        if city_slug(i) not in existing_cities:
            rng = _rng(seed, "city", i)
            new_cities.append(
                City(
                    slug=city_slug(i),
                    name=f"Synthetic City {i:04d}",
                    country_id=countries[(i - 1) % len(countries)],
                    population=rng.randrange(50_000, 5_000_000, 1000),
                    origin=Origin.SYNTHETIC,
                    summary="A fictional city generated for scale tests.",
                )
            )
    City.objects.bulk_create(new_cities, batch_size=BATCH)
    result.cities = len(new_cities)
    city_ids = dict(
        City.objects.filter(slug__in=[city_slug(i) for i in numbers]).values_list("slug", "pk")
    )

    existing_offices = dict(
        Office.objects.filter(slug__in=[office_slug(i) for i in numbers]).values_list("slug", "pk")
    )
    result.kept_offices = len(existing_offices)
    new_offices = []
    for i in numbers:
        if office_slug(i) not in existing_offices:
            rng = _rng(seed, "office", i)
            new_offices.append(
                Office(
                    slug=office_slug(i),
                    name=f"Synthetic OVP {i:04d}",
                    city_id=city_ids[city_slug(i)],
                    institutional_home=rng.choice(HOMES),
                    year_founded=rng.randrange(1995, 2023),
                    description="A fictional office generated for scale tests.",
                )
            )
    Office.objects.bulk_create(new_offices, batch_size=BATCH)
    result.offices = len(new_offices)
    office_ids = dict(
        Office.objects.filter(slug__in=[office_slug(i) for i in numbers]).values_list("slug", "pk")
    )

    wanted = cycles_for(cycles, last_cycle)
    have = set(
        Assessment.objects.filter(
            office_id__in=office_ids.values(), kind=Assessment.Kind.SELF
        ).values_list("office_id", "cycle")
    )
    new_assessments, plans = [], []
    for i in numbers:
        office_id = office_ids[office_slug(i)]
        levels = office_levels(seed=seed, number=i, cycles=wanted)
        for cycle in wanted:
            if (office_id, cycle) in have:
                continue
            published = datetime(cycle, 11, 30, 12, 0, tzinfo=UTC)
            new_assessments.append(
                Assessment(
                    office_id=office_id,
                    cycle=cycle,
                    kind=Assessment.Kind.SELF,
                    status=Assessment.Status.PUBLISHED,
                    title=f"Synthetic self-assessment {cycle}",
                    submitted_at=published,
                    published_at=published,
                )
            )
            plans.append(levels[cycle])
    Assessment.objects.bulk_create(new_assessments, batch_size=BATCH)
    result.assessments = len(new_assessments)

    entries = []
    for assessment, levels in zip(new_assessments, plans, strict=True):
        for criterion_id, level in zip(criteria, levels, strict=True):
            entries.append(
                Entry(
                    assessment_id=assessment.pk,
                    criterion_id=criterion_id,
                    level=level,
                    applicability=(
                        Entry.Applicability.ASSESSED
                        if level is not None
                        else Entry.Applicability.NOT_ASSESSED
                    ),
                    strengths=f"Synthetic strengths, {assessment.cycle}.",
                    opportunities=f"Synthetic opportunities, {assessment.cycle}.",
                )
            )
        if len(entries) >= BATCH * 5:
            Entry.objects.bulk_create(entries, batch_size=BATCH)
            result.entries += len(entries)
            entries = []
    Entry.objects.bulk_create(entries, batch_size=BATCH)
    result.entries += len(entries)
    return result


def _countries(result):
    ids = []
    for n, region in COUNTRIES:
        country, created = Country.objects.get_or_create(
            slug=f"synthetic-country-{n:02d}",
            defaults={
                "name": f"Synthetic Country {n:02d}",
                "region": region,
                "origin": Origin.SYNTHETIC,
            },
        )
        result.countries += created
        ids.append(country.pk)
    return ids
