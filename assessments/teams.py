"""An office's team: members and their roles, invitations, and the log of every change.

The scoped getter is the only way views reach an office's team: someone who is not a
member gets a 404, as if the office had no team page. Invitations are one-time links that
expire; only a SHA-256 hash of the token is stored, so a leaked database holds no usable
link. (django-invitations was considered: its last release, 2.1.0 of 2023, supports Django
up to 4.x only, stores the key itself, and has no roles or office; our model is short.)
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.functions import Now
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from . import mail
from .models import Invitation, Membership, TeamEvent
from .prepared import Prepared
from .registration import TokenError


class TeamError(Exception):
    """A change the team rules refuse; the message says why."""


def get_team_for_user(user, office_id, *, lead=False, team=False):
    """(office, the user's membership) for a member of office `office_id`, else 404.

    With `lead`, members who are not leads get PermissionDenied (they may see the team).
    With `team`, (office, membership, every member as members() lists them), in one query.
    """
    if not user.is_authenticated:
        raise Http404
    if team:
        everyone = _TEAM(office_id=office_id)
        membership = next((m for m in everyone if m.user_id == user.pk), None)
    else:
        membership = (
            Membership.objects.filter(user=user, office_id=office_id)
            .select_related("office__city__country")
            .first()
        )
    if membership is None:
        raise Http404
    if lead and not membership.is_lead:
        raise PermissionDenied
    if team:
        return membership.office, membership, everyone
    return membership.office, membership


def _members(memberships):
    return memberships.select_related("user").order_by("role", "user__username")


# The team page's reads, compiled once per process (see prepared.py).
_TEAM = Prepared(
    lambda office_id: _members(Membership.objects.filter(office_id=office_id)).select_related(
        "office__city__country"
    )
)
# The database's clock (the same machine's, for SQLite) rather than timezone.now(): a
# prepared query takes no datetime parameter.
_OPEN_INVITATIONS = Prepared(
    lambda office_id: Invitation.objects.filter(
        office_id=office_id, accepted_at=None, revoked_at=None, expires_at__gt=Now()
    )
)
_LOG = Prepared(
    lambda office_id: TeamEvent.objects.filter(office_id=office_id).select_related("actor")[:50]
)


def members(office):
    return list(_members(Membership.objects.filter(office=office)))


def open_invitations(office):
    return _OPEN_INVITATIONS(office_id=office.pk)


def log(office):
    """The latest changes to the team, newest first."""
    return _LOG(office_id=office.pk)


def _record(office, actor, action, subject, *, old_role="", new_role=""):
    TeamEvent.objects.create(
        office=office,
        actor=actor,
        action=action,
        subject=subject,
        old_role=old_role,
        new_role=new_role,
    )


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _language_for(email, fallback):
    user = get_user_model().objects.filter(email__iexact=email).first()
    return mail.user_language(user) if user is not None else fallback


@transaction.atomic
def invite(*, office, by, email, role, language):
    """Invite `email` as `role`; returns the invitation and its token (sent by mail only).

    A newer invitation of the same address replaces an open one.
    """
    email = email.strip()
    if Membership.objects.filter(office=office, user__email__iexact=email).exists():
        raise TeamError("member")
    now = timezone.now()
    Invitation.objects.filter(
        office=office, email__iexact=email, accepted_at=None, revoked_at=None
    ).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        office=office,
        email=email,
        role=role,
        invited_by=by,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_DAYS),
    )
    _record(office, by, TeamEvent.Action.INVITED, email, new_role=role)
    mail.send(
        template="invitation",
        to=email,
        # The invitee's own language if they have an account, else the inviter's.
        language=_language_for(email, language),
        context={
            "invitation": invitation,
            "office": office,
            "inviter": by.get_full_name() or by.get_username(),
            "link": mail.absolute(reverse("join:invitation", args=[token])),
            "days": settings.INVITATION_DAYS,
        },
    )
    return invitation, token


def find_invitation(token):
    """The open invitation a token names, or TokenError ("forged", "expired", "used")."""
    if not isinstance(token, str) or len(token) > 100:
        raise TokenError("forged")
    invitation = (
        Invitation.objects.filter(token_hash=hash_token(token))
        .select_related("office__city", "invited_by")
        .first()
    )
    if invitation is None:
        raise TokenError("forged")
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise TokenError("used")
    if invitation.expires_at <= timezone.now():
        raise TokenError("expired")
    return invitation


def address_matches(invitation, user):
    return bool(user.email) and user.email.strip().lower() == invitation.email.strip().lower()


@transaction.atomic
def accept(*, invitation, user):
    """`user` joins the office; the invitation is used up. Bound to the invited address."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise TokenError("used")
    if invitation.expires_at <= timezone.now():
        raise TokenError("expired")
    if not address_matches(invitation, user):
        raise TeamError("address")
    membership, created = Membership.objects.get_or_create(
        user=user, office=invitation.office, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    if created:
        _record(
            invitation.office, user, TeamEvent.Action.JOINED, user.get_username(),
            new_role=invitation.role,
        )  # fmt: skip
    return membership


@transaction.atomic
def create_account_and_accept(*, invitation, username, password, name=""):
    User = get_user_model()
    first, _sep, last = name.strip().partition(" ")
    user = User(username=username, email=invitation.email, first_name=first, last_name=last)
    user.set_password(password)
    user.save()
    return accept(invitation=invitation, user=user)


def _leads(office):
    # Locked, so that two leads demoting each other at once cannot leave the office without one.
    return list(
        Membership.objects.select_for_update()
        .filter(office=office, role=Membership.Role.LEAD)
        .values_list("pk", flat=True)
    )


def _get_member(office, membership_id):
    membership = (
        Membership.objects.select_for_update()
        .filter(office=office, pk=membership_id)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise Http404
    return membership


@transaction.atomic
def change_role(*, office, membership_id, role, by):
    membership = _get_member(office, membership_id)
    if membership.role == role:
        return membership
    if membership.is_lead and _leads(office) == [membership.pk]:
        raise TeamError("last-lead")
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    _record(
        office, by, TeamEvent.Action.ROLE_CHANGED, membership.user.get_username(),
        old_role=old, new_role=role,
    )  # fmt: skip
    return membership


@transaction.atomic
def remove(*, office, membership_id, by):
    membership = _get_member(office, membership_id)
    if membership.is_lead and _leads(office) == [membership.pk]:
        raise TeamError("last-lead")
    membership.delete()
    action = TeamEvent.Action.LEFT if membership.user_id == by.pk else TeamEvent.Action.REMOVED
    _record(office, by, action, membership.user.get_username(), old_role=membership.role)


@transaction.atomic
def revoke(*, office, invitation_id, by):
    invitation = (
        Invitation.objects.select_for_update()
        .filter(office=office, pk=invitation_id, accepted_at=None, revoked_at=None)
        .first()
    )
    if invitation is None:
        raise Http404
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    _record(office, by, TeamEvent.Action.REVOKED, invitation.email, old_role=invitation.role)


def members_of(user, office):
    """True while `user` is still a member of `office`."""
    return Membership.objects.filter(user=user, office=office).exists()
