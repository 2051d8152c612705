from django.urls import path

from . import opendata_views

app_name = "opendata"
urlpatterns = [
    path("", opendata_views.index, name="index"),
    path("datapackage.json", opendata_views.descriptor, name="descriptor"),
    path("ovp-assess-data.zip", opendata_views.package_zip, name="zip"),
    path("<slug:name>.csv", opendata_views.table, name="table"),
]
