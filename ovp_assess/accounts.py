"""Accounts on top of django-allauth: where each role lands, the user's language, mail sent
after the answer, and two-factor sign-in required for some roles (REQUIRE_2FA_FOR).

Mail asked for by a request goes out after the answer's last byte has gone to the client,
in the same worker, so after every transaction of the request has ended (and not at all
when the request failed with a 5xx). A password reset for a known address therefore
answers as fast as for an unknown one (which sends nothing): the time of the answer tells
nobody whether an address has an account, and a slow mail server delays no page. Mail
asked for outside a request (a command) goes when the current transaction commits.
"""

import logging
import time

from allauth.account import app_settings as allauth_settings
from allauth.account import forms as allauth_forms
from allauth.account import views as account_views
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import i18n
from django.views.decorators.http import require_http_methods

from assessments import profiles
from assessments.access import is_researcher, is_reviewer, office_ids_for
from assessments.models import Profile

logger = logging.getLogger(__name__)


# --- mail after the answer --------------------------------------------------------------

_QUEUE = "_ovp_after_response"


def send_after_response(request, send):
    """Run `send()` once the answer to `request` has gone out; outside a request (None or
    one that did not pass the middleware), once the current transaction commits."""
    queue = getattr(request, _QUEUE, None)
    if queue is None:
        transaction.on_commit(lambda: _run([send]))
    else:
        queue.append(send)


def _run(sends):
    for send in sends:
        try:
            send()
        except Exception:
            # Nobody is left to tell: the answer has gone. The log says what failed.
            logger.exception("Sending a mail failed")


class SendMailAfterResponseMiddleware:
    """Gives each request a queue that runs when the server closes the answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        queue = []
        setattr(request, _QUEUE, queue)
        response = self.get_response(request)
        if response.status_code >= 500:
            queue.clear()  # the request failed: what it meant to announce may not be so
        if queue:
            close = response.close

            def close_after_sending():
                # Before close(): it sends request_finished, after which the URL resolver
                # (needed for links in the mail) is reset.
                try:
                    _run(queue)
                finally:
                    close()

            response.close = close_after_sending
        return response


# --- allauth's adapters -----------------------------------------------------------------


def landing_url(user):
    """Each role's work page, where a login without `next` lands."""
    if is_reviewer(user):
        return reverse("assess:review-queue")
    if is_researcher(user):
        return reverse("reports:dashboard")
    if office_ids_for(user):
        return reverse("assess:home")
    return reverse(settings.LOGIN_REDIRECT_URL)


def _recipient(email, context):
    user = context.get("user")
    if user is not None:
        return user
    address = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
    if address is not None:
        return address.user
    return get_user_model().objects.filter(email__iexact=email).first()


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Offices join through /join/ and are reviewed; nobody signs up on their own.
        return False

    def get_login_redirect_url(self, request):
        return landing_url(request.user)

    def post_login(self, request, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        ensure_primary_address(user)
        # The header's link to the review queue reads this flag, so pages run no group
        # query for it; the queue itself checks the group on every request.
        request.session["show_review_queue"] = is_reviewer(user)
        # The user's own language from now on; one who never chose keeps the page's.
        language = profiles.chosen_language(user) or profiles.set_language(
            user=user, language=translation.get_language()
        )
        if language and response is not None:
            set_language_cookie(response, language)
        return response

    def is_reauthentication_required(self, *, app, **kwargs):
        # A login in the last few minutes counts as having confirmed the password: setting
        # up two-factor sign-in right after logging in (REQUIRE_2FA_FOR) asks for no second
        # password. allauth itself counts only its explicit "confirm your password" step.
        required = super().is_reauthentication_required(app=app, **kwargs)
        if required and self.request is not None and self.request.user.is_authenticated:
            records = get_authentication_records(self.request, self.request.user)
            timeout = allauth_settings.REAUTHENTICATION_TIMEOUT
            if records and time.time() - records[-1]["at"] < timeout:
                return False
        return required

    def send_mail(self, template_prefix, email, context):
        request = allauth_context.request
        recipient = _recipient(email, context)
        language = profiles.language_for(recipient, default=translation.get_language())
        send = super().send_mail

        def render_and_send():
            with translation.override(language), allauth_context.request_context(request):
                send(template_prefix, email, context)

        send_after_response(request, render_and_send)

    def render_mail(self, template_prefix, email, context, headers=None):
        message = super().render_mail(template_prefix, email, context, headers=headers)
        if isinstance(message, EmailMultiAlternatives) and not message.alternatives:
            # allauth's messages are plain text: the same words as HTML, for mail readers
            # that show only that.
            html = render_to_string(
                "account/email/message.html",
                {"subject": message.subject, "body": message.body},
            )
            message.attach_alternative(html, "text/html")
        return message


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator):
        # A user whose role requires two-factor sign-in cannot turn it off.
        if authenticator.type == Authenticator.Type.TOTP and required_roles(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)


def set_language_cookie(response, language):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


# --- two-factor sign-in required for some roles --------------------------------------------


def roles_of(user):
    """The roles REQUIRE_2FA_FOR may name that `user` has (superusers review too)."""
    roles = set()
    if user.is_superuser:
        roles.add("admin")
    if is_reviewer(user):
        roles.add("reviewer")
    if is_researcher(user):
        roles.add("researcher")
    if office_ids_for(user):
        roles.add("staff")
    return roles


