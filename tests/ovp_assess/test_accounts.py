"""Accounts (ovp_assess.accounts on django-allauth): login, password pages, the account
page, the user's language, mail after the answer, and two-factor sign-in."""

import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.conf import settings
from django.core import mail
from django.core.handlers.wsgi import WSGIHandler
from django.core.mail.backends import locmem
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from assessments.models import Profile
from assessments.profiles import language_for
from ovp_assess.accounts import (
    SendMailAfterResponseMiddleware,
    landing_url,
    required_roles,
    send_after_response,
)
from tests import factories
from tests.totp import totp

LOGIN = "/accounts/login/"


def _log_in(client, login, password="pw"):
    return client.post(LOGIN, {"login": login, "password": password})


# --- login -----------------------------------------------------------------------------------


def test_login_page_has_one_field_for_username_or_address(report):
    page = Client().get(LOGIN)
    html = page.content.decode()
    assert page.status_code == 200
    assert [t.name for t in page.templates][0] == "account/login.html"
    assert 'name="login"' in html and 'name="password"' in html
    assert "<h1>Log in</h1>" in html


@pytest.mark.parametrize("login", ["alice", "alice@example.org", "ALICE@example.org"])
def test_login_by_username_or_address(report, login):
    factories.make_user("alice", email="alice@example.org")
    response = _log_in(Client(), login)
    assert (response.status_code, response["Location"]) == (302, "/")


def test_login_wrong_password_says_so_and_keeps_the_login(report):
    factories.make_user("alice")
    response = _log_in(Client(), "alice", "wrong")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="login-errors"' in html and 'value="alice"' in html


def test_login_with_next_goes_there(report):
    factories.make_reviewer()
    user = factories.make_user("carol")
    response = Client().post(
        LOGIN, {"login": user.username, "password": "pw", "next": "/criteria/"}
    )
    assert response["Location"] == "/criteria/"


def test_landing_url_per_role(office):
    assert landing_url(factories.make_reviewer()) == "/assess/review/"
    assert landing_url(factories.make_researcher()) == "/reports/dashboard/"
    assert landing_url(factories.make_user(office=office)) == "/assess/"
    assert landing_url(factories.make_user()) == "/"


def test_nobody_signs_up_through_allauth(report):
    assert Client().get("/accounts/signup/").status_code == 404


def test_logout_is_a_post(staff, client_for):
    client = client_for(staff)
    response = client.post("/accounts/logout/")
    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.get("/").context["user"].is_authenticated is False


# --- password pages ----------------------------------------------------------------------------


def test_password_change_changes_the_password(staff, client_for):
    client = client_for(staff)
    page = client.get(reverse("account_change_password"))
    assert page.status_code == 200
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "pw", "password1": "Safer-pass-2025", "password2": "Safer-pass-2025"},
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password("Safer-pass-2025")


def test_password_change_wrong_old_password_is_refused(staff, client_for):
    response = client_for(staff).post(
        reverse("account_change_password"),
        {"oldpassword": "nope", "password1": "Safer-pass-2025", "password2": "Safer-pass-2025"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["oldpassword"] == ["Please type your current password."]
    staff.refresh_from_db()
    assert staff.check_password("pw")


@pytest.fixture
def known(report):
    return factories.make_user("known", email="known@example.org")


def _reset_link(message):
    return re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", message.body)[1]


def test_password_reset_sends_a_link_that_sets_a_new_password(known):
    client = Client()
    response = client.post(reverse("account_reset_password"), {"email": "known@example.org"})
    assert response["Location"] == reverse("account_reset_password_done")
    [message] = mail.outbox
    assert message.to == ["known@example.org"]
    link = _reset_link(message)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"password1": "Brand-new-pass-7", "password2": "Brand-new-pass-7"},
    )
    assert response["Location"] == reverse("account_reset_password_from_key_done")
    known.refresh_from_db()
    assert known.check_password("Brand-new-pass-7")


