"""The criterion page (the form staff fill in) runs the same few queries however many cycles
an office has behind it and however many actions it planned: the side navigation, the
previous cycle, targets, the earlier actions and their notes are each loaded at once."""

import datetime

import pytest
from django.urls import reverse

from assessments import access
from assessments.models import Action, ActionNote, EvidenceLink, Membership
from criteria.models import Criterion
from tests import factories

pytestmark = pytest.mark.django_db

# Session, user, memberships (a member's groups are not needed), the assessment, the
# reference stamp (the criteria with their levels and questions are kept under it), the
# entries, the entry's evidence, the previous cycle's entry, the perspectives round, the
# comments (threads and open counts at once), the criterion's actions (this cycle's and
# earlier ones at once).
QUERIES = 11
# With earlier actions: the office's last earlier cycle (some are closed) and their notes.
EARLIER_ACTIONS_QUERIES = 2
# A reader's criterion page: every input of the entry form disabled (its version, two
# applicability radios, six level radios, the target and three text areas).
DISABLED_FOR_A_READER = 13


def _office_with_history(*, cycles, actions, staff, office):
    criteria = list(Criterion.objects.order_by("number"))
    earlier = [
        factories.make_assessment(office, cycle=2026 - cycles + i, status="published")
        for i in range(cycles)
    ]
    for assessment in earlier:
        entry = assessment.entries.get(criterion__number=1)
        EvidenceLink.objects.create(entry=entry, url="https://example.org/", title="Budget")
    draft = factories.make_assessment(office, cycle=2026)
    draft.entries.update(target=3)
    statuses = [Action.Status.PLANNED, Action.Status.IN_PROGRESS, Action.Status.DONE]
    made = Action.objects.bulk_create(
        Action(
            office=office,
            planned_in=(earlier + [draft])[i % (cycles + 1)],
            criterion=criteria[i % 2],  # half of them on the criterion shown
            title=f"Action {i}",
            owner=staff if i % 3 else None,
            status=statuses[i % 3],
            due=datetime.date(2030, 1, 1) if i % 4 else None,
            created_by=staff,
        )
        for i in range(actions)
    )
    ActionNote.objects.bulk_create(
        ActionNote(action=a, assessment=draft, text=f"Note {a.pk}", author=staff)
        for a in made[::3]
        if a.planned_in_id != draft.pk
    )
    return draft


@pytest.mark.parametrize(("cycles", "actions"), [(1, 0), (4, 25)])
def test_the_criterion_page_queries_do_not_grow(
    cycles, actions, office, staff, client_for, django_assert_num_queries
):
    draft = _office_with_history(cycles=cycles, actions=actions, staff=staff, office=office)
    client = client_for(staff)
    url = reverse("assess:criterion", args=[draft.pk, 1])
    first = client.get(url)  # any per-process cache filled
    assert first.status_code == 200
    assert first.content.decode().count('class="mb-3 earlier-action"') == (
        0 if actions == 0 else len(first.context["earlier_actions"])
    )
    with django_assert_num_queries(QUERIES + (EARLIER_ACTIONS_QUERIES if actions else 0)):
        page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert ("What you published for 2025" in body) is True
    earlier = page.context["earlier_actions"]
    notes = {a.pk: a.note.text if a.note else None for a in earlier}
    expected = dict(ActionNote.objects.filter(action__in=earlier).values_list("action_id", "text"))
    assert notes == {a.pk: expected.get(a.pk) for a in earlier}
    # Some of the actions shown have a note, some not.
    assert {bool(n) for n in notes.values()} == ({True, False} if actions else set())


def test_memberships_are_read_once_inside_and_afresh_after(
    office, other_office, staff, django_assert_num_queries
):
    draft = factories.make_assessment(office)
    with access.memberships_read_once(staff), django_assert_num_queries(1):
        assert access.office_ids_for(staff) == {office.pk}
        assert access.office_ids_for(staff, editor=True) == {office.pk}
        assert access.can_edit(staff, draft) is True
    # Outside, nothing is remembered: a membership made since counts.
    Membership.objects.create(user=staff, office=other_office, role=Membership.Role.VIEWER)
    with django_assert_num_queries(2):
        assert access.office_ids_for(staff) == {office.pk, other_office.pk}
        assert access.office_ids_for(staff, editor=True) == {office.pk}


