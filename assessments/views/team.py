"""An office's team page: members, invitations and the log of changes.

Every view reaches the office through teams.get_team_for_user: non-members get 404,
members who are not leads may look (members only) but not change anything (403).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .. import teams
from ..join_forms import InviteForm, RoleForm

TEAM_ERRORS = {
    "last-lead": lambda: _("An office needs at least one lead: make another member a lead first."),
    "member": lambda: _("This person is already a member of the team."),
}


def _page(request, office, membership, *, form=None, status=200):
    lead = membership.is_lead
    context = {
        "office": office,
        "membership": membership,
        "is_lead": lead,
        "members": teams.members(office),
        "invitations": teams.open_invitations(office) if lead else [],
        "events": teams.log(office) if lead else [],
        "form": form or InviteForm(),
        "roles": RoleForm.base_fields["role"].choices,
    }
    return render(request, "assess/team.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def team(request, office_id):
    """GET: the team; POST (leads): invite someone."""
    office, membership = teams.get_team_for_user(
        request.user, office_id, lead=request.method == "POST"
    )
    if request.method == "GET":
        return _page(request, office, membership)
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
    return _page(request, office, membership, form=form, status=400)


def _done_or_error(request, office, step):
    try:
        step()
    except teams.TeamError as exc:
        messages.error(request, TEAM_ERRORS[str(exc)]())
    else:
        messages.success(request, _("The team has been updated."))
    return redirect("assess:team", office_id=office.pk)


@login_required
@require_POST
def change_role(request, office_id, member_id):
    office, _membership = teams.get_team_for_user(request.user, office_id, lead=True)
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


@login_required
@require_POST
def remove(request, office_id, member_id):
    office, membership = teams.get_team_for_user(request.user, office_id)
    # Anyone may leave; only leads remove others.
    if membership.pk != member_id:
        office, membership = teams.get_team_for_user(request.user, office_id, lead=True)
    response = _done_or_error(
        request,
        office,
        lambda: teams.remove(office=office, membership_id=member_id, by=request.user),
    )
    if membership.pk == member_id and not teams.members_of(request.user, office):
        return redirect("assess:home")
    return response


@login_required
@require_POST
def revoke(request, office_id, invitation_id):
    office, _membership = teams.get_team_for_user(request.user, office_id, lead=True)
    return _done_or_error(
        request,
        office,
        lambda: teams.revoke(office=office, invitation_id=invitation_id, by=request.user),
    )