def test_password_reset_bad_link_says_so(report):
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "bad-key"})
    response = Client().get(url)
    assert response.status_code == 200
    assert "invalid" in response.content.decode()


def test_password_reset_answer_is_the_same_for_known_and_unknown_addresses(known):
    url = reverse("account_reset_password")
    answers = [Client().post(url, {"email": e}) for e in (known.email, "nobody@example.org")]
    assert [(r.status_code, r["Location"], r.content) for r in answers] == [
        (302, reverse("account_reset_password_done"), b"")
    ] * 2
    # The known address gets its mail, once; the unknown one none, so no mail tells either.
    [message] = mail.outbox
    assert message.to == [known.email]


SLOW = 1.0


@pytest.fixture
def slow_mail_server(monkeypatch):
    """A mail server that takes SLOW seconds per message."""
    send = locmem.EmailBackend.send_messages

    def slow(self, messages):
        time.sleep(SLOW)
        return send(self, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", slow)


@pytest.fixture
def keep_the_test_connection():
    # A real WSGI handler sends request_started, and response.close() request_finished; the
    # close_old_connections they run would close the test's connection inside its
    # transaction (on PostgreSQL, then a 503). Django's test client disconnects both too.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _served(path, data):
    """POST `path` through Django's WSGI handler and return its answer, not yet closed: the
    moment a WSGI server has the answer in hand, before it sends it and closes it."""
    token = "t" * 32
    request = RequestFactory().post(
        path, {**data, "csrfmiddlewaretoken": token}, HTTP_COOKIE=f"csrftoken={token}"
    )
    return WSGIHandler()(request.environ, lambda status, headers: None)


def test_password_reset_mail_is_sent_after_the_answer(
    known, slow_mail_server, keep_the_test_connection
):
    timings = {}
    for email in (known.email, "nobody@example.org"):
        sent = len(mail.outbox)
        started = time.perf_counter()
        response = _served(reverse("account_reset_password"), {"email": email})
        timings[email] = time.perf_counter() - started
        assert response.status_code == 302
        assert len(mail.outbox) == sent  # nothing sent while the answer was being made
        response.close()  # what the WSGI server does after sending the last byte
    # The slow mail server delayed neither answer.
    assert max(timings.values()) < SLOW / 2, timings
    [message] = mail.outbox
    assert message.to == [known.email]
    assert "/accounts/password/reset/key/" in message.body


def test_mail_outside_a_request_waits_for_the_transaction_to_commit(
    db, django_capture_on_commit_callbacks
):
    sent = []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send_after_response(None, lambda: sent.append("mail"))
        assert sent == []
    assert (len(callbacks), sent) == (1, ["mail"])


def _answer(status):
    def view(request):
        send_after_response(request, lambda: mail.send_mail("s", "b", None, ["a@example.org"]))
        return HttpResponse(status=status)

    return SendMailAfterResponseMiddleware(view)(RequestFactory().get("/"))


def test_mail_of_a_request_goes_when_its_answer_is_closed(report):
    response = _answer(200)
    assert mail.outbox == []
    response.close()
    assert [m.to for m in mail.outbox] == [["a@example.org"]]


def test_mail_of_a_failed_request_is_not_sent(report):
    _answer(500).close()
    assert mail.outbox == []


def test_password_reset_mail_is_in_the_language_of_the_request(known):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    client.post(reverse("account_reset_password"), {"email": known.email})
    [message] = mail.outbox
    assert message.subject == "[OVP Assess] Correo electrónico para restablecer contraseña"


def test_password_reset_mail_is_in_the_users_own_language(known):
    Profile.objects.create(user=known, language="fr")
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    client.post(reverse("account_reset_password"), {"email": known.email})
    [message] = mail.outbox
    assert message.subject == "[OVP Assess] E-mail de réinitialisation de mot de passe"


def test_every_mail_has_a_plain_text_and_an_html_body(known):
    Client().post(reverse("account_reset_password"), {"email": known.email})
    [message] = mail.outbox
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert _reset_link(message) in html
    assert '<html lang="en">' in html


# --- the account page and the user's language --------------------------------------------------


def test_account_page_needs_login(report):
    response = Client().get(reverse("account_profile"))
    assert response["Location"] == "/accounts/login/?next=/accounts/profile/"


def test_account_page_saves_name_and_language(staff, client_for):
    client = client_for(staff)
    assert client.get(reverse("account_profile")).status_code == 200
    response = client.post(
        reverse("account_profile"), {"first_name": "Ana", "last_name": "Ruiz", "language": "es"}
    )
    assert response["Location"] == reverse("account_profile")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    staff.refresh_from_db()
    assert (staff.first_name, staff.last_name, language_for(staff)) == ("Ana", "Ruiz", "es")


def test_account_page_refuses_an_unknown_language_and_keeps_the_name(staff, client_for):
    response = client_for(staff).post(
        reverse("account_profile"), {"first_name": "Ana", "last_name": "", "language": "xx"}
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["language"]
    assert 'value="Ana"' in response.content.decode()


def test_language_switch_is_kept_for_a_signed_in_user(staff, client_for):
    client_for(staff).post(reverse("set_language"), {"language": "pt-br", "next": "/"})
    assert Profile.objects.get(user=staff).language == "pt-br"


def test_language_switch_of_a_visitor_stores_nothing(report):
    Client().post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert Profile.objects.count() == 0


def test_login_brings_back_the_users_language(known):
    Profile.objects.create(user=known, language="fr")
    response = _log_in(Client(), "known")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"


def test_login_of_a_user_without_a_language_keeps_the_page_language(known):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    _log_in(client, "known")
    assert language_for(known) == "es"


def test_language_for_falls_back_to_the_default(known):
    assert language_for(known) == "en"
    assert language_for(known, default="pt-BR") == "pt-br"
    assert language_for(None, default="xx") == "en"


# --- e-mail address: verified before it is used ------------------------------------------------


def test_new_address_is_used_only_once_verified(known, client_for):
    client = client_for(known)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "new@example.org"})
    assert response.status_code == 302
    known.refresh_from_db()
    assert known.email == "known@example.org"
    [message] = mail.outbox
    assert message.to == ["new@example.org"]
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", message.body)[1]
    assert client.post(link).status_code == 302
    known.refresh_from_db()
    assert known.email == "new@example.org"
    assert list(EmailAddress.objects.filter(user=known).values_list("email", "verified")) == [
        ("new@example.org", True)
    ]


