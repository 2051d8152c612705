from django.urls import path

from . import embed_views, perspective_views, scorecard_views, views

app_name = "reports"
urlpatterns = [
    path("matrix/", views.matrix, name="matrix"),
    path("matrix.csv", views.matrix_csv, name="matrix-csv"),
    path("matrix.xlsx", views.matrix_xlsx, name="matrix-xlsx"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/<slug:chart>.csv", views.dashboard_csv, name="dashboard-csv"),
    path("perspectives/<int:pk>.csv", perspective_views.perspectives_csv, name="perspectives-csv"),
    path("scorecards/<int:pk>.pdf", scorecard_views.scorecard, name="scorecard"),
    path("scorecards/<int:pk>/chart.svg", embed_views.scorecard_chart_svg, name="scorecard-chart"),
    path("assessments/<int:pk>.xlsx", views.assessment_xlsx, name="assessment-xlsx"),
    path(
        "scorecards/bundle/<int:cycle>.zip",
        scorecard_views.scorecard_bundle,
        name="scorecard-bundle",
    ),
    path("scorecards/bundle/jobs/<uuid:job>/", scorecard_views.bundle_job, name="bundle-job"),
    path(
        "scorecards/bundle/jobs/<uuid:job>/status.json",
        scorecard_views.bundle_status,
        name="bundle-status",
    ),
    path(
        "scorecards/bundle/jobs/<uuid:job>/download.zip",
        scorecard_views.bundle_download,
        name="bundle-download",
    ),
]
