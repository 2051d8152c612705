"""Demo accounts and fictional demo offices, built through the same workflow as the app.

Everything this command writes about offices is fictional and marked origin "demo"
("(demo)" in every name). It never writes levels or assessments for a real city: the staff
accounts of Cali and Edmonton only get a membership of their real office.
"""

import random
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from assessments import notifications, plans, rounds, teams, workflow
from assessments.access import RESEARCHERS, REVIEWERS
from assessments.models import (
    Action,
    Assessment,
    Invitation,
    Membership,
    PerspectiveRound,
    Registration,
    TeamEvent,
)
from cities.models import City, Country, Office, Origin
from criteria.models import Criterion

# username -> (role description, superuser?, group, real office slug)
ACCOUNTS = {
    "admin": ("superuser", True, None, None),
    "reviewer": ("reviews and publishes submitted self-assessments", False, REVIEWERS, None),
    "researcher": ("reads everything published", False, RESEARCHERS, None),
    "staff-cali": (
        "lead, Cali's Secretariat for Peace and Citizen Culture",
        False,
        None,
        "cali-spcc",
    ),
    "staff-edmonton": ("editor, REACH Edmonton", False, None, "reach-edmonton"),
}
# Leads of their office's team (the others are editors).
LEADS = {"staff-cali"}
# A pending registration and a pending invitation, so that the screens that list them have
# something to show. Both fictional: example.org addresses, "(demo)" names.
DEMO_REGISTRATION = {
    "email": "westbrook-demo@example.org",
    "name": "Alex Demo",
    "job_title": "Programme coordinator (demo)",
    "office_name": "Westbrook Violence Prevention Office (demo)",
    "acronym": "WVPO",
    "institutional_home": "department",
    "year_founded": 2021,
    "new_city": "Westbrook (demo)",
}
DEMO_INVITEE = "new-colleague-demo@example.org"
# Writes the demo offices' assessments; cannot log in.
DEMO_AUTHOR = "demo-author"

COUNTRY = {"name": "Demoland", "slug": "demoland", "region": "other"}
# city slug, city name, population, office name, office slug, institutional home, first levels
OFFICES = [
    (
        "northvale-demo",
        "Northvale (demo)",
        410_000,
        "Northvale Office of Neighbourhood Safety (demo)",
        "northvale-demo-safety",
        "mayor",
        [2, 1, 2, 2, 3, 1, 2, 3, 1],
    ),
    (
        "port-amber-demo",
        "Port Amber (demo)",
        260_000,
        "Port Amber Violence Prevention Unit (demo)",
        "port-amber-demo-vpu",
        "public-health",
        [1, 2, 1, 2, 2, 2, 1, 1, 2],
    ),
    (
        "riverton-demo",
        "Riverton (demo)",
        180_000,
        "Riverton Peace Council (demo)",
        "riverton-demo-council",
        "civil-society",
        [3, 3, 2, 1, 2, 0, 2, 2, 3],
    ),
    (
        "sunhill-demo",
        "Sunhill (demo)",
        95_000,
        "Sunhill Community Safety Team (demo)",
        "sunhill-demo-safety",
        "department",
        [1, 0, 1, 1, 1, 1, 0, 2, 0],
    ),
]
CYCLES = [2023, 2024, 2025]
# A perspectives round on Riverton's last cycle (closed, levels agreed, then published) and on
# Sunhill's draft (closed, levels still to agree). Fictional respondents per group and how far
# their levels sit from the office's own: the last group has two respondents, below the
# threshold of three, so its answers are never shown apart.
ROUND_OFFICES = ("riverton-demo-council", "sunhill-demo-safety")
RESPONDENTS = {
    "Office staff": [0, 0, 1, 0],
    "City government": [0, 1, 0],
    "Community partners": [-1, -2, -1, 0, -2],
    "Outside experts": [1, -1],
}
ROUND_COMMENTS = {
    "Community partners": "Residents hear little about this. (Fictional demo comment.)",
    "Office staff": "We do this, but not yet in writing. (Fictional demo comment.)",
}
# Fictional actions of two demo offices: (cycle planned in, criterion, title, status, due in
# days from the day of seeding, owner outside the app or None for the demo author, extras).
PLANS = {
    "riverton-demo-council": [
        (
            2024,
            6,
            "Ask the council for a line in the regular budget (demo)",
            "done",
            -30,
            None,
            {"measure": "Core posts paid from the city budget."},
        ),
        (
            2025,
            4,
            "Map the neighbourhoods served first (demo)",
            "in-progress",
            60,
            None,
            {"measure": "A map shared with every partner."},
        ),
        (
            2025,
            9,
            "Publish the annual report in plain language (demo)",
            "planned",
            120,
            "M. Okafor, city communications (fictional)",
            {},
        ),
    ],
    "sunhill-demo-safety": [
        (
            2024,
            2,
            "Start a partners' table (demo)",
            "in-progress",
            30,
            None,
            {
                "note_cycle": 2025,
                "note": "Two meetings held; the police have not joined yet. (Fictional demo note.)",
            },
        ),
        (
            2024,
            7,
            "Train two outreach workers (demo)",
            "planned",
            5,
            "R. Alvarez, youth services (fictional)",
            {},
        ),
        (
            2024,
            9,
            "Hire an evaluator (demo)",
            "dropped",
            90,
            None,
            {"reason": "No budget this year. (Fictional demo reason.)"},
        ),
    ],
}
# The last office's latest cycle stays a draft in progress, half filled in.
DRAFT_OFFICE = "sunhill-demo-safety"

