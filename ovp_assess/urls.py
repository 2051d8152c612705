from django.contrib import admin
from django.urls import include, path

from . import accounts, views
from .api import api

# Django's error pages, in JSON under /api/ (see ovp_assess.api.api_error_view).
handler400 = "ovp_assess.api.bad_request"
handler404 = "ovp_assess.api.page_not_found"
handler500 = "ovp_assess.api.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Before Django's own: the reset mail is sent after the answer (ovp_assess.accounts).
    path(
        "accounts/password_reset/",
        accounts.PasswordResetView.as_view(),
        name="password_reset",
    ),
    # Before django.contrib.auth's own: the same URL and name, with a landing page per role.
    path("accounts/login/", views.RoleLoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("criteria/", include("criteria.urls")),
    path("cities/", include("reports.city_urls")),
    path("join/", include("assessments.join_urls")),
    path("assess/", include("assessments.urls")),
    path("respond/", include("assessments.respond_urls")),
    path("reports/", include("reports.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
