"""The reviewers' queue and review page: comment, return to the office, publish."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from criteria.models import Criterion

from .. import workflow
from ..access import is_reviewer
from ..forms import (
    CommentForm,
    DecisionForm,
)
from ..models import Assessment, Entry
from .common import SAFE, assessment_view, load_comments, load_entries


@login_required
@require_safe
def review_queue(request):
    if not is_reviewer(request.user):
        raise PermissionDenied
    queue = (
        Assessment.objects.filter(status=Assessment.Status.SUBMITTED)
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


@assessment_view("POST")
def review_comment(request, assessment):
    """A comment on the whole assessment or one criterion; the page again on bad input."""
    _reviewer_only(request)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _render_review(request, assessment, comment_form=form)
    number = form.cleaned_data.get("criterion")
    target = get_object_or_404(Criterion, number=number) if number is not None else None
    try:
        workflow.add_comment(
            assessment=assessment,
            user=request.user,
            criterion=target,
            text=form.cleaned_data["text"],
        )
    except workflow.WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("assess:review", pk=assessment.pk)
    messages.success(request, _("Your comment is saved."))
    anchor = f"#criterion-{number}" if number else ""
    return redirect(reverse("assess:review", args=[assessment.pk]) + anchor)


def _decide(request, assessment, *, step, done):
    _reviewer_only(request)
    form = DecisionForm(request.POST)
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
    return _decide(request, assessment, step=workflow.publish, done=_("Published."))


def _render_review(request, assessment, *, comment_form=None, decision_form=None):
    decision_form = decision_form or DecisionForm()
    entries = load_entries(assessment, levels=True, evidence=True)
    comments = load_comments(assessment)
    for entry in entries:
        entry.review_comments = [c for c in comments if c.criterion_id == entry.criterion_id]
        number = entry.criterion.number
        # Ids and label are set before validation: the error's id and the field's
        # aria-describedby are fixed when the form is cleaned.
        auto_id = f"id_c{number}_%s"
        bound = comment_form
        if bound is not None and bound.data.get("criterion") == str(number):
            entry.comment_form = CommentForm(bound.data, auto_id=auto_id)
        else:
            entry.comment_form = CommentForm(initial={"criterion": number}, auto_id=auto_id)
        entry.comment_form.fields["text"].label = _("Comment on criterion %(number)s") % {
            "number": number
        }
    context = {
        "assessment": assessment,
        "entries": entries,
        "completeness": workflow.completeness(entries=entries),
        "general_comments": [c for c in comments if c.criterion_id is None],
        "decision_form": decision_form,
        "comment_errors": [e for e in entries if e.comment_form.errors],
        "awaiting": assessment.status == Assessment.Status.SUBMITTED,
    }
    return render(request, "assess/review.html", context)
