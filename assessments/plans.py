"""From opportunities to action: targets for the next cycle, an office's actions and its plan.

Plain functions with keyword-only arguments; views, the scorecard, the dashboard, the demo
data and the notification engine call these.

Rules kept here:
- A target defaults to one level above today's, capped at the rubric's top (4); an unrated
  criterion gets no proposal, and an office may leave the target unset.
- Actions belong to the office and run across cycles. Members of the office read them,
  editors and leads change them, reviewers read them; everybody else gets a 404.
- A due date in the past is allowed only for an action that is done; "dropped" needs a
  reason. An owner who leaves the office keeps their actions until someone reassigns them.
- No lost updates: a save names the version it started from (as entries do) and only
  succeeds when it is still current.
"""

import csv
import datetime
import io
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import (
    F,
    FilteredRelation,
    Max,
    Q,
    Subquery,
)
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cities.models import Office

from .access import can_edit, is_reviewer, office_ids_for
from .csvcells import safe_cell
from .links import site_base
from .models import Action, ActionNote, Assessment, Entry, Membership
from .prepared import Prepared

TOP_LEVEL = 4

# --- targets ---------------------------------------------------------------------------------


def default_target(*, level):
    """The target proposed for an entry rated `level`: one above, at most TOP_LEVEL; None
    for an unrated criterion."""
    if level is None:
        return None
    return min(level + 1, TOP_LEVEL)


@dataclass
class TargetsReached:
    office: Office
    earlier: int  # the cycle the targets were set in
    later: int  # the next published cycle, where they are checked
    set: int  # criteria with a target in the earlier cycle
    reached: int  # of those, rated at or above the target in the later cycle


def targets_reached(*, offices=None):
    """For each office with two published self-assessments or more: how many targets set in
    its second-latest published cycle were reached in its latest one. Three queries, whatever
    the number of offices. `offices` (ids) limits it to some offices."""
    published = Assessment.objects.published().filter(kind=Assessment.Kind.SELF)
    if offices is not None:
        published = published.filter(office_id__in=list(offices))
    by_office = {}
    for pk, office_id, cycle in published.order_by("office_id", "-cycle").values_list(
        "pk", "office_id", "cycle"
    ):
        pairs = by_office.setdefault(office_id, [])
        if len(pairs) < 2:
            pairs.append((pk, cycle))
    pairs = {o: p for o, p in by_office.items() if len(p) == 2}
    if not pairs:
        return []
    ids = [pk for p in pairs.values() for pk, _cycle in p]
    entries = {}
    for assessment_id, criterion_id, level, target, applicability in Entry.objects.filter(
        assessment_id__in=ids
    ).values_list("assessment_id", "criterion_id", "level", "target", "applicability"):
        if applicability == Entry.Applicability.NOT_APPLICABLE:
            level = None
        entries.setdefault(assessment_id, {})[criterion_id] = (level, target)
    offices_by_id = Office.objects.select_related("city").in_bulk(list(pairs))
    out = []
    for office_id, ((later_id, later), (earlier_id, earlier)) in pairs.items():
        before, after = entries.get(earlier_id, {}), entries.get(later_id, {})
        targets = {c: t for c, (_level, t) in before.items() if t is not None}
        reached = sum(
            1
            for c, t in targets.items()
            if after.get(c, (None, None))[0] is not None and after[c][0] >= t
        )
        out.append(
            TargetsReached(
                office=offices_by_id[office_id],
                earlier=earlier,
                later=later,
                set=len(targets),
                reached=reached,
            )
        )
    return sorted(out, key=lambda r: (r.office.city.name, r.office.name))


# --- who may see and change an office's plan -----------------------------------------------------


def get_plan_for_user(user, office_id, *, write=False):
    """(office, editable) for someone who may read the plan of office `office_id`, else 404.

    Members of the office (any role), reviewers and superusers read it; editors and leads
    change it. With `write`: members who may only read get 403, everybody else 404.
    """
    if not user.is_authenticated:
        raise Http404
    try:
        office_id = int(office_id)
    except (TypeError, ValueError):
        raise Http404 from None
    member = office_id in office_ids_for(user)
    if not (member or is_reviewer(user)):
        raise Http404
    office = Office.objects.select_related("city__country").filter(pk=office_id).first()
    if office is None:
        raise Http404
    editable = can_edit_plan(user, office_id=office_id)
    if write and not editable:
        if not member:
            raise Http404
        raise PermissionDenied
    return office, editable


