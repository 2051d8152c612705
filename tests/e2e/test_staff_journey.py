"""City staff: a whole self-assessment in the browser, over two sittings, partly by keyboard.

Every page the journey visits is checked with axe (WCAG 2.2 A/AA), pages with errors too.
"""

import re

import pytest

from assessments.models import Assessment, Entry

from . import helpers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def northvale_staff(report):
    helpers.seed_demo()
    return helpers.office_staff("staff-northvale", helpers.NORTHVALE)


def on_criterion(page, number):
    name = page.get_by_role("heading", level=1).locator(".criterion-name").inner_text()
    assert re.match(rf"{number}\. ", name), name


def fill_with_mouse(page, number, level, *, opportunities=True):
    page.get_by_role("radio", name=re.compile(rf"^{level} – ")).check()
    page.get_by_label("Current strengths", exact=True).fill(f"Strengths we have for {number}.")
    if opportunities:
        page.get_by_label("Opportunities to enhance effectiveness").fill(f"What to do on {number}.")


def test_staff_fills_nine_criteria_in_two_sittings_and_submits(
    page, northvale_staff, assert_accessible
):
    check = assert_accessible
    # --- first sitting: start this cycle's self-assessment ---------------------------------
    helpers.sign_in(page, check, "staff-northvale")
    helpers.follow(page.get_by_role("link", name="My assessments"))
    assert page.get_by_role("heading", level=1).inner_text() == "My assessments"
    check(page)
    start = page.locator("form.start-form")
    assert start.get_by_label("Cycle (year)").input_value() == str(helpers.CYCLE)
    assert start.get_by_label("Start from").input_value() == ""  # an empty form
    helpers.follow(start.get_by_role("button", name="Start"))
    on_criterion(page, 1)
    assert page.get_by_role("status").inner_text() == (
        "Your self-assessment has started. Save at any time."
    )
    check(page)
    assessment = Assessment.objects.get(office__slug=helpers.NORTHVALE, cycle=helpers.CYCLE)

    fill_with_mouse(page, 1, 2)
    helpers.follow(page.get_by_role("button", name="Save and next"))
    on_criterion(page, 2)
    check(page)

    # A criterion marked "does not apply" needs a reason: the error is announced and linked.
    page.get_by_role("radio", name="No, it does not apply: explain why").check()
    helpers.follow(page.get_by_role("button", name="Save draft"))
    on_criterion(page, 2)
    helpers.error_summary_is_announced(
        page,
        summary_id="form-errors",
        links=[("Why does this criterion not apply?", "#id_justification")],
    )
    assert helpers.field_error(page, "Why does this criterion not apply?") == [
        "Explain why the criterion does not apply to your office."
    ]
    check(page)
    page.get_by_role("radio", name="Yes: rate it below").check()
    fill_with_mouse(page, 2, 1)
    helpers.follow(page.get_by_role("button", name="Save and next"))

    for number, level in ((3, 3), (4, 0)):
        on_criterion(page, number)
        check(page)
        fill_with_mouse(page, number, level)
        helpers.follow(page.get_by_role("button", name="Save and next"))

    # --- criterion 5 with the keyboard only ------------------------------------------------
    on_criterion(page, 5)
    check(page)
    fill_criterion_5_by_keyboard(page)
    on_criterion(page, 6)
    check(page)

    # --- log out, and come back for the second sitting ------------------------------------
    helpers.follow(page.get_by_role("button", name="Log out"))
    assert page.get_by_role("link", name="Log in").is_visible()
    check(page)

    # A mistyped password: the error is announced and the focus is on it.
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill("staff-northvale")
    page.get_by_label("Password").fill("pw-typo")
    helpers.follow(page.get_by_role("main").get_by_role("button", name="Log in"))
    helpers.error_summary_is_announced(page, summary_id="login-errors", links=[])
    assert (
        page.locator("#login-errors")
        .inner_text()
        .startswith("The username and/or password you specified are not correct.")
    )
    check(page)
    helpers.sign_in(page, check, "staff-northvale")
    page.goto("/assess/")
    row = page.get_by_role("row", name=re.compile(rf"^{helpers.CYCLE} "))
    assert row.get_by_role("cell").all_inner_texts() == [
        "Draft",
        "5 of 9 criteria done",
        "None yet",
    ]
    helpers.follow(row.get_by_role("link", name=str(helpers.CYCLE)))
    check(page)
    helpers.follow(page.get_by_role("link", name="Continue with criterion 6"))
    for number, level in ((6, 2), (7, 4), (8, 1)):
        on_criterion(page, number)
        check(page)
        fill_with_mouse(page, number, level)
        helpers.follow(page.get_by_role("button", name="Save and next"))
    on_criterion(page, 9)
    check(page)
    fill_with_mouse(page, 9, 2, opportunities=False)
    helpers.follow(page.get_by_role("button", name="Save and review what is missing"))

    # --- submit with criterion 9 incomplete: refused, and the message names it -------------
    assert page.get_by_role("heading", level=1).inner_text().startswith("Submit the 2026")
    assert page.get_by_role("heading", name="Still missing").is_visible()
    check(page)
    helpers.follow(page.get_by_role("main").get_by_role("button", name="Submit for review"))
    helpers.error_summary_is_announced(
        page,
        summary_id="submit-errors",
        links=[("9. Impact documentation", f"/assess/{assessment.pk}/criteria/9/")],
    )
    assert " ".join(page.locator("#submit-errors").inner_text().split()) == (
        "Not submitted. 1 criterion is not complete yet: "
        "9. Impact documentation: needs opportunities"
    )
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.DRAFT
    check(page)

    # --- complete criterion 9 and submit ---------------------------------------------------
    helpers.follow(page.locator("#submit-errors").get_by_role("link"))
    on_criterion(page, 9)
    assert page.get_by_label("Current strengths", exact=True).input_value() == (
        "Strengths we have for 9."
    )
    page.get_by_label("Opportunities to enhance effectiveness").fill("Publish an evaluation.")
    helpers.follow(page.get_by_role("button", name="Save and review what is missing"))
    assert page.get_by_text("9 of 9 criteria done.").is_visible()
    check(page)
    helpers.follow(page.get_by_role("main").get_by_role("button", name="Submit for review"))
    assert page.get_by_role("heading", level=1).inner_text() == "What to learn from whom"
    assert page.get_by_role("status").inner_text().startswith("Submitted for review.")
    check(page)

    stored = Assessment.objects.get(pk=assessment.pk)
    assert stored.status == Assessment.Status.SUBMITTED
    entries = Entry.objects.filter(assessment=stored).order_by("criterion__number")
    assert [e.level for e in entries] == [2, 1, 3, 0, 3, 2, 4, 1, 2]
    keyboard = entries[4]
    assert (keyboard.strengths, keyboard.opportunities) == (
        "A violence prevention plan with the schools. Reviewed each year.",
        "Reach the two districts not yet covered.",
    )
    assert [(link.url, link.title) for link in keyboard.evidence.all()] == [
        ("https://example.org/northvale/plan", "Prevention plan (fictional)")
    ]


