from django.contrib import admin

from .models import BundleJob


@admin.register(BundleJob)
class BundleJobAdmin(admin.ModelAdmin):
    """Scorecard bundles made by the worker: to see what failed and why (read only)."""

    list_display = ["selection", "status", "done", "total", "left_out", "attempts", "created"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in BundleJob._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