def can_edit_plan(user, *, office_id):
    return office_id in office_ids_for(user, editor=True)


# --- the rules of one action ---------------------------------------------------------------------

ACTION_FIELDS = (
    "criterion_id",
    "title",
    "description",
    "owner_id",
    "owner_name",
    "due",
    "status",
    "drop_reason",
    "success_measure",
    "links",
)


def action_errors(*, data, today):
    """{field: message} of what the rules refuse in `data` (ACTION_FIELDS): a due date in
    the past unless done, "dropped" without a reason, two owners at once. {} when fine."""
    errors = {}
    status = data.get("status")
    due = data.get("due")
    if due is not None and due < today and status != Action.Status.DONE:
        errors["due"] = _(
            "This date is in the past. Choose a later date, or mark the action as done."
        )
    if status == Action.Status.DROPPED and not (data.get("drop_reason") or "").strip():
        errors["drop_reason"] = _("Say why the action was dropped.")
    if data.get("owner_id") and (data.get("owner_name") or "").strip():
        errors["owner_name"] = _("Choose a member of the office or write a name, not both.")
    return errors


class ActionError(Exception):
    """A change the plan's rules refuse; `errors` is {field: message}."""

    def __init__(self, errors):
        super().__init__("; ".join(str(m) for m in errors.values()))
        self.errors = errors


def _values(data):
    values = {name: data.get(name) for name in ACTION_FIELDS}
    for name in ("title", "description", "owner_name", "drop_reason", "success_measure", "links"):
        values[name] = (values[name] or "").strip()
    values["status"] = values["status"] or Action.Status.PLANNED
    if values["status"] != Action.Status.DROPPED:
        values["drop_reason"] = ""
    if values["owner_id"]:
        values["owner_name"] = ""
    return values


def _done_on(values, *, before, today):
    if values["status"] != Action.Status.DONE:
        return None
    return before if before is not None else today


def create_action(*, office, data, user, planned_in=None, today=None):
    """A new action of `office` from `data` (ACTION_FIELDS). Raises ActionError when the
    rules refuse it, PermissionDenied when `user` may not change the plan."""
    today = today or timezone.localdate()
    if not can_edit_plan(user, office_id=office.pk):
        raise PermissionDenied
    values = _values(data)
    errors = action_errors(data=values, today=today)
    if errors:
        raise ActionError(errors)
    if planned_in is not None and planned_in.office_id != office.pk:
        raise PermissionDenied
    action = Action(
        office=office,
        planned_in=planned_in,
        created_by=user,
        done_on=_done_on(values, before=None, today=today),
        **values,
    )
    action._history_user = user
    with transaction.atomic():
        action.save()
        _plan_changed(office_id=office.pk)
    return action


def _plan_changed(*, office_id):
    """Mark the office's scorecards out of date (see Assessment.plan_version)."""
    Assessment.objects.filter(office_id=office_id).update(plan_version=F("plan_version") + 1)


@dataclass
class ActionSave:
    saved: bool
    action: Action  # as it now is in the database
    conflict: bool = False


def save_action(*, action, data, base_version, user, today=None):
    """Save `action` if nobody saved it since `base_version`. On a conflict nothing is
    written and the result carries the other person's version. Raises ActionError when the
    rules refuse `data`. A save equal to what is stored already counts as saved."""
    today = today or timezone.localdate()
    if not can_edit_plan(user, office_id=action.office_id):
        raise PermissionDenied
    values = _values(data)
    before = action_state(action)
    errors = action_errors(data=values, today=today)
    # A date that was in the past already when the action was saved is not new input: an
    # overdue action can still be put "in progress" without moving its date.
    if "due" in errors and values["due"] == before["due"]:
        errors.pop("due")
    if errors:
        raise ActionError(errors)
    now = timezone.now()
    with transaction.atomic():
        won = Action.objects.filter(pk=action.pk, version=base_version).update(
            **values,
            done_on=_done_on(values, before=action.done_on, today=today),
            version=F("version") + 1,
            updated_at=now,
        )
        current = Action.objects.select_related("owner", "criterion").get(pk=action.pk)
        if won:
            # .update() bypasses simple-history: the record is written here.
            Action.history.bulk_history_create([current], update=True, default_user=user)
            _plan_changed(office_id=current.office_id)
            return ActionSave(saved=True, action=current)
    if action_state(current) == values:
        return ActionSave(saved=True, action=current)
    return ActionSave(saved=False, action=current, conflict=True)


