"""A new office joins: it registers, verifies its address, a reviewer approves, the lead
sets a password and invites colleagues, a colleague joins and edits the office's first
self-assessment, and the lead removes a viewer. Every new page is checked with axe.

Mail goes to Django's test outbox (the live server runs in this process); each link is
read from it and opened by path on the live server.
"""

import re

import pytest
from django.core import mail

from assessments.models import Entry, Membership, Registration
from cities.models import Office

from . import helpers
from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://[^/\s]+(/\S+/)")


def last_link(to):
    message = [m for m in mail.outbox if m.to == [to]][-1]
    return LINK.findall(message.body)[0]


def h1(page):
    return page.get_by_role("heading", level=1).inner_text()


def accept_invitation(page, check, *, to, username, name):
    page.goto(last_link(to))
    assert h1(page) == "Join the team of Cali Youth Peace Office"
    check(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Your name").fill(name)
    page.locator("#id_password1").fill("Colleague-pass-2026")
    page.locator("#id_password2").fill("Colleague-pass-2026")
    helpers.follow(page.get_by_role("button", name="Create my account and join"))
    assert h1(page) == "Team of Cali Youth Peace Office Registered by the office"


def test_a_new_office_joins_forms_its_team_and_starts(page, new_page, report, assert_accessible):
    check = assert_accessible
    helpers.seed_demo()

    # --- the requester registers -----------------------------------------------------------
    page.goto("/")
    helpers.follow(page.get_by_role("link", name="Your office is not on OVP Assess yet?"))
    assert h1(page) == "Register your office"
    check(page)
    page.get_by_label("Your name").fill("Ana Pérez")
    page.get_by_label("Your work e-mail").fill("ana@office.example")
    page.get_by_label("Your role in the office").fill("Coordinator")
    page.get_by_label("Name of the office").fill("Cali Youth Peace Office")
    page.get_by_label("Acronym").fill("CYPO")
    page.get_by_label("Institutional home").select_option(label="City department")
    page.get_by_label("Year founded").fill("2019")
    # Without a city the form explains, and keeps what was typed.
    helpers.follow(page.get_by_role("button", name="Send my request"))
    assert "Choose your city" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Name of the office").input_value() == "Cali Youth Peace Office"
    check(page)
    page.get_by_label("City", exact=True).select_option(label="Cali (Colombia)")
    helpers.follow(page.get_by_role("button", name="Send my request"))
    assert h1(page) == "Check your e-mail"
    check(page)

    # --- verifies the address --------------------------------------------------------------
    page.goto(last_link("ana@office.example"))
    assert h1(page) == "Confirm your request"
    check(page)
    helpers.follow(page.get_by_role("button", name="Confirm my address"))
    assert h1(page) == "Your request is with a reviewer"
    check(page)

    # --- a reviewer approves ---------------------------------------------------------------
    reviewer = new_page()
    helpers.sign_in(reviewer, check, "reviewer")
    reviewer.goto("/assess/review/")
    helpers.follow(reviewer.get_by_role("link", name="Offices asking to join"))
    assert h1(reviewer) == "Office registrations"
    check(reviewer)
    helpers.follow(reviewer.get_by_role("link", name="Cali Youth Peace Office"))
    check(reviewer)
    reviewer.get_by_label("Approve: create the office and make the requester its lead").check()
    helpers.follow(reviewer.get_by_role("button", name="Send the decision"))
    assert "Approved: Cali Youth Peace Office is created" in reviewer.get_by_role("status").inner_text()  # fmt: skip
    office = Office.objects.get(name="Cali Youth Peace Office")
    assert (office.city.slug, office.origin) == ("cali", "registered")
    assert Registration.objects.get(email="ana@office.example").status == "approved"

    # --- the lead sets a password, logs in and invites two colleagues ----------------------
    page.goto(last_link("ana@office.example"))
    # Required fields' labels end with "*": the fields are found by id.
    page.locator("#id_password1").fill("Lead-pass-2026!")
    page.locator("#id_password2").fill("Lead-pass-2026!")
    helpers.follow(page.get_by_role("button", name="Change Password"))
    log_in(page, "ana", password="Lead-pass-2026!")
    page.goto("/assess/")
    helpers.follow(page.get_by_role("link", name="Manage the team Cali Youth Peace Office"))
    assert h1(page) == "Team of Cali Youth Peace Office Registered by the office"
    check(page)
    for email, role in (("colleague@office.example", "Editor"), ("viewer@office.example", "Viewer")):  # fmt: skip
        page.get_by_label("E-mail address").fill(email)
        page.locator("#id_role").select_option(label=role)
        helpers.follow(page.get_by_role("button", name="Send the invitation"))
        assert page.get_by_role("status").inner_text() == f"An invitation has been sent to {email}."
    pending = page.get_by_role("region", name="Pending invitations").inner_text()
    assert "colleague@office.example as Editor" in pending
    check(page)

    # --- the colleague joins and edits the first self-assessment ---------------------------
    colleague = new_page()
    accept_invitation(
        colleague, check, to="colleague@office.example", username="carlos", name="Carlos Ruiz"
    )
    check(colleague)
    colleague.goto("/assess/")
    helpers.follow(colleague.locator("form.start-form").get_by_role("button", name="Start"))
    colleague.get_by_role("radio", name=re.compile(r"^2 – ")).check()
    colleague.get_by_label("Current strengths", exact=True).fill("A youth council meets monthly.")
    helpers.follow(colleague.get_by_role("button", name="Save draft"))
    entry = Entry.objects.get(assessment__office=office, criterion__number=1)
    assert (entry.level, entry.strengths) == (2, "A youth council meets monthly.")

    # --- a viewer joins; the lead removes them ---------------------------------------------
    viewer = new_page(width=375)
    accept_invitation(viewer, check, to="viewer@office.example", username="vera", name="Vera")
    page.reload()
    helpers.follow(page.get_by_role("button", name="Remove vera"))
    assert page.get_by_role("status").inner_text() == "The team has been updated."
    members = Membership.objects.filter(office=office).order_by("user__username")
    assert [(m.user.username, m.role) for m in members] == [
        ("ana", "lead"),
        ("carlos", "editor"),
    ]
    log = page.get_by_role("region", name="Changes to the team").inner_text()
    assert "ana removed vera" in log
    check(page)


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("es", "Registre su oficina"),
        ("pt-br", "Cadastre seu escritório"),
        ("fr", "Inscrivez votre bureau"),
    ],
)
def test_join_page_in_every_language(
    page, live_server, report, assert_accessible, language, heading
):
    cookie = {"name": "django_language", "value": language, "url": live_server.url}
    page.context.add_cookies([cookie])
    page.goto("/join/")
    assert h1(page) == heading
    assert_accessible(page)
