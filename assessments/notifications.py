"""Who is told what, and when: e-mail notifications of the review workflow, of review
comments, of actions coming due and of perspectives rounds closing.

An event makes one Notification per recipient, keyed so that nobody is told of one event
twice (unique user and key): the periodic command (manage.py run_periodic) may run again,
or twice at once, and sends nothing twice. Each recipient chose (Profile.notify):
- immediate: a mail of its own, handed to the task worker when the transaction commits;
- weekly: the notification waits for the weekly digest (send_digests), one per ISO week;
- none: nothing is recorded or sent.
Every mail is written in the recipient's language (profiles.language_for), says why it was
sent, and links to where to act and to the preference page. The author of a change is
never told of it, and users without an address or an active account are skipped.

The workflow, comments and rounds call the event functions through `after_commit`, so a
rolled-back change tells nobody and a failure here never undoes the change itself.
"""

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, timedelta
from functools import partial

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from . import mail, plans, profiles
from .access import REVIEWERS, is_reviewer
from .models import (
    Digest,
    Notification,
    PerspectiveRound,
    Profile,
    ReviewComment,
)

logger = logging.getLogger(__name__)

Kind = Notification.Kind
Notify = Profile.Notify

# An action is announced this many days before it is due, a round this many before it closes.
DUE_SOON_DAYS = 7
ROUND_CLOSING_DAYS = 3
# A round whose closing date passed at most this long ago is announced as closed (older
# ones closed before the command ever ran: nobody needs to hear of them now).
ROUND_CLOSED_DAYS = 7

# Why a recipient gets a notification (the mail says it, in their language).
REVIEWER, MEMBER, LEAD, OWNER = "reviewer", "member", "lead", "owner"

# Values of Notification.context that are dates (stored as ISO text).
DATE_FIELDS = ("due", "closes_on")


# Set while seed_demo writes its fictional history: nobody is told of events made up.
_muted = ContextVar("notifications_muted", default=False)


@contextmanager
def muted():
    """Within this block, events tell nobody (for demo data, not for real work)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def after_commit(event, **kwargs):
    """Run `event(**kwargs)` once the current transaction commits (at once outside one). A
    failure is logged: a notification that cannot be made never undoes what happened."""
    if _muted.get():
        return
    transaction.on_commit(partial(event, **kwargs), robust=True)


# --- who ---------------------------------------------------------------------------------


def _users():
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .select_related("profile")
        .order_by("pk")
    )


def reviewers():
    """Everyone for whom access.is_reviewer holds: the reviewers' group and superusers."""
    return _users().filter(Q(is_superuser=True) | Q(groups__name=REVIEWERS)).distinct()


def office_members(office_id):
    return _users().filter(memberships__office_id=office_id)


def choice_of(user):
    """The user's Profile.notify (immediate for a user without a profile)."""
    try:
        return user.profile.notify
    except Profile.DoesNotExist:
        return Notify.IMMEDIATE


# --- telling -------------------------------------------------------------------------------


def tell(*, recipients, kind, key, context, actor=None):
    """Record the event `key` for each (user, reason) of `recipients` but the `actor`, and
    mail it at once to those who chose immediate. Returns the notifications made now (none
    for users told of `key` before)."""
    made = []
    seen = {getattr(actor, "pk", None)}
    for user, reason in recipients:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        choice = choice_of(user)
        if choice == Notify.NONE:
            continue
        try:
            with transaction.atomic():
                notification, created = Notification.objects.get_or_create(
                    user=user,
                    key=key,
                    defaults={"kind": kind, "context": {**context, "reason": reason}},
                )
                if created and choice == Notify.IMMEDIATE:
                    _mail_one(notification, user)
                    notification.sent_at = timezone.now()
                    notification.save(update_fields=["sent_at"])
        except IntegrityError:  # told meanwhile by a run at the same time
            continue
        if created:
            made.append(notification)
    return made


def preferences_url():
    return mail.absolute(reverse("account_notifications"))