def action_state(action):
    """The ACTION_FIELDS of a saved action (or one of its history records)."""
    return {name: getattr(action, name) for name in ACTION_FIELDS}


def conflicting_fields(*, theirs, mine):
    """[(field, theirs, mine)] where the saved action and the refused save differ."""
    return [(n, theirs[n], mine.get(n)) for n in ACTION_FIELDS if theirs[n] != mine.get(n)]


def action_changes(*, action):
    """The action's history, newest first: [(record, [changed field names])]."""
    records = list(action.history.select_related("history_user").order_by("history_id"))
    out = []
    before = None
    for record in records:
        changed = [
            n
            for n in ACTION_FIELDS
            if before is not None and getattr(before, n) != getattr(record, n)
        ]
        out.append((record, changed))
        before = record
    return list(reversed(out))


def member_ids(*, office_id):
    return set(Membership.objects.filter(office_id=office_id).values_list("user_id", flat=True))


def owner_label(action, *, members):
    """Who owns the action, as the plan shows it, and whether they left the office."""
    if action.owner_id:
        name = action.owner.get_full_name() or action.owner.get_username()
        return name, action.owner_id not in members
    return action.owner_name, False


# --- the plan ------------------------------------------------------------------------------------


def is_overdue(action, *, today):
    return action.is_open and action.due is not None and action.due < today


def plan_actions(*, office, today, status=None, criterion=None, owner=None, criteria=None):
    """The office's actions, overdue ones first (oldest due date first), then by criterion,
    due date (none last) and creation; filtered by `status`, `criterion` (a number) and
    `owner` ("u<user id>" or "n<name>"). Owners and criteria loaded, and `planned_in_cycle`,
    the cycle of the assessment each was planned in: one query, whatever their number.
    `criteria` (every criterion, already loaded) spares the query its join."""
    qs = Action.objects.filter(office=office)
    if status:
        qs = qs.filter(status=status)
    if criterion:
        qs = qs.filter(criterion__number=criterion)
    if owner:
        kind, value = owner[:1], owner[1:]
        qs = (
            qs.filter(owner_id=value) if kind == "u" else qs.filter(owner_id=None, owner_name=value)
        )
    # Of the assessment it was planned in, only the cycle is shown: not the whole row.
    by_pk = {c.pk: c for c in criteria} if criteria is not None else None
    qs = qs.select_related("owner") if by_pk else qs.select_related("owner", "criterion")
    # Sorted below, fully (the pk breaks ties): the model's ordering would only add a join.
    actions = list(qs.annotate(planned_in_cycle=F("planned_in__cycle")).order_by())
    if by_pk:
        for action in actions:
            if action.criterion_id in by_pk:
                action.criterion = by_pk[action.criterion_id]

    # Sorted here rather than by the database: the same order, without a query to build.
    def order(action):
        late = is_overdue(action, today=today)
        return (
            not late,
            action.due if late else datetime.date.min,
            action.criterion.number,
            action.due is None,
            action.due or datetime.date.min,
            action.pk,
        )

    return sorted(actions, key=order)


def owner_choices(*, office, actions=None):
    """[(value, label)] of everyone who owns an action of the office, for the plan's filter:
    "u<id>" for users, "n<name>" for names outside the app. From `actions` when given (every
    action of the office, as plan_actions gives them unfiltered): no query."""
    if actions is None:
        rows = (
            Action.objects.filter(office=office)
            .values_list(
                "owner_id", "owner__username", "owner__first_name", "owner__last_name", "owner_name"
            )
            .distinct()
        )
    else:
        rows = (
            (a.owner_id, a.owner.username, a.owner.first_name, a.owner.last_name, a.owner_name)
            if a.owner_id
            else (None, None, None, None, a.owner_name)
            for a in actions
        )
    choices = {}
    for owner_id, username, first, last, name in rows:
        if owner_id:
            choices[f"u{owner_id}"] = f"{first} {last}".strip() or username
        elif name:
            choices[f"n{name}"] = name
    return sorted(choices.items(), key=lambda kv: kv[1].lower())


