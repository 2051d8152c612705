"""Issue 15, observation 4: reviewer comments typed under two criteria are never lost.

The reviewer types comments under criteria 6 and 9 and clicks "Add comment" under 6:
both are saved, and an error on one box keeps the text typed in the other.
"""

import re

import pytest
from django.contrib.auth.models import User

from assessments import workflow
from assessments.models import ReviewComment

from . import helpers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def submitted(report):
    helpers.seed_demo()
    staff = helpers.office_staff("staff-port-amber", helpers.PORT_AMBER)
    return helpers.submitted_assessment(office_slug=helpers.PORT_AMBER, user=staff)


def test_comments_typed_for_two_criteria_are_both_kept(page, submitted, assert_accessible):
    check = assert_accessible
    helpers.sign_in(page, check, "reviewer")
    page.goto(f"/assess/{submitted.pk}/review/")
    check(page)

    # An error under 6 (nothing typed there) keeps what was typed under 9.
    page.get_by_label("Comment on criterion 9").fill("Which evaluation, by whom?")
    helpers.follow(page.locator("#criterion-6").get_by_role("button", name="Add comment"))
    assert helpers.field_error(page, "Comment on criterion 6") == ["This field is required."]
    assert page.get_by_label("Comment on criterion 9").input_value() == (
        "Which evaluation, by whom?"
    )
    check(page)
    assert ReviewComment.objects.filter(assessment=submitted).count() == 0

    # Typed under 6 and 9, "Add comment" under 6 saves both.
    page.get_by_label("Comment on criterion 6").fill("Who funds the office after 2027?")
    helpers.follow(page.locator("#criterion-6").get_by_role("button", name="Add comment"))
    assert page.get_by_role("status").inner_text() == "Your 2 comments are saved."
    assert page.locator("#criterion-6 .review-comment .comment-text").inner_text() == (
        "Who funds the office after 2027?"
    )
    assert page.locator("#criterion-9 .review-comment .comment-text").inner_text() == (
        "Which evaluation, by whom?"
    )
    assert page.get_by_label("Comment on criterion 9").input_value() == ""
    check(page)
    assert list(
        ReviewComment.objects.filter(assessment=submitted)
        .order_by("criterion__number")
        .values_list("criterion__number", "text")
    ) == [(6, "Who funds the office after 2027?"), (9, "Which evaluation, by whom?")]


def test_resubmission_is_marked_and_shows_what_changed(page, submitted, assert_accessible):
    """Observation 7: after a return, the queue marks the resubmission and the review page
    shows, per criterion, what the office changed since."""
    check = assert_accessible
    reviewer = User.objects.get(username="reviewer")
    staff = User.objects.get(username="staff-port-amber")
    workflow.return_to_office(assessment=submitted, user=reviewer, comment="See 6.")
    entry = submitted.entries.get(criterion__number=6)
    data = helpers.complete(entry, level=entry.level)
    data["strengths"] = "A budget line voted by the council for four years."
    workflow.save_entry(entry=entry, data=data, base_version=entry.version, user=staff)
    assert workflow.submit(assessment=submitted, user=staff) == []

    # The reviewer lands on the queue after logging in; the header links to it everywhere.
    helpers.sign_in(page, check, "reviewer")
    assert page.url.endswith("/assess/review/")
    page.goto("/criteria/")
    header = page.get_by_role("navigation", name="Main")
    helpers.follow(header.get_by_role("link", name="Review queue"))
    assert page.url.endswith("/assess/review/")
    row = page.get_by_role("row", name=re.compile("Port Amber Violence Prevention Unit"))
    assert "Resubmitted after return" in row.inner_text()
    check(page)
    helpers.follow(row.get_by_role("link", name=re.compile("Port Amber")))
    changed = page.locator("#criterion-6 .since-return")
    assert changed.locator("ins").all_inner_texts()[-1].endswith("years.")
    assert page.locator("#criterion-5 .since-return").inner_text().endswith("Not changed.")
    check(page)
