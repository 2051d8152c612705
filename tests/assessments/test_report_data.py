"""The loaded data matches the report: sample, offices, the four charts and the facts."""

from decimal import Decimal

import pytest

from assessments.models import Assessment, Entry, EvidenceLink
from assessments.report_data import load_report
from cities.models import City, Country, Office, Origin, SourcedFact
from criteria.models import Criterion, PeerExample, RubricLevel

pytestmark = pytest.mark.django_db

SAMPLE_COUNTRIES = [
    "argentina",
    "belgium",
    "brazil",
    "canada",
    "chile",
    "colombia",
    "germany",
    "honduras",
    "mexico",
    "united-states",
]
SAMPLE_CITIES = [
    "brussels",
    "cali",
    "chicago",
    "chihuahua",
    "edmonton",
    "feira-de-santana",
    "godoy-cruz",
    "leon",
    "los-angeles",
    "mechelen",
    "medellin",
    "oakland",
    "palmira",
    "pelotas",
    "penalolen",
    "philadelphia",
    "san-pedro-sula",
    "stuttgart",
]
ADAPTATION_CITIES = ["bristol", "cali", "edmonton", "rosario"]

# key: (city, value, unit, year, citation), as the report gives them.
FACTS = {
    "cali-homicide-rate-2022": (
        "cali",
        "43.1",
        "per 100,000 residents",
        "2022",
        "Part 4, Cali's Coordination; Endnote 54",
    ),
    "cali-population": ("cali", "2300000", "people", "", "Part 4, Cali's Coordination"),
    "rosario-homicides-2022": (
        "rosario",
        "287",
        "homicides",
        "2022",
        "Part 4, Rosario's Opportunity",
    ),
    "rosario-homicide-rate-2022": (
        "rosario",
        "22.1",
        "per 100,000 residents",
        "2022",
        "Part 4, Rosario's Opportunity",
    ),
    "medellin-budget": ("medellin", "48000000", "dollars ($)", "", "Endnote 19"),
    "cali-budget": ("cali", "19000000", "dollars ($)", "", "Endnote 19"),
    "chicago-ovr-staff": ("chicago", "10", "employees (about)", "", "Part 3, Criterion 7"),
    "chicago-ovpbh-staff": ("chicago", "58", "employees", "", "Part 3, Criterion 7"),
    "reach-community-partnerships": (
        "edmonton",
        "100",
        "partners (more than)",
        "",
        "Part 3, Criterion 2; Part 4, Edmonton's Leadership (chart)",
    ),
    "reach-founding-interviews": (
        "edmonton",
        "1000",
        "consultations (more than)",
        "",
        "Part 3, Criterion 2; Part 3, Criterion 3; Part 4, Edmonton's Leadership",
    ),
    "reach-projects": (
        "edmonton",
        "30",
        "projects (more than)",
        "",
        "Part 4, Edmonton's Leadership",
    ),
    "pelotas-lethal-violence-reduction-2017-2022": (
        "pelotas",
        "81",
        "percent",
        "2017-2022",
        "Part 3, Criterion 9; Endnote 43",
    ),
    "pelotas-homicide-reduction-focused-deterrence": (
        "pelotas",
        "38",
        "percent",
        "",
        "Part 3, Criterion 9; Endnote 42",
    ),
    "palmira-forjar-youth-2021": (
        "palmira",
        "290",
        "young people",
        "2021",
        "Part 3, Criterion 4",
    ),
    "palmira-pazos-neighborhoods-2021": (
        "palmira",
        "37",
        "neighborhoods",
        "2021",
        "Part 3, Criterion 4",
    ),
    "mechelen-budget-growth-four-years": (
        "mechelen",
        "30",
        "percent",
        "last four years",
        "Part 3, Criterion 6",
    ),
    "mechelen-target-group-share": (
        "mechelen",
        "0.5",
        "percent of the city's population",
        "",
        "Part 3, Criterion 4; Endnote 30",
    ),
}


def test_report_sample_countries_are_the_ten_of_the_appendix(report):
    slugs = Country.objects.filter(cities__in_sample=True).distinct().order_by("slug")
    assert list(slugs.values_list("slug", flat=True)) == SAMPLE_COUNTRIES


def test_report_sample_cities_are_the_eighteen_of_the_appendix(report):
    cities = City.objects.filter(in_sample=True).order_by("slug")
    assert list(cities.values_list("slug", flat=True)) == SAMPLE_CITIES
    assert set(cities.values_list("origin", flat=True)) == {Origin.REPORT}


def test_report_sample_has_21_offices_two_in_cali_medellin_chicago(report):
    offices = Office.objects.filter(in_sample=True)
    assert offices.count() == 21
    per_city = {}
    for slug in offices.values_list("city__slug", flat=True):
        per_city[slug] = per_city.get(slug, 0) + 1
    assert sorted(slug for slug, n in per_city.items() if n == 2) == [
        "cali",
        "chicago",
        "medellin",
    ]
    assert sorted(per_city) == SAMPLE_CITIES
    assert set(per_city.values()) == {1, 2}


def test_report_adaptation_cities_are_bristol_cali_edmonton_rosario(report):
    slugs = City.objects.filter(adaptation_city=True).order_by("slug")
    assert list(slugs.values_list("slug", flat=True)) == ADAPTATION_CITIES