def earlier_actions(*, assessment, criterion_id=None):
    """What the form asks about: the actions planned in the office's last cycle before
    `assessment`'s, and those of older cycles still open, each with `note`, the word said on
    it in this assessment (or None). One query, the notes joined to their actions."""
    last = (
        Action.objects.filter(
            office_id=assessment.office_id, planned_in__cycle__lt=assessment.cycle
        )
        .order_by("-planned_in__cycle")
        .values("planned_in__cycle")[:1]
    )
    qs = (
        Action.objects.filter(
            office_id=assessment.office_id, planned_in__cycle__lt=assessment.cycle
        )
        .filter(
            Q(status__in=[Action.Status.PLANNED, Action.Status.IN_PROGRESS])
            | Q(planned_in__cycle=Subquery(last))
        )
        # At most one note per action and assessment (a unique constraint).
        .annotate(this_note=FilteredRelation("notes", condition=Q(notes__assessment=assessment)))
        .select_related("planned_in", "this_note")  # what the form shows of them
        .order_by("criterion__number", "due", "pk")
    )
    if criterion_id is not None:
        qs = qs.filter(criterion_id=criterion_id)
    actions = list(qs)
    for action in actions:
        action.note = getattr(action, "this_note", None)  # not set when there is none
    return actions


def set_note(*, action, assessment, text, user):
    """Record (or change, or with an empty text remove) the word on `action` said in
    `assessment`. Only a draft takes notes, from the office's editors."""
    if action.office_id != assessment.office_id or not can_edit(user, assessment):
        raise PermissionDenied
    text = (text or "").strip()
    note = ActionNote.objects.filter(action=action, assessment=assessment).first()
    if not text:
        if note is not None:
            note._history_user = user
            note.delete()
        return None
    if note is None:
        note = ActionNote(action=action, assessment=assessment)
    if note.text == text and note.pk:
        return note
    note.text, note.author = text, user
    note._history_user = user
    note.save()
    return note


# criterion_actions' first read, compiled once per process (assessments/prepared.py).
_CRITERION_ACTIONS = Prepared(
    lambda office_id, criterion_id, cycle, assessment_id: (
        Action.objects.filter(office_id=office_id, criterion_id=criterion_id)
        .filter(Q(planned_in__cycle__lt=cycle) | Q(planned_in_id=assessment_id))
        .annotate(planned_cycle=F("planned_in__cycle"))
        .order_by("due", "pk")
    )  # one criterion: earlier_actions' order too
)


def criterion_actions(*, assessment, criterion_id):
    """(earlier_actions(assessment, criterion_id), the actions planned in `assessment` on the
    criterion) for the criterion page: each list in its usual order, the earlier ones with
    their `note`, every action with `planned_cycle` (its assessment is not loaded). One
    plain query when the criterion has no earlier action; the office's last earlier cycle
    and the notes are read only when earlier actions need them (three queries at most)."""
    rows = _CRITERION_ACTIONS(
        office_id=assessment.office_id,
        criterion_id=criterion_id,
        cycle=assessment.cycle,
        assessment_id=assessment.pk,
    )
    planned = [a for a in rows if a.planned_in_id == assessment.pk]
    earlier = [a for a in rows if a.planned_in_id != assessment.pk]
    still_open = {Action.Status.PLANNED, Action.Status.IN_PROGRESS}
    if any(a.status not in still_open for a in earlier):
        # earlier_actions' rule: closed ones only from the office's last earlier cycle.
        last = Action.objects.filter(
            office_id=assessment.office_id, planned_in__cycle__lt=assessment.cycle
        ).aggregate(last=Max("planned_in__cycle"))["last"]
        earlier = [a for a in earlier if a.status in still_open or a.planned_cycle == last]
    if earlier:
        notes = {
            n.action_id: n
            for n in ActionNote.objects.filter(
                assessment=assessment, action_id__in=[a.pk for a in earlier]
            )
        }
        for action in earlier:
            action.note = notes.get(action.pk)
    return earlier, planned


def actions_for_assessment(*, assessment):
    """{criterion id: [actions planned in this assessment]}, one query."""
    out = {}
    for action in (
        Action.objects.filter(planned_in=assessment).select_related("owner").order_by("due", "pk")
    ):
        out.setdefault(action.criterion_id, []).append(action)
    return out


def title_from(text, *, limit=120):
    """A title for an action started from an opportunity's text: its first sentence or
    line, shortened at a word to `limit` characters."""
    text = (text or "").strip()
    first = text.splitlines()[0] if text else ""
    for end in (". ", "; "):
        if end in first:
            first = first.split(end, 1)[0]
    first = first.strip().rstrip(".")
    if len(first) > limit:
        first = first[:limit].rsplit(" ", 1)[0] + "…"
    return first