STRENGTHS = {
    1: "The office's mandate is set by a city decree and published on the city website.",
    2: "A partners' table of {n} neighbourhood groups meets every quarter.",
    3: "A yearly diagnosis maps where violence happens, using health and police data.",
    4: "The office names the young people and the {n} neighbourhoods it serves first.",
    5: "Outreach, family support and school programmes share one plan.",
    6: "Core staff are paid from the city's regular budget.",
    7: "A team of {n} people, including outreach workers from the neighbourhoods.",
    8: "The mayor and the council back the office across party lines.",
    9: "An annual public report lists activities and results.",
}
OPPORTUNITIES = {
    1: "Turn the broad goals into {n} measurable targets.",
    2: "Give residents a formal say in choosing priorities.",
    3: "Update the diagnosis every year and share it with partners.",
    4: "Track who is reached, so that services go where they are needed most.",
    5: "Link the programmes to a shared theory of change.",
    6: "Secure funding beyond the current term of office.",
    7: "Train staff in trauma-informed practice and keep experienced workers.",
    8: "Build support among council members who are not yet involved.",
    9: "Publish an independent evaluation of at least one programme.",
}


class Command(BaseCommand):
    help = "Create the demo accounts and fictional demo offices with published self-assessments."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="password for every demo account")
        parser.add_argument("--force", action="store_true", help="run even when DEBUG is off")
        parser.add_argument("--seed", type=int, default=2024, help="seed for the demo levels")

    def handle(self, *args, password=None, force=False, seed=2024, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with known passwords: it runs only with DEBUG on, "
                "or with --force."
            )
        if not Criterion.objects.exists():
            raise CommandError("Load the report first: python manage.py load_report")
        # The demo's submissions and publications are made up: they mail nobody.
        with transaction.atomic(), notifications.muted():
            logins = self._accounts(password)
            # Repeatable demo levels, not security: a plain PRNG is right here.
            created = self._demo_offices(random.Random(seed))  # noqa: S311
            self._pending_registration()
            self._pending_invitation()
        self.stdout.write(f"Demo data: {created} demo assessments created.")
        self.stdout.write("Demo logins (log in at /accounts/login/):")
        for username, shown in logins:
            self.stdout.write(f"  {username:<15} {shown:<28} {ACCOUNTS[username][0]}")

    def _accounts(self, password):
        groups = {
            name: Group.objects.get_or_create(name=name)[0] for name in (REVIEWERS, RESEARCHERS)
        }
        logins = []
        for username, (_role, superuser, group, office_slug) in ACCOUNTS.items():
            user = User.objects.filter(username=username).first()
            new = user is None
            if new:
                user = User(username=username, email=f"{username}@example.org")
            user.is_superuser = user.is_staff = superuser
            shown = "(password unchanged)"
            if new or password:
                pw = password or secrets.token_urlsafe(12)
                user.set_password(pw)
                shown = f"password: {pw}"
            user.save()
            if group:
                user.groups.add(groups[group])
            if office_slug:
                office = Office.objects.filter(slug=office_slug).first()
                if office is None:
                    raise CommandError(f"Office {office_slug!r} is missing: run load_report first.")
                role = Membership.Role.LEAD if username in LEADS else Membership.Role.EDITOR
                membership, _ = Membership.objects.get_or_create(
                    user=user, office=office, defaults={"role": role}
                )
                if username in LEADS and not membership.is_lead:
                    membership.role = role
                    membership.save(update_fields=["role"])
            logins.append((username, shown))
        return logins

    def _demo_offices(self, rng):
        author, new = User.objects.get_or_create(username=DEMO_AUTHOR)
        if new:
            author.set_unusable_password()
            author.is_active = False
            author.save()
        reviewer = User.objects.get(username="reviewer")
        country, _ = Country.objects.get_or_create(
            slug=COUNTRY["slug"],
            defaults={"name": COUNTRY["name"], "region": COUNTRY["region"], "origin": Origin.DEMO},
        )
        if country.origin != Origin.DEMO:
            raise CommandError("A real country uses the demo country's slug; not touching it.")
        created = 0
        for city_slug, city_name, population, office_name, office_slug, home, levels in OFFICES:
            city, _ = City.objects.get_or_create(
                slug=city_slug,
                defaults={
                    "name": city_name,
                    "country": country,
                    "population": population,
                    "origin": Origin.DEMO,
                    "summary": "A fictional city for demonstrations. Nothing about it is real.",
                },
            )
            office, _ = Office.objects.get_or_create(
                slug=office_slug,
                defaults={
                    "city": city,
                    "name": office_name,
                    "institutional_home": home,
                    "description": "A fictional office for demonstrations.",
                },
            )
            if office.city.origin != Origin.DEMO:
                raise CommandError(f"{office_slug} is not a demo office; not touching it.")
            Membership.objects.get_or_create(
                user=author, office=office, defaults={"role": Membership.Role.EDITOR}
            )
            created += self._cycles(office, levels, author, reviewer, rng)
            self._plan(office, author)
        return created

    def _plan(self, office, author):
        """A few fictional actions of the office (PLANS), through the app's own functions;
        one already there (by title) is left as it is."""
        today = timezone.localdate()
        cycles = {
            a.cycle: a
            for a in Assessment.objects.current().filter(office=office, kind=Assessment.Kind.SELF)
        }
        criteria = {c.number: c for c in Criterion.objects.all()}
        for cycle, number, title, status, days, owner, extra in PLANS.get(office.slug, []):
            if Action.objects.filter(office=office, title=title).exists():
                continue
            action = plans.create_action(
                office=office,
                data={
                    "criterion_id": criteria[number].pk,
                    "title": title,
                    "description": f"{title}. (Fictional demo action.)",
                    "owner_id": author.pk if owner is None else None,
                    "owner_name": owner or "",
                    "due": today + timedelta(days=days),
                    "status": status,
                    "success_measure": extra.get("measure", ""),
                    "drop_reason": extra.get("reason", ""),
                    "links": f"https://example.org/{office.slug}/plan/criterion-{number}",
                },
                user=author,
                planned_in=cycles.get(cycle),
                today=today,
            )
            note_in = cycles.get(extra.get("note_cycle"))
            if note_in is not None and note_in.status == Assessment.Status.DRAFT:
                plans.set_note(action=action, assessment=note_in, text=extra["note"], user=author)

    def _pending_registration(self):
        country = Country.objects.get(slug=COUNTRY["slug"])
        Registration.objects.get_or_create(
            email=DEMO_REGISTRATION["email"],
            is_demo=True,
            defaults={
                **DEMO_REGISTRATION,
                "country": country,
                "status": Registration.Status.PENDING,
                "verified_at": timezone.now(),
            },
        )

    def _pending_invitation(self):
        lead = User.objects.get(username="staff-cali")
        office = lead.memberships.get(role=Membership.Role.LEAD).office
        open_ones = Invitation.objects.filter(
            office=office,
            email=DEMO_INVITEE,
            accepted_at=None,
            revoked_at=None,
            expires_at__gt=timezone.now(),
        )
        if not open_ones.exists():
            # No mail: the address is fictional. The token is thrown away (only its hash is
            # kept), so this invitation can be seen and revoked, never used.
            Invitation.objects.create(
                office=office,
                email=DEMO_INVITEE,
                role=Membership.Role.VIEWER,
                invited_by=lead,
                token_hash=teams.hash_token(secrets.token_urlsafe(32)),
                expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
            )
            TeamEvent.objects.create(
                office=office,
                actor=lead,
                action=TeamEvent.Action.INVITED,
                subject=DEMO_INVITEE,
                new_role=Membership.Role.VIEWER,
            )

    def _perspectives(self, assessment, levels, author, *, agree):
        """A closed round with fictional respondents, through the same functions as the app."""
        if PerspectiveRound.objects.filter(assessment=assessment).exists():
            return
        round_ = rounds.open_round(
            assessment=assessment,
            user=author,
            closes_on=timezone.localdate(),
            group_names=list(RESPONDENTS),
        )
        for group in round_.groups.all():
            offsets = RESPONDENTS[group.name]
            codes = rounds.issue_codes(
                round_=round_, user=author, group_id=group.pk, count=len(offsets)
            )
            for i, (code, offset) in enumerate(zip(codes, offsets, strict=True)):
                answers = {}
                for number, level in enumerate(levels, start=1):
                    # Partners see criteria 2 and 8 two levels lower: divergent there.
                    shift = offset - (1 if number in (2, 8) and offset < 0 else 0)
                    value = max(0, min(4, level + shift))
                    dont_know = number == 6 and i == 0
                    comment = ROUND_COMMENTS.get(group.name, "") if number == 2 else ""
                    answers[number] = (None if dont_know else value, comment)
                rounds.save_answers(respondent=rounds.respondent_for(code), answers=answers)
        rounds.close_round(round_=round_, user=author)
        if agree:
            rationale = "Agreed at the team meeting after the round. (Fictional demo text.)"
            rounds.record_consensus(
                round_=round_,
                user=author,
                agreed={n: (level, rationale) for n, level in enumerate(levels, start=1)},
            )

    def _cycles(self, office, levels, author, reviewer, rng):
        created = 0
        previous = None
        levels = list(levels)
        for cycle in CYCLES:
            existing = Assessment.objects.filter(
                office=office, cycle=cycle, kind=Assessment.Kind.SELF
            ).first()
            # Each cycle also moves the levels on, so that a rerun builds the same data.
            if previous is not None:
                levels = [min(4, lv + (1 if rng.random() < 0.35 else 0)) for lv in levels]
            if existing is not None:
                if existing.status == Assessment.Status.DRAFT and office.slug in ROUND_OFFICES:
                    self._perspectives(existing, levels, author, agree=False)
                previous = existing
                continue
            draft = office.slug == DRAFT_OFFICE and cycle == CYCLES[-1]
            assessment = workflow.start_assessment(
                office=office, cycle=cycle, user=author, prefill_from=previous
            )
            entries = assessment.entries.select_related("criterion").order_by("criterion__number")
            for entry in entries:
                n = entry.criterion.number
                count = 3 + levels[n - 1] * 2
                opportunities = OPPORTUNITIES[n].format(n=count)
                if draft and n > 6:
                    opportunities = ""  # the draft in progress: not written yet
                data = {
                    "applicability": "assessed",
                    "level": levels[n - 1],
                    "target": plans.default_target(level=levels[n - 1]),
                    "justification": "",
                    "strengths": f"{STRENGTHS[n].format(n=count)} (Fictional demo text, {cycle}.)",
                    "opportunities": opportunities,
                    "evidence": [
                        {
                            "url": f"https://example.org/{office.slug}/{cycle}/criterion-{n}",
                            "title": f"{office.name}: report {cycle} (fictional)",
                            "checked_on": None,
                        }
                    ],
                }
                workflow.save_entry(entry=entry, data=data, base_version=entry.version, user=author)
            if office.slug in ROUND_OFFICES and cycle == CYCLES[-1]:
                self._perspectives(assessment, levels, author, agree=not draft)
            if not draft:
                missing = workflow.submit(assessment=assessment, user=author)
                if missing:
                    raise CommandError(f"Demo assessment incomplete: {missing}")
                workflow.publish(
                    assessment=assessment, user=reviewer, comment="Demo data, published."
                )
            previous = assessment
            created += 1
        return created