def test_a_user_with_two_factor_may_change_their_address(known, client_for):
    client = Client()
    _log_in(client, "known")
    _set_up_totp(client)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "new@example.org"})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox if "new@example.org" in m.to] == [["new@example.org"]]


def test_two_accounts_made_with_one_address_both_log_in(report):
    factories.make_user("first", email="shared@example.org")
    factories.make_user("second", email="Shared@example.org")
    for username in ("first", "second"):
        assert _log_in(Client(), username).status_code == 302
    assert sorted(EmailAddress.objects.values_list("user__username", "verified")) == [
        ("first", True),
        ("second", False),
    ]


def test_a_forged_verification_link_changes_nothing(known, client_for):
    client = client_for(known)
    client.post(reverse("account_email"), {"action_add": "", "email": "new@example.org"})
    forged = reverse("account_confirm_email", kwargs={"key": "Mg:forged:key"})
    client.post(forged)
    known.refresh_from_db()
    assert known.email == "known@example.org"


# --- two-factor sign-in --------------------------------------------------------------------------


@pytest.fixture
def require_2fa(settings):
    settings.REQUIRE_2FA_FOR = ["reviewer", "admin"]


def _set_up_totp(client):
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": totp(secret)})
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    return secret


def test_required_roles(require_2fa, office, superuser):
    assert required_roles(factories.make_reviewer()) == {"reviewer"}
    assert required_roles(superuser) == {"admin", "reviewer"}
    assert required_roles(factories.make_researcher()) == set()
    assert required_roles(factories.make_user(office=office)) == set()


