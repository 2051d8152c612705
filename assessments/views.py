"""The self-assessment workspace: city staff fill in, reviewers comment, return and publish.

Views stay thin: who may do what comes from assessments/access.py, the rules of the workflow
from assessments/workflow.py. Every view that takes an assessment id goes through `_get`.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import Prefetch
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from cities.models import Office
from criteria.models import Criterion

from . import workflow
from .access import can_edit, get_assessment_for_user, is_reviewer, office_ids_for
from .forms import (
    CommentForm,
    DecisionForm,
    DiffForm,
    EntryForm,
    EvidenceFormSet,
    ExtraRowsForm,
    StartForm,
    evidence_initial,
)
from .models import Assessment, Entry, Membership, ReviewComment

EVIDENCE_PREFIX = "evidence"


def _get(request, pk, *, write=False):
    """The assessment for this workspace, or 404 / 403 (see access.get_assessment_for_user).

    The workspace (drafts, history, review notes) is for the office's staff and reviewers
    only: everyone else reads published assessments on the city pages and scorecards, so
    they get a 404 here even for a published one.
    """
    assessment = get_assessment_for_user(request.user, pk, write=write)
    user = request.user
    if not (is_reviewer(user) or assessment.office_id in office_ids_for(user)):
        raise Http404
    return assessment


SAFE = ("GET", "HEAD")


def assessment_view(*methods, write_on_post=False):
    """Decorate a view of one assessment: login, then the getter, then the method check.

    The getter runs first so that outsiders get 404 for every method, even one the view
    does not accept; the view receives the assessment instead of its id. With
    `write_on_post` a POST needs write access (403 for members who may not write).
    """

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, pk, **kwargs):
            write = write_on_post and request.method == "POST"
            assessment = _get(request, pk, write=write)
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, assessment, **kwargs)

        return wrapper

    return decorator


def _entries(assessment, *, levels=False, evidence=False):
    """The assessment's entries with their criteria (and rubric levels, evidence) loaded."""
    qs = Entry.objects.filter(assessment=assessment).select_related("criterion")
    if levels:
        qs = qs.prefetch_related("criterion__levels")
    if evidence:
        qs = qs.prefetch_related("evidence")
    entries = list(qs.order_by("criterion__number"))
    for entry in entries:
        entry.assessment = assessment  # spares a query per entry
        entry.missing = workflow.missing_parts(entry)
        if levels:
            entry.level_label = _level_label(entry.criterion, entry.level)
    return entries


def _level_label(criterion, level):
    if level is None:
        return ""
    return next((lv.tr("label") for lv in criterion.levels.all() if lv.level == level), "")


