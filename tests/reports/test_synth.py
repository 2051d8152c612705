"""`manage.py synth`: fictional, deterministic, idempotent, published and rated."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from assessments import rounds
from assessments.models import Assessment, Entry, PerspectiveAnswer, PerspectiveRound
from cities.models import City, Office, Origin
from reports.management.commands.synth import respondent_token
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
    # The bench office also has a draft of the next cycle (its open perspectives round).
    drafts = Assessment.objects.filter(office__in=offices, status="draft")
    assert list(drafts.values_list("office__slug", "cycle")) == [("synthetic-ovp-0001", 2026)]
    assessments = Assessment.objects.filter(office__in=offices).exclude(status="draft")
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
        "Bench office: bench office synthetic-ovp-0001: 8 members, 18 actions, "
        "a closed and an open perspectives round.\n"
    )


def test_synth_command_takes_ten_thousand_offices_and_no_more(report):
    with pytest.raises(CommandError, match="between 1 and 10000"):
        call_command("synth", "--offices", "10001", "--cycles", "1")


def bench_office_state():
    office = Office.objects.get(slug="synthetic-ovp-0001")
    closed = PerspectiveRound.objects.get(assessment__office=office, closed_at__isnull=False)
    open_ = PerspectiveRound.objects.get(assessment__office=office, closed_at=None)
    return {
        "roles": sorted(office.memberships.values_list("user__username", "role")),
        "actions": list(office.actions.order_by("title").values_list("title", "status", "due")),
        "closed_cycle": closed.assessment.cycle,
        "closed_answers": list(
            PerspectiveAnswer.objects.filter(respondent__round=closed)
            .order_by("respondent__group__position", "respondent__pk", "criterion__number")
            .values_list("respondent__group__position", "criterion__number", "level")
        ),
        "open_cycle": (open_.assessment.cycle, open_.assessment.status),
        "invitations": office.invitations.count(),
    }


def test_synth_gives_the_bench_office_a_team_a_plan_and_rounds(report):
    call_command("synth", "--offices", "3", "--cycles", "2", "--seed", "4")
    state = bench_office_state()

    assert len(state["roles"]) == 8
    assert ("synthetic-lead", "lead") in state["roles"]
    assert len(state["actions"]) == 18
    assert state["closed_cycle"] == 2025
    assert len(state["closed_answers"]) == 4 * 5 * 9
    assert state["open_cycle"] == (2026, "draft")
    assert state["invitations"] == 2
    # A second run keeps the office as it is.
    call_command("synth", "--offices", "3", "--cycles", "2", "--seed", "4")
    assert bench_office_state() == state


def test_synth_bench_respondent_opens_with_the_token_of_the_seed(report):
    call_command("synth", "--offices", "1", "--cycles", "1", "--seed", "9")

    respondent = rounds.respondent_for(respondent_token(seed=9))
    assert respondent.email == "synthetic-respondent@example.org"
    assert rounds.is_open(respondent.round)
    assert respondent.answers.count() == 5
    assert rounds.respondent_for(respondent_token(seed=8)) is None


def test_synth_bench_office_is_the_same_for_a_seed(report):
    call_command("synth", "--offices", "2", "--cycles", "2", "--seed", "5")
    first = bench_office_state()
    Office.objects.filter(slug__startswith="synthetic-").delete()
    get_user_model().objects.filter(username__startswith="synthetic-").delete()
    call_command("synth", "--offices", "2", "--cycles", "2", "--seed", "5")
    assert bench_office_state() == first
