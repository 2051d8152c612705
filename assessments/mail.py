"""The one way the app sends its own e-mail: a templated message, in plain text and HTML,
in the recipient's language, handed to the task worker once the database transaction has
committed (so a rolled-back change never sends a mail about something that did not happen,
and no request waits for a mail server: assessments.tasks.deliver_mail retries).

Templates: templates/email/<name>_subject.txt, <name>.txt and <name>.html.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from . import tasks
from .links import site_base


def user_language(user):
    """The language a user chose for their mail (their profile, once accounts have one)."""
    profile = getattr(user, "profile", None)
    return getattr(profile, "language", None) or settings.LANGUAGE_CODE


def absolute(path):
    """A link for a mail: mails have no request, so the base is SITE_URL or the fallback
    (assessments.links.site_base)."""
    return site_base() + path


def render_message(*, template, to, context, language):
    with translation.override(language):
        subject = " ".join(render_to_string(f"email/{template}_subject.txt", context).split())
        text = render_to_string(f"email/{template}.txt", context)
        html = render_to_string(f"email/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    return message


def send(*, template, to, context, language):
    """Send `template` to the address `to` in `language` through the task worker, once the
    transaction commits."""
    message = render_message(template=template, to=to, context=context, language=language)
    payload = {
        "subject": message.subject,
        "text": message.body,
        "html": message.alternatives[0][0] if message.alternatives else "",
        "to": to,
    }
    transaction.on_commit(lambda: tasks.deliver_mail.enqueue(**payload))
