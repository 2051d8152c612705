"""Prepared queries (assessments/prepared.py): each one the app runs gives what the same
query built by the ORM gives, for several parameter values in turn; and the queries that
cannot be prepared are refused at once."""

import datetime

import pytest
from django.utils import timezone

from assessments import plans, rounds, workflow
from assessments.models import Action, Entry, EvidenceLink, ReviewComment
from assessments.prepared import Prepared
from assessments.views import common, entries
from criteria.models import Criterion
from tests import factories

pytestmark = pytest.mark.django_db


def _rows(instances):
    """Every loaded field and annotation of each instance, in order."""
    return [{k: v for k, v in vars(obj).items() if not k.startswith("_")} for obj in instances]


def _check(prepared, cases):
    """The prepared query and the ORM agree on every case; some case has rows."""
    sizes = []
    for values in cases:
        got = prepared(**values)
        expected = list(prepared.build(**values))
        assert _rows(got) == _rows(expected), values
        sizes.append(len(got))
    assert max(sizes) > 0


@pytest.fixture
def history(office, other_office, staff, reviewer):
    """Two offices, each with published cycles and a draft, evidence, actions, comments
    and a closed round with a consensus (all fictional)."""
    made = {}
    criteria = list(Criterion.objects.order_by("number"))
    for place in (office, other_office):
        member = staff if place == office else factories.make_user(office=place)
        published = [
            factories.make_assessment(place, cycle=cycle, status="published")
            for cycle in (2023, 2024)
        ]
        draft = factories.make_assessment(place, cycle=2025)
        entry = draft.entries.get(criterion__number=1)
        EvidenceLink.objects.create(entry=entry, url="https://example.org/a", title="A")
        EvidenceLink.objects.create(entry=entry, url="https://example.org/b", title="B")
        for i in range(6):
            Action.objects.create(
                office=place,
                planned_in=(published + [draft])[i % 3],
                criterion=criteria[i % 2],
                title=f"Action {i}",
                status=[Action.Status.PLANNED, Action.Status.DONE][i % 2],
                due=datetime.date(2030, 1, 1 + i),
                created_by=member,
            )
        submitted = factories.make_assessment(place, cycle=2026, status="submitted")
        workflow.add_comment(assessment=submitted, user=reviewer, text="Fictional note")
        workflow.add_comment(
            assessment=submitted, user=reviewer, text="On one", criterion=criteria[0]
        )
        round_ = rounds.open_round(
            assessment=draft,
            user=member,
            closes_on=timezone.localdate() + datetime.timedelta(days=7),
            group_names=["Office staff"],
        )
        rounds.close_round(round_=round_, user=member)
        rounds.record_consensus(round_=round_, user=member, agreed={1: (2, "agreed")})
        made[place.pk] = {"draft": draft, "submitted": submitted, "round": round_}
    return made


def test_the_criterion_page_reads_are_the_orm_queries(history):
    drafts = [h["draft"] for h in history.values()]
    criteria = list(Criterion.objects.order_by("number")[:3])
    _check(common._ENTRIES, [{"assessment_id": d.pk} for d in drafts])
    links = [e.pk for d in drafts for e in d.entries.all()]
    _check(entries._EVIDENCE, [{"entry_id": pk} for pk in links])
    _check(
        entries._PREVIOUS,
        [
            {"office_id": d.office_id, "kind": d.kind, "cycle": cycle, "criterion_id": c.pk}
            for d in drafts
            for cycle in (2023, 2024, 2025)
            for c in criteria
        ],
    )
    submitted = [h["submitted"] for h in history.values()]
    _check(entries._COMMENTS, [{"assessment_id": a.pk} for a in submitted + drafts])
    _check(rounds._ROUND_OF, [{"assessment_id": a.pk} for a in drafts + submitted])
    _check(rounds._CONSENSUS_OF, [{"round_id": h["round"].pk} for h in history.values()])
    _check(
        plans._CRITERION_ACTIONS,
        [
            {
                "office_id": d.office_id,
                "criterion_id": c.pk,
                "cycle": d.cycle,
                "assessment_id": d.pk,
            }
            for d in drafts
            for c in criteria
        ],
    )


