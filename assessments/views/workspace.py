"""City staff's overview of their offices' assessments, starting one and opening the next cycle."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from cities.models import Office

from .. import comments as discussion
from .. import history as records
from .. import plans, workflow
from ..access import can_edit, is_reviewer, office_ids_for
from ..forms import (
    StartForm,
)
from ..models import Assessment, Entry, Membership, ReviewComment
from .common import SAFE, assessment_view, load_comments, load_entries
from .history import FIELD_LABELS

# --- home and start ------------------------------------------------------------------------


@login_required
@require_safe
def home(request):
    return _render_home(request)


def _render_home(request, *, bound=None, status=200):
    user = request.user
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("office__city")
        .order_by("office__city__name", "office__name")
    )
    office_ids = [m.office_id for m in memberships]
    assessments = (
        Assessment.objects.filter(office_id__in=office_ids)
        .prefetch_related(
            Prefetch("entries", queryset=Entry.objects.select_related("criterion")),
            Prefetch("comments", queryset=ReviewComment.objects.select_related("author")),
        )
        .order_by("-cycle", "kind")
    )
    by_office = {pk: [] for pk in office_ids}
    for a in assessments:
        by_office[a.office_id].append(a)
    offices = []
    for m in memberships:
        rows = []
        for a in by_office[m.office_id]:
            if a.kind == Assessment.Kind.SELF and not a.is_withdrawn:
                rows.append(
                    {
                        "assessment": a,
                        "completeness": workflow.completeness(entries=a.entries.all()),
                        "decision": workflow.latest_decision(comments=a.comments.all()),
                    }
                )
        start_form = None
        draft = workflow.open_draft(office=m.office, assessments=by_office[m.office_id])
        if bound is not None and bound.office.pk == m.office_id:
            start_form = bound  # refused: shown again with its message, even beside a draft
        elif m.can_edit and draft is None:
            published = [a for a in by_office[m.office_id] if a.is_published]
            # Suggest this year, or the cycle after the latest one already started.
            cycles = [
                a.cycle
                for a in by_office[m.office_id]
                if a.kind == Assessment.Kind.SELF and not a.is_withdrawn
            ]
            suggested = max([timezone.now().year, *[c + 1 for c in cycles]])
            start_form = StartForm(
                office=m.office, published=published, initial={"cycle": suggested}
            )
        offices.append(
            {
                "membership": m,
                "office": m.office,
                "rows": rows,
                "form": start_form,
                "draft": draft,
            }
        )
    context = {
        "offices": offices,
        "is_reviewer": is_reviewer(user),
        "withdrawn": (
            list(
                Assessment.objects.filter(status=Assessment.Status.WITHDRAWN)
                .select_related("office")
                .order_by("office__name", "-cycle")
            )
            if is_reviewer(user)
            else []
        ),
        "queue_size": (
            Assessment.objects.filter(status=Assessment.Status.SUBMITTED).count()
            if is_reviewer(user)
            else 0
        ),
    }
    return render(request, "assess/home.html", context, status=status)


@login_required
@require_POST
def start(request):
    try:
        office_id = int(request.POST.get("office", ""))
    except ValueError:
        raise Http404 from None
    if office_id not in office_ids_for(request.user):
        raise Http404
    if office_id not in office_ids_for(request.user, editor=True):
        raise PermissionDenied
    office = get_object_or_404(Office.objects.select_related("city"), pk=office_id)
    draft = workflow.open_draft(office=office)
    if draft is not None:
        # The page hides the form while a draft is open; this is a stale page or a script.
        messages.error(request, workflow.open_draft_message(draft))
        return redirect("assess:home")
    form = StartForm(request.POST, office=office)
    if form.is_valid():
        try:
            assessment = workflow.start_assessment(
                office=office,
                cycle=form.cleaned_data["cycle"],
                user=request.user,
                prefill_from=form.cleaned_data["prefill_from"],
            )
        except (workflow.WorkflowError, IntegrityError) as exc:
            message = str(exc) if isinstance(exc, workflow.WorkflowError) else None
            form.add_error(
                None, message or _("This office already has a self-assessment for that cycle.")
            )
        else:
            messages.success(request, _("Your self-assessment has started. Save at any time."))
            return redirect("assess:criterion", pk=assessment.pk, number=1)
    return _render_home(request, bound=form)


# --- the assessment page -------------------------------------------------------------------


@assessment_view(*SAFE)
def detail(request, assessment):
    previous = workflow.previous_published(assessment=assessment)
    # Evidence always: the overview lists each criterion's evidence, and the change section
    # compares it with the previous cycle's.
    entries = load_entries(assessment, levels=True, evidence=True)
    comments = load_comments(assessment)
    decision = workflow.latest_decision(comments=comments)
    previous_entries = {}
    if previous is not None:
        previous_entries = {
            e.criterion_id: e for e in load_entries(previous, levels=True, evidence=True)
        }
    planned = plans.actions_for_assessment(assessment=assessment)
    rows = []
    for e in entries:
        before = previous_entries.get(e.criterion_id)
        # None: not in the previous cycle (or there is none); []: nothing changed.
        changed = None if before is None else records.changed_fields(before=before, after=e)
        rows.append(
            {
                "entry": e,
                "previous": before,
                "actions": planned.get(e.criterion_id, []),
                "changed": changed,
                "changed_labels": [str(FIELD_LABELS[name]) for name in changed or []],
                # The open comments on this criterion, so staff see where to answer.
                "comments": sum(
                    1 for c in comments if c.criterion_id == e.criterion_id and c.is_open
                ),
            }
        )
    user = request.user
    later = workflow.later_cycle(assessment=assessment)
    general = [c for c in discussion.threads(comments) if c.criterion_id is None and c != decision]
    context = {
        "assessment": assessment,
        "rows": rows,
        "completeness": workflow.completeness(entries=entries),
        "first_missing": next((e for e in entries if e.missing), None),
        "previous": previous,
        # The change section shows what changed; what did not is folded away.
        "changed_rows": [r for r in rows if r["changed"] != []],
        "unchanged_rows": [r for r in rows if r["changed"] == []],
        "decision": decision,
        # The latest decision is shown on its own, above; the rest are the notes.
        "general_comments": general,
        # Only asked when there is something to answer (it costs a query).
        "discuss": bool(general)
        and assessment.status in discussion.OPEN_STATUSES
        and discussion.can_discuss(user, assessment),
        "here": request.path,
        "corrected": assessment.corrects if assessment.is_correction else None,
        "open_correction": (
            workflow.open_correction(assessment=assessment) if assessment.is_published else None
        ),
        "can_correct": is_reviewer(user)
        and assessment.is_published
        and assessment.kind == Assessment.Kind.SELF,
        "editable": can_edit(user, assessment),
        "can_review": is_reviewer(user) and assessment.status == Assessment.Status.SUBMITTED,
        "can_open_next": (
            assessment.is_published
            and assessment.kind == Assessment.Kind.SELF
            and later is None
            and assessment.office_id in office_ids_for(user, editor=True)
        ),
        "any_level": any(e.level is not None for e in entries),
        "plan_editable": plans.can_edit_plan(user, office_id=assessment.office_id),
        "can_reinstate": is_reviewer(user) and assessment.is_withdrawn,
    }
    return render(request, "assess/detail.html", context)


@assessment_view("POST", write_on_post=True)
def withdraw(request, assessment):
    """Take back a draft started by mistake (kept, and restorable by a reviewer)."""
    try:
        workflow.withdraw(assessment=assessment, user=request.user)
    except workflow.WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("assess:detail", pk=assessment.pk)
    messages.success(
        request,
        _(
            "The %(cycle)s draft is withdrawn. Nothing is deleted: a reviewer can bring it "
            "back, and you can start this cycle again."
        )
        % {"cycle": assessment.cycle},
    )
    return redirect("assess:home")


@assessment_view("POST")
def reinstate(request, assessment):
    """A reviewer brings a withdrawn draft back."""
    if not is_reviewer(request.user):
        raise PermissionDenied
    try:
        workflow.reinstate(assessment=assessment, user=request.user)
    except workflow.WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The assessment is a draft again."))
    return redirect("assess:detail", pk=assessment.pk)


@assessment_view("POST")
def next_cycle(request, assessment):
    """Open the next cycle of a published self-assessment, pre-filled from it."""
    if assessment.office_id not in office_ids_for(request.user, editor=True):
        raise PermissionDenied
    later = workflow.later_cycle(assessment=assessment)
    if later is not None:
        messages.info(request, _("A later cycle is already open."))
        return redirect("assess:detail", pk=later.pk)
    if not assessment.is_published or assessment.kind != Assessment.Kind.SELF:
        messages.error(request, _("Only a published self-assessment opens the next cycle."))
        return redirect("assess:detail", pk=assessment.pk)
    try:
        new = workflow.start_assessment(
            office=assessment.office,
            cycle=assessment.cycle + 1,
            user=request.user,
            prefill_from=assessment,
        )
    except (workflow.WorkflowError, IntegrityError):
        messages.error(request, _("The next cycle could not be opened: it may exist already."))
        return redirect("assess:home")
    messages.success(
        request,
        _("Cycle %(cycle)s is open, pre-filled from %(previous)s.")
        % {"cycle": new.cycle, "previous": assessment.cycle},
    )
    return redirect("assess:detail", pk=new.pk)
