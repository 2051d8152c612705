"""`manage.py synth`: fictional, deterministic, idempotent, published and rated."""

import pytest
from django.core.management import CommandError, call_command

from assessments.models import Assessment, Entry
from cities.models import City, Office, Origin
from reports.synth import office_levels, synthesize

pytestmark = pytest.mark.django_db


def levels_of(seed_offices):
    return {
        (slug, cycle): levels
        for slug, cycle, levels in (
            (a.office.slug, a.cycle, [e.level for e in a.entries.order_by("criterion__number")])
            for a in Assessment.objects.filter(office__slug__in=seed_offices).select_related(
                "office"
            )
        )
    }


def test_synth_creates_fictional_offices_with_published_rated_cycles(report):
    call_command("synth", "--offices", "4", "--cycles", "3", "--seed", "7")

    cities = City.objects.filter(origin=Origin.SYNTHETIC)
    assert list(cities.values_list("name", flat=True)) == [
        "Synthetic City 0001",
        "Synthetic City 0002",
        "Synthetic City 0003",
        "Synthetic City 0004",
    ]
    assert {c.country.origin for c in cities} == {Origin.SYNTHETIC}
    offices = Office.objects.filter(city__origin=Origin.SYNTHETIC)
    assert offices.count() == 4
    assessments = Assessment.objects.filter(office__in=offices)
    assert assessments.count() == 12
    assert set(assessments.values_list("cycle", flat=True)) == {2023, 2024, 2025}
    assert set(assessments.values_list("status", "kind")) == {("published", "self")}
    assert all(a.published_at is not None for a in assessments)
    assert Entry.objects.filter(assessment__in=assessments).count() == 108
    assert Entry.objects.filter(assessment__in=assessments, level__isnull=False).count() > 90
    # Nothing real was touched.
    assert City.objects.real().count() == 20


def test_synth_is_deterministic_per_seed(report):
    synthesize(offices=3, cycles=2, seed=11)
    first = levels_of(["synthetic-ovp-0001", "synthetic-ovp-0002", "synthetic-ovp-0003"])
    Assessment.objects.filter(office__city__origin=Origin.SYNTHETIC).delete()
    synthesize(offices=3, cycles=2, seed=11)

    assert levels_of(["synthetic-ovp-0001", "synthetic-ovp-0002", "synthetic-ovp-0003"]) == first
    assert office_levels(seed=11, number=2, cycles=[2024, 2025]) != office_levels(
        seed=12, number=2, cycles=[2024, 2025]
    )


def test_synth_rerun_is_idempotent_and_growing_adds_only_the_new(report):
    synthesize(offices=3, cycles=2, seed=1)
    before = levels_of(["synthetic-ovp-0001"])

    again = synthesize(offices=3, cycles=2, seed=1)
    more = synthesize(offices=5, cycles=2, seed=1)

    assert (again.cities, again.offices, again.assessments, again.entries) == (0, 0, 0, 0)
    assert again.kept_offices == 3
    assert (more.cities, more.offices, more.assessments, more.entries) == (2, 2, 4, 36)
    assert levels_of(["synthetic-ovp-0001"]) == before
    assert Office.objects.filter(city__origin=Origin.SYNTHETIC).count() == 5


def test_synth_levels_stay_in_the_rubric():
    for number in range(1, 50):
        for levels in office_levels(seed=0, number=number, cycles=range(2015, 2026)).values():
            assert all(level is None or 0 <= level <= 4 for level in levels)


def test_synth_command_refuses_bad_arguments(report):
    with pytest.raises(CommandError):
        call_command("synth", "--offices", "0", "--cycles", "3")
    with pytest.raises(CommandError):
        call_command("synth", "--offices", "3", "--cycles", "0")


def test_synth_command_prints_what_it_did(report, capsys):
    call_command("synth", "--offices", "2", "--cycles", "1")

    assert capsys.readouterr().out == (
        "Synthetic data: created 8 countries, 2 cities, 2 offices, 2 assessments, "
        "18 entries; 0 synthetic offices already existed.\n"
    )
