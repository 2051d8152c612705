"""assessments.notifications: who is told of what, in which language, and when; the
weekly digest; the periodic command's reminders; the preference page."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from assessments import comments, notifications, rounds, workflow
from assessments.links import site_base
from assessments.models import Action, Membership, Notification, PerspectiveRound, Profile
from criteria.models import Criterion
from tests import factories

TODAY = datetime.date(2026, 6, 10)  # a Wednesday
Notify = Profile.Notify


def person(name, *, office=None, role=Membership.Role.EDITOR, group=None, notify=None, **kw):
    user = factories.make_user(
        name, office=office, role=role, group=group, email=f"{name}@example.org", **kw
    )
    if notify is not None or "language" in kw:
        Profile.objects.create(user=user, notify=notify or Notify.IMMEDIATE)
    return user


def with_profile(user, **values):
    Profile.objects.update_or_create(user=user, defaults=values)
    return user


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.fixture
def team(office, other_office):
    return {
        "lead": person("lead", office=office, role=Membership.Role.LEAD),
        "editor": person("editor", office=office),
        "viewer": person("viewer", office=office, role=Membership.Role.VIEWER),
        "outsider": person("outsider", office=other_office, role=Membership.Role.LEAD),
        "reviewer": person("reviewer", group="reviewers"),
        "reviewer2": person("reviewer2", group="reviewers"),
    }


@pytest.fixture
def now(monkeypatch):
    """Run what waits for the commit (notifications, mail) at once, as the test goes: the
    test's own transaction never commits. (Failures then show instead of being logged.)"""
    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


def complete(office, **kw):
    return factories.make_assessment(office, levels=[2] * 9, **kw)


# --- the review workflow ---------------------------------------------------------------------


def test_submitted_tells_the_reviewers_once_and_not_the_author(office, team, now):
    with_profile(team["reviewer2"], notify=Notify.NONE)
    assessment = complete(office)
    assert workflow.submit(assessment=assessment, user=team["editor"]) == []
    assert recipients() == ["reviewer@example.org"]
    [message] = mail.outbox
    assert message.subject == f"{office.name} submitted its 2025 self-assessment for review"
    assert f"{site_base()}/assess/{assessment.pk}/review/" in message.body
    assert "because you are a reviewer" in message.body
    assert "/accounts/notifications/" in message.body
    # Told again of the same submission: nothing new.
    assert notifications.assessment_submitted(assessment=assessment, actor=None) == []
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(user=team["reviewer2"]).count() == 0  # chose none


def test_superusers_are_reviewers_too(office, team, superuser, now):
    superuser.email = "root@example.org"
    superuser.save()
    notifications.assessment_submitted(assessment=complete(office), actor=team["editor"])
    assert recipients() == ["reviewer2@example.org", "reviewer@example.org", "root@example.org"]


@pytest.mark.parametrize("step", ["return_to_office", "publish"])
def test_a_decision_tells_the_offices_members(office, team, now, step):
    assessment = complete(office, status="submitted")
    getattr(workflow, step)(assessment=assessment, user=team["reviewer"], comment="Well done")
    assert recipients() == ["editor@example.org", "lead@example.org", "viewer@example.org"]
    message = mail.outbox[0]
    assert "because you are a member of " + office.name in message.body
    assert "Well done" in message.body
    assert f"/assess/{assessment.pk}/" in message.body
    [(html, _)] = message.alternatives
    assert f'<a href="{site_base()}/assess/{assessment.pk}/">' in html
    assert f'<a href="{site_base()}/accounts/notifications/">' in html


def test_a_change_rolled_back_tells_nobody(office, team, django_capture_on_commit_callbacks):
    assessment = complete(office)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                workflow.submit(assessment=assessment, user=team["editor"])
                raise RuntimeError
        except RuntimeError:
            pass
    assert (Notification.objects.count(), mail.outbox) == (0, [])


def test_a_returned_then_resubmitted_assessment_is_told_again(office, team, now):
    assessment = complete(office, status="submitted")
    workflow.return_to_office(assessment=assessment, user=team["reviewer"])
    workflow.submit(assessment=assessment, user=team["editor"])
    workflow.return_to_office(assessment=assessment, user=team["reviewer"])
    kinds = Notification.objects.filter(user=team["lead"]).values_list("kind", flat=True)
    assert sorted(kinds) == ["returned", "returned"]
    assert Notification.objects.filter(user=team["reviewer"], kind="submitted").count() == 1


def test_a_reviewers_comment_tells_the_office_and_a_reply_tells_the_reviewer(office, team, now):
    assessment = complete(office, status="submitted")
    criterion = Criterion.objects.get(number=3)
    note = workflow.add_comment(
        assessment=assessment, user=team["reviewer"], text="Say more", criterion=criterion
    )
    assert recipients() == ["editor@example.org", "lead@example.org", "viewer@example.org"]
    assert "wrote about criterion 3" in mail.outbox[0].body
    assert "Say more" in mail.outbox[0].body
    mail.outbox.clear()
    comments.reply(comment=note, user=team["editor"], text="Done, see the link")
    # The reviewer who wrote the note, not every reviewer, and not the author.
    assert recipients() == ["reviewer@example.org"]
    assert f"/assess/{assessment.pk}/review/#comment-{note.pk}" in mail.outbox[0].body


