"""Reviewer: return a submitted self-assessment with a comment, then publish it once fixed.

Two people in two browser contexts: the reviewer and the office's staff, who sees the
comment. Every page either of them visits is checked with axe.
"""

import re

import pytest

from assessments.models import Assessment, ReviewComment

from . import helpers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def submitted(report):
    helpers.seed_demo()
    staff = helpers.office_staff("staff-port-amber", helpers.PORT_AMBER)
    return helpers.submitted_assessment(office_slug=helpers.PORT_AMBER, user=staff)


def test_reviewer_returns_with_a_comment_then_publishes(
    page, new_page, submitted, assert_accessible
):
    check = assert_accessible
    office = "Port Amber Violence Prevention Unit (demo)"
    # --- the reviewer finds the submission in the queue -----------------------------------
    helpers.sign_in(page, check, "reviewer")  # a reviewer lands on the review queue
    assert page.get_by_role("heading", level=1).inner_text() == "Review queue"
    helpers.follow(
        page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="My assessments")
    )
    check(page)
    helpers.follow(page.get_by_role("link", name="Open the review queue"))
    assert page.get_by_role("heading", level=1).inner_text() == "Review queue"
    check(page)
    helpers.follow(page.get_by_role("link", name=f"{office} (Port Amber (demo))"))
    assert page.get_by_role("heading", level=1).inner_text() == (
        f"Review: {office}, {helpers.CYCLE} Demo, fictional"
    )
    check(page)

    # An empty comment is refused: the error is announced at the top and linked to the field.
    helpers.follow(page.locator("#criterion-3").get_by_role("button", name="Add comment"))
    helpers.error_summary_is_announced(
        page, summary_id="review-errors", links=[("Comment on criterion 3", "#id_c3_text")]
    )
    assert helpers.field_error(page, "Comment on criterion 3") == ["This field is required."]
    check(page)

    page.get_by_label("Comment on criterion 3").fill("Which data does the diagnosis use?")
    helpers.follow(page.locator("#criterion-3").get_by_role("button", name="Add comment"))
    assert page.get_by_role("status").inner_text() == "Your comment is saved."
    assert page.locator("#criterion-3 .review-comment .comment-text").inner_text() == (
        "Which data does the diagnosis use?"
    )
    check(page)
    page.get_by_label("Note to the office (optional)").fill("Please answer the note on 3.")
    helpers.follow(page.get_by_role("button", name="Return to the office"))
    assert page.get_by_role("status").inner_text() == "Returned to the office."
    assert page.get_by_text("Nothing to review right now.").is_visible()
    check(page)
    assert Assessment.objects.get(pk=submitted.pk).status == Assessment.Status.DRAFT

    # --- the office's staff sees the decision and the comment, fixes it, submits ----------
    staff = new_page()
    helpers.sign_in(staff, check, "staff-port-amber")
    staff.goto("/assess/")
    row = staff.get_by_role("row", name=re.compile(rf"^{helpers.CYCLE} "))
    assert row.get_by_role("cell").first.inner_text() == "Draft"
    assert row.get_by_role("cell").last.inner_text().startswith("Returned to the office")
    check(staff)
    helpers.follow(row.get_by_role("link", name=str(helpers.CYCLE)))
    decision = staff.get_by_role("status")
    assert "Please answer the note on 3." in decision.inner_text()
    # The overview marks the criteria that carry the reviewer's comments.
    assert staff.locator(".criterion-comments").all_inner_texts() == ["1 open comment"]
    assert (
        staff.get_by_role("row", name=re.compile("^3. Diagnosis"))
        .locator(".criterion-comments")
        .is_visible()
    )
    check(staff)
    helpers.follow(staff.get_by_role("link", name="3. Diagnosis or baseline studies"))
    comments = staff.get_by_role("region", name="Reviewer's comments on this criterion")
    assert comments.locator(".review-comment .comment-text").inner_text() == (
        "Which data does the diagnosis use?"
    )
    check(staff)
    staff.get_by_label("Current strengths", exact=True).fill(
        "A yearly diagnosis from hospital and police data, shared with partners."
    )
    helpers.follow(staff.get_by_role("button", name="Save draft"))
    assert staff.get_by_role("status").inner_text() == "Criterion 3 saved as a draft."
    check(staff)
    helpers.follow(
        staff.get_by_role("navigation", name="Criteria").get_by_role(
            "link", name="Submit for review"
        )
    )
    check(staff)
    helpers.follow(staff.get_by_role("main").get_by_role("button", name="Submit for review"))
    assert staff.get_by_role("heading", level=1).inner_text() == "What to learn from whom"
    check(staff)

    # --- the reviewer publishes ---------------------------------------------------------------
    page.reload()  # the reviewer is still on the queue
    check(page)
    helpers.follow(page.get_by_role("link", name=f"{office} (Port Amber (demo))"))
    assert page.locator("#criterion-3 .entry-text").first.inner_text() == (
        "A yearly diagnosis from hospital and police data, shared with partners."
    )
    check(page)
    # Publishing needs the confirmation box ticked: without it, nothing is published.
    helpers.follow(page.get_by_role("button", name="Publish"))
    assert helpers.field_error(
        page, "I have read every criterion; publish this assessment on the public pages."
    ) == ["This field is required."]
    check(page)
    assert Assessment.objects.get(pk=submitted.pk).status == Assessment.Status.SUBMITTED
    page.get_by_label(
        "I have read every criterion; publish this assessment on the public pages."
    ).check()
    helpers.follow(page.get_by_role("button", name="Publish"))
    assert page.get_by_role("status").inner_text() == "Published."
    check(page)

    stored = Assessment.objects.get(pk=submitted.pk)
    assert (stored.status, stored.published_by.username) == ("published", "reviewer")
    assert list(
        ReviewComment.objects.filter(assessment=stored)
        .order_by("pk")
        .values_list("decision", "criterion__number", "text")
    ) == [
        ("comment", 3, "Which data does the diagnosis use?"),
        ("returned", None, "Please answer the note on 3."),
        ("published", None, ""),
    ]
    # The staff's page now says it is published.
    staff.goto(f"/assess/{stored.pk}/")
    assert staff.locator(".assessment-status .status-badge").inner_text() == "Published"
    check(staff)
