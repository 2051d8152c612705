"""Teams: invitations, roles, the last lead, the log, and who may do what."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments import teams, workflow
from assessments.access import can_edit
from assessments.models import Invitation, Membership, TeamEvent
from tests import factories

LINK = re.compile(r"http://[^/\s]+(/join/invitation/\S+/)")


@pytest.fixture
def lead(office):
    return factories.make_user(
        "lead", office=office, role=Membership.Role.LEAD, email="lead@office.example"
    )


@pytest.fixture
def as_lead(lead):
    client = Client()
    client.force_login(lead)
    return client


@pytest.fixture
def invite(as_lead, office, django_capture_on_commit_callbacks):
    def post(email="new@office.example", role="editor", client=as_lead, target=office):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("assess:team", args=[target.pk]), {"email": email, "role": role}
            )

    return post


def invitation_path():
    [path] = LINK.findall(mail.outbox[-1].body)
    return path


def test_lead_invites_by_mail_and_only_a_hash_is_kept(invite, office, lead):
    response = invite()
    assert response["Location"] == reverse("assess:team", args=[office.pk])
    [message] = mail.outbox
    assert message.to == ["new@office.example"]
    assert message.subject == f"Join the team of {office.name} on OVP Assess"
    assert f"lead invites you to the team of {office.name}" in message.body
    token = invitation_path().split("/")[-2]
    invitation = Invitation.objects.get()
    assert invitation.token_hash == teams.hash_token(token) != token
    assert (invitation.role, invitation.invited_by, invitation.is_open) == ("editor", lead, True)
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)


def test_invitee_creates_an_account_and_joins_once(invite, office):
    invite(role="viewer")
    path = invitation_path()
    client = Client()
    page = client.get(path)
    assert page.status_code == 200
    assert f"Join the team of {office.name}" in page.content.decode()
    response = client.post(
        path,
        {
            "username": "newbie",
            "name": "New Colleague",
            "password1": "Colleague-pass-2026",
            "password2": "Colleague-pass-2026",
        },
    )
    assert response["Location"] == reverse("assess:team", args=[office.pk])
    user = User.objects.get(username="newbie")
    assert (user.email, user.first_name) == ("new@office.example", "New")
    assert Membership.objects.get(user=user).role == "viewer"
    assert client.get(reverse("assess:team", args=[office.pk])).status_code == 200
    reused = Client().get(path)
    assert reused.status_code == 410
    assert "already been used" in reused.content.decode()


def test_invitee_with_an_account_joins_signed_in_as_it(invite, office):
    known = factories.make_user("known", email="New@Office.example")
    invite()
    client = Client()
    client.force_login(known)
    assert client.post(invitation_path()).status_code == 302
    assert Membership.objects.get(user=known, office=office).role == "editor"


def test_invitation_is_bound_to_the_invited_address(invite, office, other_staff):
    invite()
    client = Client()
    client.force_login(other_staff)  # an account of another address
    response = client.post(invitation_path())
    assert response.status_code == 403
    assert "another e-mail address" in response.content.decode()
    assert not Membership.objects.filter(user=other_staff, office=office).exists()
    assert Invitation.objects.get().is_open


def test_forged_expired_and_revoked_invitations_get_a_clear_page(invite, as_lead, office):
    assert Client().get(reverse("join:invitation", args=["forged-token"])).status_code == 404
    invite()
    path = invitation_path()
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = Client().post(path, {"username": "x", "password1": "a", "password2": "a"})
    assert expired.status_code == 410
    assert "This link has expired" in expired.content.decode()
    assert not User.objects.filter(username="x").exists()
    invite()  # a new invitation to the same address
    new_path = invitation_path()
    invitation = Invitation.objects.filter(revoked_at=None).get()
    as_lead.post(reverse("assess:team-revoke", args=[office.pk, invitation.pk]))
    assert Client().get(new_path).status_code == 410


def test_a_newer_invitation_replaces_the_open_one(invite):
    invite()
    first = invitation_path()
    invite(role="viewer")
    assert Client().get(first).status_code == 410
    assert Client().get(invitation_path()).status_code == 200


def test_invitations_never_tell_whether_an_address_has_an_account(invite):
    factories.make_user("known", email="known@office.example")
    known = invite(email="known@office.example")
    unknown = invite(email="unknown@office.example")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    first, second = mail.outbox
    assert (first.subject, LINK.sub("LINK", first.body).replace("known", "x")) == (
        second.subject,
        LINK.sub("LINK", second.body).replace("unknown", "x"),
    )


def test_invitation_pages_are_throttled(report, settings):
    settings.JOIN_RATE_LIMIT = 3
    url = reverse("join:invitation", args=["guess"])
    assert [Client().get(url).status_code for _ in range(4)] == [404, 404, 404, 429]


def test_last_lead_cannot_leave_be_removed_or_demoted(as_lead, lead, office):
    mine = Membership.objects.get(user=lead)
    role_url = reverse("assess:team-role", args=[office.pk, mine.pk])
    remove_url = reverse("assess:team-remove", args=[office.pk, mine.pk])
    page = as_lead.post(role_url, {"role": "editor"}, follow=True)
    assert "An office needs at least one lead" in page.content.decode()
    as_lead.post(remove_url)
    assert Membership.objects.get(pk=mine.pk).role == "lead"
    # With a second lead, the first may step down.
    second = factories.make_user("second", office=office, role=Membership.Role.LEAD)
    as_lead.post(role_url, {"role": "editor"})
    assert Membership.objects.get(pk=mine.pk).role == "editor"
    with pytest.raises(teams.TeamError):
        teams.remove(
            office=office,
            membership_id=Membership.objects.get(user=second).pk,
            by=second,
        )


def test_lead_changes_roles_removes_members_and_everything_is_logged(as_lead, lead, office, viewer):  # fmt: skip
    membership = Membership.objects.get(user=viewer)
    as_lead.post(reverse("assess:team-role", args=[office.pk, membership.pk]), {"role": "editor"})
    as_lead.post(reverse("assess:team-remove", args=[office.pk, membership.pk]))
    assert not Membership.objects.filter(user=viewer, office=office).exists()
    assert list(
        TeamEvent.objects.order_by("pk").values_list(
            "actor__username", "action", "subject", "old_role", "new_role"
        )
    ) == [
        ("lead", "role-changed", "viewer", "viewer", "editor"),
        ("lead", "removed", "viewer", "editor", ""),
    ]
    page = as_lead.get(reverse("assess:team", args=[office.pk])).content.decode()
    assert "lead changed the role of viewer" in page


def test_members_see_the_team_but_not_its_log_and_change_nothing(office, staff, viewer, lead):
    client = Client()
    client.force_login(staff)
    page = client.get(reverse("assess:team", args=[office.pk]))
    assert page.status_code == 200
    assert "Changes to the team" not in page.content.decode()
    target = Membership.objects.get(user=viewer)
    assert (
        client.post(reverse("assess:team-role", args=[office.pk, target.pk]), {"role": "lead"})
    ).status_code == 403
    assert client.post(reverse("assess:team-remove", args=[office.pk, target.pk])).status_code == 403  # fmt: skip
    assert client.post(reverse("assess:team", args=[office.pk]), {"email": "a@b.example", "role": "lead"}).status_code == 403  # fmt: skip
    # But anyone may leave.
    mine = Membership.objects.get(user=staff)
    assert client.post(reverse("assess:team-remove", args=[office.pk, mine.pk]))["Location"] == (
        reverse("assess:home")
    )
    assert not Membership.objects.filter(pk=mine.pk).exists()


def test_a_lead_of_office_a_gets_404_on_office_b(as_lead, office, other_office, other_staff, invite):  # fmt: skip
    b_member = Membership.objects.get(user=other_staff)
    b_invitation, _token = teams.invite(
        office=other_office, by=other_staff, email="x@b.example", role="viewer", language="en"
    )
    urls = [
        ("get", reverse("assess:team", args=[other_office.pk]), {}),
        (
            "post",
            reverse("assess:team", args=[other_office.pk]),
            {"email": "y@b.example", "role": "lead"},
        ),  # fmt: skip
        (
            "post",
            reverse("assess:team-role", args=[other_office.pk, b_member.pk]),
            {"role": "viewer"},
        ),  # fmt: skip
        ("post", reverse("assess:team-remove", args=[other_office.pk, b_member.pk]), {}),
        ("post", reverse("assess:team-revoke", args=[other_office.pk, b_invitation.pk]), {}),
        # Office A's URL with office B's member or invitation.
        (
            "post",
            reverse("assess:team-role", args=[office.pk, b_member.pk]),
            {"role": "viewer"},
        ),  # fmt: skip
        ("post", reverse("assess:team-remove", args=[office.pk, b_member.pk]), {}),
        ("post", reverse("assess:team-revoke", args=[office.pk, b_invitation.pk]), {}),
    ]
    statuses = [getattr(as_lead, method)(url, data).status_code for method, url, data in urls]
    assert statuses == [404] * len(urls)
    assert Membership.objects.get(pk=b_member.pk).role == "editor"
    assert Invitation.objects.get(pk=b_invitation.pk).is_open


def test_a_lead_edits_like_an_editor(office, lead):
    assessment = workflow.start_assessment(office=office, cycle=2025, user=lead)
    assert can_edit(lead, assessment)


def test_an_existing_member_cannot_be_invited_again(invite, office):
    factories.make_user("member", office=office, email="member@office.example")
    response = invite(email="Member@office.example")
    assert response.status_code == 400
    assert "already a member of the team" in response.content.decode()
    assert mail.outbox == []


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("n", [1, 6])
def test_team_page_queries_do_not_grow_with_the_team(as_lead, lead, office, n):
    for i in range(n):
        member = factories.make_user(f"member{i}", office=office, email=f"m{i}@office.example")
        teams.invite(office=office, by=lead, email=f"new{i}@office.example", role="viewer", language="en")  # fmt: skip
        teams.change_role(office=office, membership_id=member.memberships.get().pk, role="viewer", by=lead)  # fmt: skip
    # Sessions, user, the members (the user's membership among them), invitations, log (and
    # messages) whatever n.
    counts = _queries(as_lead, reverse("assess:team", args=[office.pk]))
    assert counts == 5


@pytest.mark.parametrize("n", [1, 6])
def test_registrations_queue_queries_do_not_grow(reviewer, report, n):
    from assessments.models import Registration
    from cities.models import City, Country

    cali = City.objects.get(slug="cali")
    country = Country.objects.get(slug="colombia")
    for i in range(n):
        Registration.objects.create(name="A", email="a@x.example", job_title="B", office_name=f"O{i}", city=cali, status="pending")  # fmt: skip
        Registration.objects.create(name="A", email="a@x.example", job_title="B", office_name=f"N{i}", new_city="New", country=country, status="pending")  # fmt: skip
    client = Client()
    client.force_login(reviewer)
    assert _queries(client, reverse("assess:registrations")) == 4
