"""assessments.mail: one templated message, text and HTML, in a language, after commit."""

from django.core import mail
from django.db import transaction

from assessments import mail as app_mail
from tests import factories


def _send(language="en"):
    app_mail.send(
        template="join_declined",
        to="ana@office.example",
        language=language,
        context={
            "registration": {"name": "Ana", "office_name": "CYPO", "reviewer_message": "<b>No</b>"}
        },
    )


def test_mail_is_sent_after_commit_in_text_and_html(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _send()
        assert mail.outbox == []  # not before the commit
    assert len(callbacks) == 1
    [message] = mail.outbox
    assert (message.to, message.subject) == (
        ["ana@office.example"],
        "Your request to register an office",
    )
    assert "<b>No</b>" in message.body  # plain text is not escaped
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "&lt;b&gt;No&lt;/b&gt;" in html  # HTML is


def test_mail_is_not_sent_when_the_transaction_rolls_back(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                _send()
                raise RuntimeError
        except RuntimeError:
            pass
    assert mail.outbox == []


def test_mail_in_the_given_language(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _send("fr")
    assert mail.outbox[0].subject == "Votre demande d’inscription d’un bureau"


def test_user_language_falls_back_to_the_sites_until_accounts_have_a_profile(db):
    assert app_mail.user_language(factories.make_user()) == "en"
