"""Correcting a published self-assessment (workflow.start_correction, publish), without
requests; and the report's chart beside each criterion (workflow.report_chart)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from assessments import workflow
from assessments.models import Assessment, Entry, EvidenceLink
from cities.models import Office

from .helpers import complete_data, publish


@pytest.fixture
def published(assessment, staff, reviewer):
    published = publish(assessment, staff, reviewer)
    entry = published.entries.get(criterion__number=3)
    EvidenceLink.objects.create(entry=entry, url="https://example.org/plan", title="Plan")
    return published


def test_correction_is_a_confirmed_copy_with_the_note(published, reviewer):
    correction = workflow.start_correction(
        assessment=published, user=reviewer, note="  Criterion 3 cites the wrong plan.  "
    )
    assert (
        correction.office_id,
        correction.cycle,
        correction.kind,
        correction.status,
        correction.corrects_id,
        correction.correction_note,
    ) == (
        published.office_id,
        published.cycle,
        Assessment.Kind.SELF,
        Assessment.Status.DRAFT,
        published.pk,
        "Criterion 3 cites the wrong plan.",
    )
    fields = ("criterion__number", "level", "strengths", "opportunities", "confirmed")
    copied = list(correction.entries.order_by("criterion__number").values_list(*fields))
    assert copied == [
        (*row[:-1], True)
        for row in published.entries.order_by("criterion__number").values_list(*fields)
    ]
    assert list(
        EvidenceLink.objects.filter(entry__assessment=correction).values_list("url", "title")
    ) == [("https://example.org/plan", "Plan")]
    # The published one is untouched and still the public one.
    assert list(Assessment.objects.published().filter(office=published.office)) == [published]
    assert workflow.pending_correction_notes(ids=[published.pk]) == {
        published.pk: "Criterion 3 cites the wrong plan."
    }


def test_correction_needs_a_note_a_reviewer_and_a_published_self_assessment(
    published, staff, reviewer, office
):
    with pytest.raises(workflow.WorkflowError):
        workflow.start_correction(assessment=published, user=reviewer, note="  ")
    with pytest.raises(PermissionDenied):
        workflow.start_correction(assessment=published, user=staff, note="Mine")
    draft = workflow.start_assessment(office=office, cycle=2026, user=staff)
    with pytest.raises(workflow.WorkflowError):
        workflow.start_correction(assessment=draft, user=reviewer, note="Not published")
    assert Assessment.objects.filter(corrects__isnull=False).count() == 0


def test_one_correction_at_a_time(published, reviewer):
    workflow.start_correction(assessment=published, user=reviewer, note="First")
    with pytest.raises(workflow.WorkflowError):
        workflow.start_correction(assessment=published, user=reviewer, note="Second")
    assert Assessment.objects.filter(corrects=published).count() == 1


def test_publishing_the_correction_supersedes_the_published_one(published, staff, reviewer):
    correction = workflow.start_correction(assessment=published, user=reviewer, note="Fix 3")
    entry = Entry.objects.select_related("assessment").get(
        assessment=correction, criterion__number=3
    )
    data = {**complete_data("Corrected"), "level": 3}
    assert workflow.save_entry(entry=entry, data=data, base_version=entry.version, user=staff).saved
    assert workflow.submit(assessment=correction, user=staff) == []
    workflow.publish(assessment=correction, user=reviewer)

    published.refresh_from_db()
    correction.refresh_from_db()
    assert (published.status, correction.status) == (
        Assessment.Status.SUPERSEDED,
        Assessment.Status.PUBLISHED,
    )
    assert list(Assessment.objects.published().filter(office=published.office)) == [correction]
    assert workflow.pending_correction_notes(ids=[correction.pk]) == {}
    # The earlier version stays in the history.
    assert published.history.first().status == Assessment.Status.SUPERSEDED
    assert published.entries.get(criterion__number=3).level == 2
    # And the corrected one can be corrected in turn.
    again = workflow.start_correction(assessment=correction, user=reviewer, note="Once more")
    assert again.corrects_id == correction.pk


def test_returning_a_correction_keeps_the_published_one(published, staff, reviewer):
    correction = workflow.start_correction(assessment=published, user=reviewer, note="Fix 3")
    workflow.submit(assessment=correction, user=staff)
    workflow.return_to_office(assessment=correction, user=reviewer)
    published.refresh_from_db()
    assert published.status == Assessment.Status.PUBLISHED


def test_the_database_refuses_two_live_assessments_of_one_cycle(published, reviewer):
    workflow.start_correction(assessment=published, user=reviewer, note="Fix")
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(
            office=published.office,
            cycle=published.cycle,
            kind=published.kind,
            corrects=published,
            status=Assessment.Status.DRAFT,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(
            office=published.office, cycle=published.cycle, kind=published.kind
        )


def test_report_chart_is_the_research_assessment_of_the_same_city(
    report, django_assert_num_queries
):
    cali = Office.objects.filter(
        city__slug="cali", assessments__kind=Assessment.Kind.RESEARCH
    ).first()
    chart_assessment = Assessment.objects.get(office=cali, kind=Assessment.Kind.RESEARCH)
    probe = Assessment(office=cali, cycle=2030, kind=Assessment.Kind.SELF)
    with django_assert_num_queries(2):
        chart, cells = workflow.report_chart(assessment=probe)
    assert chart == chart_assessment
    assert cells == {e.criterion_id: e for e in chart_assessment.entries.all()}


def test_report_chart_is_none_for_cities_the_report_did_not_chart(office):
    probe = Assessment(office=office, cycle=2030, kind=Assessment.Kind.SELF)
    assert workflow.report_chart(assessment=probe) == (None, {})


def test_the_office_cannot_withdraw_a_correction(published, staff, reviewer):
    correction = workflow.start_correction(assessment=published, user=reviewer, note="Fix 3")
    with pytest.raises(workflow.WorkflowError):
        workflow.withdraw(assessment=correction, user=staff)
    correction.refresh_from_db()
    assert correction.status == Assessment.Status.DRAFT
