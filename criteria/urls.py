from django.urls import path

from . import views

app_name = "criteria"
urlpatterns = [
    path("", views.criterion_list, name="list"),
    path("<slug:slug>/", views.criterion_detail, name="detail"),
]
