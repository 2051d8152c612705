"""An office's plan: its actions by criterion, one action's page, the downloads, and the word
on an earlier action said in the next cycle's form.

Every view reaches the office through plans.get_plan_for_user: members and reviewers read,
editors and leads change (403 for viewers), everybody else gets a 404.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from criteria.models import Criterion

from .. import plans, teams
from ..access import can_edit, memberships_read_once
from ..models import Action, Assessment, Entry
from ..plan_forms import ActionForm, ActionNoteForm, DownloadForm, PlanFilterForm
from .common import assessment_view, refused_notes_key

SAFE = ("GET", "HEAD")
FILTERS = ("status", "criterion", "owner")


def plan_view(*methods, write_on_post=False, write=False):
    """Login, then the scoped getter (404 for outsiders, whatever the method), then the
    method check; the view receives the office and whether the user may change the plan.
    A POST with `write_on_post`, or any request with `write`, needs an editor (403 for the
    office's viewers)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, office_id, **kwargs):
            writes = write or (write_on_post and request.method == "POST")
            # These views change no membership: the user's are read once per request.
            with memberships_read_once(request.user):
                office, editable = plans.get_plan_for_user(request.user, office_id, write=writes)
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, office, editable, **kwargs)

        return wrapper

    return decorator


def _filtered(request, office):
    # Unfiltered, the plan's actions are all of them: the owners to choose from come from
    # them rather than from a query of their own.
    # Every criterion once, for the filter's choices and the actions' criteria.
    criteria = list(Criterion.objects.order_by("number"))
    everything = None
    if not any(request.GET.get(n) for n in FILTERS):
        everything = plans.plan_actions(
            office=office, today=timezone.localdate(), criteria=criteria
        )
    owners = plans.owner_choices(office=office, actions=everything)
    form = PlanFilterForm(request.GET, owners=owners, criteria=criteria)
    filters = form.cleaned_data if form.is_valid() else {}
    if everything is not None:
        return form, everything
    actions = plans.plan_actions(
        office=office,
        today=timezone.localdate(),
        status=filters.get("status"),
        criterion=filters.get("criterion"),
        owner=filters.get("owner"),
        criteria=criteria,
    )
    return form, actions


@plan_view(*SAFE)
def plan(request, office, editable):
    form, actions = _filtered(request, office)
    today = timezone.localdate()
    members = plans.member_ids(office_id=office.pk)
    for action in actions:
        action.owner_shown, action.owner_left = plans.owner_label(action, members=members)
        action.is_overdue = plans.is_overdue(action, today=today)
    query = request.GET.urlencode()
    context = {
        "office": office,
        "editable": editable,
        "form": form,
        "actions": actions,
        "filtered": any(request.GET.get(n) for n in FILTERS),
        "query": f"?{query}" if query else "",
        "overdue": sum(1 for a in actions if a.is_overdue),
    }
    return render(request, "assess/plan.html", context)


@plan_view(*SAFE)
def plan_csv(request, office, editable):
    _form, actions = _filtered(request, office)
    options = DownloadForm(request.GET)
    bom = options.is_valid() and options.cleaned_data["bom"]
    text = plans.plan_csv(
        actions=actions,
        members=plans.member_ids(office_id=office.pk),
        today=timezone.localdate(),
        bom=bom,
    )
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="plan-{office.slug}.csv"'
    return response


@plan_view(*SAFE)
def plan_ics(request, office, editable):
    _form, actions = _filtered(request, office)
    url = request.build_absolute_uri(reverse("assess:plan", args=[office.pk]))
    body = plans.plan_ical(office=office, actions=actions, url=url)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="plan-{office.slug}.ics"'
    return response


# --- one action -----------------------------------------------------------------------------


def _planned_in(request, office):
    """The assessment an action is planned in: the one named by `from` (of this office, one
    the user may read), else the office's latest self-assessment, or None."""
    raw = request.POST.get("planned_in") or request.GET.get("from")
    qs = Assessment.objects.current().filter(office=office, kind=Assessment.Kind.SELF)
    if raw:
        try:
            return qs.get(pk=int(raw))
        except (ValueError, Assessment.DoesNotExist):
            raise Http404 from None
    return qs.order_by("-cycle").first()


@plan_view(*SAFE, "POST", write=True)
def action_new(request, office, editable):
    members = teams.members(office)
    planned_in = _planned_in(request, office)
    if request.method == "POST":
        form = ActionForm(request.POST, office=office, members=members)
        if form.is_valid():
            try:
                action = plans.create_action(
                    office=office,
                    data=form.values(form.cleaned_data),
                    user=request.user,
                    planned_in=planned_in,
                )
            except plans.ActionError as exc:
                for name, message in exc.errors.items():
                    form.add_error(name if name in form.fields else None, message)
            else:
                messages.success(request, _("Action added to the plan."))
                return _back(request, office, action)
    else:
        initial = {"status": Action.Status.PLANNED}
        try:
            number = int(request.GET.get("criterion", ""))
        except ValueError:
            number = None
        if number is not None:
            initial["criterion"] = number
        from_opportunity = request.GET.get("from") and not request.GET.get("blank")
        if planned_in is not None and number is not None and from_opportunity:
            entry = Entry.objects.filter(assessment=planned_in, criterion__number=number).first()
            if entry is not None and entry.opportunities:
                initial["title"] = plans.title_from(entry.opportunities)
                initial["description"] = entry.opportunities
        form = ActionForm(initial=initial, office=office, members=members)
    return render(
        request,
        "assess/action.html",
        {
            "office": office,
            "form": form,
            "editable": True,
            "action": None,
            "planned_in": planned_in,
            "back": _safe_back(request),
        },
    )


