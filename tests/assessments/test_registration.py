"""Password change and reset pages, styled like the rest of the site."""

from django.core import mail
from django.urls import reverse

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
