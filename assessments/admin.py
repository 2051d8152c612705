from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Assessment, Entry, EvidenceLink, Membership, ReviewComment


class EntryInline(admin.StackedInline):
    model = Entry
    extra = 0
    fields = ["criterion", "level", "applicability", "justification", "strengths", "opportunities"]


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):
    list_display = ["office", "cycle", "kind", "status", "version"]
    list_filter = ["kind", "status", "cycle"]
    list_select_related = ["office__city"]
    search_fields = ["office__name", "office__city__name"]
    inlines = [EntryInline]


@admin.register(Entry)
class EntryAdmin(SimpleHistoryAdmin):
    list_display = ["assessment", "criterion", "level", "applicability", "version"]
    list_select_related = ["assessment__office__city", "criterion"]


@admin.register(EvidenceLink)
class EvidenceLinkAdmin(SimpleHistoryAdmin):
    list_display = ["title", "url", "checked_on"]


@admin.register(ReviewComment)
class ReviewCommentAdmin(admin.ModelAdmin):
    list_display = ["assessment", "criterion", "decision", "author", "created_at"]
    list_select_related = ["assessment__office__city", "criterion", "author"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "office", "role"]
    list_filter = ["role"]
    list_select_related = ["user", "office__city"]
    autocomplete_fields = ["office"]
    search_fields = ["user__username", "office__name"]
