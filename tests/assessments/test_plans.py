"""Targets, actions and the office's plan: the rules, without a request, then the pages."""

import csv
import datetime
import io

import icalendar
import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import plans, workflow
from assessments.forms import EntryForm
from assessments.models import Action, ActionNote, Assessment, Entry, Membership
from criteria.models import Criterion
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


def _data(**kw):
    data = {
        "criterion_id": Criterion.objects.get(number=1).pk,
        "title": "Publish the budget",
        "description": "Every quarter.",
        "owner_id": None,
        "owner_name": "",
        "due": TODAY + datetime.timedelta(days=30),
        "status": Action.Status.PLANNED,
        "drop_reason": "",
        "success_measure": "",
        "links": "",
    }
    data.update(kw)
    return data


def _action(office, user, **kw):
    return plans.create_action(office=office, data=_data(**kw), user=user, today=TODAY)


# --- targets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "target"), [(None, None), (0, 1), (2, 3), (3, 4), (4, 4)])
def test_default_target_is_one_above_capped_at_four(level, target):
    assert plans.default_target(level=level) == target


def test_entry_form_proposes_the_target_from_the_level(assessment):
    entry = assessment.entries.select_related("criterion").get(criterion__number=1)
    criterion = entry.criterion
    assert EntryForm.initial_for(entry)["target"] == "auto"
    post = {
        "base_version": "1",
        "applicability": "assessed",
        "level": "2",
        "target": "auto",
        "strengths": "s",
        "opportunities": "o",
    }
    form = EntryForm(post, criterion=criterion)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["target"] == 3
    form = EntryForm({**post, "target": "none"}, criterion=criterion)
    assert form.is_valid()
    assert form.cleaned_data["target"] is None


def test_target_left_unset_stays_unset_after_a_save(assessment, staff):
    entry = assessment.entries.select_related("criterion").get(criterion__number=1)
    data = {"applicability": "assessed", "level": 2, "target": None, "strengths": "s"}
    result = workflow.save_entry(entry=entry, data=data, base_version=1, user=staff)
    assert result.saved
    assert EntryForm.initial_for(result.entry)["target"] == "none"


def test_target_is_compared_by_the_conflict_check(assessment, staff):
    entry = assessment.entries.select_related("criterion").get(criterion__number=1)
    base = {"applicability": "assessed", "level": 2, "strengths": "s", "opportunities": "o"}
    first = workflow.save_entry(entry=entry, data={**base, "target": 3}, base_version=1, user=staff)
    assert first.saved
    # A second save from version 1 that differs only by its target is a conflict, not a
    # silent overwrite, and names the field.
    second = workflow.save_entry(
        entry=entry, data={**base, "target": 4}, base_version=1, user=staff
    )
    assert second.conflict
    from assessments import conflicts

    fields, (values, _evidence) = conflicts.conflict_for(
        entry=second.entry, base_version=1, mine=workflow.requested_state({**base, "target": 4})
    )
    assert [f.name for f in fields] == ["target"]
    assert values["target"] == 4


def test_next_cycle_does_not_copy_the_target(office, staff):
    published = factories.make_assessment(office, cycle=2024, status="published", levels=[2] * 9)
    published.entries.update(target=3)
    draft = workflow.start_assessment(office=office, cycle=2025, user=staff, prefill_from=published)
    assert list(draft.entries.values_list("target", flat=True)) == [None] * 9


def test_targets_reached_counts_the_later_cycle(office, other_office, django_assert_num_queries):
    earlier = factories.make_assessment(office, cycle=2024, status="published", levels=[1] * 9)
    earlier.entries.filter(criterion__number__in=[1, 2, 3]).update(target=2)
    later = factories.make_assessment(office, cycle=2025, status="published", levels=[1] * 9)
    later.entries.filter(criterion__number__in=[1, 2]).update(level=2)
    # One published cycle only: not counted.
    factories.make_assessment(other_office, cycle=2025, status="published", levels=[3] * 9)
    with django_assert_num_queries(3):
        rows = plans.targets_reached(offices=[office.pk, other_office.pk])
    assert [(r.office, r.earlier, r.later, r.set, r.reached) for r in rows] == [
        (office, 2024, 2025, 3, 2)
    ]


# --- the rules of an action ------------------------------------------------------------------


