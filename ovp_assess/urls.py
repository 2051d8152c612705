from django.contrib import admin
from django.urls import include, path

from . import views
from .api import api

# Django's error pages, in JSON under /api/ (see ovp_assess.api.api_error_view).
handler400 = "ovp_assess.api.bad_request"
handler404 = "ovp_assess.api.page_not_found"
handler500 = "ovp_assess.api.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("criteria/", include("criteria.urls")),
    path("cities/", include("reports.city_urls")),
    path("assess/", include("assessments.urls")),
    path("reports/", include("reports.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