def test_reviewer_is_sent_to_set_up_two_factor_first(require_2fa, report):
    factories.make_reviewer()
    client = Client()
    reviewer = factories.make_reviewer()
    _log_in(client, reviewer.username)
    for url in ("/assess/review/", "/", "/accounts/profile/", "/admin/"):
        response = client.get(url)
        assert (url, response["Location"]) == (url, reverse("mfa_activate_totp"))
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    _set_up_totp(client)
    assert client.get("/assess/review/").status_code == 200


def test_two_factor_is_optional_without_the_setting(report):
    reviewer = factories.make_reviewer()
    client = Client()
    _log_in(client, reviewer.username)
    assert client.get("/assess/review/").status_code == 200


def test_two_factor_not_required_for_other_roles(require_2fa, office):
    user = factories.make_user(office=office)
    client = Client()
    _log_in(client, user.username)
    assert client.get("/assess/").status_code == 200


def test_after_setup_login_asks_for_the_code(require_2fa, report):
    reviewer = factories.make_reviewer()
    client = Client()
    _log_in(client, reviewer.username)
    secret = _set_up_totp(client)
    client.post("/accounts/logout/")

    response = _log_in(client, reviewer.username)
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get("/assess/review/")["Location"].startswith(LOGIN)  # not in yet

    code = totp(secret)
    wrong = [f"{(int(code) + n) % 10**6:06d}" for n in (1, 2, 3)]
    wrong = next(w for w in wrong if w not in {totp(secret, time.time() + d) for d in (-30, 30)})
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["Incorrect code."]
    assert client.get("/assess/review/")["Location"].startswith(LOGIN)

    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response["Location"] == "/assess/review/"
    assert client.get("/assess/review/").status_code == 200


def test_a_recovery_code_works_once(require_2fa, report):
    reviewer = factories.make_reviewer()
    client = Client()
    _log_in(client, reviewer.username)
    _set_up_totp(client)
    client.post("/accounts/logout/")
    codes = Authenticator.objects.get(user=reviewer, type=Authenticator.Type.RECOVERY_CODES)
    recovery = RecoveryCodes(codes).get_unused_codes()[0]

    _log_in(client, reviewer.username)
    response = client.post(reverse("mfa_authenticate"), {"code": recovery})
    assert response["Location"] == "/assess/review/"
    client.post("/accounts/logout/")

    _log_in(client, reviewer.username)
    response = client.post(reverse("mfa_authenticate"), {"code": recovery})
    assert response.status_code == 200
    assert client.get("/assess/review/")["Location"].startswith(LOGIN)


def test_a_required_user_cannot_turn_two_factor_off(require_2fa, report):
    reviewer = factories.make_reviewer()
    client = Client()
    _log_in(client, reviewer.username)
    _set_up_totp(client)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert Authenticator.objects.filter(user=reviewer, type="totp").count() == 1


def test_anyone_may_turn_optional_two_factor_on_and_off(office):
    user = factories.make_user(office=office)
    client = Client()
    _log_in(client, user.username)
    _set_up_totp(client)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type="totp").count() == 0


def test_the_admin_logs_in_through_our_login(report, superuser):
    response = Client().get("/admin/")
    assert response["Location"] == "/admin/login/?next=/admin/"
    response = Client().get(response["Location"])
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    client = Client()
    client.force_login(superuser)
    assert client.get("/admin/login/?next=https://evil.example/")["Location"] == "/admin/"


def test_someone_elses_code_page_shows_nothing_without_a_password(report):
    # The code page belongs to a login in progress: without one it sends you to log in.
    response = Client().get(reverse("mfa_authenticate"))
    assert response["Location"] == LOGIN
