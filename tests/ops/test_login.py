"""Login throttling keyed on (username, address), safe redirects, cookie flags, password rules.

Logins go through the real form (client.post), not client.login, so that axes sees them.
"""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests import factories

LOGIN = "/accounts/login/"
ATTACKER = "203.0.113.7"
ELSEWHERE = "198.51.100.20"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def alice(db):
    user = factories.make_user("alice")
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def bob(db):
    user = factories.make_user("bob")
    user.set_password(PASSWORD)
    user.save()
    return user


def _post(client, username, password, address, **extra):
    return client.post(
        LOGIN, {"login": username, "password": password, **extra}, REMOTE_ADDR=address
    )


def _fail(client, username, address, times):
    return [_post(client, username, "wrong", address).status_code for _ in range(times)]


def _logged_in_as(client):
    return client.get("/", REMOTE_ADDR=ELSEWHERE).context["user"].username


def test_login_settings_lock_the_username_and_address_pair():
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_FAILURE_LIMIT == 5


def test_login_fifth_failure_locks_the_user_from_that_address(alice):
    client = Client()
    assert _fail(client, "alice", ATTACKER, 5) == [200, 200, 200, 200, 429]
    response = _post(client, "alice", PASSWORD, ATTACKER)
    assert response.status_code == 429
    # The form view runs, then axes' middleware answers with the lockout page instead.
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert "<h1>Too many failed log-in attempts</h1>" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_locked_user_can_still_log_in_from_another_address(alice):
    _fail(Client(), "alice", ATTACKER, 5)
    client = Client()
    response = _post(client, "alice", PASSWORD, ELSEWHERE)
    assert (response.status_code, response["Location"]) == (302, "/")
    assert _logged_in_as(client) == "alice"


def test_login_other_user_can_still_log_in_from_the_locked_address(alice, bob):
    _fail(Client(), "alice", ATTACKER, 5)
    client = Client()
    response = _post(client, "bob", PASSWORD, ATTACKER)
    assert (response.status_code, response["Location"]) == (302, "/")
    assert _logged_in_as(client) == "bob"


def test_login_success_resets_the_failure_count(alice):
    client = Client()
    assert _fail(client, "alice", ATTACKER, 4) == [200, 200, 200, 200]
    assert _post(client, "alice", PASSWORD, ATTACKER).status_code == 302
    client.post("/accounts/logout/", REMOTE_ADDR=ATTACKER)
    # Four more failures are not a lockout: the count started again after the success.
    assert _fail(client, "alice", ATTACKER, 4) == [200, 200, 200, 200]
    assert _post(client, "alice", PASSWORD, ATTACKER).status_code == 302


def test_login_failure_shows_the_form_error(alice):
    response = _post(Client(), "alice", "wrong", ATTACKER)
    assert response.status_code == 200
    assert (
        response.context["form"].non_field_errors().as_data()[0].code
        == "username_password_mismatch"
    )


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/steal",
        "http://evil.example@127.0.0.1.evil.example/",
        "javascript:alert(1)",
        "/\\evil.example",
    ],
)
def test_login_next_to_another_host_lands_on_home(alice, next_url):
    response = _post(Client(), "alice", PASSWORD, ELSEWHERE, next=next_url)
    assert (response.status_code, response["Location"]) == (302, "/")


def test_login_next_on_this_site_is_followed(alice):
    response = _post(Client(), "alice", PASSWORD, ELSEWHERE, next="/cities/")
    assert (response.status_code, response["Location"]) == (302, "/cities/")


def test_login_session_cookie_is_httponly_and_samesite_lax(alice):
    response = _post(Client(), "alice", PASSWORD, ELSEWHERE)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert (cookie["httponly"], cookie["samesite"]) == (True, "Lax")
    # The Secure flag follows HTTPS=1; test_deploy_check.py fails if production lacks it.


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("password", ["password_too_common"]),
        ("12345678", ["password_too_common", "password_entirely_numeric"]),
        ("short1!", ["password_too_short"]),
        ("alice-smith", ["password_too_similar"]),
    ],
)
def test_password_validators_reject_weak_passwords(password, codes, db):
    user = factories.make_user("alice-smith")
    with pytest.raises(ValidationError) as info:
        validate_password(password, user=user)
    assert [e.code for e in info.value.error_list] == codes


def test_password_validators_accept_a_long_passphrase(db):
    assert validate_password(PASSWORD, user=factories.make_user("carol")) is None


@pytest.mark.parametrize(
    ("role", "landing"),
    [("reviewer", "/assess/review/"), ("researcher", "/reports/dashboard/"), ("staff", "/assess/")],
)
def test_login_without_next_lands_on_the_roles_work_page(office, role, landing):
    if role == "reviewer":
        user = factories.make_reviewer()
    elif role == "researcher":
        user = factories.make_researcher()
    else:
        user = factories.make_user(office=office)
    response = Client().post(reverse("account_login"), {"login": user.username, "password": "pw"})
    assert (response.status_code, response["Location"]) == (302, landing)