def test_a_reply_to_a_note_whose_author_is_gone_tells_every_reviewer(office, team, now):
    assessment = complete(office, status="submitted")
    note = workflow.add_comment(assessment=assessment, user=team["reviewer"], text="Why?")
    team["reviewer"].is_active = False
    team["reviewer"].save()
    mail.outbox.clear()
    comments.reply(comment=note, user=team["lead"], text="Because")
    assert recipients() == ["reviewer2@example.org"]


def test_nobody_without_an_address_or_an_active_account(office, team, now):
    team["viewer"].email = ""
    team["viewer"].save()
    team["editor"].is_active = False
    team["editor"].save()
    notifications.assessment_published(assessment=complete(office), actor=team["reviewer"])
    assert recipients() == ["lead@example.org"]


def test_in_the_recipients_language(office, team, now):
    with_profile(team["lead"], language="fr")
    with_profile(team["editor"], language="es")
    notifications.assessment_published(assessment=complete(office), actor=team["reviewer"])
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects["lead@example.org"] == f"{office.name} : l’autoévaluation 2025 est publiée"
    assert subjects["editor@example.org"] == f"{office.name}: la autoevaluación 2025 está publicada"
    assert subjects["viewer@example.org"] == f"{office.name}: the 2025 self-assessment is published"
    french = next(m for m in mail.outbox if m.to == ["lead@example.org"])
    assert "vous êtes membre de" in french.body


# --- actions -------------------------------------------------------------------------------


def action(office, *, due, owner=None, status=Action.Status.PLANNED, title="Train the team"):
    return Action.objects.create(
        office=office,
        criterion=Criterion.objects.get(number=2),
        title=title,
        owner=owner,
        due=due,
        status=status,
    )


def test_an_action_due_in_a_week_tells_its_owner_and_the_leads(office, team, now):
    second_lead = person("lead2", office=office, role=Membership.Role.LEAD)
    due = TODAY + datetime.timedelta(days=7)
    action(office, due=due, owner=team["editor"])
    action(office, due=TODAY + datetime.timedelta(days=8), owner=team["editor"])  # not yet
    action(office, due=TODAY, owner=team["editor"], status=Action.Status.DONE)  # done
    action(office, due=None, owner=team["editor"])  # no date
    assert notifications.remind_actions(today=TODAY) == 3
    assert recipients() == ["editor@example.org", "lead2@example.org", "lead@example.org"]
    owner_mail = next(m for m in mail.outbox if m.to == ["editor@example.org"])
    assert owner_mail.subject == "Action due on June 17, 2026: Train the team"
    assert "this action of " + office.name + " is yours" in owner_mail.body
    assert f"/assess/offices/{office.pk}/plan/" in owner_mail.body
    lead_mail = next(m for m in mail.outbox if m.to == [second_lead.email])
    assert "you lead the team of" in lead_mail.body


def test_an_overdue_action_is_told_once_more_and_a_new_date_starts_again(office, team, now):
    item = action(office, due=TODAY + datetime.timedelta(days=2), owner=team["editor"])
    assert notifications.remind_actions(today=TODAY) == 2
    assert notifications.remind_actions(today=TODAY + datetime.timedelta(days=1)) == 0
    assert notifications.remind_actions(today=TODAY + datetime.timedelta(days=3)) == 2
    assert notifications.remind_actions(today=TODAY + datetime.timedelta(days=9)) == 0
    kinds = sorted(m.subject.split(":")[0] for m in mail.outbox)
    assert kinds == ["Action due on June 12, 2026"] * 2 + ["Action overdue"] * 2
    item.due = TODAY + datetime.timedelta(days=20)
    item.save()
    assert notifications.remind_actions(today=TODAY + datetime.timedelta(days=14)) == 2


def test_an_owner_who_left_the_office_is_still_told_and_a_name_alone_is_not(office, team, now):
    Membership.objects.filter(user=team["editor"]).delete()
    action(office, due=TODAY, owner=team["editor"])
    Action.objects.create(
        office=office,
        criterion=Criterion.objects.get(number=1),
        title="X",
        owner_name="Ana",
        due=TODAY,
    )
    notifications.remind_actions(today=TODAY)
    assert recipients() == ["editor@example.org", "lead@example.org", "lead@example.org"]


def test_a_lead_who_owns_the_action_gets_one_mail(office, team, now):
    action(office, due=TODAY, owner=team["lead"])
    notifications.remind_actions(today=TODAY)
    assert recipients() == ["lead@example.org"]
    assert Notification.objects.get().context["reason"] == "owner"


