"""/join/: an office registers, verifies its address and answers a reviewer's question; an
invitee accepts an invitation. Reviewers decide on registrations under /assess/.

Every page that sends mail or reads a token is throttled per client address; every
answer is the same whether or not an address has an account; a forged, expired or used
link gets a page that says so and nothing else.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from .. import registration as reg
from .. import teams, throttle
from ..access import is_reviewer
from ..join_forms import AnswerForm, DecisionForm, NewAccountForm, RegistrationForm
from ..models import Registration

TOKEN_STATUS = {"forged": 404, "expired": 410, "used": 410}


def throttled(*, post_only=False):
    """Refuse a client that went over settings.JOIN_RATE_LIMIT this hour (429)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            counted = request.method == "POST" or not post_only
            if counted and not throttle.allow(
                request, scope="join", limit=settings.JOIN_RATE_LIMIT
            ):
                return render(request, "join/throttled.html", status=429)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _data(request):
    # An empty POST is a form sent empty, to be explained; not a page to show afresh.
    return request.POST if request.method == "POST" else None


def token_error(request, kind):
    return render(request, "join/token_error.html", {"kind": kind}, status=TOKEN_STATUS[kind])


@require_http_methods(["GET", "POST"])
@throttled(post_only=True)
def register(request):
    form = RegistrationForm(_data(request))
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items()}
        reg.submit(data=data, language=translation.get_language())
        return redirect("join:sent")
    return render(request, "join/register.html", {"form": form}, status=400 if form.errors else 200)


@require_safe
def sent(request):
    return render(request, "join/sent.html")


@require_http_methods(["GET", "POST"])
@throttled()
def verify(request, token):
    # A GET only shows the button: mail scanners that open links must not verify.
    try:
        registration = reg.read_token(token=token, purpose=reg.VERIFY)
    except reg.TokenError as exc:
        return token_error(request, exc.kind)
    if request.method == "POST":
        reg.verify(registration=registration)
        return render(request, "join/verified.html", {"registration": registration})
    return render(request, "join/verify.html", {"registration": registration})


@require_http_methods(["GET", "POST"])
@throttled()
def answer(request, token):
    try:
        registration = reg.read_token(token=token, purpose=reg.ANSWER)
    except reg.TokenError as exc:
        return token_error(request, exc.kind)
    form = AnswerForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            reg.answer(registration=registration, text=form.cleaned_data["answer"])
        except reg.TokenError as exc:
            return token_error(request, exc.kind)
        return render(request, "join/verified.html", {"registration": registration})
    context = {"registration": registration, "form": form}
    return render(request, "join/answer.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@throttled()
def invitation(request, token):
    """Accept an invitation: as the signed-in account of the invited address, or with a
    new account for it."""
    try:
        invite = teams.find_invitation(token)
    except reg.TokenError as exc:
        return token_error(request, exc.kind)
    user = request.user
    context = {"invitation": invite, "office": invite.office, "status": 200}
    if user.is_authenticated:
        context["matches"] = teams.address_matches(invite, user)
        if request.method == "POST" and context["matches"]:
            teams.accept(invitation=invite, user=user)
            messages.success(
                request, _("Welcome to the team of %(office)s.") % {"office": invite.office.name}
            )
            return redirect("assess:team", office_id=invite.office_id)
        if not context["matches"]:
            context["status"] = 403
    else:
        form = NewAccountForm(_data(request), email=invite.email)
        if request.method == "POST" and form.is_valid():
            membership = teams.create_account_and_accept(
                invitation=invite,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                name=form.cleaned_data["name"],
            )
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, _("Welcome to the team of %(office)s.") % {"office": invite.office.name}
            )
            return redirect("assess:team", office_id=invite.office_id)
        context["form"] = form
        context["login_url"] = f"{reverse('account_login')}?next={request.path}"
        if form.errors:
            context["status"] = 400
    return render(request, "join/invitation.html", context, status=context["status"])


# --- reviewers ------------------------------------------------------------------------------


def _reviewer_only(request):
    if not is_reviewer(request.user):
        raise PermissionDenied


@login_required
@require_safe
def registrations(request):
    _reviewer_only(request)
    return render(request, "join/registrations.html", {"registrations": list(reg.pending())})


@login_required
@require_http_methods(["GET", "POST"])
def registration(request, pk):
    _reviewer_only(request)
    found = reg.pending().filter(pk=pk).first()
    if found is None:
        raise Http404
    form = DecisionForm(_data(request))
    if request.method == "POST" and form.is_valid():
        decision, message = form.cleaned_data["decision"], form.cleaned_data["message"]
        try:
            if decision == DecisionForm.APPROVE:
                office = reg.approve(registration=found, reviewer=request.user)
                done = _("Approved: %(office)s is created and its lead has been sent a link.")
                done %= {"office": office.name}
            elif decision == DecisionForm.ASK:
                reg.ask(registration=found, reviewer=request.user, message=message)
                done = _("Your question has been sent to the requester.")
            else:
                reg.decline(registration=found, reviewer=request.user, reason=message)
                done = _("Declined; the requester has been told why.")
        except reg.DecisionError:
            messages.error(request, _("This request has already been decided."))
        else:
            messages.success(request, done)
        return redirect("assess:registrations")
    context = {"registration": found, "form": form, "statuses": Registration.Status}
    return render(request, "join/registration.html", context, status=400 if form.errors else 200)
