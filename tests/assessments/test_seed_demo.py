"""seed_demo: the demo accounts and fictional demo data, built through the workflow."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from assessments.access import is_researcher, is_reviewer
from assessments.models import Assessment, Entry, Membership
from cities.models import City, Origin


def _run(*args, settings=None):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_refuses_without_debug(report, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        _run()
    assert User.objects.filter(username="admin").count() == 0


def test_seed_demo_force_runs_without_debug(report, settings):
    settings.DEBUG = False
    _run("--force", "--password", "pw-for-tests-1")
    assert User.objects.get(username="admin").check_password("pw-for-tests-1")


def test_seed_demo_creates_accounts_roles_and_memberships(report, settings):
    settings.DEBUG = True
    output = _run("--password", "pw-for-tests-1")
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["admin", "reviewer", "researcher", "staff-cali", "staff-edmonton"]
        )
    }
    assert sorted(users) == ["admin", "researcher", "reviewer", "staff-cali", "staff-edmonton"]
    assert all(u.check_password("pw-for-tests-1") for u in users.values())
    assert (users["admin"].is_superuser, users["admin"].is_staff) == (True, True)
    assert is_reviewer(users["reviewer"]) and is_researcher(users["researcher"])
    memberships = Membership.objects.filter(user__username__startswith="staff-")
    assert sorted((m.user.username, m.office.slug, m.role) for m in memberships) == [
        ("staff-cali", "cali-spcc", "lead"),
        ("staff-edmonton", "reach-edmonton", "editor"),
    ]
    assert "staff-cali" in output and "password: pw-for-tests-1" in output


def test_seed_demo_builds_fictional_cycles_and_one_draft(report, settings):
    settings.DEBUG = True
    _run("--password", "pw-for-tests-1")
    demo = Assessment.objects.filter(office__city__origin=Origin.DEMO)
    assert sorted(demo.values_list("office__city__name", "cycle", "status")) == [
        ("Northvale (demo)", 2023, "published"),
        ("Northvale (demo)", 2024, "published"),
        ("Northvale (demo)", 2025, "published"),
        ("Port Amber (demo)", 2023, "published"),
        ("Port Amber (demo)", 2024, "published"),
        ("Port Amber (demo)", 2025, "published"),
        ("Riverton (demo)", 2023, "published"),
        ("Riverton (demo)", 2024, "published"),
        ("Riverton (demo)", 2025, "published"),
        ("Sunhill (demo)", 2023, "published"),
        ("Sunhill (demo)", 2024, "published"),
        ("Sunhill (demo)", 2025, "draft"),
    ]
    assert all("(demo)" in c.name for c in City.objects.filter(origin=Origin.DEMO))
    assert Entry.objects.filter(assessment__in=demo.published(), level__isnull=True).count() == 0
    # Built through the workflow: every entry has its history and a reviewer published.
    assert set(demo.published().values_list("published_by__username", flat=True)) == {"reviewer"}


def test_seed_demo_never_rates_a_real_city(report, settings):
    settings.DEBUG = True
    real_before = list(Assessment.objects.real().values_list("pk", "version"))
    _run("--password", "pw-for-tests-1")
    assert list(Assessment.objects.real().values_list("pk", "version")) == real_before
    assert (
        Entry.objects.filter(
            assessment__office__city__origin=Origin.REPORT, level__isnull=False
        ).count()
        == 0
    )


def test_seed_demo_twice_changes_nothing_and_keeps_passwords(report, settings):
    settings.DEBUG = True
    _run("--password", "pw-for-tests-1")
    before = sorted(Assessment.objects.values_list("pk", "version", "status"))
    output = _run()
    assert sorted(Assessment.objects.values_list("pk", "version", "status")) == before
    assert User.objects.get(username="reviewer").check_password("pw-for-tests-1")
    assert "(password unchanged)" in output
    _run("--password", "pw-for-tests-2")
    assert User.objects.get(username="staff-cali").check_password("pw-for-tests-2")


def test_seed_demo_without_password_prints_a_random_one(report, settings):
    settings.DEBUG = True
    output = _run()
    line = next(line for line in output.splitlines() if line.strip().startswith("reviewer"))
    password = line.split("password: ")[1].split()[0]
    assert User.objects.get(username="reviewer").check_password(password)


def test_seed_demo_adds_a_pending_registration_and_invitation_once(report, settings):
    from assessments.models import Invitation, Registration

    settings.DEBUG = True
    _run("--password", "pw-for-tests-1")
    _run()
    registrations = Registration.objects.values_list("office_name", "status", "is_demo")
    assert list(registrations) == [("Westbrook Violence Prevention Office (demo)", "pending", True)]
    invitations = Invitation.objects.values_list(
        "office__slug", "email", "role", "invited_by__username"
    )
    assert list(invitations) == [
        ("cali-spcc", "new-colleague-demo@example.org", "viewer", "staff-cali")
    ]


def test_seed_demo_runs_perspectives_rounds_with_a_group_too_small_to_show(report, settings):
    from assessments import rounds
    from assessments.models import Consensus, PerspectiveRound

    settings.DEBUG = True
    _run("--password", "pw-for-tests-1")
    _run("--password", "pw-for-tests-1")  # a second run adds nothing
    found = PerspectiveRound.objects.order_by("assessment__office__slug")
    assert [(r.assessment.office.slug, r.assessment.status) for r in found] == [
        ("riverton-demo-council", "published"),
        ("sunhill-demo-safety", "draft"),
    ]
    riverton, sunhill = found
    summary = rounds.summary(round_=riverton)
    assert [(g.respondents, g.shown) for g in summary.groups] == [
        (4, True),
        (3, True),
        (5, True),
        (2, False),
    ]
    assert [row.criterion for row in summary.divergent] == [2, 8]
    assert Consensus.objects.filter(round=riverton).count() == 9
    assert Consensus.objects.filter(round=sunhill).count() == 0
    assert all(not rounds.is_open(r) for r in found)


def test_seed_demo_plans_fictional_actions_and_targets_once(report, settings):
    from assessments import plans
    from assessments.models import Action, ActionNote

    settings.DEBUG = True
    _run("--password", "pw")
    actions = sorted(Action.objects.values_list("office__slug", "title", "status", "version"))
    assert {slug for slug, *_rest in actions} == {"riverton-demo-council", "sunhill-demo-safety"}
    assert all(a.office.city.origin == Origin.DEMO for a in Action.objects.all())
    assert ActionNote.objects.count() == 1
    assert (
        Entry.objects.filter(target__isnull=False)
        .exclude(assessment__office__city__origin=Origin.DEMO)
        .count()
        == 0
    )
    reached = plans.targets_reached()
    assert {r.office.slug for r in reached} >= {"riverton-demo-council"}
    _run()
    assert sorted(Action.objects.values_list("office__slug", "title", "status", "version")) == (
        actions
    )
    assert ActionNote.objects.count() == 1


def test_the_demo_history_mails_nobody(report, django_capture_on_commit_callbacks):
    from django.core import mail

    from assessments.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", password="pw", force=True, stdout=io.StringIO())
    assert Notification.objects.count() == 0
    assert [m.subject for m in mail.outbox if "submitted its" in m.subject] == []