def required_roles(user):
    """The roles for which `user` must sign in with a second factor (empty: optional)."""
    required = set(settings.REQUIRE_2FA_FOR)
    return roles_of(user) & required if required else set()


def has_totp(user):
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


# Pages a user who must set up two-factor sign-in may still open.
SETUP_URL_NAMES = {
    "mfa_activate_totp",
    "mfa_view_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_index",
    "account_logout",
    "account_reauthenticate",
    "mfa_reauthenticate",
    "set_language",
    "healthz",
}
# In the session: the REQUIRE_2FA_FOR under which this user was found to be done, so that
# a user with a second factor (or no required role) costs no query per request.
_DONE = "ovp_2fa_done_for"


class RequireTwoFactorMiddleware:
    """Sends users of the roles in REQUIRE_2FA_FOR to set up TOTP before any other page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.REQUIRE_2FA_FOR and request.user.is_authenticated:
            marker = ",".join(sorted(settings.REQUIRE_2FA_FOR))
            if request.session.get(_DONE) != marker:
                if required_roles(request.user) and not has_totp(request.user):
                    if not _may_open(request.path_info):
                        messages.warning(
                            request,
                            _(
                                "Your role requires two-factor sign-in. Set up an "
                                "authenticator app to continue."
                            ),
                        )
                        return redirect(reverse("mfa_activate_totp"))
                else:
                    request.session[_DONE] = marker
        return self.get_response(request)


def _may_open(path):
    try:
        return resolve(path).url_name in SETUP_URL_NAMES
    except Resolver404:
        return True  # a 404 shows nothing


# --- pages ---------------------------------------------------------------------------------


class LoginForm(allauth_forms.LoginForm):
    """allauth's login form with visible labels instead of placeholders; the page itself
    links to the password reset (allauth puts that link in the password's help text)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = gettext_lazy("Username or e-mail")
        self.fields["password"].help_text = ""
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)


class AccountForm(forms.ModelForm):
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)

    class Meta:
        model = get_user_model()
        fields = ["first_name", "last_name"]


# --- views ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """The account page: name and language here; e-mail, password and 2FA linked."""
    user = request.user
    initial = {"language": profiles.chosen_language(user) or translation.get_language()}
    form = AccountForm(request.POST or None, instance=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        form.save()
        language = profiles.set_language(user=user, language=form.cleaned_data["language"])
        translation.activate(language)
        messages.success(request, _("Your account is saved."))
        response = redirect("account_profile")
        set_language_cookie(response, language)
        return response
    context = {
        "form": form,
        "email": EmailAddress.objects.filter(user=user, primary=True).first(),
        "pending_email": EmailAddress.objects.filter(user=user, verified=False)
        .exclude(primary=True)
        .first(),
        "has_totp": has_totp(user),
        "two_factor_required": bool(required_roles(user)),
        "notify_display": Profile.Notify(profiles.notify_choice(user)).label,
    }
    return render(request, "account/profile.html", context)


class NotifyForm(forms.Form):
    notify = forms.ChoiceField(
        label=gettext_lazy("E-mail notifications"),
        choices=Profile.Notify.choices,
        widget=forms.RadioSelect,
    )


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    """How the signed-in user hears of what happens (assessments.notifications): each
    e-mail as it happens, a weekly digest, or none. Their own choice only: the page takes
    no user, it changes the one who asks."""
    user = request.user
    form = NotifyForm(request.POST or None, initial={"notify": profiles.notify_choice(user)})
    if request.method == "POST" and form.is_valid():
        profiles.set_notify(user=user, notify=form.cleaned_data["notify"])
        messages.success(request, _("Your choice is saved."))
        return redirect("account_notifications")
    return render(request, "account/notifications.html", {"form": form})


def ensure_primary_address(user):
    """allauth's record of `user.email`, as their primary address.

    Accounts made without allauth (seed_demo, the admin, older ones) have none; allauth's
    e-mail page would then take their address for an unconfirmed new one and drop it. An
    address an administrator gave is taken as confirmed, unless another account already
    holds it confirmed (Django lets two users share an address; allauth does not).
    """
    email = user.email.lower()
    if not email or EmailAddress.objects.filter(user=user, primary=True).exists():
        return
    taken = EmailAddress.objects.filter(email=email, verified=True).exclude(user=user).exists()
    EmailAddress.objects.filter(user=user, email__iexact=email).delete()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=not taken)


def email(request):
    """allauth's e-mail page, for an account that may predate allauth."""
    if request.user.is_authenticated:
        ensure_primary_address(request.user)
    return account_views.email(request)


def admin_login(request, extra_context=None):
    """The admin's login is ours: its own form would let a password alone in, past the
    second factor. Staff go on to the admin; other signed-in users may not."""
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    next_url = next_url or reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
    if not request.user.is_staff:
        raise PermissionDenied
    return redirect(next_url)


def set_language(request):
    """Django's language switch; a signed-in user's choice is also kept on their profile."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "") if request.method == "POST" else ""
    if request.user.is_authenticated and translation.check_for_language(language):
        profiles.set_language(user=request.user, language=language)
    return response