def test_due_date_in_the_past_is_refused_unless_done(office, staff):
    past = TODAY - datetime.timedelta(days=1)
    with pytest.raises(plans.ActionError) as exc:
        _action(office, staff, due=past)
    assert list(exc.value.errors) == ["due"]
    done = _action(office, staff, due=past, status=Action.Status.DONE)
    assert done.done_on == TODAY


def test_dropped_needs_a_reason(office, staff):
    with pytest.raises(plans.ActionError) as exc:
        _action(office, staff, status=Action.Status.DROPPED)
    assert list(exc.value.errors) == ["drop_reason"]
    dropped = _action(office, staff, status=Action.Status.DROPPED, drop_reason="No budget.")
    assert dropped.drop_reason == "No budget."


def test_viewer_and_outsider_may_not_create(office, viewer, other_staff):
    for user in (viewer, other_staff):
        with pytest.raises(PermissionDenied):
            _action(office, user)


def test_stale_save_is_a_conflict_and_writes_nothing(office, staff):
    action = _action(office, staff)
    first = plans.save_action(
        action=action, data=_data(title="Theirs"), base_version=1, user=staff, today=TODAY
    )
    assert first.saved and first.action.version == 2
    second = plans.save_action(
        action=action, data=_data(title="Mine"), base_version=1, user=staff, today=TODAY
    )
    assert (second.saved, second.conflict) == (False, True)
    assert Action.objects.get(pk=action.pk).title == "Theirs"
    assert plans.conflicting_fields(
        theirs=plans.action_state(second.action), mine=_data(title="Mine")
    ) == [("title", "Theirs", "Mine")]
    # History: created, then one change.
    assert list(action.history.order_by("history_id").values_list("title", flat=True)) == [
        "Publish the budget",
        "Theirs",
    ]


def test_an_overdue_action_can_change_status_without_moving_its_date(office, staff):
    action = _action(office, staff)
    later = action.due + datetime.timedelta(days=1)
    result = plans.save_action(
        action=action,
        data=_data(status=Action.Status.IN_PROGRESS),
        base_version=1,
        user=staff,
        today=later,
    )
    assert result.saved
    with pytest.raises(plans.ActionError):
        plans.save_action(
            action=result.action,
            data=_data(due=later - datetime.timedelta(days=2)),
            base_version=2,
            user=staff,
            today=later,
        )


def test_owner_who_leaves_keeps_the_action_and_can_be_replaced(office, staff):
    owner = factories.make_user("leaver", office=office)
    action = _action(office, staff, owner_id=owner.pk)
    Membership.objects.filter(user=owner).delete()
    action.refresh_from_db()
    assert action.owner_id == owner.pk
    members = plans.member_ids(office_id=office.pk)
    assert plans.owner_label(action, members=members) == ("leaver", True)
    result = plans.save_action(
        action=action, data=_data(owner_id=staff.pk), base_version=1, user=staff, today=TODAY
    )
    assert result.action.owner_id == staff.pk


def test_plan_lists_overdue_first(office, staff):
    a = _action(office, staff, title="Later", due=TODAY + datetime.timedelta(days=60))
    b = _action(office, staff, title="Soon", due=TODAY + datetime.timedelta(days=2))
    c = _action(office, staff, title="Done", due=TODAY, status=Action.Status.DONE)
    d = _action(office, staff, title="Overdue", due=TODAY + datetime.timedelta(days=1))
    Action.objects.filter(pk=c.pk).update(due=TODAY - datetime.timedelta(days=9))
    Action.objects.filter(pk=d.pk).update(due=TODAY - datetime.timedelta(days=3))
    titles = [x.title for x in plans.plan_actions(office=office, today=TODAY)]
    assert titles == ["Overdue", "Done", "Soon", "Later"]
    assert [x.title for x in plans.plan_actions(office=office, today=TODAY, status="done")] == [
        "Done"
    ]
    assert a and b


