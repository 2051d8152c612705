"""`manage.py synth`: synthetic offices (reports.synth), and one bench office with what the
staff and respondent pages need: a team, a plan, a closed perspectives round with answers on
its last cycle, and a draft with an open round whose respondent has a known link.

The bench office is synthetic office 0001, fictional like the others. Everything about it is
derived from the seed, the respondent's link included (respondent_token), so that the bench
can open that respondent's form: a synthetic database is for tests and benchmarks only.
"""

import random
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from assessments import rounds, teams, workflow
from assessments.models import (
    Action,
    Assessment,
    Consensus,
    Entry,
    Invitation,
    Membership,
    PerspectiveAnswer,
    PerspectiveGroup,
    PerspectiveRound,
    Respondent,
    TeamEvent,
)
from cities.models import Office
from criteria.models import Criterion
from reports.synth import office_slug, synthesize

MAX_OFFICES = 10_000
BENCH_OFFICE = 1
BENCH_LEAD = "synthetic-lead"
MEMBERS = 7  # besides the lead
ACTIONS = 18
GROUPS = ("Office staff", "City government", "Community partners", "Outside experts")
RESPONDENTS_PER_GROUP = 5
# The open round never closes while the bench's cached database is in use.
OPEN_ROUND_CLOSES = date(2099, 12, 31)


def _rng(*parts):
    # Reproducible fiction, not secrets: the standard generator is the right tool.
    return random.Random("-".join(str(p) for p in parts))  # noqa: S311


def _token(rng, length):
    return "".join(rng.choice(rounds.CODE_ALPHABET) for _ in range(length))


def respondent_token(*, seed):
    """The personal link token of the bench office's invited respondent for `seed`."""
    return _token(_rng(seed, "bench-respondent"), rounds.LINK_LENGTH)


@transaction.atomic
def bench_office(*, seed, last_cycle):
    """Give synthetic office 0001 its team, plan and perspectives rounds (see the module).

    Returns a short summary; an office that already has its lead is kept as it is.
    """
    office = Office.objects.filter(slug=office_slug(BENCH_OFFICE)).first()
    if office is None:
        raise CommandError("The bench office is missing: synthesize offices first.")
    User = get_user_model()
    if Membership.objects.filter(office=office, user__username=BENCH_LEAD).exists():
        return "bench office kept"
    rng = _rng(seed, "bench-office")
    lead = _user(User, BENCH_LEAD)
    members = [_user(User, f"synthetic-member-{i:02d}") for i in range(1, MEMBERS + 1)]
    Membership.objects.bulk_create(
        [Membership(user=lead, office=office, role=Membership.Role.LEAD)]
        + [
            Membership(
                user=user,
                office=office,
                role=rng.choice([Membership.Role.EDITOR, Membership.Role.VIEWER]),
            )
            for user in members
        ]
    )
    now = datetime(last_cycle, 12, 1, 12, 0, tzinfo=UTC)
    # Open team invitations: their tokens are thrown away (only hashes are kept).
    invitations = [
        Invitation(
            office=office,
            email=f"synthetic-invitee-{i}@example.org",
            role=Membership.Role.VIEWER,
            invited_by=lead,
            token_hash=teams.hash_token(_token(rng, 32)),
            created_at=now,
            expires_at=datetime(OPEN_ROUND_CLOSES.year, 1, 1, tzinfo=UTC),
        )
        for i in (1, 2)
    ]
    Invitation.objects.bulk_create(invitations)
    TeamEvent.objects.bulk_create(
        [
            TeamEvent(office=office, actor=lead, action=TeamEvent.Action.JOINED, subject=u.username)
            for u in members
        ]
        + [
            TeamEvent(
                office=office,
                actor=lead,
                action=TeamEvent.Action.INVITED,
                subject=i.email,
                new_role=i.role,
            )
            for i in invitations
        ]
    )

    criteria = list(Criterion.objects.order_by("number"))
    published = list(
        Assessment.objects.filter(
            office=office, kind=Assessment.Kind.SELF, status=Assessment.Status.PUBLISHED
        ).order_by("cycle")
    )
    if not published:
        raise CommandError("The bench office has no published cycle.")
    latest = published[-1]
    _plan(office=office, rng=rng, criteria=criteria, cycles=published, people=[lead, *members])

    levels = dict(Entry.objects.filter(assessment=latest).values_list("criterion__number", "level"))
    closed = PerspectiveRound.objects.create(
        assessment=latest,
        closes_on=date(last_cycle, 11, 15),
        closed_at=datetime(last_cycle, 11, 16, 9, 0, tzinfo=UTC),
        opened_by=lead,
    )
    answered_on = datetime(last_cycle, 11, 1, 12, 0, tzinfo=UTC)
    _respondents(closed, rng=rng, criteria=criteria, levels=levels, answered=1.0, on=answered_on)
    Consensus.objects.bulk_create(
        Consensus(
            round=closed,
            criterion=c,
            level=levels[c.number],
            rationale="Agreed at the team meeting after the round. (Synthetic text.)",
            recorded_by=lead,
        )
        for c in criteria
        if levels.get(c.number) is not None
    )

    draft = workflow.start_assessment(
        office=office, cycle=last_cycle + 1, user=lead, prefill_from=latest
    )
    open_round = PerspectiveRound.objects.create(
        assessment=draft, closes_on=OPEN_ROUND_CLOSES, opened_by=lead
    )
    groups = _respondents(
        open_round, rng=rng, criteria=criteria, levels=levels, answered=0.5, on=answered_on
    )
    invited = Respondent.objects.create(
        round=open_round,
        group=groups[0],
        email="synthetic-respondent@example.org",
        token_hash=rounds.token_hash(respondent_token(seed=seed)),
    )
    # Half of the form already answered: the page shows saved answers, as on a second visit.
    _answers(invited, rng=rng, criteria=criteria[:5], levels=levels, on=answered_on)
    return (
        f"bench office {office.slug}: {MEMBERS + 1} members, {ACTIONS} actions, "
        f"a closed and an open perspectives round"
    )