@pytest.mark.parametrize(("cycles", "actions"), [(1, 0), (4, 25)])
def test_criterion_actions_are_the_earlier_and_planned_ones(
    cycles, actions, office, staff, django_assert_max_num_queries
):
    from assessments import plans

    draft = _office_with_history(cycles=cycles, actions=actions, staff=staff, office=office)
    for number in (1, 2, 3):
        criterion = Criterion.objects.get(number=number)
        # One query without earlier actions, three at most whatever their number.
        with django_assert_max_num_queries(3 if cycles > 1 else 1):
            earlier, planned = plans.criterion_actions(assessment=draft, criterion_id=criterion.pk)
        expected = plans.earlier_actions(assessment=draft, criterion_id=criterion.pk)
        assert [(a.pk, a.note) for a in earlier] == [(a.pk, a.note) for a in expected]
        assert [a.planned_cycle for a in earlier] == [a.planned_in.cycle for a in expected]
        mine = plans.actions_for_assessment(assessment=draft).get(criterion.pk, [])
        assert [a.pk for a in planned] == [a.pk for a in mine]
        if actions and number < 3:
            assert earlier and planned


def test_the_criterion_links_are_their_addresses(office, staff, client_for):
    draft = _office_with_history(cycles=1, actions=0, staff=staff, office=office)
    body = client_for(staff).get(reverse("assess:criterion", args=[draft.pk, 2])).content.decode()
    for number in range(1, 10):
        url = reverse("assess:criterion", args=[draft.pk, number])
        # The side navigation's link, and those around the form on their neighbours' pages.
        assert f'<a href="{url}"' in body
    assert f'action="{reverse("assess:criterion", args=[draft.pk, 2])}"' in body
    assert body.count(f'<a href="{reverse("assess:criterion", args=[draft.pk, 3])}"') == 2


def test_the_criterion_page_shows_reference_edits_at_once(office, staff, client_for):
    """The criteria, levels and questions are kept under the reference stamp: an edit of
    any of them moves it, and the next page shows the new text."""
    from criteria.models import GuidingQuestion, RubricLevel

    draft = _office_with_history(cycles=1, actions=0, staff=staff, office=office)
    client = client_for(staff)
    url = reverse("assess:criterion", args=[draft.pk, 1])
    assert client.get(url).status_code == 200  # kept
    question = GuidingQuestion.objects.filter(criterion__number=1).first()
    question.text = "Who wrote the office's mandate, fictionally?"
    question.translations = {}
    question.save()
    level = RubricLevel.objects.get(criterion__number=1, level=2)
    level.label = "Halfway there (edited)"
    level.translations = {}
    level.save()
    body = client.get(url).content.decode()
    assert body.count("Who wrote the office&#x27;s mandate, fictionally?") == 1
    assert body.count("Halfway there (edited)") == 2  # the level choice and the target


def test_the_kept_form_fields_follow_the_entry_and_the_reader(office, staff, viewer, client_for):
    """The unsent form's fields are kept per initial values and read-only state: a save
    shows at once, and a viewer never gets an editor's enabled fields (nor the reverse)."""
    from assessments import workflow
    from assessments.models import Entry
    from tests.assessments.helpers import complete_data

    draft = _office_with_history(cycles=1, actions=0, staff=staff, office=office)
    url = reverse("assess:criterion", args=[draft.pk, 1])
    editor, reader = client_for(staff), client_for(viewer)
    first = editor.get(url).content.decode()
    assert first.count('name="strengths"') == 1
    assert first.count("disabled") == 0
    entry = Entry.objects.select_related("assessment").get(assessment=draft, criterion__number=1)
    workflow.save_entry(
        entry=entry, data=complete_data("Saved later"), base_version=entry.version, user=staff
    )
    after = editor.get(url).content.decode()
    assert after.count("Saved later: strengths") == 1
    assert after.count("disabled") == 0
    seen = reader.get(url).content.decode()
    assert seen.count("Saved later: strengths") == 1
    assert seen.count('name="strengths"') == 1
    assert seen.count(" disabled") == DISABLED_FOR_A_READER
    assert editor.get(url).content.decode().count("disabled") == 0


def test_the_kept_previous_cycle_follows_its_text(office, staff, client_for):
    """The previous cycle's entry is kept per what it shows: an edit made behind the app's
    back (an UPDATE, no signal) still shows at once."""
    from assessments.models import Entry

    draft = _office_with_history(cycles=1, actions=0, staff=staff, office=office)
    url = reverse("assess:criterion", args=[draft.pk, 1])
    client = client_for(staff)
    assert client.get(url).content.decode().count("What you published for 2025") == 1
    Entry.objects.filter(
        assessment__office=office, assessment__cycle=2025, criterion__number=1
    ).update(strengths="Corrected by an administrator, fictionally")
    body = client.get(url).content.decode()
    assert body.count("Corrected by an administrator, fictionally") == 1
