"""Registration of an office: verification, the reviewers' decisions, and what is left."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from assessments import registration as reg
from assessments.models import Membership, Registration, TeamEvent
from cities.models import City, Country, Office, Origin, SourcedFact

LINK = re.compile(r"http://[^/\s]+(/\S+/)")


def form_data(**changes):
    data = {
        "name": "Ana Pérez",
        "email": "ana@office.example",
        "job_title": "Coordinator",
        "office_name": "Cali Youth Peace Office",
        "acronym": "CYPO",
        "website": "https://cypo.example.org/",
        "institutional_home": "department",
        "year_founded": "2019",
        "city": str(City.objects.get(slug="cali").pk),
        "new_city": "",
        "country": "",
        "new_country": "",
    }
    data.update(changes)
    return data


def links(message):
    return LINK.findall(message.body)


@pytest.fixture
def post_join(report, django_capture_on_commit_callbacks):
    def post(client=None, **changes):
        with django_capture_on_commit_callbacks(execute=True):
            return (client or Client()).post(reverse("join:register"), form_data(**changes))

    return post


@pytest.fixture
def verified(post_join):
    post_join()
    [message] = mail.outbox
    Client().post(links(message)[0])
    mail.outbox.clear()
    return Registration.objects.get()


def decide(reviewer, registration, decision, message="", *, capture):
    client = Client()
    client.force_login(reviewer)
    with capture(execute=True):
        return client.post(
            reverse("assess:registration", args=[registration.pk]),
            {"decision": decision, "message": message},
        )


def test_join_sends_a_verification_link_and_creates_no_account(post_join):
    response = post_join()
    assert response["Location"] == reverse("join:sent")
    [message] = mail.outbox
    assert (message.to, message.subject) == (
        ["ana@office.example"],
        "Confirm your request to register an office",
    )
    assert [path for path in links(message)] == [path for path in links(message)][:1]
    assert message.alternatives[0].mimetype == "text/html"
    registration = Registration.objects.get()
    assert (registration.status, registration.language) == ("unverified", "en")
    assert not User.objects.filter(email="ana@office.example").exists()
    # Not in the reviewers' queue before the address is verified.
    assert list(reg.pending()) == []


def test_verification_link_verifies_once(post_join):
    post_join()
    [path] = links(mail.outbox[0])
    client = Client()
    page = client.get(path)
    assert page.status_code == 200 and "Confirm my address" in page.content.decode()
    assert Registration.objects.get().status == "unverified"  # a GET changes nothing
    assert client.post(path).status_code == 200
    assert Registration.objects.get().status == "pending"
    reused = client.post(path)
    assert reused.status_code == 410
    assert "This link has already been used" in reused.content.decode()


def test_forged_and_expired_verification_links_get_a_clear_page(post_join, settings):
    post_join()
    [path] = links(mail.outbox[0])
    forged = Client().get(path[:-3] + "xx/")
    assert forged.status_code == 404
    assert "This link is not valid" in forged.content.decode()
    other = reg._signer("join-answer").sign("1")  # signed, but for another purpose
    assert Client().get(reverse("join:verify", args=[other])).status_code == 404
    settings.JOIN_VERIFY_MAX_AGE = -1
    expired = Client().post(path)
    assert expired.status_code == 410
    assert "This link has expired" in expired.content.decode()
    assert Registration.objects.get().status == "unverified"
    # An expired request leaves no account behind: accounts are made on approval only.
    assert not User.objects.filter(email="ana@office.example").exists()


def test_registration_in_the_requesters_language(report, django_capture_on_commit_callbacks):
    client = Client(headers={"accept-language": "es"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("join:register"), form_data())
    assert Registration.objects.get().language == "es"
    assert mail.outbox[0].subject == "Confirme su solicitud para registrar una oficina"


def test_approval_of_a_second_office_in_cali(
    verified, reviewer, django_capture_on_commit_callbacks
):
    cali_before = City.objects.filter(slug="cali").values().get()
    response = decide(reviewer, verified, "approve", capture=django_capture_on_commit_callbacks)
    assert response["Location"] == reverse("assess:registrations")
    office = Office.objects.get(name="Cali Youth Peace Office")
    assert (office.city.slug, office.origin, office.shown_origin, office.is_fictional) == (
        "cali",
        "registered",
        "registered",
        False,
    )
    assert (office.acronym, office.website, office.year_founded) == (
        "CYPO",
        "https://cypo.example.org/",
        2019,
    )
    assert City.objects.filter(slug="cali").values().get() == cali_before
    user = User.objects.get(email="ana@office.example")
    assert (user.username, user.first_name, user.has_usable_password()) == ("ana", "Ana", False)
    membership = Membership.objects.get(user=user)
    assert (membership.office, membership.role) == (office, "lead")
    assert list(TeamEvent.objects.values_list("action", "subject", "actor")) == [
        ("approved", "ana@office.example", reviewer.pk)
    ]
    [message] = mail.outbox
    assert message.subject == "Cali Youth Peace Office has joined OVP Assess"
    [path] = links(message)
    # The link sets a password (allauth's reset page), then the lead logs in.
    client = Client()
    form = client.get(path, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"password1": "Lead-pass-2026!", "password2": "Lead-pass-2026!"},
    )
    assert done["Location"] == reverse("account_reset_password_from_key_done")
    user.refresh_from_db()
    assert user.check_password("Lead-pass-2026!")
    assert Registration.objects.get().status == "approved"


def test_approval_with_a_new_city_and_country(post_join, reviewer, django_capture_on_commit_callbacks):  # fmt: skip
    post_join(city="", new_city="Springfield", new_country="Freedonia")
    Client().post(links(mail.outbox[0])[0])
    decide(reviewer, Registration.objects.get(), "approve", capture=django_capture_on_commit_callbacks)  # fmt: skip
    city = City.objects.get(name="Springfield")
    assert (city.slug, city.origin, city.country.name, city.country.origin) == (
        "springfield",
        "registered",
        "Freedonia",
        "registered",
    )
    assert Office.objects.get(city=city).shown_origin == "registered"


def test_decline_tells_the_reason_and_leaves_no_account(
    verified, reviewer, django_capture_on_commit_callbacks
):
    decide(
        reviewer, verified, "decline", "Not an office of violence prevention.",
        capture=django_capture_on_commit_callbacks,
    )  # fmt: skip
    [message] = mail.outbox
    assert "Not an office of violence prevention." in message.body
    assert Registration.objects.get().status == "declined"
    assert not User.objects.filter(email="ana@office.example").exists()
    assert not Office.objects.filter(name="Cali Youth Peace Office").exists()


def test_decline_and_question_need_a_message(verified, reviewer, django_capture_on_commit_callbacks):  # fmt: skip
    response = decide(reviewer, verified, "decline", capture=django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert "Write the question, or the reason for declining." in response.content.decode()
    assert Registration.objects.get().status == "pending"


def test_question_answered_once_through_the_link(verified, reviewer, django_capture_on_commit_callbacks):  # fmt: skip
    decide(reviewer, verified, "ask", "Who funds the office?", capture=django_capture_on_commit_callbacks)  # fmt: skip
    [message] = mail.outbox
    assert "Who funds the office?" in message.body
    [path] = links(message)
    client = Client()
    page = client.get(path)
    assert "Who funds the office?" in page.content.decode()
    assert client.post(path, {"answer": "The city council."}).status_code == 200
    registration = Registration.objects.get()
    assert (registration.status, registration.answer) == ("pending", "The city council.")
    assert client.post(path, {"answer": "Again"}).status_code == 410
    assert Registration.objects.get().answer == "The city council."


def test_a_second_question_makes_the_first_link_stale(verified, reviewer, django_capture_on_commit_callbacks):  # fmt: skip
    decide(reviewer, verified, "ask", "First?", capture=django_capture_on_commit_callbacks)
    decide(reviewer, verified, "ask", "Second?", capture=django_capture_on_commit_callbacks)
    first, second = (links(m)[0] for m in mail.outbox)
    assert Client().get(first).status_code == 410
    assert Client().get(second).status_code == 200


def test_a_decided_registration_is_out_of_the_queue(verified, reviewer, django_capture_on_commit_callbacks):  # fmt: skip
    decide(reviewer, verified, "decline", "No.", capture=django_capture_on_commit_callbacks)
    client = Client()
    client.force_login(reviewer)
    assert client.get(reverse("assess:registration", args=[verified.pk])).status_code == 404
    assert (
        "No office is waiting to join."
        in client.get(reverse("assess:registrations")).content.decode()
    )


def _without_links(message):
    return LINK.sub("LINK", message.body), message.subject, message.to


def test_join_never_tells_whether_an_address_has_an_account(post_join):
    User.objects.create_user("known", email="known@office.example", password="pw")
    known = post_join(email="known@office.example")
    unknown = post_join(email="unknown@office.example")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    first, second = mail.outbox
    assert _without_links(first)[:2] == _without_links(second)[:2]


def test_approval_of_a_known_address_makes_that_account_the_lead(
    post_join, reviewer, django_capture_on_commit_callbacks
):
    known = User.objects.create_user("known", email="Ana@Office.example", password="pw")
    post_join()
    Client().post(links(mail.outbox[0])[0])
    mail.outbox.clear()
    decide(reviewer, Registration.objects.get(), "approve", capture=django_capture_on_commit_callbacks)  # fmt: skip
    assert list(Membership.objects.filter(role="lead").values_list("user", flat=True)) == [known.pk]
    assert User.objects.filter(email__iexact="ana@office.example").count() == 1
    assert mail.outbox[0].subject == "Cali Youth Peace Office has joined OVP Assess"


def test_join_is_throttled_per_address(post_join, settings):
    settings.JOIN_RATE_LIMIT = 2
    assert [post_join().status_code for _ in range(3)] == [302, 302, 429]
    assert "Too many requests" in post_join().content.decode()
    assert Client(REMOTE_ADDR="192.0.2.9").post(reverse("join:register"), form_data()).status_code == 302  # fmt: skip


def test_join_form_explains_missing_city(post_join):
    response = post_join(city="")
    assert response.status_code == 400
    assert "Choose your city, or name it below if it is not listed." in response.content.decode()
    response = post_join(city="", new_city="Springfield")
    assert "Choose the country of the new city, or name it." in response.content.decode()
    assert Registration.objects.count() == 0


def test_load_report_leaves_registered_data_alone(
    verified, reviewer, post_join, django_capture_on_commit_callbacks
):
    decide(reviewer, verified, "approve", capture=django_capture_on_commit_callbacks)
    post_join(city="", new_city="Springfield", new_country="Freedonia")
    Client().post(links(mail.outbox[-1])[0])
    decide(reviewer, Registration.objects.get(new_city="Springfield"), "approve", capture=django_capture_on_commit_callbacks)  # fmt: skip
    registered = Office.objects.filter(origin=Origin.REGISTERED)
    before = (
        list(registered.order_by("pk").values()),
        list(City.objects.filter(origin=Origin.REGISTERED).values()),
        list(Country.objects.filter(origin=Origin.REGISTERED).values()),
        list(Membership.objects.filter(office__in=registered).values()),
    )
    assert len(before[0]) == 2
    call_command("load_report", verbosity=0)
    after = (
        list(registered.order_by("pk").values()),
        list(City.objects.filter(origin=Origin.REGISTERED).values()),
        list(Country.objects.filter(origin=Origin.REGISTERED).values()),
        list(Membership.objects.filter(office__in=registered).values()),
    )
    assert after == before
    # Nothing a registration says is a sourced fact.
    assert not SourcedFact.objects.filter(office__in=registered).exists()
    assert not SourcedFact.objects.filter(city__origin=Origin.REGISTERED).exists()


def test_a_city_named_in_another_script_gets_an_ascii_slug(
    post_join, reviewer, django_capture_on_commit_callbacks
):
    post_join(city="", new_city="القاهرة", new_country="مصر")
    Client().post(links(mail.outbox[0])[0])
    decide(reviewer, Registration.objects.get(), "approve", capture=django_capture_on_commit_callbacks)  # fmt: skip
    city = City.objects.get(name="القاهرة")
    assert (city.slug, city.country.slug, city.country.name) == ("city", "country", "مصر")
    assert Client().get(city.get_absolute_url()).status_code == 200