# --- the scorecard's plan section ---------------------------------------------------------------


def scorecard_plan(*, assessment, entries=None):
    """The scorecard's "Plan for the next cycle": the entries with a target, and the open
    actions of the office planned up to this cycle. One query when the assessment's
    `entries` (with criteria) are given, two otherwise."""
    if entries is None:
        entries = Entry.objects.filter(assessment=assessment).select_related("criterion")
    targets = sorted((e for e in entries if e.target is not None), key=lambda e: e.criterion.number)
    actions = list(
        Action.objects.filter(
            office_id=assessment.office_id,
            status__in=[Action.Status.PLANNED, Action.Status.IN_PROGRESS],
        )
        .filter(Q(planned_in__isnull=True) | Q(planned_in__cycle__lte=assessment.cycle))
        .select_related("owner", "criterion")
        .order_by("criterion__number", F("due").asc(nulls_last=True), "pk")
    )
    return {"targets": targets, "actions": actions, "any": bool(targets or actions)}


# --- downloads -----------------------------------------------------------------------------------

# Stable English headers, whatever the page's language.
CSV_HEADER = (
    "criterion_number",
    "criterion",
    "title",
    "description",
    "owner",
    "owner_in_office",
    "due",
    "status",
    "overdue",
    "drop_reason",
    "success_measure",
    "links",
    "planned_in_cycle",
    "done_on",
)


def csv_rows(*, actions, members, today):
    """The CSV rows of `actions` as plan_actions gives them."""
    for action in actions:
        owner, left = owner_label(action, members=members)
        yield (
            action.criterion.number,
            action.criterion.short_title or action.criterion.title,
            action.title,
            action.description,
            owner,
            bool(action.owner_id) and not left,
            action.due.isoformat() if action.due else "",
            action.status,
            is_overdue(action, today=today),
            action.drop_reason,
            action.success_measure,
            " ".join(action.links.split()),
            action.planned_in_cycle if action.planned_in_id else "",
            action.done_on.isoformat() if action.done_on else "",
        )


def plan_csv(*, actions, members, today, bom=False):
    """The plan as CSV text (CSV_HEADER), with a byte-order mark for Excel when `bom`."""
    out = io.StringIO()
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in csv_rows(actions=actions, members=members, today=today):
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


def plan_ical(*, office, actions, url, now=None):
    """The due dates of the office's open actions as an iCalendar file (bytes): one all-day
    event per action, with a stable UID so that a calendar that subscribes updates it."""
    import icalendar

    now = now or timezone.now()
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//OVP Assess//office plan//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", str(_("Plan of %(office)s") % {"office": office.name}))
    host = site_base().split("://", 1)[-1].split("/", 1)[0] or "ovp-assess"
    for action in actions:
        if action.due is None or not action.is_open:
            continue
        event = icalendar.Event()
        event.add("uid", f"action-{action.pk}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", action.due)
        event.add("dtend", action.due + datetime.timedelta(days=1))
        event.add("summary", f"{action.criterion.number}. {action.title}")
        if action.description:
            event.add("description", action.description)
        event.add("url", url)
        event.add(
            "status", "CONFIRMED" if action.status == Action.Status.IN_PROGRESS else "TENTATIVE"
        )
        calendar.add_component(event)
    return calendar.to_ical()


# --- for the notification engine ----------------------------------------------------------------


def due_actions(*, today, within_days):
    """Open actions due within `within_days` days of `today` or overdue (due before today),
    oldest first, each with its owner (None for a name outside the app, see owner_name), its
    office and criterion loaded, and `overdue` set. For reminders: to the owner and the
    office's leads (see leads_of)."""
    until = today + datetime.timedelta(days=within_days)
    actions = list(
        Action.objects.filter(
            status__in=[Action.Status.PLANNED, Action.Status.IN_PROGRESS],
            due__isnull=False,
            due__lte=until,
        )
        .select_related("owner__profile", "office__city", "criterion")
        .order_by("due", "pk")
    )
    for action in actions:
        action.overdue = action.due < today
    return actions


def leads_of(*, office_ids):
    """{office id: [lead users]} for the given offices, one query."""
    out = {}
    for m in (
        Membership.objects.filter(office_id__in=list(office_ids), role=Membership.Role.LEAD)
        .select_related("user__profile")
        .order_by("user_id")
    ):
        out.setdefault(m.office_id, []).append(m.user)
    return out
