from django.urls import path

from . import assess_views

app_name = "assess"
urlpatterns = [
    path("", assess_views.staff_home, name="home"),
]
