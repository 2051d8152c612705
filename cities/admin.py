from django.contrib import admin

from .models import City, Country, Office, SourcedFact


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "origin"]
    list_filter = ["region", "origin"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class OfficeInline(admin.TabularInline):
    model = Office
    extra = 0
    fields = ["name", "slug", "acronym", "institutional_home", "status", "in_sample"]


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "in_sample", "adaptation_city", "origin"]
    list_filter = ["in_sample", "adaptation_city", "origin", "country__region"]
    list_select_related = ["country"]
    search_fields = ["name", "slug"]
    inlines = [OfficeInline]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "institutional_home", "status", "in_sample", "origin"]
    list_filter = ["institutional_home", "status", "in_sample", "civilian_led", "origin"]
    list_select_related = ["city"]
    search_fields = ["name", "acronym", "city__name"]


@admin.register(SourcedFact)
class SourcedFactAdmin(admin.ModelAdmin):
    list_display = ["label", "city", "country", "office", "value", "unit", "year", "citation"]
    list_select_related = ["city", "country", "office"]
    search_fields = ["label", "city__name", "country__name", "citation"]