def message_context(notification):
    """What the templates of one notification need (templates/email/notify/<kind>*)."""
    values = dict(notification.context)
    for name in DATE_FIELDS:
        if values.get(name):
            values[name] = date.fromisoformat(values[name])
    return {
        "kind": notification.kind,
        "n": values,
        # The words a mail quotes: a comment's, or a reviewer's note on a decision.
        "quote": values.get("excerpt") or values.get("comment") or "",
        "message_template": f"email/notify/{notification.kind}.txt",
        "subject_template": f"email/notify/{notification.kind}_subject.txt",
        "link": mail.absolute(values.get("path", "/")),
        "preferences": preferences_url(),
    }


def _mail_one(notification, user):
    mail.send(
        template="notification",
        to=user.email,
        context=message_context(notification),
        language=profiles.language_for(user),
    )


def _office(assessment):
    office = assessment.office
    return {"office": office.name, "city": office.city.name, "office_id": office.pk}


# --- events of the review workflow -----------------------------------------------------------


def assessment_submitted(*, assessment, actor):
    """A self-assessment waits for review: its reviewers are told."""
    context = {
        **_office(assessment),
        "cycle": assessment.cycle,
        "path": reverse("assess:review", args=[assessment.pk]),
    }
    return tell(
        recipients=[(user, REVIEWER) for user in reviewers()],
        kind=Kind.SUBMITTED,
        key=f"submitted:{assessment.pk}:{assessment.version}",
        context=context,
        actor=actor,
    )


def _decision(*, assessment, actor, kind, comment):
    context = {
        **_office(assessment),
        "cycle": assessment.cycle,
        "path": reverse("assess:detail", args=[assessment.pk]),
        "comment": (comment or "").strip()[:1000],
    }
    return tell(
        recipients=[(user, MEMBER) for user in office_members(assessment.office_id)],
        kind=kind,
        key=f"{kind}:{assessment.pk}:{assessment.version}",
        context=context,
        actor=actor,
    )


def assessment_returned(*, assessment, actor, comment=""):
    """A reviewer sent the assessment back: the office's members are told."""
    return _decision(assessment=assessment, actor=actor, kind=Kind.RETURNED, comment=comment)


def assessment_published(*, assessment, actor, comment=""):
    """A reviewer published the assessment: the office's members are told."""
    return _decision(assessment=assessment, actor=actor, kind=Kind.PUBLISHED, comment=comment)


def comment_added(*, comment):
    """A review comment or a reply. A reviewer's goes to the office's members; a reply by
    the office's staff goes to the reviewers who wrote in the conversation (all reviewers
    when none of them can be told). Never to its author."""
    assessment = comment.assessment
    author = comment.author
    context = {
        **_office(assessment),
        "cycle": assessment.cycle,
        "author": (author.get_full_name() or author.get_username()) if author else "",
        "criterion": comment.criterion.number if comment.criterion_id else None,
        "excerpt": comment.text.strip()[:500],
    }
    if author is not None and is_reviewer(author):
        if comment.criterion_id:
            path = reverse("assess:criterion", args=[assessment.pk, comment.criterion.number])
        else:
            path = reverse("assess:detail", args=[assessment.pk])
        recipients = [(user, MEMBER) for user in office_members(assessment.office_id)]
    else:
        path = reverse("assess:review", args=[assessment.pk])
        root_id = comment.reply_to_id or comment.pk
        in_thread = reviewers().filter(
            Q(pk__in=_thread_authors(root_id)) & ~Q(pk=getattr(author, "pk", None))
        )
        recipients = [(user, REVIEWER) for user in (in_thread or reviewers())]
    return tell(
        recipients=recipients,
        kind=Kind.COMMENT,
        key=f"comment:{comment.pk}",
        context={**context, "path": path + f"#comment-{comment.reply_to_id or comment.pk}"},
        actor=author,
    )


def _thread_authors(root_id):
    return ReviewComment.objects.filter(Q(pk=root_id) | Q(reply_to_id=root_id)).values("author_id")


# --- perspectives rounds -------------------------------------------------------------------


def _round_context(round_):
    assessment = round_.assessment
    return {
        **_office(assessment),
        "cycle": assessment.cycle,
        "closes_on": round_.closes_on.isoformat(),
        "path": reverse("assess:perspectives", args=[assessment.pk]),
    }


