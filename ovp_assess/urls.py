from django.contrib import admin
from django.urls import include, path

from . import views
from .api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Before django.contrib.auth's own: the same URL and name, with a landing page per role.
    path("accounts/login/", views.RoleLoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("criteria/", include("criteria.urls")),
    path("cities/", include("reports.city_urls")),
    path("assess/", include("assessments.urls")),
    path("reports/", include("reports.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