def test_the_previous_entry_is_the_latest_published_cycle(history):
    draft = next(iter(history.values()))["draft"]
    criterion = Criterion.objects.get(number=2)
    [previous] = entries._PREVIOUS(
        office_id=draft.office_id, kind=draft.kind, cycle=draft.cycle, criterion_id=criterion.pk
    )
    assert (previous.cycle, previous.criterion_id) == (2024, criterion.pk)
    assert previous.assessment_id == workflow.previous_published_query(assessment=draft)[0].pk


def test_the_assessment_comes_with_its_office_city_and_country(history):
    from assessments import access

    drafts = [h["draft"] for h in history.values()]
    _check(access._ASSESSMENT, [{"pk": d.pk} for d in drafts] + [{"pk": 0}])
    for draft in drafts:
        [got] = access._ASSESSMENT(pk=draft.pk)
        expected = type(draft).objects.select_related("office__city__country").get(pk=draft.pk)
        for path in ("office", "office.city", "office.city.country"):
            mine, theirs = got, expected
            for part in path.split("."):
                mine, theirs = getattr(mine, part), getattr(theirs, part)
            assert _rows([mine]) == _rows([theirs]), path


def test_the_memberships_read_once_are_the_orm_query(history, office, staff, viewer):
    from assessments import access

    factories.make_user(office=office, role="viewer")
    _check(access._MEMBERSHIPS, [{"user_id": u.pk} for u in (staff, viewer)] + [{"user_id": 0}])


def test_related_objects_come_without_a_query(history, django_assert_num_queries):
    from assessments import access

    draft = next(iter(history.values()))["draft"]
    with django_assert_num_queries(1):
        [got] = access._ASSESSMENT(pk=draft.pk)
        assert got.office.city.country.name == draft.office.city.country.name


def test_queries_that_cannot_be_prepared_are_refused(assessment):
    with pytest.raises(ValueError, match="model instances"):
        Prepared(lambda pk: Entry.objects.filter(pk=pk).values_list("pk"))(pk=1)
    with pytest.raises(TypeError, match="whole numbers and strings"):
        Prepared(lambda pks: Entry.objects.filter(pk__in=pks))(pks=[1, 2])
    # The ORM turns the text into a pattern: the stand-in is not found in the SQL.
    with pytest.raises(ValueError, match="not found in the compiled query: text"):
        Prepared(lambda text: ReviewComment.objects.filter(text__contains=text))(text="x")


def test_the_team_page_reads_are_the_orm_queries(office, other_office, staff, viewer):
    from assessments import teams
    from assessments.models import Invitation

    lead = factories.make_user("lead-user", office=office, role="lead")
    factories.make_user("other-lead", office=other_office, role="lead")
    for n, email in enumerate(["a@example.org", "b@example.org", "c@example.org"]):
        teams.invite(office=office, by=lead, email=email, role="editor", language="en")
        teams.invite(
            office=other_office, by=lead, email=f"o{n}{email}", role="viewer", language="en"
        )
    now = timezone.now()
    Invitation.objects.filter(email="b@example.org").update(expires_at=now)
    Invitation.objects.filter(email="c@example.org").update(revoked_at=now)
    teams.change_role(
        office=office, membership_id=viewer.memberships.get().pk, role="editor", by=lead
    )
    offices = [{"office_id": o.pk} for o in (office, other_office)] + [{"office_id": 0}]
    _check(teams._TEAM, offices)
    _check(teams._OPEN_INVITATIONS, offices)
    _check(teams._LOG, offices)
    # The database's clock gives what timezone.now() gives: the open invitation only.
    [open_one] = teams.open_invitations(office)
    assert open_one.email == "a@example.org"
    assert teams.open_invitations(office) == list(
        Invitation.objects.filter(
            office=office, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
        )
    )
