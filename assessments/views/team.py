"""An office's team page: members, invitations and the log of changes.

Every view reaches the office through teams.get_team_for_user: non-members get 404,
members who are not leads may look (members only) but not change anything (403).
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from .. import teams
from ..join_forms import InviteForm, RoleForm

TEAM_ERRORS = {
    "last-lead": lambda: _("An office needs at least one lead: make another member a lead first."),
    "member": lambda: _("This person is already a member of the team."),
}


def team_view(*methods, lead=True, team=False):
    """Login, then the scoped getter (404 for non-members, whatever the method), then the
    method check; the view receives the office and the user's membership (and, with `team`,
    every member, read with it). With `lead`, a POST needs a lead (403 for other members)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, office_id, **kwargs):
            found = teams.get_team_for_user(
                request.user, office_id, lead=lead and request.method == "POST", team=team
            )
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, *found, **kwargs)

        return wrapper

    return decorator


def _page(request, office, membership, members, *, form=None, status=200):
    lead = membership.is_lead
    context = {
        "office": office,
        "membership": membership,
        "is_lead": lead,
        "members": members,
        "invitations": teams.open_invitations(office) if lead else [],
        "events": teams.log(office) if lead else [],
        "form": form or InviteForm(),
        # Translated once, not once per member.
        "roles": [(value, str(label)) for value, label in RoleForm.base_fields["role"].choices],
    }
    return render(request, "assess/team.html", context, status=status)


@team_view("GET", "HEAD", "POST", team=True)
def team(request, office, membership, members):
    """GET: the team; POST (leads): invite someone."""
    if request.method != "POST":
        return _page(request, office, membership, members)
    form = InviteForm(request.POST)
    if form.is_valid():
        email = form.cleaned_data["email"]
        try:
            teams.invite(
                office=office,
                by=request.user,
                email=email,
                role=form.cleaned_data["role"],
                language=translation.get_language(),
            )
        except teams.TeamError as exc:
            form.add_error("email", TEAM_ERRORS[str(exc)]())
        else:
            sent = _("An invitation has been sent to %(email)s.") % {"email": email}
            messages.success(request, sent)
            return redirect("assess:team", office_id=office.pk)
    return _page(request, office, membership, members, form=form, status=400)


def _done_or_error(request, office, step):
    try:
        step()
    except teams.TeamError as exc:
        messages.error(request, TEAM_ERRORS[str(exc)]())
    else:
        messages.success(request, _("The team has been updated."))
    return redirect("assess:team", office_id=office.pk)


@team_view("POST")
def change_role(request, office, membership, member_id):
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the roles."))
        return redirect("assess:team", office_id=office.pk)
    return _done_or_error(
        request,
        office,
        lambda: teams.change_role(
            office=office, membership_id=member_id, role=form.cleaned_data["role"], by=request.user
        ),
    )


@team_view("POST", lead=False)
def remove(request, office, membership, member_id):
    # Anyone may leave; only leads remove others.
    if membership.pk != member_id and not membership.is_lead:
        raise PermissionDenied
    response = _done_or_error(
        request,
        office,
        lambda: teams.remove(office=office, membership_id=member_id, by=request.user),
    )
    if membership.pk == member_id and not teams.members_of(request.user, office):
        return redirect("assess:home")
    return response


@team_view("POST")
def revoke(request, office, membership, invitation_id):
    return _done_or_error(
        request,
        office,
        lambda: teams.revoke(office=office, invitation_id=invitation_id, by=request.user),
    )
