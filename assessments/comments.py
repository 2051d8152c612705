"""The conversation on a reviewer's comments: replies, and marking a comment resolved.

The office's editors and reviewers take part; the office's viewers read only. A comment
can be answered while the assessment is a draft or waits for review; once it is published
(or withdrawn) the conversation is closed.
"""

from collections import Counter

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import notifications
from .access import is_reviewer, office_ids_for
from .models import Assessment, ReviewComment
from .workflow import WorkflowError

OPEN_STATUSES = (Assessment.Status.DRAFT, Assessment.Status.SUBMITTED)


def can_discuss(user, assessment):
    """May `user` reply to, resolve and reopen comments on `assessment`?"""
    # Memberships first: they are often read already, where groups would cost a query.
    return assessment.office_id in office_ids_for(user, editor=True) or is_reviewer(user)


def _check(*, comment, user):
    if not can_discuss(user, comment.assessment):
        raise PermissionDenied
    if comment.assessment.status not in OPEN_STATUSES:
        raise WorkflowError(_("This assessment is closed: its comments can no longer change."))


def reply(*, comment, user, text):
    """A reply to `comment` (a reply to a reply answers the same note)."""
    _check(comment=comment, user=user)
    text = (text or "").strip()
    if not text:
        raise WorkflowError(_("Write a reply first."))
    root_id = comment.reply_to_id or comment.pk
    answer = ReviewComment.objects.create(
        assessment_id=comment.assessment_id,
        criterion_id=comment.criterion_id,
        author=user,
        reply_to_id=root_id,
        text=text,
    )
    notifications.after_commit(notifications.comment_added, comment=answer)
    return answer


def _resolvable(comment):
    if comment.reply_to_id is not None or comment.decision != ReviewComment.Decision.COMMENT:
        raise WorkflowError(_("Only a reviewer's comment can be marked resolved."))


def resolve(*, comment, user):
    """Mark `comment` resolved (done again by a second click: nothing changes)."""
    _check(comment=comment, user=user)
    _resolvable(comment)
    ReviewComment.objects.filter(pk=comment.pk, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=user
    )
    comment.refresh_from_db(fields=["resolved_at", "resolved_by"])
    return comment


def reopen(*, comment, user):
    """Open a resolved comment again."""
    _check(comment=comment, user=user)
    _resolvable(comment)
    ReviewComment.objects.filter(pk=comment.pk).update(resolved_at=None, resolved_by=None)
    comment.refresh_from_db(fields=["resolved_at", "resolved_by"])
    return comment


def open_counts(*, assessment):
    """{criterion id: number of open comments} of one assessment, one query."""
    rows = (
        ReviewComment.objects.filter(
            assessment=assessment,
            reply_to__isnull=True,
            criterion__isnull=False,
            decision=ReviewComment.Decision.COMMENT,
            resolved_at__isnull=True,
        )
        .values("criterion_id")
        .annotate(n=Count("pk"))
    )
    return {row["criterion_id"]: row["n"] for row in rows}


def open_counts_of(comments):
    """open_counts() of comments already loaded (every comment of one assessment)."""
    return dict(Counter(c.criterion_id for c in comments if c.is_open))


def threads(comments):
    """Top-level comments of `comments` (loaded once, in order) with `.thread_replies`."""
    roots = [c for c in comments if c.reply_to_id is None]
    by_root = {c.pk: [] for c in roots}
    for c in comments:
        if c.reply_to_id is not None and c.reply_to_id in by_root:
            by_root[c.reply_to_id].append(c)
    for c in roots:
        c.thread_replies = by_root[c.pk]
    return roots
