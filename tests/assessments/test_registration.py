"""Password change and reset pages, styled like the rest of the site."""

import time

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends import locmem
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import RequestFactory
from django.urls import reverse

from ovp_assess.accounts import PasswordResetView

from .. import factories


def test_password_change_page_uses_our_template(staff, client_for):
    response = client_for(staff).get(reverse("password_change"))
    assert [t.name for t in response.templates][0] == "registration/password_change_form.html"
    assert "<h1>Change your password</h1>" in response.content.decode()


def test_password_change_changes_the_password(staff, client_for):
    client = client_for(staff)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "pw",
            "new_password1": "Safer-pass-2025",
            "new_password2": "Safer-pass-2025",
        },
    )
    assert response["Location"] == reverse("password_change_done")
    staff.refresh_from_db()
    assert staff.check_password("Safer-pass-2025")


def test_password_reset_sends_an_email_with_a_link(report, client_for):
    factories.make_user("resetme", email="resetme@example.org")
    client = client_for(None)
    page = client.get(reverse("password_reset"))
    assert "<h1>Reset your password</h1>" in page.content.decode()
    response = client.post(reverse("password_reset"), {"email": "resetme@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    [message] = mail.outbox
    assert message.to == ["resetme@example.org"]
    assert "/accounts/reset/" in message.body and "resetme" in message.body


def test_password_reset_confirm_bad_link_says_so(report, client_for):
    url = reverse("password_reset_confirm", kwargs={"uidb64": "xx", "token": "bad-token"})
    response = client_for(None).get(url)
    assert response.status_code == 200
    assert "This link is not valid" in response.content.decode()


# --- the reset answer does not tell who has an account -------------------------------------


def _reset_request(email, **extra):
    request = RequestFactory().post(reverse("password_reset"), {"email": email}, **extra)
    request._dont_enforce_csrf_checks = True
    request.session = {}
    return request


@pytest.fixture
def known(report):
    return factories.make_user("known", email="known@example.org")


@pytest.fixture
def slow_mail_server(monkeypatch):
    """A mail server that takes SLOW seconds per message."""
    send = locmem.EmailBackend.send_messages

    def slow(self, messages):
        time.sleep(SLOW)
        return send(self, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", slow)


SLOW = 1.0


def test_password_reset_answer_is_the_same_for_known_and_unknown_addresses(known, client):
    answers = [client.post(reverse("password_reset"), {"email": e}) for e in (known.email, "nobody@example.org")]  # fmt: skip
    assert [(r.status_code, r["Location"], r.content) for r in answers] == [
        (302, reverse("password_reset_done"), b"")
    ] * 2
    # The known address still gets its mail, once; the unknown one none.
    [message] = mail.outbox
    assert message.to == [known.email]


@pytest.fixture
def keep_the_test_connection():
    # response.close() sends request_finished, whose close_old_connections would close the
    # test's connection inside its transaction (on PostgreSQL); the test client does this.
    request_finished.disconnect(close_old_connections)
    yield
    request_finished.connect(close_old_connections)


def test_password_reset_mail_is_sent_after_the_answer(
    known, slow_mail_server, keep_the_test_connection
):
    view = PasswordResetView.as_view()
    timings = {}
    for email in (known.email, "nobody@example.org"):
        sent = len(mail.outbox)
        started = time.perf_counter()
        response = view(_reset_request(email))
        timings[email] = time.perf_counter() - started
        assert response.status_code == 302
        assert len(mail.outbox) == sent  # nothing sent while the answer was being made
        response.close()  # what the WSGI server does after sending the last byte
    # The slow mail server delayed neither answer.
    assert max(timings.values()) < SLOW / 2, timings
    [message] = mail.outbox
    assert message.to == [known.email]
    assert "/accounts/reset/" in message.body and "known" in message.body


def test_password_reset_mail_is_in_the_language_of_the_request(known, client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    client.post(reverse("password_reset"), {"email": known.email})
    [message] = mail.outbox
    assert "Abra este enlace para elegir una nueva contraseña:" in message.body