def fill_criterion_5_by_keyboard(page):
    """Criterion 5 with Tab, Shift+Tab, arrows, Space and Enter only: no click, no fill()."""
    keys = page.keyboard
    keys.press("Tab")
    assert helpers.focused(page)["text"] == "Skip to main content"
    keys.press("Enter")
    stops = helpers.tab_until(page, helpers.named("applicability"))
    # From the main content: breadcrumb, criteria list, help, last cycle, then the form.
    assert [s["text"] for s in stops] == [
        "My assessments",
        f"Northvale Office of Neighbourhood Safety (demo) {helpers.CYCLE}",
        *[f"{n}. {title}" for n, title in enumerate(helpers.short_titles(), start=1)],
        "Overview",
        "Submit for review",
        "Read more about this criterion, its key takeaways and peer examples",
        "What you published for 2025",
        "",  # the first radio button of the form
    ]
    assert helpers.focused(page)["value"] == "assessed"
    keys.press("Tab")
    level = helpers.focused(page)
    assert (level["name"], level["value"]) == ("level", "")  # "Not rated yet", checked
    for _ in range(4):  # "" -> 0 -> 1 -> 2 -> 3
        keys.press("ArrowDown")
    assert page.locator("input[name=level]:checked").get_attribute("value") == "3"
    keys.press("Tab")  # the target for the next cycle, left as proposed
    assert (helpers.focused(page)["name"], helpers.focused(page)["value"]) == ("target", "auto")
    keys.press("Tab")  # the reason box is hidden while the criterion applies: no stop
    assert helpers.focused(page)["name"] == "strengths"
    keys.type("A violence prevention plan with the schools.")
    keys.press("Tab")
    assert helpers.focused(page)["name"] == "opportunities"
    keys.type("Reach the two districts not yet covered.")
    keys.press("Shift+Tab")  # back to the strengths, to add a sentence
    assert helpers.focused(page)["name"] == "strengths"
    keys.press("Control+End")
    keys.type(" Reviewed each year.")
    stops = helpers.tab_until(page, helpers.named("evidence-0-url"))
    assert [s["name"] for s in stops] == ["opportunities", "evidence-0-url"]
    keys.type("https://example.org/northvale/plan")
    keys.press("Tab")
    assert helpers.focused(page)["name"] == "evidence-0-title"
    keys.type("Prevention plan (fictional)")
    # Focus order follows the page: date, or a file, remove, add a link or a file, save.
    stops = helpers.tab_until(page, helpers.named("action", "save"))
    assert [(s["name"], s["value"]) for s in stops] == [
        ("evidence-0-checked_on", ""),
        ("evidence-0-file", ""),
        ("evidence-0-DELETE", "on"),
        ("action", "add-link"),
        ("action", "save"),
    ]
    with page.expect_navigation():
        keys.press("Space")  # "Save draft" stays on the page
    on_criterion(page, 5)
    assert page.get_by_role("status").inner_text() == "Criterion 5 saved as a draft."
    # After the reload: skip link, then straight to "Save and next", and Enter.
    keys.press("Tab")
    assert helpers.focused(page)["text"] == "Skip to main content"
    keys.press("Enter")
    helpers.tab_until(page, helpers.named("action", "next"))
    with page.expect_navigation():
        keys.press("Enter")