@pytest.mark.parametrize("city", ADAPTATION_CITIES)
def test_report_chart_has_nine_unrated_entries_with_text(report, city):
    charts = Assessment.objects.filter(
        office__city__slug=city, kind=Assessment.Kind.RESEARCH, status=Assessment.Status.PUBLISHED
    )
    assert charts.count() == 1
    chart = charts.get()
    assert chart.citation != ""
    assert chart.published_at is not None
    entries = list(chart.entries.select_related("criterion").order_by("criterion__number"))
    assert [e.criterion.number for e in entries] == list(range(1, 10))
    assert [e.level for e in entries] == [None] * 9
    assert all(e.strengths.strip() for e in entries)
    assert all(e.opportunities.strip() for e in entries)
    assert chart.is_rated is False


def test_report_invents_no_level_for_any_real_city(report):
    assert Entry.objects.filter(assessment__kind="research", level__isnull=False).count() == 0
    assert Assessment.objects.filter(kind="research").count() == 4


def test_report_has_nine_criteria_with_full_rubric_and_questions(report):
    assert list(Criterion.objects.values_list("number", flat=True)) == list(range(1, 10))
    for criterion in Criterion.objects.prefetch_related("levels", "questions", "examples"):
        assert [lv.level for lv in criterion.levels.all()] == [0, 1, 2, 3, 4]
        assert all(lv.descriptor for lv in criterion.levels.all())
        assert len(criterion.questions.all()) >= 3
        assert len(criterion.examples.all()) >= 1
        assert criterion.citation != ""


def test_report_peer_examples_named_in_issue_link_to_their_offices(report):
    examples = dict(PeerExample.objects.values_list("key", "office__slug"))
    assert examples["oakland-five-goals"] == "oakland-dvp"
    mandate = PeerExample.objects.filter(criterion__number=1).values_list("office__slug", flat=True)
    assert "oakland-dvp" in set(mandate)
    consultation = PeerExample.objects.filter(criterion__number=2)
    assert "reach-edmonton" in set(consultation.values_list("office__slug", flat=True))
    diagnosis = set(
        PeerExample.objects.filter(criterion__number=3).values_list("office__slug", flat=True)
    )
    assert {"chihuahua-coprev", "penalolen-human-security"} <= diagnosis


@pytest.mark.parametrize("key", sorted(FACTS))
def test_report_fact_has_value_and_citation(report, key):
    city, value, unit, year, citation = FACTS[key]
    fact = SourcedFact.objects.select_related("city").get(key=key)
    assert fact.city.slug == city
    assert fact.value == Decimal(value)
    assert fact.unit == unit
    assert fact.year == year
    assert fact.citation == citation
    assert fact.label != ""


def test_report_facts_each_cite_the_report(report):
    assert SourcedFact.objects.filter(citation="").count() == 0
    # Every fact is about a real city, a real country as a whole (national context), or the
    # Peace in Our Cities network.
    about_cities = SourcedFact.objects.filter(city__origin=Origin.REPORT, country=None)
    national = SourcedFact.objects.filter(city=None, country__origin=Origin.REPORT)
    network = SourcedFact.objects.filter(city=None, country=None)
    assert sorted(national.values_list("country__slug", "key")) == [
        ("united-kingdom", "uk-homicide-cost-2018"),
        ("united-states", "us-dc-fatal-shooting-cost"),
        ("united-states", "us-ovp-budget-range-high"),
        ("united-states", "us-ovp-budget-range-low"),
    ]
    assert sorted(network.values_list("key", flat=True)) == [
        "pioc-founded",
        "pioc-goal-year",
        "pioc-member-cities",
        "pioc-partners",
        "pioc-people-represented",
    ]
    assert about_cities.count() + national.count() + network.count() == (
        SourcedFact.objects.count()
    )


def test_load_report_twice_changes_no_row(report):
    def snapshot():
        return {
            "assessments": list(Assessment.objects.order_by("pk").values_list("pk", "updated_at")),
            "entries": list(Entry.objects.order_by("pk").values_list("pk", "updated_at")),
            "history": (
                Assessment.history.count(),
                Entry.history.count(),
                EvidenceLink.history.count(),
            ),
            "counts": [
                m.objects.count()
                for m in (Country, City, Office, SourcedFact, Criterion, RubricLevel, PeerExample)
            ],
        }

    before = snapshot()
    tally = load_report()
    assert (tally.created, tally.updated, tally.changed) == (0, 0, [])
    assert tally.unchanged > 300
    assert snapshot() == before


def test_load_report_bumps_the_version_of_a_chart_whose_text_changed(report):
    chart = Assessment.objects.get(office__slug="cali-ecosystem", kind="research")
    entry = chart.entries.get(criterion__number=3)
    Entry.objects.filter(pk=entry.pk).update(strengths="Edited by hand")
    load_report()
    chart.refresh_from_db()
    entry.refresh_from_db()
    assert entry.strengths != "Edited by hand"  # the fixture's text is back
    assert chart.version == 2
    load_report()  # nothing changed this time
    chart.refresh_from_db()
    assert chart.version == 2
