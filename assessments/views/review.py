"""The reviewers' queue and review page: comment, return to the office, publish; the
conversation on a comment (reply, resolve, reopen); correcting a published assessment."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from criteria.models import Criterion

from .. import comments as discussion
from .. import history, rounds, workflow
from ..access import is_reviewer
from ..forms import DecisionForm
from ..models import Assessment, Entry, ReviewComment
from ..review_forms import (
    CorrectionForm,
    PublishForm,
    ReplyForm,
    ReviewCommentsForm,
    comment_field_name,
)
from .common import SAFE, assessment_view, load_comments, load_entries


@login_required
@require_safe
def review_queue(request):
    if not is_reviewer(request.user):
        raise PermissionDenied
    queue = (
        Assessment.objects.filter(status=Assessment.Status.SUBMITTED)
        .annotate(
            resubmitted=Exists(
                ReviewComment.objects.filter(
                    assessment=OuterRef("pk"), decision=ReviewComment.Decision.RETURNED
                )
            )
        )
        .select_related("office__city")
        .prefetch_related(Prefetch("entries", queryset=Entry.objects.select_related("criterion")))
        .select_related("corrects")
        .order_by("submitted_at", "pk")
    )
    rows = [
        {"assessment": a, "completeness": workflow.completeness(entries=a.entries.all())}
        for a in queue
    ]
    return render(request, "assess/review_queue.html", {"rows": rows})


def _reviewer_only(request):
    if not is_reviewer(request.user):
        raise PermissionDenied


@assessment_view(*SAFE)
def review(request, assessment):
    _reviewer_only(request)
    return _render_review(request, assessment)


def _clicked(request):
    """The criterion whose "Add comment" button was clicked, if any."""
    try:
        return int(request.POST.get("criterion", ""))
    except ValueError:
        return None


@assessment_view("POST")
def review_comment(request, assessment):
    """Every comment box of the review page at once; the page again, all text kept, on
    bad input."""
    _reviewer_only(request)
    criteria = {c.number: c for c in Criterion.objects.all()}
    clicked = _clicked(request)
    form = ReviewCommentsForm(request.POST, numbers=sorted(criteria), required=clicked)
    if not form.is_valid():
        return _render_review(request, assessment, comment_form=form)
    comments = form.comments()
    if not comments:
        messages.error(request, _("Write a comment first."))
        return redirect("assess:review", pk=assessment.pk)
    try:
        with transaction.atomic():
            for number, text in comments:
                workflow.add_comment(
                    assessment=assessment,
                    user=request.user,
                    criterion=criteria[number] if number is not None else None,
                    text=text,
                )
    except workflow.WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("assess:review", pk=assessment.pk)
    if len(comments) == 1:
        messages.success(request, _("Your comment is saved."))
    else:
        messages.success(
            request, _("Your %(count)s comments are saved.") % {"count": len(comments)}
        )
    anchor = f"#criterion-{clicked}" if clicked in criteria else ""
    return redirect(reverse("assess:review", args=[assessment.pk]) + anchor)


def _decide(request, assessment, *, step, done, form_class=DecisionForm):
    _reviewer_only(request)
    form = form_class(request.POST)
    if not form.is_valid():
        return _render_review(request, assessment, decision_form=form)
    try:
        step(assessment=assessment, user=request.user, comment=form.cleaned_data["text"])
    except workflow.WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("assess:review", pk=assessment.pk)
    messages.success(request, done)
    return redirect("assess:review-queue")


@assessment_view("POST")
def review_return(request, assessment):
    return _decide(
        request, assessment, step=workflow.return_to_office, done=_("Returned to the office.")
    )


@assessment_view("POST")
def review_publish(request, assessment):
    return _decide(
        request, assessment, step=workflow.publish, done=_("Published."), form_class=PublishForm
    )


def _render_review(request, assessment, *, comment_form=None, decision_form=None):
    # The return button shares this form and ignores the publish confirmation box.
    decision_form = decision_form or PublishForm()
    entries = load_entries(assessment, levels=True, evidence=True)
    comments = load_comments(assessment)
    numbers = [entry.criterion.number for entry in entries]
    previous = workflow.previous_published(assessment=assessment)
    previous_entries = (
        {e.criterion_id: e for e in load_entries(previous, levels=True)} if previous else {}
    )
    chart, chart_entries = workflow.report_chart(assessment=assessment)
    perspectives = rounds.beside_criteria(assessment=assessment)
    comment_form = comment_form or ReviewCommentsForm(numbers=numbers)
    returns = [c for c in comments if c.decision == ReviewComment.Decision.RETURNED]
    returned = returns[-1] if returns else None
    # On a resubmission, what the office changed since the reviewer sent it back; on a
    # correction never returned, what changed since it was copied from the published one.
    since = returned.created_at if returned else None
    if since is None and assessment.is_correction:
        since = (
            Entry.history.filter(assessment_id=assessment.pk)
            .order_by("history_id")
            .values_list("history_date", flat=True)
            .first()
        )
    since_return = history.changes_since(assessment=assessment, when=since) if since else {}
    roots = discussion.threads(comments)
    for entry in entries:
        entry.review_comments = [c for c in roots if c.criterion_id == entry.criterion_id]
        entry.open_comments = sum(1 for c in entry.review_comments if c.is_open)
        entry.comment_field = comment_form[comment_field_name(entry.criterion.number)]
        entry.since_return = since_return.get(entry.criterion.number)
        entry.previous_entry = previous_entries.get(entry.criterion_id)
        entry.chart_entry = chart_entries.get(entry.criterion_id)
        if perspectives is not None:
            entry.perspective = perspectives["by_number"].get(entry.criterion.number, {})
    context = {
        "assessment": assessment,
        "entries": entries,
        "completeness": workflow.completeness(entries=entries),
        "general_comments": [c for c in roots if c.criterion_id is None],
        "decision_form": decision_form,
        "comment_form": comment_form,
        "returned": returned,
        "since": since,
        "previous": previous,
        "chart": chart,
        "perspectives": perspectives,
        "comment_errors": [e for e in entries if e.comment_field.errors],
        "awaiting": assessment.status == Assessment.Status.SUBMITTED,
        "discuss": assessment.status in discussion.OPEN_STATUSES,
        "here": reverse("assess:review", args=[assessment.pk]),
    }
    return render(request, "assess/review.html", context)


# --- the conversation on a comment -----------------------------------------------------------


def _posted(request):
    return request.POST if request.method == "POST" else None


def _get_comment(assessment, comment_id):
    """A comment of `assessment` (the getter has checked the assessment), else 404."""
    comment = (
        ReviewComment.objects.filter(assessment=assessment, pk=comment_id)
        .select_related("author", "resolved_by", "criterion")
        .first()
    )
    if comment is None:
        raise Http404
    comment.assessment = assessment
    return comment


def _may_discuss(request, assessment):
    # Outsiders got a 404 from the getter; the office's viewers read only.
    if not discussion.can_discuss(request.user, assessment):
        raise PermissionDenied


def _next(request, assessment):
    """The page of this assessment the form came from (`next`), or "" for anything else."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    prefix = reverse("assess:detail", args=[assessment.pk])
    if target.startswith(prefix) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target.split("#")[0]
    return ""


