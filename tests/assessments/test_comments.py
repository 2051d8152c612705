"""Replies to review comments and marking them resolved (assessments.comments), without
requests."""

import pytest
from django.core.exceptions import PermissionDenied

from assessments import comments, workflow
from assessments.models import Assessment, ReviewComment
from criteria.models import Criterion

from .helpers import fill


@pytest.fixture
def returned(assessment, staff, reviewer):
    """A returned assessment with a comment on criterion 6."""
    fill(assessment, staff)
    workflow.submit(assessment=assessment, user=staff)
    note = workflow.add_comment(
        assessment=assessment,
        user=reviewer,
        criterion=Criterion.objects.get(number=6),
        text="Who funds it?",
    )
    workflow.return_to_office(assessment=assessment, user=reviewer, comment="See 6.")
    note.assessment.refresh_from_db()
    return note


def test_staff_reply_hangs_off_the_comment(returned, staff):
    reply = comments.reply(comment=returned, user=staff, text="  The council, until 2028.  ")
    assert (reply.reply_to_id, reply.criterion_id, reply.author, reply.text) == (
        returned.pk,
        returned.criterion_id,
        staff,
        "The council, until 2028.",
    )
    assert reply.is_open is False


def test_reply_to_a_reply_answers_the_same_comment(returned, staff, reviewer):
    first = comments.reply(comment=returned, user=staff, text="The council.")
    second = comments.reply(comment=first, user=reviewer, text="Which budget line?")
    assert second.reply_to_id == returned.pk


def test_empty_reply_is_refused(returned, staff):
    with pytest.raises(workflow.WorkflowError):
        comments.reply(comment=returned, user=staff, text="   ")
    assert ReviewComment.objects.filter(reply_to=returned).count() == 0


@pytest.mark.parametrize("who", ["viewer", "other_staff", "researcher"])
def test_only_editors_and_reviewers_take_part(returned, request, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        comments.reply(comment=returned, user=user, text="Hello")
    with pytest.raises(PermissionDenied):
        comments.resolve(comment=returned, user=user)
    assert ReviewComment.objects.get(pk=returned.pk).resolved_at is None


def test_resolve_and_reopen(returned, staff, reviewer):
    comments.resolve(comment=returned, user=staff)
    saved = ReviewComment.objects.get(pk=returned.pk)
    assert (saved.resolved_by, saved.is_open) == (staff, False)
    first_time = saved.resolved_at
    comments.resolve(comment=returned, user=reviewer)  # twice: nothing changes
    saved.refresh_from_db()
    assert (saved.resolved_by, saved.resolved_at) == (staff, first_time)
    comments.reopen(comment=returned, user=reviewer)
    saved.refresh_from_db()
    assert (saved.resolved_at, saved.resolved_by, saved.is_open) == (None, None, True)


def test_replies_and_decisions_cannot_be_resolved(returned, staff):
    reply = comments.reply(comment=returned, user=staff, text="Answered.")
    decision = ReviewComment.objects.get(
        assessment=returned.assessment, decision=ReviewComment.Decision.RETURNED
    )
    for comment in (reply, decision):
        comment.assessment = returned.assessment
        with pytest.raises(workflow.WorkflowError):
            comments.resolve(comment=comment, user=staff)


def test_a_published_assessment_closes_the_conversation(returned, staff, reviewer):
    assessment = returned.assessment
    workflow.submit(assessment=assessment, user=staff)
    workflow.publish(assessment=assessment, user=reviewer)
    returned.assessment = Assessment.objects.get(pk=assessment.pk)
    with pytest.raises(workflow.WorkflowError):
        comments.reply(comment=returned, user=reviewer, text="Late.")
    with pytest.raises(workflow.WorkflowError):
        comments.resolve(comment=returned, user=staff)


def test_open_counts_leave_out_resolved_replies_and_decisions(returned, staff, reviewer):
    assessment = returned.assessment
    nine = Criterion.objects.get(number=9)
    workflow.submit(assessment=assessment, user=staff)
    for text in ("One", "Two"):
        workflow.add_comment(assessment=assessment, user=reviewer, criterion=nine, text=text)
    workflow.add_comment(assessment=assessment, user=reviewer, text="On the whole")
    comments.reply(comment=returned, user=staff, text="A reply")
    comments.resolve(comment=returned, user=staff)
    assert comments.open_counts(assessment=assessment) == {nine.pk: 2}
    every = list(ReviewComment.objects.filter(assessment=assessment))
    assert comments.open_counts_of(every) == {nine.pk: 2}


def test_threads_put_replies_under_their_comment(returned, staff, reviewer):
    comments.reply(comment=returned, user=staff, text="A")
    comments.reply(comment=returned, user=reviewer, text="B")
    loaded = list(ReviewComment.objects.filter(assessment=returned.assessment).order_by("pk"))
    roots = comments.threads(loaded)
    assert [(c.text, [r.text for r in c.thread_replies]) for c in roots] == [
        ("Who funds it?", ["A", "B"]),
        ("See 6.", []),
    ]
