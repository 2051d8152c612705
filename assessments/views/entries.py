"""One criterion's page (the form staff fill in), submitting, and what to learn afterwards."""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, Subquery, prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from criteria.models import Criterion
from criteria.rubric import level_label
from criteria.text import bullets

from .. import comments as discussion
from .. import conflicts, plans, rounds, workflow
from ..access import can_edit, office_ids_for
from ..addresses import row_address
from ..forms import (
    EntryForm,
    EvidenceFormSet,
    ExtraRowsForm,
    evidence_initial,
)
from ..models import Assessment, Entry, EvidenceLink, ReviewComment
from ..prepared import Prepared
from ..review_forms import ReplyForm
from .common import SAFE, assessment_view, get_for_workspace, load_entries, refused_notes_key

EVIDENCE_PREFIX = "evidence"

# The page's reads, compiled once per process (assessments/prepared.py).
_EVIDENCE = Prepared(lambda entry_id: EvidenceLink.objects.filter(entry_id=entry_id))
# The same criterion's entry in the office's previous published cycle: its texts, level and
# cycle, not its evidence.
_PREVIOUS = Prepared(
    lambda office_id, kind, cycle, criterion_id: (
        Entry.objects.filter(
            assessment=Subquery(
                workflow.previous_published_query(
                    assessment=Assessment(office_id=office_id, kind=kind, cycle=cycle)
                ).values("pk")[:1]
            ),
            criterion_id=criterion_id,
        )
        .annotate(cycle=F("assessment__cycle"))
        .order_by()[:1]
    )
)
# One query serves both: this criterion's threads and the open ones of every criterion.
_COMMENTS = Prepared(
    lambda assessment_id: ReviewComment.objects.filter(assessment_id=assessment_id).order_by(
        "created_at", "pk"
    )
)


# --- one criterion -------------------------------------------------------------------------


@assessment_view(*SAFE, "POST")
def criterion(request, assessment, number):
    # The side navigation's entries bring their criteria, with levels and questions, from
    # this process's reference data (read only): this page's is one of them.
    entries = load_entries(assessment, criteria=rounds.criteria_reader(request))
    entry = next((e for e in entries if e.criterion.number == number), None)
    if entry is None:
        raise Http404
    current = entry.criterion
    editable = can_edit(request.user, assessment)
    conflict = None
    form_key = None  # an unsent form's only
    status = 200
    if request.method == "POST" and not editable:
        # An editor whose draft was submitted (or published) under them sees the page with
        # what they typed, read only, instead of a bare 403; anybody else may not write.
        if assessment.office_id not in office_ids_for(request.user, editor=True):
            get_for_workspace(request, assessment.pk, write=True)  # 404 or 403
            raise PermissionDenied
        messages.error(request, _status_message(assessment))
        form = EntryForm(request.POST, criterion=current)
        formset = _evidence_formset(request, entry)  # files sent are not stored
        form.is_valid()
        formset.is_valid()
        status = 409
    elif request.method == "POST":
        form = EntryForm(request.POST, criterion=current)
        formset = _evidence_formset(request, entry, files=True)
        if request.POST.get("action") == "keep-theirs":
            messages.info(request, _("Kept the saved version; your changes were discarded."))
            return redirect("assess:criterion", pk=assessment.pk, number=current.number)
        valid = form.is_valid() & formset.is_valid()  # both, for every message at once
        formset.store_files()  # accepted files are kept, whatever else happens to this save
        if valid:
            data = {**form.cleaned_data, "evidence": formset.links}
            try:
                result = workflow.save_entry(
                    entry=entry,
                    data=data,
                    base_version=form.cleaned_data["base_version"],
                    user=request.user,
                )
            except workflow.WorkflowError:
                # Only drafts change: the status changed between opening and saving.
                assessment.refresh_from_db()
                messages.error(request, _status_message(assessment))
                editable = False
                status = 409
            else:
                if result.saved:
                    return _after_save(request, assessment, current, request.POST.get("action"))
                conflict, form, formset = _conflict(request, current, result, data, form, formset)
                status = 409
    else:
        extra = ExtraRowsForm(request.GET)
        links = (extra.cleaned_data.get("links") or 0) if extra.is_valid() else 0
        evidence = _EVIDENCE(entry_id=entry.pk)
        initial = EntryForm.initial_for(entry)
        form = EntryForm(initial=initial, criterion=current, read_only=not editable)
        # An unsent form's fields show its initial values, read only or not.
        form_key = _fragment_key(sorted(initial.items()), not editable)
        formset = EvidenceFormSet(
            initial=evidence_initial(evidence, entry_id=entry.pk),
            prefix=EVIDENCE_PREFIX,
            form_kwargs={"read_only": not editable, "entry_id": entry.pk},
        )
        formset.extra = links if links else (0 if evidence or not editable else 1)
    previous = next(
        iter(
            _PREVIOUS(
                office_id=assessment.office_id,
                kind=assessment.kind,
                cycle=assessment.cycle,
                criterion_id=current.pk,
            )
        ),
        None,
    )
    if previous is not None:
        previous.level_label = level_label(current, previous.level)
        # What entry_text.html shows of it (an admin may edit a published entry).
        previous.text_key = _fragment_key(
            previous.level,
            previous.applicability,
            previous.justification,
            previous.strengths,
            previous.opportunities,
        )
    index = [e.criterion.number for e in entries].index(number)
    urls = _criterion_urls(assessment, entries)
    perspectives = rounds.beside_criteria(
        assessment=assessment, criteria=[e.criterion for e in entries], request=request
    )
    context = {
        "assessment": assessment,
        "criterion": current,
        "entries": entries,
        "entry": entry,
        "level_label": level_label(current, entry.level),
        "form": form,
        "formset": formset,
        "form_key": form_key,
        "evidence_limit": settings.EVIDENCE_MAX_BYTES,  # keys the new item's fragment
        "editable": editable,
        "conflict": conflict,
        "previous": previous,
        "perspectives": perspectives,
        "perspective": perspectives["by_number"].get(number, {}) if perspectives else None,
        **_discussion(request, assessment, current, entries),
        "page_url": urls[number],
        "prev_number": entries[index - 1].criterion.number if index > 0 else None,
        "next_number": entries[index + 1].criterion.number if index + 1 < len(entries) else None,
        "prev_url": entries[index - 1].url if index > 0 else None,
        "next_url": entries[index + 1].url if index + 1 < len(entries) else None,
        **_actions(request, assessment, current, entry),
        "is_viewer": not editable
        and assessment.status == Assessment.Status.DRAFT
        and assessment.office_id in office_ids_for(request.user),
    }
    return render(request, "assess/criterion.html", context, status=status)