def _comments(assessment):
    return list(
        ReviewComment.objects.filter(assessment=assessment)
        .select_related("author", "criterion")
        .order_by("created_at", "pk")
    )


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
            if a.kind == Assessment.Kind.SELF:
                rows.append(
                    {
                        "assessment": a,
                        "completeness": workflow.completeness(entries=a.entries.all()),
                        "decision": workflow.latest_decision(comments=a.comments.all()),
                    }
                )
        start_form = None
        if m.role == Membership.Role.EDITOR:
            published = [a for a in by_office[m.office_id] if a.is_published]
            if bound is not None and bound.office.pk == m.office_id:
                start_form = bound
            else:
                # Suggest this year, or the cycle after the latest one already started.
                cycles = [a.cycle for a in by_office[m.office_id] if a.kind == Assessment.Kind.SELF]
                suggested = max([timezone.now().year, *[c + 1 for c in cycles]])
                start_form = StartForm(
                    office=m.office, published=published, initial={"cycle": suggested}
                )
        offices.append({"membership": m, "office": m.office, "rows": rows, "form": start_form})
    context = {
        "offices": offices,
        "is_reviewer": is_reviewer(user),
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
    entries = _entries(assessment, levels=True)
    comments = _comments(assessment)
    decision = workflow.latest_decision(comments=comments)
    previous = workflow.previous_published(assessment=assessment)
    previous_entries = {}
    if previous is not None:
        previous_entries = {e.criterion_id: e for e in _entries(previous, levels=True)}
    rows = []
    for e in entries:
        before = previous_entries.get(e.criterion_id)
        rows.append({"entry": e, "previous": before, "change": _change(before, e)})
    user = request.user
    later_exists = Assessment.objects.filter(
        office_id=assessment.office_id, kind=Assessment.Kind.SELF, cycle__gt=assessment.cycle
    ).exists()
    context = {
        "assessment": assessment,
        "rows": rows,
        "completeness": workflow.completeness(entries=entries),
        "first_missing": next((e for e in entries if e.missing), None),
        "previous": previous,
        "decision": decision,
        # The latest decision is shown on its own, above; the rest are the notes.
        "general_comments": [c for c in comments if c.criterion_id is None and c != decision],
        "editable": can_edit(user, assessment),
        "can_review": is_reviewer(user) and assessment.status == Assessment.Status.SUBMITTED,
        "can_open_next": (
            assessment.is_published
            and assessment.kind == Assessment.Kind.SELF
            and not later_exists
            and assessment.office_id in office_ids_for(user, editor=True)
        ),
        "any_level": any(e.level is not None for e in entries),
    }
    return render(request, "assess/detail.html", context)


def _change(before, entry):
    """What changed in a criterion since the previous cycle: level, text, nothing (or None)."""
    if before is None:
        return None
    if (before.level, before.applicability) != (entry.level, entry.applicability):
        return "level"
    if any(getattr(before, n) != getattr(entry, n) for n in workflow.TEXT_FIELDS):
        return "text"
    return "same"


@assessment_view("POST")
def next_cycle(request, assessment):
    """Open the next cycle of a published self-assessment, pre-filled from it."""
    if assessment.office_id not in office_ids_for(request.user, editor=True):
        raise PermissionDenied
    later = (
        Assessment.objects.filter(
            office_id=assessment.office_id,
            kind=Assessment.Kind.SELF,
            cycle__gt=assessment.cycle,
        )
        .order_by("cycle")
        .first()
    )
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


# --- one criterion -------------------------------------------------------------------------


@assessment_view(*SAFE, "POST", write_on_post=True)
def criterion(request, assessment, number):
    current = get_object_or_404(
        Criterion.objects.prefetch_related("levels", "questions"), number=number
    )
    entries = _entries(assessment)
    entry = next((e for e in entries if e.criterion_id == current.pk), None)
    if entry is None:
        raise Http404
    entry.criterion = current
    editable = can_edit(request.user, assessment)
    conflict = None
    status = 200
    if request.method == "POST":
        form = EntryForm(request.POST, criterion=current)
        formset = EvidenceFormSet(request.POST, prefix=EVIDENCE_PREFIX)
        if form.is_valid() and formset.is_valid():
            data = {**form.cleaned_data, "evidence": formset.links}
            try:
                result = workflow.save_entry(
                    entry=entry,
                    data=data,
                    base_version=form.cleaned_data["base_version"],
                    user=request.user,
                )
            except workflow.WorkflowError as exc:
                messages.error(request, str(exc))
                return redirect("assess:detail", pk=assessment.pk)
            if result.saved:
                return _after_save(request, assessment, current, request.POST.get("action"))
            # Keep what the user typed, now based on the other person's version: saving
            # again is a deliberate choice to replace their text.
            result.entry.level_label = _level_label(current, result.entry.level)
            mine = {**data, "level_label": _level_label(current, data["level"])}
            conflict = {"entry": result.entry, "by": result.current_by, "mine": mine}
            post = request.POST.copy()
            post["base_version"] = str(result.entry.version)
            form = EntryForm(post, criterion=current)
            form.is_valid()
            status = 409
    else:
        extra = ExtraRowsForm(request.GET)
        links = (extra.cleaned_data.get("links") or 0) if extra.is_valid() else 0
        evidence = list(entry.evidence.all())
        form = EntryForm(
            initial=EntryForm.initial_for(entry), criterion=current, read_only=not editable
        )
        formset = EvidenceFormSet(
            initial=evidence_initial(evidence),
            prefix=EVIDENCE_PREFIX,
            form_kwargs={"read_only": not editable},
        )
        formset.extra = links if links else (0 if evidence or not editable else 1)
    previous = (
        Entry.objects.filter(
            assessment__office_id=assessment.office_id,
            assessment__kind=Assessment.Kind.SELF,
            assessment__status=Assessment.Status.PUBLISHED,
            assessment__cycle__lt=assessment.cycle,
            criterion=current,
        )
        .select_related("assessment")
        .prefetch_related("evidence")
        .order_by("-assessment__cycle")
        .first()
    )
    if previous is not None:
        previous.level_label = _level_label(current, previous.level)
    index = [e.criterion.number for e in entries].index(number)
    context = {
        "assessment": assessment,
        "criterion": current,
        "entries": entries,
        "entry": entry,
        "level_label": _level_label(current, entry.level),
        "form": form,
        "formset": formset,
        "editable": editable,
        "conflict": conflict,
        "previous": previous,
        "comments": ReviewComment.objects.filter(assessment=assessment, criterion=current)
        .select_related("author")
        .order_by("-created_at", "-pk"),
        "prev_number": entries[index - 1].criterion.number if index > 0 else None,
        "next_number": entries[index + 1].criterion.number if index + 1 < len(entries) else None,
        "is_viewer": not editable
        and assessment.status == Assessment.Status.DRAFT
        and assessment.office_id in office_ids_for(request.user),
    }
    return render(request, "assess/criterion.html", context, status=status)


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
    entries = _entries(assessment)
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
        entry.takeaways = _bullets(entry.criterion.tr("takeaways"))
        entry.level_label = _level_label(entry.criterion, entry.level)
    return render(request, "assess/learn.html", {"assessment": assessment, "weakest": weakest})


def _bullets(text):
    """The report's takeaways are written as "- " lines: a list of their texts."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return [line[2:] if line.startswith("- ") else line for line in lines]


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
    revisions = workflow.revisions(assessment=assessment)
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
    revisions = workflow.revisions(assessment=assessment)
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
        diffs = workflow.diff_revisions(assessment=assessment, from_id=old, to_id=new)
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


# --- review ----------------------------------------------------------------------------------


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


@assessment_view(*SAFE, "POST")
def review(request, assessment):
    user = request.user
    if not is_reviewer(user):
        raise PermissionDenied
    comment_form = None
    decision_form = DecisionForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "comment":
                comment_form = CommentForm(request.POST)
                if comment_form.is_valid():
                    number = comment_form.cleaned_data.get("criterion")
                    target = None
                    if number is not None:
                        target = get_object_or_404(Criterion, number=number)
                    workflow.add_comment(
                        assessment=assessment,
                        user=user,
                        criterion=target,
                        text=comment_form.cleaned_data["text"],
                    )
                    messages.success(request, _("Your comment is saved."))
                    anchor = f"#criterion-{number}" if number else ""
                    return redirect(reverse("assess:review", args=[assessment.pk]) + anchor)
            elif action in ("return", "publish"):
                decision_form = DecisionForm(request.POST)
                if decision_form.is_valid():
                    step = workflow.publish if action == "publish" else workflow.return_to_office
                    step(
                        assessment=assessment, user=user, comment=decision_form.cleaned_data["text"]
                    )
                    messages.success(
                        request,
                        _("Published.") if action == "publish" else _("Returned to the office."),
                    )
                    return redirect("assess:review-queue")
            else:
                messages.error(request, _("Unknown action."))
                return redirect("assess:review", pk=assessment.pk)
        except workflow.WorkflowError as exc:
            messages.error(request, str(exc))
            return redirect("assess:review", pk=assessment.pk)
        status = 200
    entries = _entries(assessment, levels=True, evidence=True)
    comments = _comments(assessment)
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
    return render(request, "assess/review.html", context, status=status)
