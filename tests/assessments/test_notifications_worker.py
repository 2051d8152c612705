"""Notifications with the task worker running for real (the database queue and
`manage.py db_worker --batch`), not the immediate backend of the other tests."""

import datetime
import smtplib
from io import StringIO

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from assessments import mail as app_mail
from assessments import workflow
from assessments.models import Action, Membership, PerspectiveRound
from criteria.models import Criterion
from tests import factories
from tests.worker import queued_tasks, work_queue  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("transactional_db", "queued_tasks")


class FailingSMTP(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("the test's mail server is down")


def person(name, **kw):
    return factories.make_user(name, email=f"{name}@example.org", **kw)


def test_a_submitted_assessment_mails_the_reviewers_exactly_once(office):
    editor = person("editor", office=office)
    person("reviewer-a", group="reviewers")
    person("reviewer-b", group="reviewers")
    assessment = factories.make_assessment(office, levels=[2] * 9)

    assert workflow.submit(assessment=assessment, user=editor) == []
    assert mail.outbox == []  # handed to the queue, not sent by the request
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 2
    work_queue()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "reviewer-a@example.org",
        "reviewer-b@example.org",
    ]
    work_queue()
    assert len(mail.outbox) == 2
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {
        TaskResultStatus.SUCCESSFUL
    }


def test_the_periodic_command_run_twice_sends_each_reminder_once(office):
    today = datetime.date(2026, 6, 10)
    lead = person("lead", office=office, role=Membership.Role.LEAD)
    owner = person("owner", office=office)
    Action.objects.create(
        office=office,
        criterion=Criterion.objects.get(number=1),
        title="Train the team",
        owner=owner,
        due=today + datetime.timedelta(days=7),
    )
    PerspectiveRound.objects.create(
        assessment=factories.make_assessment(office), closes_on=today, opened_by=lead
    )
    for _ in range(2):
        call_command("run_periodic", "--today", today.isoformat(), stdout=StringIO())
        work_queue()
    # Owner and lead: the action due in 7 days and the round closing today, once each.
    assert sorted((m.to[0], m.subject.split(":")[0]) for m in mail.outbox) == [
        ("lead@example.org", "Action due on June 17, 2026"),
        ("lead@example.org", office.name),
        ("owner@example.org", "Action due on June 17, 2026"),
        ("owner@example.org", office.name),
    ]
    # The link checks ran on the worker, one per run (nothing to check here).
    checks = DBTaskResult.objects.filter(task_path="assessments.tasks.check_evidence_links")
    assert list(checks.values_list("status", flat=True)) == [TaskResultStatus.SUCCESSFUL] * 2


def test_a_failing_mail_server_retries_then_keeps_the_task_as_failed(settings, client):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FailingSMTP"}}
    settings.TASK_RETRY_SECONDS = 0
    settings.TASK_ATTEMPTS = 3
    app_mail.send(
        template="join_declined",
        to="ana@office.example",
        language="en",
        context={"registration": {"name": "Ana", "office_name": "CYPO", "reviewer_message": ""}},
    )
    work_queue()
    results = DBTaskResult.objects.order_by("enqueued_at")
    # Three attempts, each kept as failed with its error; no fourth.
    assert [(r.status, r.args_kwargs["kwargs"].get("attempt", 1)) for r in results] == [
        (TaskResultStatus.FAILED, 1),
        (TaskResultStatus.FAILED, 2),
        (TaskResultStatus.FAILED, 3),
    ]
    assert all("SMTPServerDisconnected" in r.traceback for r in results)
    assert mail.outbox == []

    # Admins see the failures in the admin; nobody else does.
    admin = factories.make_user("root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    page = client.get("/admin/django_tasks_database/dbtaskresult/?status__exact=FAILED")
    assert page.status_code == 200
    assert page.content.decode().count("deliver_mail") >= 3
    detail = client.get(f"/admin/django_tasks_database/dbtaskresult/{results[0].pk}/change/")
    assert "SMTPServerDisconnected" in detail.content.decode()
    client.force_login(person("staff", is_staff=False))
    assert client.get("/admin/django_tasks_database/dbtaskresult/").status_code == 302
