"""Work the app hands to its task worker (Django's task framework on the database queue of
django-tasks-db, `manage.py db_worker`): e-mail, and the evidence link checks that the
periodic command (manage.py run_periodic) starts.

A task that fails is not dropped: `retry_later` enqueues it again with a growing delay
(TASK_RETRY_SECONDS, doubled at each attempt) until TASK_ATTEMPTS attempts have failed.
Each failed attempt stays in the queue's table as a failed task with its traceback, which
admins see under "Task results" in the admin.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task, task_backends
from django.utils import timezone

from . import linkcheck

logger = logging.getLogger(__name__)


def retry_later(work, *, attempt, kwargs):
    """Enqueue `work` again with `kwargs` for attempt `attempt + 1`, after a delay that
    doubles at each attempt; False once TASK_ATTEMPTS attempts have been made."""
    if attempt >= settings.TASK_ATTEMPTS:
        logger.error("%s failed %d times; kept as failed", work.name, attempt)
        return False
    delay = timedelta(seconds=settings.TASK_RETRY_SECONDS * 2 ** (attempt - 1))
    backend = task_backends[work.backend]
    if backend.supports_defer:
        work = work.using(run_after=timezone.now() + delay)
    work.enqueue(**kwargs, attempt=attempt + 1)
    return True


@task
def deliver_mail(*, subject, text, html, to, attempt=1):
    """Send one message already written in its recipient's language (assessments.mail)."""
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    if html:
        message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:
        retry_later(
            deliver_mail,
            attempt=attempt,
            kwargs={"subject": subject, "text": text, "html": html, "to": to},
        )
        raise  # this attempt is recorded as failed, with its traceback
    return {"to": to, "attempt": attempt}


@task
def check_evidence_links(*, older_than_days=None, timeout=10.0, attempt=1):
    """What `manage.py check_evidence` does, on the worker: check the evidence links (those
    not checked in the last `older_than_days` days, or all) and record each result.
    Returns {status: number of links}. A crash (the database away, say) is retried."""
    try:
        links = linkcheck.links_to_check(older_than_days=older_than_days)
        counts = linkcheck.check_links(links=links, timeout=timeout)
    except Exception:
        retry_later(
            check_evidence_links,
            attempt=attempt,
            kwargs={"older_than_days": older_than_days, "timeout": timeout},
        )
        raise
    return {str(status): number for status, number in counts.items()}
