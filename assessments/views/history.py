"""An assessment's history and the word diff between two of its versions."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import conflicts, workflow
from .. import history as records
from ..access import can_edit
from ..forms import (
    DiffForm,
)
from ..models import Assessment, Entry
from .common import SAFE, assessment_view

# --- history -------------------------------------------------------------------------------


FIELD_LABELS = {
    "applicability": gettext_lazy("applicability"),
    "level": gettext_lazy("level"),
    "justification": gettext_lazy("justification"),
    "strengths": gettext_lazy("strengths"),
    "opportunities": gettext_lazy("opportunities"),
    "evidence": gettext_lazy("evidence"),
    "target": gettext_lazy("target"),
}

STATUS_EVENTS = {
    (None, Assessment.Status.DRAFT): "started",
    (Assessment.Status.DRAFT, Assessment.Status.SUBMITTED): "submitted",
    (Assessment.Status.SUBMITTED, Assessment.Status.DRAFT): "returned",
    (Assessment.Status.SUBMITTED, Assessment.Status.PUBLISHED): "published",
    (Assessment.Status.DRAFT, Assessment.Status.WITHDRAWN): "withdrawn",
    (Assessment.Status.WITHDRAWN, Assessment.Status.DRAFT): "reinstated",
}


@assessment_view(*SAFE)
def history(request, assessment):
    revisions = records.revisions(assessment=assessment)
    events = []
    before = None
    for record in assessment.history.select_related("history_user").order_by("history_id"):
        key = STATUS_EVENTS.get((before, record.status))
        if key:
            events.append({"kind": key, "date": record.history_date, "user": record.history_user})
        before = record.status
    for number, rev in enumerate(revisions, start=1):
        rev.number = number
        rev.changed_labels = [str(FIELD_LABELS[name]) for name in rev.changed]
        events.append(
            {
                "kind": "created" if rev.is_start else "saved",
                "date": rev.record.history_date,
                "user": rev.record.history_user,
                "revision": rev,
            }
        )
    events.sort(key=lambda e: e["date"], reverse=True)
    form = DiffForm(choices=_revision_choices(revisions))
    if revisions:
        form.initial = {
            "old": revisions[0].record.history_id,
            "new": revisions[-1].record.history_id,
        }
    context = {
        "assessment": assessment,
        "events": events,
        "form": form,
        "revisions": revisions,
        "editable": can_edit(request.user, assessment),
    }
    return render(request, "assess/history.html", context)


@assessment_view("POST", write_on_post=True)
def restore(request, assessment, revision):
    """Save an earlier version of one criterion again, as a new version."""
    record = get_object_or_404(Entry.history, history_id=revision, assessment_id=assessment.pk)
    try:
        result = conflicts.restore_entry(record=record, user=request.user)
    except workflow.WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("assess:history", pk=assessment.pk)
    number = result.entry.criterion.number
    if result.saved:
        messages.success(
            request,
            _("Criterion %(number)s is back as it was; this is saved as a new version.")
            % {"number": number},
        )
    else:
        messages.error(request, _("Someone saved this criterion just now; try again."))
    return redirect("assess:criterion", pk=assessment.pk, number=number)


def _revision_choices(revisions):
    choices = []
    for number, rev in enumerate(revisions, start=1):
        values = {
            "number": number,
            "date": rev.record.history_date.strftime("%Y-%m-%d %H:%M:%S"),
            "criterion": rev.criterion.number if rev.criterion else "",
        }
        label = (
            _("Version %(number)s: %(date)s, started") % values
            if rev.is_start
            else _("Version %(number)s: %(date)s, criterion %(criterion)s") % values
        )
        choices.append((rev.record.history_id, label))
    return choices


@assessment_view(*SAFE)
def diff(request, assessment):
    revisions = records.revisions(assessment=assessment)
    choices = _revision_choices(revisions)
    old = new = None
    if request.GET:
        form = DiffForm(request.GET, choices=choices)
        if form.is_valid():
            old, new = sorted([form.cleaned_data["old"], form.cleaned_data["new"]])
    else:
        # No choice yet: compare the first version with the latest.
        form = DiffForm(choices=choices)
        if len(revisions) > 1:
            old, new = revisions[0].record.history_id, revisions[-1].record.history_id
            form.initial = {"old": old, "new": new}
    diffs = None
    if old is not None:
        diffs = records.diff_revisions(assessment=assessment, from_id=old, to_id=new)
    numbers = {rev.record.history_id: n for n, rev in enumerate(revisions, start=1)}
    context = {
        "assessment": assessment,
        "form": form,
        "compared": diffs is not None,
        "changed": [d for d in diffs or [] if d.changed],
        "unchanged": [d.criterion for d in diffs or [] if not d.changed],
        "old_number": numbers.get(old),
        "new_number": numbers.get(new),
    }
    return render(request, "assess/diff.html", context)
