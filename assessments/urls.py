from django.urls import path

from . import views

app_name = "assess"
urlpatterns = [
    path("", views.home, name="home"),
    path("start/", views.start, name="start"),
    path("review/", views.review_queue, name="review-queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/criteria/<int:number>/", views.criterion, name="criterion"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/learn/", views.learn, name="learn"),
    path("<int:pk>/history/", views.history, name="history"),
    path("<int:pk>/diff/", views.diff, name="diff"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/next-cycle/", views.next_cycle, name="next-cycle"),
]