def test_plan_order_overdue_then_criterion_then_due_with_no_date_last(office, staff):
    def crit(n):
        return Criterion.objects.get(number=n).pk

    day = datetime.timedelta(days=1)
    made = [
        _action(office, staff, title="2 none", criterion_id=crit(2), due=None),
        _action(office, staff, title="2 soon", criterion_id=crit(2), due=TODAY + day),
        _action(office, staff, title="1 late", criterion_id=crit(1), due=TODAY + 9 * day),
        _action(office, staff, title="3 very late", criterion_id=crit(3), due=TODAY + 9 * day),
        _action(office, staff, title="1 none", criterion_id=crit(1), due=None),
        _action(office, staff, title="1 none again", criterion_id=crit(1), due=None),
    ]
    Action.objects.filter(pk=made[2].pk).update(due=TODAY - 2 * day)
    Action.objects.filter(pk=made[3].pk).update(due=TODAY - 5 * day)
    titles = [x.title for x in plans.plan_actions(office=office, today=TODAY)]
    assert titles == ["3 very late", "1 late", "1 none", "1 none again", "2 soon", "2 none"]


def test_plan_actions_with_the_criteria_given_are_those_of_the_join(office, staff):
    _action(office, staff, title="a", criterion_id=Criterion.objects.get(number=3).pk)
    _action(office, staff, title="b")
    criteria = list(Criterion.objects.order_by("number"))
    joined = plans.plan_actions(office=office, today=TODAY)
    with CaptureQueriesContext(connection) as ctx:
        given = plans.plan_actions(office=office, today=TODAY, criteria=criteria)
        names = [(a.title, a.criterion.number, a.criterion.short_title) for a in given]
    assert len(ctx.captured_queries) == 1
    assert "criteria_criterion" not in ctx.captured_queries[0]["sql"]
    assert names == [(a.title, a.criterion.number, a.criterion.short_title) for a in joined]


def test_owner_choices_from_the_actions_are_those_of_the_query(office, staff):
    ana = factories.make_user(office=office)
    ana.first_name, ana.last_name = "Ana", "Silva"
    ana.save()
    _action(office, staff, title="a", owner_id=ana.pk)
    _action(office, staff, title="b", owner_id=ana.pk)
    _action(office, staff, title="c", owner_id=staff.pk)
    _action(office, staff, title="d", owner_name="Zoé outside")
    _action(office, staff, title="e", owner_name="")
    actions = plans.plan_actions(office=office, today=TODAY)
    expected = plans.owner_choices(office=office)
    assert len(expected) == 3
    assert plans.owner_choices(office=office, actions=actions) == expected


def test_due_actions_for_reminders(office, staff):
    soon = _action(office, staff, title="Soon", due=TODAY + datetime.timedelta(days=5))
    _action(office, staff, title="Far", due=TODAY + datetime.timedelta(days=30))
    late = _action(office, staff, title="Late", due=TODAY + datetime.timedelta(days=1))
    Action.objects.filter(pk=late.pk).update(due=TODAY - datetime.timedelta(days=1))
    _action(office, staff, title="Done", due=TODAY, status="done")
    found = plans.due_actions(today=TODAY, within_days=7)
    assert [(a.pk, a.overdue) for a in found] == [(late.pk, True), (soon.pk, False)]
    assert found[0].office == office