def _safe_back(request):
    """The page to go back to, when it is one of our own workspace pages, else ""."""
    back = request.POST.get("back") or request.GET.get("back") or ""
    if back.startswith("/assess/") and "//" not in back and "\\" not in back:
        return back
    return ""


def _back(request, office, action):
    """Where to go after a save: back to the criterion page it was started from, or the
    plan (only our own addresses are followed)."""
    back = _safe_back(request)
    if back:
        return redirect(back)
    return redirect(f"{reverse('assess:plan', args=[office.pk])}#action-{action.pk}")


@plan_view(*SAFE, "POST", write_on_post=True)
def action(request, office, editable, action_id):
    current = get_object_or_404(
        Action.objects.select_related("owner", "criterion", "planned_in"),
        pk=action_id,
        office=office,
    )
    members = teams.members(office)
    conflict = None
    status = 200
    if request.method == "POST":
        form = ActionForm(request.POST, office=office, action=current, members=members)
        if form.is_valid():
            mine = form.values(form.cleaned_data)
            try:
                result = plans.save_action(
                    action=current,
                    data=mine,
                    base_version=form.cleaned_data["base_version"] or 0,
                    user=request.user,
                )
            except plans.ActionError as exc:
                for name, message in exc.errors.items():
                    form.add_error(name if name in form.fields else None, message)
                status = 400
            else:
                if result.saved:
                    messages.success(request, _("Action saved."))
                    return _back(request, office, result.action)
                conflict = _conflict(result.action, mine)
                # What was typed stays in the form; saving again is a deliberate choice.
                post = request.POST.copy()
                post["base_version"] = str(result.action.version)
                form = ActionForm(post, office=office, action=result.action, members=members)
                form.is_valid()
                current = result.action
                status = 409
        else:
            status = 400
    else:
        form = ActionForm(
            initial=ActionForm.initial_for(current),
            office=office,
            action=current,
            members=members,
            read_only=not editable,
        )
    member_ids = {m.user_id for m in members}
    current.owner_shown, current.owner_left = plans.owner_label(current, members=member_ids)
    return render(
        request,
        "assess/action.html",
        {
            "office": office,
            "form": form,
            "editable": editable,
            "action": current,
            "conflict": conflict,
            "changes": [
                (record, [str(FIELD_LABELS[n]) for n in changed])
                for record, changed in plans.action_changes(action=current)
            ],
            "notes": current.notes.select_related("assessment", "author").order_by(
                "-assessment__cycle"
            ),
            "back": _safe_back(request),
        },
        status=status,
    )


FIELD_LABELS = {
    "criterion_id": gettext_lazy("Criterion"),
    "title": gettext_lazy("Title"),
    "description": gettext_lazy("What will be done"),
    "owner_id": gettext_lazy("Owner in the office"),
    "owner_name": gettext_lazy("Owner outside the app"),
    "due": gettext_lazy("Due date"),
    "status": gettext_lazy("Status"),
    "drop_reason": gettext_lazy("Why it was dropped"),
    "success_measure": gettext_lazy("Success measure"),
    "links": gettext_lazy("Links to evidence"),
}


def _conflict(theirs, mine):
    by = theirs.history.select_related("history_user").first()
    fields = []
    for name, their_value, my_value in plans.conflicting_fields(
        theirs=plans.action_state(theirs), mine=mine
    ):
        fields.append(
            {
                "label": FIELD_LABELS[name],
                "theirs": _shown(theirs, name, their_value),
                "mine": _shown(theirs, name, my_value),
            }
        )
    return {"by": by.history_user if by else None, "fields": fields}


def _shown(action, name, value):
    if value in (None, ""):
        return "–"
    if name == "status":
        return Action.Status(value).label
    if name == "criterion_id":
        criterion = Criterion.objects.filter(pk=value).first()
        return f"{criterion.number}. {criterion.tr('short_title')}" if criterion else value
    if name == "owner_id":
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(pk=value).first()
        return (user.get_full_name() or user.get_username()) if user else value
    return value


# --- the word on an earlier action, in the next cycle's form ---------------------------------


@assessment_view("POST", write_on_post=True)
def action_notes(request, assessment, number):
    criterion = get_object_or_404(Criterion, number=number)
    if not can_edit(request.user, assessment):
        messages.error(request, _("Only a draft takes notes on actions."))
        return redirect("assess:criterion", pk=assessment.pk, number=number)
    earlier = plans.earlier_actions(assessment=assessment, criterion_id=criterion.pk)
    saved = 0
    errors = []
    refused = {}
    for action in earlier:
        key = f"note-{action.pk}"
        if key not in request.POST:
            continue
        form = ActionNoteForm({"text": request.POST[key]})
        if not form.is_valid():
            errors.append(action.title)
            refused[str(action.pk)] = request.POST[key]
            continue
        before = action.note.text if action.note else ""
        if form.cleaned_data["text"].strip() != before:
            plans.set_note(
                action=action,
                assessment=assessment,
                text=form.cleaned_data["text"],
                user=request.user,
            )
            saved += 1
    if errors:
        # Nothing typed is lost: the criterion page puts the refused words back.
        request.session[refused_notes_key(assessment.pk, number)] = refused
        messages.error(
            request,
            _("Too long, not saved: %(actions)s.") % {"actions": ", ".join(errors)},
        )
    elif saved:
        messages.success(request, _("Your words on last cycle's actions are saved."))
    return redirect(f"{reverse('assess:criterion', args=[assessment.pk, number])}#earlier-actions")