def _fragment_key(*values):
    """A fragment's key from everything it shows besides the rubric and the language."""
    return hashlib.blake2b(repr(values).encode(), digest_size=16).hexdigest()


def _criterion_urls(assessment, entries):
    """{number: its criterion page's address} for the side navigation and the links around
    the form, from one reverse(); each entry gets its own as `url`."""
    url_of = row_address("assess:criterion", assessment.pk)
    urls = {}
    for e in entries:
        e.url = urls[e.criterion.number] = url_of(e.criterion.number)
    return urls


def _actions(request, assessment, current, entry):
    """The criterion's actions: those of earlier cycles, each with the word said on it in
    this assessment (editors write one on each not done), and those planned in this one."""
    if assessment.kind != Assessment.Kind.SELF:
        return {}
    earlier, planned = plans.criterion_actions(assessment=assessment, criterion_id=current.pk)
    # Words refused on the last save (too long) come back into their boxes with the error.
    refused = request.session.pop(refused_notes_key(assessment.pk, current.number), {})
    for action in earlier:
        action.refused_text = refused.get(str(action.pk))
    return {
        "earlier_actions": earlier,
        "max_text_length": settings.MAX_TEXT_LENGTH,
        "cycle_actions": planned,
        "plan_editable": plans.can_edit_plan(request.user, office_id=assessment.office_id),
        "has_opportunity": bool(entry.opportunities.strip()),
    }


def _discussion(request, assessment, current, entries):
    """The criterion's comments as threads, with a reply form each when the user may take
    part, and the open comments of every criterion for the side navigation."""
    every = _COMMENTS(assessment_id=assessment.pk)
    here = [c for c in every if c.criterion_id == current.pk]
    # Their authors are read only when this criterion has comments: most pages show none.
    prefetch_related_objects(here, "author", "resolved_by")
    comments = discussion.threads(here)
    discuss = (
        discussion.can_discuss(request.user, assessment)
        and assessment.status in discussion.OPEN_STATUSES
    )
    for comment in comments:
        if discuss:
            comment.reply_form = ReplyForm(comment_id=comment.pk)
    open_counts = discussion.open_counts_of(every)
    for e in entries:
        e.open_comments = open_counts.get(e.criterion_id, 0)
    return {
        "comments": comments,
        "discuss": discuss,
        "here": next(e.url for e in entries if e.criterion_id == current.pk),  # _criterion_urls
    }


