from allauth.account import views as account_views
from allauth.mfa.base import views as mfa_views
from allauth.mfa.recovery_codes import views as codes_views
from allauth.mfa.totp import views as totp_views
from django.contrib import admin
from django.urls import include, path, re_path

from reports import embed_views

from . import accounts, views
from .api import api

# The allauth pages we use, one by one (allauth.urls would add sign-up and more): login
# and logout, password change and reset, the e-mail address, reauthentication, and
# two-factor sign-in by authenticator app with recovery codes.
accounts_urls = [
    path("login/", account_views.login, name="account_login"),
    path("logout/", account_views.logout, name="account_logout"),
    path("inactive/", account_views.account_inactive, name="account_inactive"),
    path("profile/", accounts.profile, name="account_profile"),
    path("notifications/", accounts.notifications, name="account_notifications"),
    path("reauthenticate/", account_views.reauthenticate, name="account_reauthenticate"),
    path("email/", accounts.email, name="account_email"),
    path(
        "confirm-email/",
        account_views.email_verification_sent,
        name="account_email_verification_sent",
    ),
    re_path(
        r"^confirm-email/(?P<key>[-:\w]+)/$",
        account_views.confirm_email,
        name="account_confirm_email",
    ),
    path("password/change/", account_views.password_change, name="account_change_password"),
    path("password/set/", account_views.password_set, name="account_set_password"),
    path("password/reset/", account_views.password_reset, name="account_reset_password"),
    path(
        "password/reset/done/",
        account_views.password_reset_done,
        name="account_reset_password_done",
    ),
    re_path(
        r"^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        account_views.password_reset_from_key,
        name="account_reset_password_from_key",
    ),
    path(
        "password/reset/key/done/",
        account_views.password_reset_from_key_done,
        name="account_reset_password_from_key_done",
    ),
    path("2fa/", mfa_views.index, name="mfa_index"),
    path("2fa/authenticate/", mfa_views.authenticate, name="mfa_authenticate"),
    path("2fa/reauthenticate/", mfa_views.reauthenticate, name="mfa_reauthenticate"),
    path("2fa/totp/activate/", totp_views.activate_totp, name="mfa_activate_totp"),
    path("2fa/totp/deactivate/", totp_views.deactivate_totp, name="mfa_deactivate_totp"),
    path("2fa/recovery-codes/", codes_views.view_recovery_codes, name="mfa_view_recovery_codes"),
    path(
        "2fa/recovery-codes/generate/",
        codes_views.generate_recovery_codes,
        name="mfa_generate_recovery_codes",
    ),
    path(
        "2fa/recovery-codes/download/",
        codes_views.download_recovery_codes,
        name="mfa_download_recovery_codes",
    ),
]

# The admin logs in through allauth's login, second factor included.
admin.site.login = accounts.admin_login

# Django's error pages, in JSON under /api/ (see ovp_assess.api.api_error_view).
handler400 = "ovp_assess.api.bad_request"
handler404 = "ovp_assess.api.page_not_found"
handler500 = "ovp_assess.api.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("accounts/", include(accounts_urls)),
    # Before Django's own: a signed-in user's choice is also kept on their profile.
    path("i18n/setlang/", accounts.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("criteria/", include("criteria.urls")),
    path("cities/", include("reports.city_urls")),
    path("join/", include("assessments.join_urls")),
    path("assess/", include("assessments.urls")),
    path("respond/", include("assessments.respond_urls")),
    path("reports/", include("reports.urls")),
    # The one page other sites may frame (reports.embed_views).
    path("embed/scorecards/<int:pk>/", embed_views.embed_scorecard, name="embed-scorecard"),
    path("data/", include("reports.opendata_urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
