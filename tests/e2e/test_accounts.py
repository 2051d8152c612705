"""Accounts in a real browser: the account page, setting up two-factor sign-in with an
authenticator app (the test computes its codes), and logging in with a code."""

import pytest
from django.conf import settings

from tests import factories
from tests.totp import totp

from . import helpers

pytestmark = pytest.mark.e2e


@pytest.fixture
def tess(report):
    return factories.make_user("tess", email="tess@example.org")


def _log_in(page, check, username):
    page.goto("/accounts/login/")
    check(page)
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill("pw")
    helpers.follow(page.get_by_role("main").get_by_role("button", name="Log in"))


def test_two_factor_setup_then_login_with_a_code(page, tess, assert_accessible):
    _log_in(page, assert_accessible, "tess")
    page.goto("/accounts/profile/")
    assert page.get_by_role("heading", level=1).inner_text() == "Your account"
    assert_accessible(page)

    helpers.follow(page.get_by_role("link", name="Set up two-factor sign-in"))
    assert_accessible(page)
    helpers.follow(page.get_by_role("main").get_by_role("link", name="Activate"))
    assert page.url.endswith("/accounts/2fa/totp/activate/")
    assert_accessible(page)
    # What a person would type into their authenticator app, read from the page.
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp(secret))
    helpers.follow(page.get_by_role("main").get_by_role("button", name="Activate"))
    assert page.url.endswith("/accounts/2fa/recovery-codes/")
    assert_accessible(page)

    helpers.follow(page.get_by_role("button", name="Log out"))
    _log_in(page, assert_accessible, "tess")
    assert page.url.endswith("/accounts/2fa/authenticate/")
    assert_accessible(page)

    # A wrong code: said next to the field, and still on the code page.
    right = totp(secret)
    wrong = f"{(int(right) + 500_000) % 10**6:06d}"
    page.get_by_label("Code").fill(wrong)
    helpers.follow(page.get_by_role("main").get_by_role("button", name="Log in"))
    assert page.url.endswith("/accounts/2fa/authenticate/")
    assert page.get_by_text("Incorrect code.").first.is_visible()
    assert_accessible(page)

    page.get_by_label("Code").fill(right)
    helpers.follow(page.get_by_role("main").get_by_role("button", name="Log in"))
    assert page.url.endswith("/")
    assert page.get_by_role("link", name="tess").is_visible()


def test_account_page_changes_the_language_and_allauth_pages_follow(
    new_page, tess, assert_accessible
):
    page = new_page(width=375, height=800)
    _log_in(page, assert_accessible, "tess")
    page.goto("/accounts/profile/")
    page.get_by_role("main").get_by_label("First name").fill("Tess")
    page.get_by_role("main").get_by_label("Language").select_option("es")
    helpers.follow(page.get_by_role("main").get_by_role("button", name="Save"))
    assert page.get_by_role("heading", level=1).inner_text() == "Su cuenta"
    assert page.get_by_label("Nombre").input_value() == "Tess"
    assert_accessible(page)
    # Nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    # allauth's own pages come in Spanish with it.
    page.goto("/accounts/password/change/")
    assert page.get_by_role("heading", level=1).inner_text() == "Cambiar la contraseña"
    assert_accessible(page)
    page.goto("/accounts/email/")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Su dirección de correo electrónico"
    )
    assert_accessible(page)
    cookie = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookie[settings.LANGUAGE_COOKIE_NAME] == "es"


def test_password_reset_pages(page, tess, assert_accessible):
    page.goto("/accounts/password/reset/")
    assert_accessible(page)
    page.get_by_label("Email").fill("tess@example.org")
    helpers.follow(page.get_by_role("main").get_by_role("button", name="Reset My Password"))
    assert page.url.endswith("/accounts/password/reset/done/")
    assert_accessible(page)


def test_notification_choice_from_the_account_page(page, tess, assert_accessible):
    _log_in(page, assert_accessible, "tess")
    page.goto("/accounts/profile/")
    helpers.follow(page.get_by_role("link", name="Choose how you hear from us"))
    assert page.get_by_role("heading", level=1).inner_text() == "E-mail notifications"
    assert page.get_by_label("Each one as it happens").is_checked()
    assert_accessible(page)
    page.get_by_label("One weekly digest").check()
    helpers.follow(page.get_by_role("main").get_by_role("button", name="Save"))
    assert page.get_by_text("Your choice is saved.").is_visible()
    assert page.get_by_label("One weekly digest").is_checked()
    assert_accessible(page)
