from django.urls import path

from .views import join

app_name = "join"
urlpatterns = [
    path("", join.register, name="register"),
    path("sent/", join.sent, name="sent"),
    path("verify/<str:token>/", join.verify, name="verify"),
    path("answer/<str:token>/", join.answer, name="answer"),
    path("invitation/<str:token>/", join.invitation, name="invitation"),
]