def _status_message(assessment):
    if assessment.status == Assessment.Status.DRAFT:
        return _("You may not change this assessment.")
    return _(
        "The assessment was %(status)s while you were typing, so nothing was saved. What you "
        "typed is below: copy it, and ask the reviewer to return the assessment if it must "
        "change."
    ) % {"status": assessment.get_status_display().lower()}


def _evidence_formset(request, entry, *, files=False):
    return EvidenceFormSet(
        request.POST,
        request.FILES if files else None,
        prefix=EVIDENCE_PREFIX,
        form_kwargs={"entry_id": entry.pk},
    )


def _conflict(request, current, result, data, form, formset):
    """The conflict section, and the form filled with the merge: the fields only they changed
    take their value, the fields only I changed keep mine, and where both changed the form
    keeps mine with theirs beside it, so that saving again is a deliberate choice."""
    fields, (values, evidence) = conflicts.conflict_for(
        entry=result.entry,
        base_version=form.cleaned_data["base_version"],
        mine=workflow.requested_state(data),
    )
    theirs = result.entry
    theirs.level_label = level_label(current, theirs.level)
    by = result.current_by
    post = request.POST.copy()
    post["base_version"] = str(theirs.version)
    for name, value in values.items():
        post[name] = "" if value is None else str(value)
    form = EntryForm(post, criterion=current)
    form.is_valid()
    entry_id = result.entry.pk
    if conflicts.evidence_changed(fields):
        formset = EvidenceFormSet(
            initial=evidence_initial(evidence, entry_id=entry_id),
            prefix=EVIDENCE_PREFIX,
            form_kwargs={"entry_id": entry_id},
        )
        formset.extra = 0 if evidence else 1
    else:  # what was sent, with the files it uploaded now stored
        formset = EvidenceFormSet(
            formset.data, prefix=EVIDENCE_PREFIX, form_kwargs={"entry_id": entry_id}
        )
        formset.is_valid()
    conflict = {
        "entry": theirs,
        "by": by,
        "by_me": by is not None and by.pk == request.user.pk,
        "fields": fields,
        "level_labels": {
            name: (f"{value} – {level_label(current, value)}" if value is not None else "")
            for f in fields
            if f.name == "level"
            for name, value in (("theirs", f.theirs), ("mine", f.mine))
        },
    }
    return conflict, form, formset


def _after_save(request, assessment, current, action):
    messages.success(
        request,
        _("Criterion %(number)s saved as a draft.") % {"number": current.number},
    )
    if action == "add-link":
        url = reverse("assess:criterion", args=[assessment.pk, current.number])
        return redirect(f"{url}?links=1#evidence")
    if action == "next":
        following = Criterion.objects.filter(number__gt=current.number).order_by("number").first()
        if following is None:
            return redirect("assess:submit", pk=assessment.pk)
        return redirect("assess:criterion", pk=assessment.pk, number=following.number)
    return redirect("assess:criterion", pk=assessment.pk, number=current.number)


# --- submit and learn ----------------------------------------------------------------------


@assessment_view(*SAFE, "POST", write_on_post=True)
def submit(request, assessment):
    failed = False
    if request.method == "POST":
        try:
            missing = workflow.submit(assessment=assessment, user=request.user)
        except workflow.WorkflowError as exc:
            messages.error(request, str(exc))
            return redirect("assess:detail", pk=assessment.pk)
        if not missing:
            messages.success(
                request,
                _("Submitted for review. Here is what others have learned where you rated lowest."),
            )
            return redirect("assess:learn", pk=assessment.pk)
        failed = True
    entries = load_entries(assessment)
    context = {
        "assessment": assessment,
        "completeness": workflow.completeness(entries=entries),
        "missing": [e for e in entries if e.missing],
        "failed": failed,
        "editable": can_edit(request.user, assessment),
    }
    return render(request, "assess/submit.html", context)


@assessment_view(*SAFE)
def learn(request, assessment):
    weakest = workflow.weakest_criteria(assessment=assessment)
    for entry in weakest:
        entry.takeaways = bullets(entry.criterion.tr("takeaways"))
        entry.level_label = level_label(entry.criterion, entry.level)
    return render(request, "assess/learn.html", {"assessment": assessment, "weakest": weakest})
