"""The reviewers' queue and review page: comment, return to the office, publish."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from criteria.models import Criterion

from .. import history, workflow
from ..access import is_reviewer
from ..forms import DecisionForm
from ..models import Assessment, Entry, ReviewComment
from ..review_forms import PublishForm, ReviewCommentsForm, comment_field_name
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
    comment_form = comment_form or ReviewCommentsForm(numbers=numbers)
    returns = [c for c in comments if c.decision == ReviewComment.Decision.RETURNED]
    returned = returns[-1] if returns else None
    # On a resubmission, what the office changed since the reviewer sent it back.
    since_return = (
        history.changes_since(assessment=assessment, when=returned.created_at) if returned else {}
    )
    for entry in entries:
        entry.review_comments = [c for c in comments if c.criterion_id == entry.criterion_id]
        entry.comment_field = comment_form[comment_field_name(entry.criterion.number)]
        entry.since_return = since_return.get(entry.criterion.number)
        entry.previous_entry = previous_entries.get(entry.criterion_id)
    context = {
        "assessment": assessment,
        "entries": entries,
        "completeness": workflow.completeness(entries=entries),
        "general_comments": [c for c in comments if c.criterion_id is None],
        "decision_form": decision_form,
        "comment_form": comment_form,
        "returned": returned,
        "previous": previous,
        "comment_errors": [e for e in entries if e.comment_field.errors],
        "awaiting": assessment.status == Assessment.Status.SUBMITTED,
    }
    return render(request, "assess/review.html", context)