def _back(request, assessment, comment):
    """Where to go after a reply or (un)resolving: the page the form was on, else the
    criterion's place on the reviewer's or the staff's page."""
    prefix = reverse("assess:detail", args=[assessment.pk])
    target = _next(request, assessment)
    if target:
        return redirect(f"{target}#comment-{comment.reply_to_id or comment.pk}")
    if comment.criterion is None:
        return redirect(f"{prefix}#comment-{comment.pk}")
    name = "assess:review" if is_reviewer(request.user) else "assess:criterion"
    args = [assessment.pk] if name == "assess:review" else [assessment.pk, comment.criterion.number]
    anchor = f"#comment-{comment.reply_to_id or comment.pk}"
    return redirect(reverse(name, args=args) + anchor)


@assessment_view(*SAFE, "POST")
def comment_reply(request, assessment, comment_id):
    """The reply form on a page of its own: where a reply with an error lands (all text
    kept), and the reviewer's way to answer from the review page."""
    comment = _get_comment(assessment, comment_id)
    _may_discuss(request, assessment)
    form = ReplyForm(_posted(request), comment_id=comment.pk)
    if request.method == "POST" and form.is_valid():
        try:
            discussion.reply(comment=comment, user=request.user, text=form.cleaned_data["text"])
        except workflow.WorkflowError as exc:
            form.add_error("text", str(exc))
        else:
            messages.success(request, _("Your reply is saved."))
            return _back(request, assessment, comment)
    root = comment if comment.reply_to_id is None else _get_comment(assessment, comment.reply_to_id)
    (root,) = discussion.threads(
        [root, *root.replies.select_related("author").order_by("created_at", "pk")]
    )
    context = {
        "assessment": assessment,
        "comment": root,
        "form": form,
        "next": _next(request, assessment),
        "open": assessment.status in discussion.OPEN_STATUSES,
    }
    return render(request, "assess/review_reply.html", context, status=200)


def _set_resolved(request, assessment, comment_id, *, step, done):
    """Resolve or reopen; a reply typed in the same form is saved first, not lost."""
    comment = _get_comment(assessment, comment_id)
    _may_discuss(request, assessment)
    form = ReplyForm(request.POST, comment_id=comment.pk)
    form.fields["text"].required = False
    if not form.is_valid():
        return comment_reply(request, assessment.pk, comment_id=comment.pk)
    try:
        with transaction.atomic():
            if form.cleaned_data["text"]:
                discussion.reply(comment=comment, user=request.user, text=form.cleaned_data["text"])
            step(comment=comment, user=request.user)
    except workflow.WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return _back(request, assessment, comment)


@assessment_view("POST")
def comment_resolve(request, assessment, comment_id):
    return _set_resolved(
        request,
        assessment,
        comment_id,
        step=discussion.resolve,
        done=_("The comment is marked resolved."),
    )


@assessment_view("POST")
def comment_reopen(request, assessment, comment_id):
    return _set_resolved(
        request,
        assessment,
        comment_id,
        step=discussion.reopen,
        done=_("The comment is open again."),
    )


# --- correcting a published assessment --------------------------------------------------------


@assessment_view(*SAFE, "POST")
def correct(request, assessment):
    """A reviewer reopens a published self-assessment with a public correction note: a
    confirmation page on GET, the correction draft on POST."""
    _reviewer_only(request)
    pending = workflow.open_correction(assessment=assessment)
    if pending is not None:
        messages.info(request, _("A correction of this assessment is already being prepared."))
        return redirect("assess:detail", pk=pending.pk)
    if not (assessment.is_published and assessment.kind == Assessment.Kind.SELF):
        messages.error(request, _("Only a published self-assessment can be corrected."))
        return redirect("assess:detail", pk=assessment.pk)
    form = CorrectionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            correction = workflow.start_correction(
                assessment=assessment, user=request.user, note=form.cleaned_data["text"]
            )
        except workflow.WorkflowError as exc:
            form.add_error("text", str(exc))
        else:
            messages.success(
                request,
                _(
                    "The correction draft is open. The published version stays public, with "
                    "your note, until the correction is published."
                ),
            )
            return redirect("assess:detail", pk=correction.pk)
    return render(request, "assess/review_correct.html", {"assessment": assessment, "form": form})