# --- perspectives rounds -------------------------------------------------------------------


def open_round(office, user, closes_on):
    assessment = complete(office)
    return PerspectiveRound.objects.create(
        assessment=assessment, closes_on=closes_on, opened_by=user
    )


def test_a_round_closing_in_three_days_and_then_closed_tells_the_office(office, team, now):
    round_ = open_round(office, team["lead"], TODAY + datetime.timedelta(days=3))
    open_round(factories.make_office(), team["lead"], TODAY + datetime.timedelta(days=4))
    assert notifications.remind_rounds(today=TODAY) == 3
    assert recipients() == ["editor@example.org", "lead@example.org", "viewer@example.org"]
    assert "closes on June 13, 2026" in mail.outbox[0].subject
    mail.outbox.clear()
    assert notifications.remind_rounds(today=TODAY + datetime.timedelta(days=1)) == 0
    assert notifications.remind_rounds(today=TODAY + datetime.timedelta(days=4)) == 3
    assert "has closed" in mail.outbox[0].subject
    round_.refresh_from_db()
    assert notifications.remind_rounds(today=TODAY + datetime.timedelta(days=5)) == 0


def test_closing_a_round_early_tells_the_others_once(office, team, now):
    round_ = open_round(office, team["lead"], timezone.localdate() + datetime.timedelta(days=20))
    rounds.close_round(round_=round_, user=team["lead"])
    assert recipients() == ["editor@example.org", "viewer@example.org"]
    rounds.close_round(round_=round_, user=team["lead"])
    assert len(mail.outbox) == 2


# --- the weekly digest -----------------------------------------------------------------------


def test_weekly_users_get_one_digest_a_week_of_what_was_not_mailed(office, team, now):
    with_profile(team["lead"], notify=Notify.WEEKLY, language="fr")
    with_profile(team["editor"], notify=Notify.NONE)
    notifications.assessment_published(assessment=complete(office), actor=team["reviewer"])
    action(office, due=TODAY, owner=team["viewer"], title="Map partners")
    notifications.remind_actions(today=TODAY)
    assert recipients() == ["viewer@example.org", "viewer@example.org"]  # immediate
    assert Notification.objects.filter(user=team["editor"]).count() == 0
    mail.outbox.clear()

    assert notifications.send_digests(today=TODAY) == 1
    [digest] = mail.outbox
    assert digest.to == ["lead@example.org"]
    assert digest.subject == "Votre résumé de la semaine : 2 nouvelles"
    assert f"{office.name} : l’autoévaluation 2025 est publiée" in digest.body
    assert "Map partners" in digest.body
    assert f"/assess/offices/{office.pk}/plan/" in digest.body
    assert "/accounts/notifications/" in digest.body
    assert not Notification.objects.filter(user=team["lead"], digest_sent_at=None).exists()

    # The same week: nothing more, even with news; the next week: only the news.
    action(office, due=TODAY, owner=None, title="Hire a coordinator")
    notifications.remind_actions(today=TODAY)
    assert notifications.send_digests(today=TODAY + datetime.timedelta(days=4)) == 0
    assert notifications.send_digests(today=TODAY + datetime.timedelta(days=5)) == 1
    assert "Hire a coordinator" in mail.outbox[-1].body
    assert "Map partners" not in mail.outbox[-1].body
    assert notifications.send_digests(today=TODAY + datetime.timedelta(days=6)) == 0


def test_periodic_command_runs_twice_and_sends_each_reminder_once(office, team, now):
    action(office, due=TODAY + datetime.timedelta(days=1), owner=team["editor"])
    open_round(office, team["lead"], TODAY)
    for _ in range(2):
        call_command("run_periodic", "--today", TODAY.isoformat(), "--no-links", stdout=StringIO())
    assert recipients() == [
        "editor@example.org",
        "editor@example.org",
        "lead@example.org",
        "lead@example.org",
        "viewer@example.org",
    ]


# --- the preference page ---------------------------------------------------------------------


def test_preference_page_needs_a_login(client, db):
    response = client.get("/accounts/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_preference_page_changes_the_own_choice_only(client_for, team):
    lead, editor = team["lead"], team["editor"]
    page = client_for(lead).get("/accounts/notifications/")
    assert page.status_code == 200
    assert page.context["form"].initial == {"notify": "immediate"}
    response = client_for(lead).post(
        "/accounts/notifications/", {"notify": "weekly", "user": editor.pk}
    )
    assert response.status_code == 302
    assert Profile.objects.get(user=lead).notify == "weekly"
    assert not Profile.objects.filter(user=editor).exists()
    bad = client_for(lead).post("/accounts/notifications/", {"notify": "hourly"})
    assert bad.status_code == 200
    assert Profile.objects.get(user=lead).notify == "weekly"


def test_the_account_page_links_to_the_preferences(client_for, team):
    page = client_for(team["lead"]).get("/accounts/profile/")
    assert 'href="/accounts/notifications/"' in page.content.decode()
