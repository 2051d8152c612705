"""Respondents of perspectives rounds: no account, a personal link or a code."""

from django.urls import path

from .views import respond

app_name = "respond"
urlpatterns = [
    path("", respond.code, name="code"),
    path("<str:token>/", respond.answer, name="answer"),
]
