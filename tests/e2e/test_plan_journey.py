"""From opportunities to action, in the browser: staff set targets and start actions from two
opportunities, the next cycle asks about them and one is marked done, the plan page lists
them and its CSV and iCalendar files read back, and the scorecard shows the plan.

Every new page is checked with axe, and the plan page at 375 px and by keyboard.
"""

import csv
import datetime
import io
import os
from pathlib import Path

import icalendar
import pytest
from pypdf import PdfReader

from assessments import workflow
from assessments.models import Action, ActionNote, Assessment, Entry

from . import helpers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("PLAN_SCREENSHOTS")  # a folder: keep the new pages' images


@pytest.fixture
def northvale_staff(report):
    helpers.seed_demo()
    return helpers.office_staff("staff-northvale", helpers.NORTHVALE)


def _shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def _start_action(page, check, number, due):
    page.goto(page.url.split("#")[0])
    helpers.follow(page.get_by_role("link", name="Start an action from the opportunities"))
    check(page)
    title = page.get_by_label("Title")
    # Pre-filled from the criterion's opportunities (the first sentence).
    assert title.input_value() != ""
    assert page.get_by_label("Criterion").input_value() == str(number)
    page.get_by_label("Due date").fill(due.isoformat())
    page.get_by_label("Owner in the office").select_option(label="staff-northvale")
    page.get_by_label("Success measure").fill(f"Done when criterion {number} moves up.")
    _shot(page, f"action-new-{number}")
    helpers.follow(page.get_by_role("button", name="Add the action"))
    assert page.get_by_role("status").inner_text() == "Action added to the plan."
    return title


def test_targets_and_actions_from_opportunities_to_the_plan_and_scorecard(
    page, new_page, northvale_staff, reviewer, assert_accessible
):
    check = assert_accessible
    user = northvale_staff
    published = Assessment.objects.get(office__slug=helpers.NORTHVALE, cycle=2025)
    helpers.sign_in(page, check, "staff-northvale")

    # --- this cycle: open it, set a target, start actions from two opportunities ------------
    page.goto(f"/assess/{published.pk}/")
    helpers.follow(page.get_by_role("button", name="Open the next cycle"))
    draft = Assessment.objects.get(office__slug=helpers.NORTHVALE, cycle=2026)
    page.goto(f"/assess/{draft.pk}/criteria/1/")
    # Copied from last cycle: the target is proposed afresh, one above the level.
    target = page.get_by_label("Target for the next cycle")
    assert target.input_value() == "auto"
    target.select_option("4")
    helpers.follow(page.get_by_role("button", name="Save draft"))
    check(page)
    assert Entry.objects.get(assessment=draft, criterion__number=1).target == 4
    _shot(page, "criterion")

    due = datetime.date.today() + datetime.timedelta(days=40)
    _start_action(page, check, 1, due)
    assert "/criteria/1/" in page.url  # back where it started
    check(page)
    page.goto(f"/assess/{draft.pk}/criteria/2/")
    _start_action(page, check, 2, due + datetime.timedelta(days=10))
    first, second = Action.objects.filter(planned_in=draft).order_by("criterion__number")
    assert (first.owner, second.owner) == (user, user)

    # The overview shows the targets beside the levels.
    page.goto(f"/assess/{draft.pk}/")
    check(page)
    assert page.locator(".target-cell .target").first.inner_text() == "4"

    # The rest of the cycle through the workflow: every criterion confirmed, then published.
    for entry in draft.entries.select_related("criterion"):
        if not entry.confirmed:
            data = {**helpers.complete(entry), "target": entry.target}
            workflow.save_entry(entry=entry, data=data, base_version=entry.version, user=user)
    assert workflow.submit(assessment=draft, user=user) == []
    workflow.publish(assessment=draft, user=reviewer, comment="")

    # --- the next cycle: a word on the open action, the other marked done -----------------
    page.goto(f"/assess/{draft.pk}/")
    helpers.follow(page.get_by_role("button", name="Open the next cycle"))
    following = Assessment.objects.get(office__slug=helpers.NORTHVALE, cycle=2027)
    page.goto(f"/assess/{following.pk}/criteria/2/")
    earlier = page.locator("#earlier-actions")
    assert second.title in earlier.inner_text()
    earlier.get_by_label(f"A word on “{second.title}”").fill("Half way: two of four trainings.")
    helpers.follow(earlier.get_by_role("button", name="Save these words"))
    check(page)
    assert ActionNote.objects.get(action=second, assessment=following).text == (
        "Half way: two of four trainings."
    )
    page.goto(f"/assess/{following.pk}/criteria/1/")
    helpers.follow(page.locator("#earlier-actions").get_by_role("link", name=first.title))
    check(page)
    page.get_by_label("Status").select_option("done")
    helpers.follow(page.get_by_role("button", name="Save the action"))
    assert Action.objects.get(pk=first.pk).status == "done"

    # --- the plan page, its downloads -------------------------------------------------------
    page.goto("/assess/")
    helpers.follow(page.get_by_role("link", name="Targets and actions: the plan"))
    check(page)
    _shot(page, "plan")
    rows = page.locator(".plan-table tbody tr")
    assert rows.count() == 2
    assert "Done" in rows.filter(has_text=first.title).inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    table = list(csv.DictReader(io.StringIO(text)))
    assert [(r["criterion_number"], r["title"], r["status"]) for r in table] == [
        ("1", first.title, "done"),
        ("2", second.title, "planned"),
    ]
    with page.expect_download() as download:
        page.get_by_role("link", name="Due dates as a calendar (iCalendar)").click()
    calendar = icalendar.Calendar.from_ical(Path(download.value.path()).read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == [f"2. {second.title}"]  # done: not due
    assert events[0].decoded("dtstart") == due + datetime.timedelta(days=10)

    # Filtering by keyboard: status "done" leaves the done one.
    page.get_by_label("Status").focus()
    page.keyboard.press("End")  # the last choice of the select: "Dropped"
    page.get_by_label("Status").select_option("done")
    page.get_by_role("button", name="Filter").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".plan-table tbody tr").count() == 1
    check(page)

    # On a phone: no sideways scrolling of the page.
    phone = new_page(width=375, height=812)
    helpers.sign_in(phone, check, "staff-northvale")
    for name, address in (
        ("plan-375", page.url),
        ("action-375", f"/assess/offices/{first.office_id}/plan/actions/{first.pk}/"),
        ("criterion-375", f"/assess/{following.pk}/criteria/2/"),
    ):
        phone.goto(address)
        scroll, inner = phone.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert scroll <= inner, name
        check(phone)
        _shot(phone, name)

    # --- the scorecard of the cycle the plan was made in ------------------------------------
    response = page.request.get(f"/reports/scorecards/{draft.pk}.pdf")
    assert response.status == 200
    if SCREENSHOTS:
        Path(SCREENSHOTS, "scorecard.pdf").write_bytes(response.body())
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    flat = "".join(pdf.split())
    assert "Planforthenextcycle" in flat
    # The section is the last "Plan for the next cycle" (page 1's key messages name it too).
    section = flat.rsplit("Planforthenextcycle", 1)[1].split("Aboutthisscorecard", 1)[0]
    assert "Targetssetin2026" in section
    assert "".join(second.title.split()) in section  # open
    assert "".join(first.title.split()) not in section  # done
