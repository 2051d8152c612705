"""The workflow's plain functions, without a request."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from assessments import history, workflow
from assessments.models import Assessment, Entry, EvidenceLink, Membership, ReviewComment
from criteria.models import Criterion, PeerExample

from .. import factories
from .helpers import complete_data, fill, publish


def _entry(assessment, number):
    return Entry.objects.select_related("assessment", "criterion").get(
        assessment=assessment, criterion__number=number
    )


def test_start_assessment_creates_nine_unrated_entries_with_history(office, staff):
    a = workflow.start_assessment(office=office, cycle=2025, user=staff)
    entries = list(a.entries.order_by("criterion__number"))
    assert (a.status, a.kind, a.cycle, a.created_by) == ("draft", "self", 2025, staff)
    assert [e.criterion.number for e in entries] == list(range(1, 10))
    assert [e.level for e in entries] == [None] * 9
    assert Entry.history.filter(assessment_id=a.pk).count() == 9
    assert a.history.first().history_user == staff


def test_start_assessment_prefills_levels_texts_and_links(office, staff, reviewer):
    old = workflow.start_assessment(office=office, cycle=2024, user=staff)
    entry = _entry(old, 4)
    workflow.save_entry(
        entry=entry,
        data={
            **complete_data("Old", level=3),
            "evidence": [{"url": "https://example.org/a", "title": "A", "checked_on": None}],
        },
        base_version=entry.version,
        user=staff,
    )
    fill(old, staff, skip={4})
    workflow.submit(assessment=old, user=staff)
    workflow.publish(assessment=old, user=reviewer)

    new = workflow.start_assessment(office=office, cycle=2025, user=staff, prefill_from=old)

    copied = _entry(new, 4)
    assert (copied.level, copied.strengths, copied.opportunities) == (
        3,
        "Old: strengths",
        "Old: opportunities",
    )
    assert [(e.url, e.title) for e in copied.evidence.all()] == [("https://example.org/a", "A")]
    assert _entry(old, 4).evidence.count() == 1  # copied, not moved


def test_start_assessment_same_cycle_twice_is_refused(office, staff):
    workflow.start_assessment(office=office, cycle=2025, user=staff)
    with pytest.raises(workflow.WorkflowError):
        workflow.start_assessment(office=office, cycle=2025, user=staff)
    assert Assessment.objects.filter(office=office).count() == 1


def test_start_assessment_prefill_from_other_office_is_refused(office, other_office, staff):
    foreign = factories.make_assessment(other_office, cycle=2024, status="published")
    with pytest.raises(workflow.WorkflowError):
        workflow.start_assessment(office=office, cycle=2025, user=staff, prefill_from=foreign)


def test_start_assessment_by_viewer_is_denied(office, viewer):
    with pytest.raises(PermissionDenied):
        workflow.start_assessment(office=office, cycle=2025, user=viewer)
    assert Assessment.objects.filter(office=office).count() == 0


def test_save_entry_writes_and_bumps_both_versions(assessment, staff):
    entry = _entry(assessment, 2)
    result = workflow.save_entry(
        entry=entry, data=complete_data("Ours"), base_version=entry.version, user=staff
    )
    stored = Entry.objects.get(pk=entry.pk)
    assert result.saved is True
    assert (stored.version, stored.level, stored.strengths) == (2, 2, "Ours: strengths")
    assert Assessment.objects.get(pk=assessment.pk).version == assessment.version + 1
    record = stored.history.first()
    assert (record.history_type, record.history_user, record.version) == ("~", staff, 2)


def test_save_entry_from_old_version_is_a_conflict_and_writes_nothing(assessment, staff):
    entry = _entry(assessment, 2)
    workflow.save_entry(entry=entry, data=complete_data("First"), base_version=1, user=staff)
    version_before = Assessment.objects.get(pk=assessment.pk).version

    result = workflow.save_entry(
        entry=entry, data=complete_data("Second"), base_version=1, user=staff
    )

    assert (result.saved, result.conflict) == (False, True)
    assert result.entry.strengths == "First: strengths"
    assert result.current_by == staff
    assert Entry.objects.get(pk=entry.pk).strengths == "First: strengths"
    assert Assessment.objects.get(pk=assessment.pk).version == version_before


def test_save_entry_on_published_assessment_is_denied(assessment, staff, reviewer):
    published = publish(assessment, staff, reviewer)
    entry = _entry(published, 1)
    with pytest.raises(PermissionDenied):
        workflow.save_entry(
            entry=entry, data=complete_data("Late"), base_version=entry.version, user=staff
        )
    assert Entry.objects.get(pk=entry.pk).strengths == "Fictional text: strengths"


def test_save_entry_when_status_changed_meanwhile_is_refused(assessment, staff):
    entry = _entry(assessment, 1)  # loaded while still a draft
    Assessment.objects.filter(pk=assessment.pk).update(status="published")
    with pytest.raises(workflow.WorkflowError):
        workflow.save_entry(
            entry=entry, data=complete_data("Late"), base_version=entry.version, user=staff
        )
    assert Entry.objects.get(pk=entry.pk).strengths == ""


def test_save_entry_not_applicable_stores_no_level(assessment, staff):
    entry = _entry(assessment, 6)
    data = {
        **complete_data(),
        "applicability": "not-applicable",
        "justification": "No budget of our own.",
    }
    workflow.save_entry(entry=entry, data=data, base_version=1, user=staff)
    stored = Entry.objects.get(pk=entry.pk)
    assert (stored.applicability, stored.level, stored.justification) == (
        "not-applicable",
        None,
        "No budget of our own.",
    )


def test_save_entry_evidence_keeps_unchanged_rows(assessment, staff):
    entry = _entry(assessment, 3)
    a = {"url": "https://example.org/a", "title": "A", "checked_on": None}
    b = {"url": "https://example.org/b", "title": "B", "checked_on": datetime.date(2025, 1, 2)}
    c = {"url": "https://example.org/c", "title": "C", "checked_on": None}
    workflow.save_entry(
        entry=entry, data={**complete_data(), "evidence": [a, b]}, base_version=1, user=staff
    )
    kept_id = EvidenceLink.objects.get(title="A").pk

    workflow.save_entry(
        entry=entry, data={**complete_data(), "evidence": [a, c]}, base_version=2, user=staff
    )

    links = list(EvidenceLink.objects.filter(entry=entry).order_by("title"))
    assert [(link.title, link.checked_on) for link in links] == [("A", None), ("C", None)]
    assert links[0].pk == kept_id


def test_missing_parts_names_what_an_entry_lacks(assessment):
    entry = _entry(assessment, 1)
    assert [str(p) for p in workflow.missing_parts(entry)] == [
        "a level",
        "current strengths",
        "opportunities",
    ]
    entry.level, entry.strengths, entry.opportunities = 0, "x", " \n "
    assert [str(p) for p in workflow.missing_parts(entry)] == ["opportunities"]
    entry.applicability, entry.justification = "not-applicable", ""
    assert [str(p) for p in workflow.missing_parts(entry)] == [
        "a justification for 'not applicable'"
    ]
    entry.justification = "Not our remit."
    assert workflow.missing_parts(entry) == []


def test_completeness_counts_done_criteria(assessment, staff):
    fill(assessment, staff, skip={4, 9})
    result = workflow.completeness(entries=assessment.entries.select_related("criterion"))
    assert (result.done, result.total, result.is_complete) == (7, 9, False)
    assert [c.number for c in result.missing] == [4, 9]


def test_submit_with_missing_criteria_returns_them_and_stays_draft(assessment, staff):
    fill(assessment, staff, skip={7})
    missing = workflow.submit(assessment=assessment, user=staff)
    assert [c.number for c in missing] == [7]
    assert Assessment.objects.get(pk=assessment.pk).status == "draft"


def test_submit_complete_assessment_changes_status(assessment, staff):
    fill(assessment, staff)
    version = Assessment.objects.get(pk=assessment.pk).version
    assert workflow.submit(assessment=assessment, user=staff) == []
    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.status, stored.version) == ("submitted", version + 1)
    assert stored.submitted_at is not None


def test_submit_by_viewer_is_denied(assessment, staff, viewer):
    fill(assessment, staff)
    with pytest.raises(PermissionDenied):
        workflow.submit(assessment=assessment, user=viewer)


@pytest.mark.parametrize("step", [workflow.publish, workflow.return_to_office])
def test_review_steps_by_staff_are_denied(assessment, staff, step):
    fill(assessment, staff)
    workflow.submit(assessment=assessment, user=staff)
    with pytest.raises(PermissionDenied):
        step(assessment=assessment, user=staff)
    assert Assessment.objects.get(pk=assessment.pk).status == "submitted"


def test_publish_draft_is_refused(assessment, reviewer):
    with pytest.raises(workflow.WorkflowError):
        workflow.publish(assessment=assessment, user=reviewer)
    assert Assessment.objects.get(pk=assessment.pk).status == "draft"


def test_return_to_office_makes_a_draft_with_the_reviewers_note(assessment, staff, reviewer):
    fill(assessment, staff)
    workflow.submit(assessment=assessment, user=staff)
    workflow.return_to_office(assessment=assessment, user=reviewer, comment="Add sources.")
    stored = Assessment.objects.get(pk=assessment.pk)
    note = ReviewComment.objects.get(assessment=assessment)
    assert stored.status == "draft"
    assert (note.decision, note.text, note.author) == ("returned", "Add sources.", reviewer)


def test_publish_records_who_and_when(assessment, staff, reviewer):
    published = publish(assessment, staff, reviewer)
    assert (published.status, published.published_by) == ("published", reviewer)
    assert published.published_at is not None
    assert workflow.latest_decision(comments=published.comments.all()).decision == "published"


def test_add_comment_on_a_criterion(assessment, staff, reviewer):
    fill(assessment, staff)
    workflow.submit(assessment=assessment, user=staff)
    criterion = Criterion.objects.get(number=5)
    comment = workflow.add_comment(
        assessment=assessment, user=reviewer, criterion=criterion, text="  Which data?  "
    )
    assert (comment.criterion, comment.text, comment.decision) == (
        criterion,
        "Which data?",
        "comment",
    )


def test_previous_published_is_latest_earlier_published_cycle(office, staff, reviewer):
    factories.make_assessment(office, cycle=2022, status="published")
    p2023 = factories.make_assessment(office, cycle=2023, status="published")
    factories.make_assessment(office, cycle=2024, status="submitted")
    current = workflow.start_assessment(office=office, cycle=2025, user=staff)
    assert workflow.previous_published(assessment=current) == p2023


def test_word_diff_marks_removed_and_added_words():
    assert history.word_diff("we meet every month", "we meet every week") == [
        ("equal", "we meet every"),
        ("delete", "month"),
        ("insert", "week"),
    ]


def test_revisions_group_the_start_and_list_each_save(assessment, staff):
    entry = _entry(assessment, 2)
    workflow.save_entry(entry=entry, data=complete_data("One"), base_version=1, user=staff)
    workflow.save_entry(
        entry=entry, data={**complete_data("One"), "level": 3}, base_version=2, user=staff
    )
    revs = history.revisions(assessment=assessment)
    assert [(r.is_start, r.criterion and r.criterion.number, r.changed) for r in revs] == [
        (True, None, []),
        (False, 2, ["level", "strengths", "opportunities"]),
        (False, 2, ["level"]),
    ]
    assert revs[2].previous_id == revs[1].record.history_id


def test_diff_revisions_shows_changed_criteria_only(assessment, staff):
    entry = _entry(assessment, 2)
    workflow.save_entry(
        entry=entry,
        data={
            **complete_data("Old words"),
            "evidence": [{"url": "https://example.org/x", "title": "X", "checked_on": None}],
        },
        base_version=1,
        user=staff,
    )
    workflow.save_entry(entry=entry, data=complete_data("New words"), base_version=2, user=staff)
    revs = history.revisions(assessment=assessment)

    diffs = history.diff_revisions(
        assessment=assessment, from_id=revs[1].record.history_id, to_id=revs[2].record.history_id
    )

    changed = [d for d in diffs if d.changed]
    assert [d.criterion.number for d in changed] == [2]
    fields = {name: words for name, _old, _new, words in changed[0].fields}
    assert list(fields) == ["strengths", "opportunities"]
    assert fields["strengths"] == [
        ("delete", "Old"),
        ("insert", "New"),
        ("equal", "words: strengths"),
    ]
    assert (changed[0].evidence_removed, changed[0].evidence_added) == (
        [("X", "https://example.org/x")],
        [],
    )


def test_weakest_criteria_are_the_lowest_rated_with_peer_examples(assessment, staff):
    fill(assessment, staff, levels=[3, 1, 4, 2, 0, 3, 1, 4, 3])
    weakest = workflow.weakest_criteria(assessment=assessment)
    assert [(e.criterion.number, e.level) for e in weakest] == [(5, 0), (2, 1), (7, 1)]
    consultation = weakest[1].criterion
    expected = PeerExample.objects.filter(criterion=consultation).order_by(
        "office__city__name", "key"
    )
    assert consultation.peers == list(expected)
    assert "reach-edmonton" in [p.office.slug for p in consultation.peers]


def test_membership_viewer_cannot_save(assessment, office):
    viewer = factories.make_user(office=office, role=Membership.Role.VIEWER)
    entry = _entry(assessment, 1)
    with pytest.raises(PermissionDenied):
        workflow.save_entry(entry=entry, data=complete_data(), base_version=1, user=viewer)


# --- withdraw and reinstate ------------------------------------------------------------------


def test_withdraw_keeps_the_draft_and_frees_the_cycle(assessment, office, staff, reviewer):
    workflow.withdraw(assessment=assessment, user=staff)

    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.status, stored.entries.count()) == ("withdrawn", 9)
    assert list(stored.history.order_by("history_id").values_list("status", flat=True)) == [
        "draft",
        "withdrawn",
    ]
    again = workflow.start_assessment(office=office, cycle=assessment.cycle, user=staff)
    assert again.pk != assessment.pk
    # The office started the cycle again: the withdrawn one cannot come back over it.
    with pytest.raises(workflow.WorkflowError):
        workflow.reinstate(assessment=stored, user=reviewer)


def test_reinstate_brings_a_withdrawn_draft_back(assessment, staff, reviewer):
    workflow.withdraw(assessment=assessment, user=staff)
    with pytest.raises(PermissionDenied):
        workflow.reinstate(assessment=assessment, user=staff)

    workflow.reinstate(assessment=assessment, user=reviewer)

    assert Assessment.objects.get(pk=assessment.pk).status == "draft"


def test_withdraw_refuses_a_submitted_assessment(assessment, staff):
    fill(assessment, staff)
    assert workflow.submit(assessment=assessment, user=staff) == []
    with pytest.raises(PermissionDenied):
        workflow.withdraw(assessment=assessment, user=staff)
