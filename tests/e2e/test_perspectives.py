"""Issue 17: a perspectives round in a real browser.

Staff open a round; three community partners answer through their e-mailed links and one
city official through a code, each on a 375 px phone; staff close the round, see the
divergent criterion first and the one-person group hidden, agree the levels, and submit;
the reviewer publishes.
"""

import io
import re

import pytest
from django.core import mail
from pypdf import PdfReader

from assessments import workflow
from assessments.models import Assessment, Consensus, Entry
from cities.models import Office

from . import helpers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def draft(report):
    helpers.seed_demo()
    staff = helpers.office_staff("staff-port-amber", helpers.PORT_AMBER)
    office = Office.objects.get(slug=helpers.PORT_AMBER)
    assessment = workflow.start_assessment(office=office, cycle=helpers.CYCLE, user=staff)
    for entry in assessment.entries.select_related("criterion"):
        data = helpers.complete(entry, level=2)
        workflow.save_entry(entry=entry, data=data, base_version=entry.version, user=staff)
    return assessment


def _answer_on_a_phone(phone, check, url, levels, comment=None):
    phone.goto(url)
    if check:
        check(phone)
    for number, level in levels.items():
        phone.locator(f"input[name=level_{number}][value='{level}']").check()
    if comment:
        phone.get_by_label("Comment (optional)").first.fill(comment)
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 375
    helpers.follow(phone.get_by_role("button", name="Save my answers"))
    assert phone.get_by_role("status").inner_text().startswith("Your answers are saved.")


def test_a_round_from_opening_to_publication(page, new_page, draft, assert_accessible):
    check = assert_accessible
    helpers.sign_in(page, check, "staff-port-amber")
    page.goto(f"/assess/{draft.pk}/")
    helpers.follow(page.get_by_role("link", name="Perspectives"))
    check(page)
    assert page.get_by_label("Group 3").input_value() == "Community partners"
    helpers.follow(page.get_by_role("button", name="Open the round"))
    check(page)

    # Three partners by e-mail, one official by a code.
    invite = page.locator("form[action$='/invite/']")
    invite.get_by_label(re.compile("Group")).select_option(label="Community partners")
    invite.get_by_label(re.compile("E-mail addresses")).fill(
        "ana@example.org\nbea@example.org, caio@example.org"
    )
    helpers.follow(page.get_by_role("button", name="Send the invitations"))
    assert page.get_by_role("status").first.inner_text() == "3 invitations sent."
    links = sorted(re.search(r"http\S+/respond/\S+/", m.body).group(0) for m in mail.outbox)
    assert len(links) == 3
    codes = page.locator("form[action$='/codes/']")
    codes.get_by_label(re.compile("Group")).select_option(label="City government")
    codes.get_by_label(re.compile("How many codes")).fill("1")
    helpers.follow(page.get_by_role("button", name="Make the codes"))
    check(page)
    code = page.locator(".perspective-codes .font-monospace").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code)

    # Criterion 1: partners say 0, 2 and 4 (divergent); the official's 4 stays hidden.
    for i, (link, level) in enumerate(zip(links, ("0", "2", "4"), strict=True)):
        phone = new_page(width=375, height=800)
        _answer_on_a_phone(
            phone,
            check if i == 0 else None,
            link,
            {1: level, 2: "3", 3: "dk"},
            comment=f"partner said {level}",
        )
    phone = new_page(width=375, height=800)
    phone.goto("/respond/")
    check(phone)
    phone.get_by_label("Your code").fill(code.lower())
    helpers.follow(phone.get_by_role("button", name="Start"))
    _answer_on_a_phone(phone, None, phone.url, {1: "4"}, comment="the lone voice")

    # Staff close the round and read the figures.
    page.goto(f"/assess/{draft.pk}/perspectives/")
    helpers.follow(page.get_by_role("button", name="Close the round now"))
    check(page)
    # A link after the close, and a forged one, show nothing of the round.
    phone.goto(links[0])
    assert phone.get_by_role("heading", level=1).inner_text() == "This round has closed"
    assert "Port Amber" not in phone.content()
    check(phone)
    phone.goto("/respond/ABCDEABCDEABCDEABCDEABCD/")
    assert phone.get_by_role("heading", level=1).inner_text() == "This link is not valid"
    check(phone)
    first = page.locator(".perspective-row").first
    assert first.get_by_role("heading").inner_text().startswith("1. ")
    assert "divergent" in first.get_by_role("heading").inner_text()
    partners = first.get_by_role("row", name=re.compile("^Community partners"))
    assert partners.inner_text().split("\t")[1:4] == ["3", "2", "0–4"]
    official = first.get_by_role("row", name=re.compile("^City government"))
    assert official.inner_text().split("\t")[1] == "too few answers to show"
    assert "the lone voice" not in page.content()
    assert "partner said 4" in page.content()

    # They agree a level for criterion 1, with a reason.
    first.get_by_label("Agreed level").select_option(value="2")
    first.get_by_label("Why this level").fill("Partners disagree; we take the middle.")
    helpers.follow(page.get_by_role("button", name="Save the agreed levels"))
    assert Entry.objects.get(assessment=draft, criterion__number=1).level == 2
    assert (
        Consensus.objects.get(round__assessment=draft).rationale
        == "Partners disagree; we take the middle."
    )
    check(page)

    page.goto(f"/assess/{draft.pk}/submit/")
    helpers.follow(page.get_by_role("main").get_by_role("button", name="Submit for review"))
    reviewer = new_page()
    helpers.sign_in(reviewer, check, "reviewer")
    reviewer.goto(f"/assess/{draft.pk}/review/")
    reviewer.get_by_label(re.compile("I have read every criterion")).check()
    helpers.follow(reviewer.get_by_role("button", name="Publish"))
    assert Assessment.objects.get(pk=draft.pk).status == Assessment.Status.PUBLISHED

    # The scorecard has the perspectives page: the chart and the divergent criterion.
    response = reviewer.request.get(f"/reports/scorecards/{draft.pk}.pdf")
    assert response.headers["content-type"] == "application/pdf"
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(response.body())).pages
    )
    assert "What other voices said" in text
    assert "Where the groups see things differently" in text
    assert "the lone voice" not in text
