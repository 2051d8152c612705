"""A perspectives round's life, through the plain functions (no requests)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments import rounds
from assessments.models import Consensus, Entry, PerspectiveAnswer, Respondent

TODAY = datetime.date(2026, 11, 29)


@pytest.fixture
def round_(assessment, staff):
    return rounds.open_round(
        assessment=assessment,
        user=staff,
        closes_on=timezone.localdate() + datetime.timedelta(days=14),
        group_names=["Office staff", "Community partners"],
    )


def test_open_round_makes_the_groups_in_order(round_):
    assert [(g.position, g.name) for g in round_.groups.all()] == [
        (1, "Office staff"),
        (2, "Community partners"),
    ]


@pytest.mark.parametrize(
    "names, closes_on, field",
    [
        ([], TODAY, "groups"),
        (["A", "a"], TODAY, "groups"),
        ([f"G{i}" for i in range(9)], TODAY, "groups"),
        (["A"], TODAY - datetime.timedelta(days=1), "closes_on"),
    ],
)
def test_open_round_refuses_bad_groups_and_dates(assessment, staff, names, closes_on, field):
    with pytest.raises(ValidationError) as error:
        rounds.open_round(
            assessment=assessment, user=staff, closes_on=closes_on, group_names=names, today=TODAY
        )
    assert list(error.value.message_dict) == [field]


def test_only_editors_open_a_round(assessment, viewer, other_staff):
    for user in (viewer, other_staff):
        with pytest.raises(PermissionDenied):
            rounds.open_round(
                assessment=assessment, user=user, closes_on=TODAY, group_names=["A"], today=TODAY
            )


def test_a_second_round_is_refused(round_, assessment, staff):
    with pytest.raises(ValidationError):
        rounds.open_round(
            assessment=assessment, user=staff, closes_on=round_.closes_on, group_names=["A"]
        )


def test_invitations_store_only_a_hash_and_skip_known_addresses(round_, staff):
    group = round_.groups.first()
    invited = rounds.invite(
        round_=round_, user=staff, group_id=group.pk, emails=["a@example.org", "A@example.org "]
    )
    assert len(invited) == 1
    token = invited[0].token
    assert len(token) == rounds.LINK_LENGTH
    assert Respondent.objects.get().token_hash == rounds.token_hash(token)
    assert not Respondent.objects.filter(token_hash=token).exists()
    again = rounds.invite(round_=round_, user=staff, group_id=group.pk, emails=["a@example.org"])
    assert (again, Respondent.objects.count()) == ([], 1)
    assert rounds.respondent_for(token).pk == invited[0].respondent.pk


def test_codes_are_found_however_they_are_typed(round_, staff):
    group = round_.groups.last()
    codes = rounds.issue_codes(round_=round_, user=staff, group_id=group.pk, count=3)
    assert len(set(codes)) == 3
    code = codes[0]
    assert rounds.respondent_for(code.lower().replace("-", " ")).group == group
    assert rounds.respondent_for(code[:-1] + ("A" if code[-1] != "A" else "B")) is None


@pytest.mark.parametrize("token", ["", "x", "A" * 500, "../../etc/passwd", None])
def test_forged_tokens_find_nobody(round_, staff, token):
    rounds.issue_codes(round_=round_, user=staff, group_id=round_.groups.first().pk, count=1)
    assert rounds.respondent_for(token) is None


def test_a_group_of_another_round_is_refused(round_, staff, other_office, other_staff):
    from assessments import workflow

    other = workflow.start_assessment(office=other_office, cycle=2025, user=other_staff)
    other_round = rounds.open_round(
        assessment=other, user=other_staff, closes_on=round_.closes_on, group_names=["X"]
    )
    with pytest.raises(ValidationError):
        rounds.issue_codes(round_=round_, user=staff, group_id=other_round.groups.get().pk, count=1)


def test_answers_are_saved_changed_and_removed(round_, staff):
    code = rounds.issue_codes(round_=round_, user=staff, group_id=round_.groups.first().pk, count=1)
    respondent = rounds.respondent_for(code[0])
    rounds.save_answers(respondent=respondent, answers={1: (2, "fine"), 2: ("", "no idea")})
    assert {n: (a.level, a.comment) for n, a in rounds.answers_of(respondent).items()} == {
        1: (2, "fine"),
        2: (None, "no idea"),
    }
    rounds.save_answers(respondent=respondent, answers={1: ("", ""), 2: (3, "")})
    assert {n: a.level for n, a in rounds.answers_of(respondent).items()} == {2: 3}
    assert Respondent.objects.get().answered_at is not None


def test_a_closed_round_takes_no_answers(round_, staff):
    code = rounds.issue_codes(round_=round_, user=staff, group_id=round_.groups.first().pk, count=1)
    respondent = rounds.respondent_for(code[0])
    rounds.close_round(round_=round_, user=staff)
    respondent.round.refresh_from_db()
    with pytest.raises(ValidationError):
        rounds.save_answers(respondent=respondent, answers={1: (2, "")})
    assert PerspectiveAnswer.objects.count() == 0


def test_a_round_closes_at_the_end_of_its_date(round_):
    day = round_.closes_on
    assert rounds.is_open(round_, today=day)
    assert not rounds.is_open(round_, today=day + datetime.timedelta(days=1))


def test_summary_and_progress_from_the_database(round_, staff, settings):
    settings.PERSPECTIVES_MIN_GROUP = 2
    first, second = round_.groups.all()
    codes = rounds.issue_codes(round_=round_, user=staff, group_id=first.pk, count=2)
    lone = rounds.issue_codes(round_=round_, user=staff, group_id=second.pk, count=2)
    for code, level in zip(codes, (1, 3), strict=True):
        rounds.save_answers(respondent=rounds.respondent_for(code), answers={1: (level, "")})
    rounds.save_answers(respondent=rounds.respondent_for(lone[0]), answers={1: (4, "")})
    summary = rounds.summary(round_=round_)
    row = summary.rows[0]
    assert (row.criterion, row.cell(first.pk).median, row.cell(second.pk)) == (1, 2.0, None)
    assert (row.overall.answers, row.left_out) == (2, 1)
    assert len(summary.rows) == 9
    assert [
        (g.name, invited, answered) for g, invited, answered in rounds.progress(round_=round_)
    ] == [
        ("Office staff", 2, 2),
        ("Community partners", 2, 1),
    ]


def test_the_results_page_reads_of_a_round_are_the_orms(
    round_, staff, assessment, settings, django_assert_num_queries
):
    """round_with_counted_groups and summary(criteria=) read in plain SQL what the ORM
    reads: the same round, groups, counts (a group with nobody in it too) and figures."""
    from criteria.models import Criterion

    settings.PERSPECTIVES_MIN_GROUP = 1
    first, second = round_.groups.all()
    rounds.invite(round_=round_, user=staff, group_id=first.pk, emails=["a@example.org"])
    codes = rounds.issue_codes(round_=round_, user=staff, group_id=first.pk, count=2)
    rounds.save_answers(respondent=rounds.respondent_for(codes[0]), answers={1: (2, "Yes")})
    rounds.save_answers(respondent=rounds.respondent_for(codes[1]), answers={3: ("", "No")})
    round_.closed_at = timezone.now()
    round_.save()
    with django_assert_num_queries(1):
        read = rounds.round_with_counted_groups(assessment=assessment)
        groups = list(read.groups.all())
    expected = rounds.counted_groups().filter(round=round_).order_by("position")
    assert [(g.pk, g.round_id, g.name, g.position) for g in groups] == [
        (g.pk, g.round_id, g.name, g.position) for g in expected
    ]
    assert [(g.invited, g.emailed, g.answered) for g in groups] == [(3, 1, 2), (0, 0, 0)]
    assert [(g.invited, g.emailed, g.answered) for g in expected] == [(3, 1, 2), (0, 0, 0)]
    fresh = type(round_).objects.get(pk=round_.pk)
    assert [getattr(read, f.attname) for f in round_._meta.concrete_fields] == [
        getattr(fresh, f.attname) for f in round_._meta.concrete_fields
    ]
    criteria = list(Criterion.objects.order_by("number"))
    assert rounds.summary(round_=read, criteria=criteria) == rounds.summary(round_=fresh)
    round_.delete()
    assert rounds.round_with_counted_groups(assessment=assessment) is None


@pytest.mark.parametrize("closed", [False, True])
def test_beside_criteria_from_the_criteria_shown_is_the_same(
    round_, staff, assessment, settings, closed, django_assert_num_queries
):
    """The criterion page gives the criteria it loaded: the same result, in fewer queries
    (closed: the round, the reference stamp, its groups, the answers and the consensus,
    then the round, the stamp and the consensus once the figures are kept; open: the round
    only)."""
    settings.PERSPECTIVES_MIN_GROUP = 1
    first, second = round_.groups.all()
    for group, level in ((first, 1), (second, 3)):
        code = rounds.issue_codes(round_=round_, user=staff, group_id=group.pk, count=1)[0]
        rounds.save_answers(respondent=rounds.respondent_for(code), answers={1: (level, "")})
    if closed:
        rounds.close_round(round_=round_, user=staff)
        rounds.record_consensus(round_=round_, user=staff, agreed={2: (3, "agreed")})
    criteria = [
        e.criterion for e in Entry.objects.filter(assessment=assessment).select_related("criterion")
    ]
    expected = rounds.beside_criteria(assessment=assessment)
    with django_assert_num_queries(5 if closed else 1):
        given = rounds.beside_criteria(assessment=assessment, criteria=criteria[::-1])
    assert given == expected
    with django_assert_num_queries(3 if closed else 1):
        again = rounds.beside_criteria(assessment=assessment, criteria=criteria)
    assert again == expected
    assert (given["is_open"], sorted(given["by_number"])) == (
        (False, list(range(1, 10))) if closed else (True, [])
    )


def test_consensus_waits_for_the_close_then_sets_the_entry(round_, staff, assessment):
    with pytest.raises(ValidationError):
        rounds.record_consensus(round_=round_, user=staff, agreed={1: (2, "we agree")})
    rounds.close_round(round_=round_, user=staff)
    saved = rounds.record_consensus(round_=round_, user=staff, agreed={1: (2, " we agree ")})
    entry = Entry.objects.get(assessment=assessment, criterion__number=1)
    assert (saved, entry.level, entry.applicability) == ([1], 2, Entry.Applicability.ASSESSED)
    consensus = Consensus.objects.get()
    assert (consensus.level, consensus.rationale, consensus.recorded_by) == (2, "we agree", staff)
    assert entry.history.first().history_user == staff


def test_an_agreed_level_keeps_the_links_and_files(round_, staff, assessment):
    from tests import factories

    entry = Entry.objects.get(assessment=assessment, criterion__number=1)
    stored = factories.make_evidence_file(entry=entry)
    rounds.close_round(round_=round_, user=staff)
    rounds.record_consensus(round_=round_, user=staff, agreed={1: (3, "agreed")})
    [kept] = Entry.objects.get(pk=entry.pk).evidence.all()
    assert (kept.pk, kept.file.name, kept.file_name) == (
        stored.pk,
        stored.file.name,
        stored.file_name,
    )
