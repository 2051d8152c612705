"""An assessment's history and the word diff between two of its versions."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import history as records
from ..forms import (
    DiffForm,
)
from ..models import Assessment
from .common import SAFE, assessment_view

# --- history -------------------------------------------------------------------------------


FIELD_LABELS = {
    "applicability": gettext_lazy("applicability"),
    "level": gettext_lazy("level"),
    "justification": gettext_lazy("justification"),
    "strengths": gettext_lazy("strengths"),
    "opportunities": gettext_lazy("opportunities"),
}

STATUS_EVENTS = {
    (None, Assessment.Status.DRAFT): "started",
    (Assessment.Status.DRAFT, Assessment.Status.SUBMITTED): "submitted",
    (Assessment.Status.SUBMITTED, Assessment.Status.DRAFT): "returned",
    (Assessment.Status.SUBMITTED, Assessment.Status.PUBLISHED): "published",
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
    context = {"assessment": assessment, "events": events, "form": form, "revisions": revisions}
    return render(request, "assess/history.html", context)


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