def round_closing(*, round_):
    """The round closes in a few days: the office's members are told, once per date."""
    return tell(
        recipients=[(u, MEMBER) for u in office_members(round_.assessment.office_id)],
        kind=Kind.ROUND_CLOSING,
        key=f"round-closing:{round_.pk}:{round_.closes_on.isoformat()}",
        context=_round_context(round_),
    )


def round_closed(*, round_, actor=None):
    """The round closed (early, by `actor`, or its date passed): the office is told, once."""
    return tell(
        recipients=[(u, MEMBER) for u in office_members(round_.assessment.office_id)],
        kind=Kind.ROUND_CLOSED,
        key=f"round-closed:{round_.pk}",
        context=_round_context(round_),
        actor=actor,
    )


def remind_rounds(*, today):
    """Rounds closing within ROUND_CLOSING_DAYS, and rounds whose date passed lately
    without anyone closing them. Returns the number of notifications made."""
    rounds = PerspectiveRound.objects.filter(closed_at__isnull=True).select_related(
        "assessment__office__city"
    )
    made = 0
    for round_ in rounds.filter(
        closes_on__gte=today, closes_on__lte=today + timedelta(days=ROUND_CLOSING_DAYS)
    ):
        made += len(round_closing(round_=round_))
    for round_ in rounds.filter(
        closes_on__lt=today, closes_on__gte=today - timedelta(days=ROUND_CLOSED_DAYS)
    ):
        made += len(round_closed(round_=round_))
    return made


# --- actions -------------------------------------------------------------------------------


def remind_actions(*, today):
    """One reminder per action and due date a week before (or as soon as seen within the
    week), one more once it is overdue: to its owner (when the owner has an account, even
    one who left the office: the action is still theirs until reassigned) and to the
    office's leads. Returns the number of notifications made."""
    actions = plans.due_actions(today=today, within_days=DUE_SOON_DAYS)
    leads = plans.leads_of(office_ids={a.office_id for a in actions})
    made = 0
    for action in actions:
        kind = Kind.ACTION_OVERDUE if action.due < today else Kind.ACTION_DUE
        recipients = []
        if action.owner is not None and action.owner.is_active and action.owner.email:
            recipients.append((action.owner, OWNER))
        recipients += [
            (user, LEAD)
            for user in leads.get(action.office_id, [])
            if user.is_active and user.email
        ]
        context = {
            "office": action.office.name,
            "city": action.office.city.name,
            "office_id": action.office_id,
            "title": action.title,
            "criterion": action.criterion.number,
            "due": action.due.isoformat(),
            "path": reverse("assess:plan", args=[action.office_id]),
        }
        made += len(
            tell(
                recipients=recipients,
                kind=kind,
                key=f"{kind}:{action.pk}:{action.due.isoformat()}",
                context=context,
            )
        )
    return made


# --- the weekly digest -----------------------------------------------------------------------


def iso_week(day):
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def pending():
    """Notifications not mailed yet, for the digest."""
    return Notification.objects.filter(sent_at__isnull=True, digest_sent_at__isnull=True)


def send_digests(*, today):
    """One digest per user per ISO week, of the notifications not mailed yet: for users
    who chose the weekly digest (and for those who switched to immediate since, so that
    nothing waits for ever); none for users who chose none. Returns the digests sent."""
    week = iso_week(today)
    user_ids = pending().values_list("user_id", flat=True).distinct()
    sent = 0
    for user in _users().filter(pk__in=user_ids):
        if choice_of(user) == Notify.NONE:
            continue
        try:
            with transaction.atomic():
                digest, created = Digest.objects.get_or_create(user=user, week=week)
                if not created:
                    continue
                items = list(pending().filter(user=user).select_for_update().order_by("pk"))
                if not items:
                    transaction.set_rollback(True)
                    continue
                mail.send(
                    template="notification_digest",
                    to=user.email,
                    context={
                        "items": [message_context(item) for item in items],
                        "preferences": preferences_url(),
                    },
                    language=profiles.language_for(user),
                )
                Notification.objects.filter(pk__in=[i.pk for i in items]).update(
                    digest_sent_at=timezone.now()
                )
                Digest.objects.filter(pk=digest.pk).update(items=len(items))
        except IntegrityError:  # a run at the same time sent it
            continue
        sent += 1
    return sent