def test_csv_reads_back_with_stable_headers(office, staff):
    _action(office, staff, title="=HYPERLINK(1)", owner_name="Ana (outside)")
    actions = plans.plan_actions(office=office, today=TODAY)
    text = plans.plan_csv(actions=actions, members=set(), today=TODAY, bom=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert list(rows[0]) == list(plans.CSV_HEADER)
    assert rows[0]["title"] == "'=HYPERLINK(1)"
    assert rows[0]["owner"] == "Ana (outside)"
    assert rows[0]["due"] == "2026-07-01"
    assert rows[0]["status"] == "planned"


@pytest.mark.parametrize("language", ["en", "es", "pt-br", "fr"])
def test_plan_csv_is_the_same_whatever_the_interface_language(office, staff, client_for, language):
    _action(office, staff, title="Publish the budget", owner_name="Ana")
    client = client_for(staff)
    response = client.get(
        reverse("assess:plan-csv", args=[office.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == list(plans.CSV_HEADER)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["criterion_number"], row["status"], row["due"]) == ("1", "planned", "2026-07-01")


def test_icalendar_parses_back(office, staff):
    action = _action(office, staff, title="Publish, the budget; now")
    _action(office, staff, title="No date", due=None)
    body = plans.plan_ical(
        office=office, actions=plans.plan_actions(office=office, today=TODAY), url="https://x.org/"
    )
    calendar = icalendar.Calendar.from_ical(body)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    assert str(events[0]["summary"]) == "1. Publish, the budget; now"
    assert events[0].decoded("dtstart") == action.due
    assert str(events[0]["uid"]).startswith(f"action-{action.pk}@")


def test_title_from_an_opportunity():
    assert plans.title_from("Publish the budget. Then more.") == "Publish the budget"
    assert plans.title_from("") == ""
    assert len(plans.title_from("word " * 100)) <= 121


def test_notes_on_earlier_actions(office, staff):
    earlier = factories.make_assessment(office, cycle=2024, status="published", levels=[2] * 9)
    action = plans.create_action(
        office=office, data=_data(), user=staff, planned_in=earlier, today=TODAY
    )
    draft = workflow.start_assessment(office=office, cycle=2025, user=staff, prefill_from=earlier)
    assert [a.pk for a in plans.earlier_actions(assessment=draft)] == [action.pk]
    plans.set_note(action=action, assessment=draft, text=" Half done. ", user=staff)
    assert ActionNote.objects.get().text == "Half done."
    assert plans.earlier_actions(assessment=draft)[0].note.text == "Half done."
    with pytest.raises(PermissionDenied):
        plans.set_note(action=action, assessment=earlier, text="x", user=staff)


def test_scorecard_plan(office, staff):
    a = factories.make_assessment(office, cycle=2025, levels=[2] * 9)
    assert plans.scorecard_plan(assessment=a)["any"] is False
    a.entries.filter(criterion__number=2).update(target=3)
    plans.create_action(office=office, data=_data(), user=staff, planned_in=a, today=TODAY)
    found = plans.scorecard_plan(assessment=a)
    assert [e.criterion.number for e in found["targets"]] == [2]
    assert [x.title for x in found["actions"]] == ["Publish the budget"]


# --- pages -----------------------------------------------------------------------------------


def test_plan_page_permissions(office, staff, viewer, other_staff, reviewer, client_for):
    action = _action(office, staff)
    url = reverse("assess:plan", args=[office.pk])
    edit = reverse("assess:action", args=[office.pk, action.pk])
    assert client_for(None).get(url).status_code == 302
    assert client_for(other_staff).get(url).status_code == 404
    assert client_for(other_staff).get(edit).status_code == 404
    assert client_for(other_staff).post(edit, {"title": "x"}).status_code == 404
    assert client_for(viewer).get(url).status_code == 200
    assert client_for(viewer).post(edit, {"title": "x"}).status_code == 403
    assert client_for(reviewer).get(edit).status_code == 200
    assert client_for(reviewer).post(edit, {"title": "x"}).status_code == 404
    # An action of another office is not reached through this office's address.
    foreign = _action(other_staff.memberships.get().office, other_staff)
    assert (
        client_for(staff).get(reverse("assess:action", args=[office.pk, foreign.pk])).status_code
        == 404
    )
    assert Action.objects.get(pk=action.pk).title == "Publish the budget"


def _post(action, **kw):
    data = {
        "base_version": str(action.version),
        "criterion": "1",
        "title": action.title,
        "description": "",
        "owner": "",
        "owner_name": "",
        "due": action.due.isoformat() if action.due else "",
        "status": action.status,
        "drop_reason": "",
        "success_measure": "",
        "links": "",
    }
    data.update(kw)
    return data


def test_edit_page_refuses_a_past_date_keeping_what_was_typed(office, staff, client_for):
    action = _action(office, staff, due=datetime.date.today() + datetime.timedelta(days=3))
    client = client_for(staff)
    url = reverse("assess:action", args=[office.pk, action.pk])
    response = client.post(
        url, _post(action, title="Typed title", due="2001-01-01", success_measure="typed")
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "This date is in the past" in body
    assert "Typed title" in body and ">\ntyped</textarea>" in body
    response = client.post(url, _post(action, status="dropped"))
    assert "Say why the action was dropped." in response.content.decode()
    response = client.post(url, _post(action, links="javascript:alert(1)"))
    assert response.status_code == 400


def test_edit_page_conflict_keeps_mine(office, staff, client_for):
    action = _action(office, staff, due=datetime.date.today() + datetime.timedelta(days=3))
    other = factories.make_user("colleague", office=office)
    client = client_for(staff)
    url = reverse("assess:action", args=[office.pk, action.pk])
    assert client_for(other).post(url, _post(action, title="Theirs")).status_code == 302
    response = client.post(url, _post(action, title="Mine"))
    assert response.status_code == 409
    body = response.content.decode()
    assert "Not saved: someone else changed this action" in body
    assert 'value="Mine"' in body
    assert Action.objects.get(pk=action.pk).title == "Theirs"
    # Saving again is deliberate: the form now carries their version.
    assert 'name="base_version" value="2"' in body


def test_new_action_from_an_opportunity(office, staff, client_for):
    a = workflow.start_assessment(office=office, cycle=2025, user=staff)
    Entry.objects.filter(assessment=a, criterion__number=4).update(
        opportunities="Train the staff on data. And more."
    )
    client = client_for(staff)
    url = reverse("assess:action-new", args=[office.pk])
    response = client.get(url, {"criterion": 4, "from": a.pk})
    assert 'value="Train the staff on data"' in response.content.decode()
    due = (datetime.date.today() + datetime.timedelta(days=10)).isoformat()
    response = client.post(
        url,
        {
            "planned_in": a.pk,
            "criterion": "4",
            "title": "Train the staff",
            "status": "planned",
            "due": due,
            "owner": str(staff.pk),
        },
    )
    assert response.status_code == 302
    action = Action.objects.get()
    assert (action.criterion.number, action.planned_in, action.owner) == (4, a, staff)
    assert action.history.count() == 1


def test_new_action_from_another_offices_assessment_is_404(office, other_office, staff, client_for):
    foreign = factories.make_assessment(other_office, cycle=2025)
    response = client_for(staff).get(
        reverse("assess:action-new", args=[office.pk]), {"criterion": 1, "from": foreign.pk}
    )
    assert response.status_code == 404


def test_plan_page_queries_stay_flat(office, staff, client_for):
    client = client_for(staff)
    url = reverse("assess:plan", args=[office.pk])
    counts = []
    for n in (1, 8):
        while Action.objects.count() < n:
            owner = factories.make_user(office=office)
            _action(office, staff, owner_id=owner.pk)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    for name in ("assess:plan-csv", "assess:plan-ics"):
        assert client.get(reverse(name, args=[office.pk])).status_code == 200


def test_plan_filters_and_downloads(office, staff, client_for):
    _action(office, staff, title="One", owner_name="Ana")
    _action(office, staff, title="Two", criterion_id=Criterion.objects.get(number=2).pk)
    client = client_for(staff)
    url = reverse("assess:plan", args=[office.pk])
    body = client.get(url, {"criterion": 2}).content.decode()
    assert "Two" in body and ">One<" not in body
    body = client.get(url, {"owner": "nAna"}).content.decode()
    assert ">One<" in body and ">Two<" not in body
    assert client.get(url, {"criterion": "nine"}).status_code == 200  # a message, no 500
    response = client.get(reverse("assess:plan-csv", args=[office.pk]), {"bom": "on"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode().startswith("\ufeffcriterion_number,")


def test_notes_view(office, staff, viewer, client_for):
    earlier = factories.make_assessment(office, cycle=2024, status="published", levels=[2] * 9)
    action = plans.create_action(
        office=office, data=_data(), user=staff, planned_in=earlier, today=TODAY
    )
    draft = workflow.start_assessment(office=office, cycle=2025, user=staff, prefill_from=earlier)
    url = reverse("assess:action-notes", args=[draft.pk, 1])
    page = client_for(staff).get(reverse("assess:criterion", args=[draft.pk, 1]))
    assert f'name="note-{action.pk}"' in page.content.decode()
    assert client_for(viewer).post(url, {f"note-{action.pk}": "x"}).status_code == 403
    assert client_for(staff).post(url, {f"note-{action.pk}": "Half way."}).status_code == 302
    assert ActionNote.objects.get(action=action, assessment=draft).text == "Half way."
    assert Assessment.objects.get(pk=draft.pk).status == "draft"


def test_words_refused_as_too_long_come_back_in_their_box(office, staff, client_for, settings):
    earlier = factories.make_assessment(office, cycle=2024, status="published", levels=[2] * 9)
    action = plans.create_action(
        office=office, data=_data(), user=staff, planned_in=earlier, today=TODAY
    )
    draft = workflow.start_assessment(office=office, cycle=2025, user=staff, prefill_from=earlier)
    client = client_for(staff)
    words = "Far more than the limit & <b>kept</b> " + "x" * settings.MAX_TEXT_LENGTH
    response = client.post(
        reverse("assess:action-notes", args=[draft.pk, 1]),
        {f"note-{action.pk}": words},
        follow=True,
    )
    html = response.content.decode()
    assert not ActionNote.objects.filter(action=action).exists()
    assert (
        html.count(
            "Far more than the limit &amp; &lt;b&gt;kept&lt;/b&gt; "
            + "x" * settings.MAX_TEXT_LENGTH
            + "</textarea>"
        )
        == 1
    )
    assert html.count(f'id="note-{action.pk}-error"') == 1
    # Shown once: the next visit shows the saved word again (none here).
    again = client.get(reverse("assess:criterion", args=[draft.pk, 1])).content.decode()
    assert "Far more than the limit" not in again


# --- the scorecard and the dashboard ------------------------------------------------------------


def test_scorecard_pdf_shows_the_plan_only_when_there_is_one(office, staff, client):
    from tests.reports.scorecard_helpers import pdf_bytes, pdf_flat

    a = factories.make_assessment(office, cycle=2025, status="published", levels=[2] * 9)
    url = reverse("reports:scorecard", args=[a.pk])
    assert "Planforthenextcycle" not in pdf_flat(pdf_bytes(client.get(url)))
    a.entries.filter(criterion__number=3).update(target=3)
    action = plans.create_action(
        office=office,
        data=_data(title="Open the data portal", due=datetime.date.today()),
        user=staff,
        planned_in=a,
    )
    text = pdf_flat(pdf_bytes(client.get(url)))
    assert "Planforthenextcycle" in text
    assert "Openthedataportal" in text
    # A change to an action alone renders the scorecard again (the plan is in its key).
    plans.save_action(
        action=action,
        data=_data(
            title="Open the data portal",
            due=action.due,
            status="dropped",
            drop_reason="No budget.",
        ),
        base_version=1,
        user=staff,
    )
    assert "Openthedataportal" not in pdf_flat(pdf_bytes(client.get(url)))


def test_dashboard_shows_targets_reached(office, client):
    office.city.origin = "report"
    earlier = factories.make_assessment(office, cycle=2024, status="published", levels=[1] * 9)
    earlier.entries.filter(criterion__number__in=[1, 2]).update(target=2)
    later = factories.make_assessment(office, cycle=2025, status="published", levels=[1] * 9)
    later.entries.filter(criterion__number=1).update(level=3)
    body = client.get(reverse("reports:dashboard"), {"include_demo": "on"}).content.decode()
    assert 'id="targets-heading"' in body
    row = body.split('class="table table-sm data-table targets-table"')[1].split("</table>")[0]
    assert ">2024<" in row and ">2025<" in row and ">2<" in row and ">1<" in row


def test_earlier_actions_are_the_last_cycles_and_older_open_ones(office, staff):
    first = factories.make_assessment(office, cycle=2023, status="published", levels=[2] * 9)
    second = factories.make_assessment(office, cycle=2024, status="published", levels=[2] * 9)
    old_done = _action(office, staff, title="Old, done", status="done")
    old_open = _action(office, staff, title="Old, open")
    last_done = _action(office, staff, title="Last, done", status="done")
    Action.objects.filter(pk__in=[old_done.pk, old_open.pk]).update(planned_in=first)
    Action.objects.filter(pk=last_done.pk).update(planned_in=second)
    draft = factories.make_assessment(office, cycle=2025)
    titles = [a.title for a in plans.earlier_actions(assessment=draft)]
    assert sorted(titles) == ["Last, done", "Old, open"]


def test_owner_who_left_is_shown_and_can_be_reassigned_on_the_page(office, staff, client_for):
    leaver = factories.make_user("leaver", office=office)
    action = _action(office, staff, owner_id=leaver.pk, due=datetime.date.today())
    Membership.objects.filter(user=leaver).delete()
    client = client_for(staff)
    url = reverse("assess:action", args=[office.pk, action.pk])
    body = client.get(url).content.decode()
    assert "leaver is no longer in the office: choose a new owner" in body
    assert "leaver (no longer in the office)" in body  # still the selected owner
    plan = client.get(reverse("assess:plan", args=[office.pk])).content.decode()
    assert "no longer in the office" in plan
    response = client.post(url, _post(action, owner=str(staff.pk)))
    assert response.status_code == 302
    assert Action.objects.get(pk=action.pk).owner == staff