def _user(User, username):
    user, created = User.objects.get_or_create(
        username=username, defaults={"email": f"{username}@example.org"}
    )
    if created:
        user.set_unusable_password()  # the bench signs in through sessions it makes
        user.save(update_fields=["password"])
    return user


def _plan(*, office, rng, criteria, cycles, people):
    statuses = list(Action.Status)
    actions = []
    for i in range(1, ACTIONS + 1):
        planned_in = rng.choice(cycles)
        status = rng.choice(statuses)
        due = date(planned_in.cycle + 1, rng.randrange(1, 13), rng.randrange(1, 29))
        owner = rng.choice(people) if rng.random() < 0.7 else None
        actions.append(
            Action(
                office=office,
                criterion=rng.choice(criteria),
                planned_in=planned_in,
                title=f"Synthetic action {i:02d}",
                description="A fictional action generated for benchmarks.",
                owner=owner,
                owner_name="" if owner else "A partner outside the app",
                due=due,
                status=status,
                drop_reason="No budget this year." if status == Action.Status.DROPPED else "",
                success_measure="A figure that moves.",
                done_on=due if status == Action.Status.DONE else None,
                links=f"https://example.org/{office.slug}/plan/{i}",
                created_by=people[0],
            )
        )
    Action.objects.bulk_create(actions)


def _respondents(round_, *, rng, criteria, levels, answered, on):
    groups = PerspectiveGroup.objects.bulk_create(
        PerspectiveGroup(round=round_, name=name, position=i)
        for i, name in enumerate(GROUPS, start=1)
    )
    for group in groups:
        people = Respondent.objects.bulk_create(
            Respondent(round=round_, group=group, token_hash=rounds.token_hash(_token(rng, 10)))
            for _ in range(RESPONDENTS_PER_GROUP)
        )
        for person in people:
            if rng.random() < answered:
                _answers(person, rng=rng, criteria=criteria, levels=levels, on=on)
    return groups


def _answers(respondent, *, rng, criteria, levels, on):
    rows = []
    for c in criteria:
        own = levels.get(c.number)
        level = None if own is None or rng.random() < 0.05 else own + rng.choice([-1, 0, 0, 1])
        rows.append(
            PerspectiveAnswer(
                respondent=respondent,
                criterion=c,
                level=None if level is None else min(4, max(0, level)),
                comment="A fictional comment." if rng.random() < 0.2 else "",
            )
        )
    PerspectiveAnswer.objects.bulk_create(rows)
    answered_at = on + timedelta(days=rng.randrange(10))
    Respondent.objects.filter(pk=respondent.pk).update(answered_at=answered_at)


class Command(BaseCommand):
    help = (
        "Add N synthetic (fictional) offices with K cycles of published, rated "
        "self-assessments each, for scale tests and benchmarks, and give office 0001 a team, "
        "a plan and perspectives rounds. Deterministic for a seed; offices and assessments "
        "that already exist are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--offices", type=int, required=True, help="number of offices (N)")
        parser.add_argument("--cycles", type=int, required=True, help="cycles per office (K)")
        parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        parser.add_argument(
            "--last-cycle", type=int, default=2025, help="year of the latest cycle (default 2025)"
        )

    def handle(self, *args, offices, cycles, seed, last_cycle, **options):
        if not 1 <= offices <= MAX_OFFICES:
            raise CommandError(f"--offices must be between 1 and {MAX_OFFICES}.")
        # The bench office's draft is of the cycle after the last one.
        if not 1 <= cycles <= 50 or not 2000 + cycles - 1 <= last_cycle <= 2099:
            raise CommandError("--cycles must be between 1 and 50, all cycles within 2000-2099.")
        try:
            result = synthesize(offices=offices, cycles=cycles, seed=seed, last_cycle=last_cycle)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Synthetic data: {result}.")
        self.stdout.write(f"Bench office: {bench_office(seed=seed, last_cycle=last_cycle)}.")
