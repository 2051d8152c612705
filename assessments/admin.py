from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Action,
    Assessment,
    Entry,
    EvidenceLink,
    Invitation,
    Membership,
    Notification,
    Registration,
    ReviewComment,
    TeamEvent,
)


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
    list_display = ["title", "url", "file_name", "checked_on", "link_status"]
    # Files come in through the criterion form's checks only, and go out through the
    # download view only (no media URL): here they are shown, never uploaded or linked.
    exclude = ["file"]
    readonly_fields = [
        "download",
        "file_name",
        "file_size",
        "file_type",
        "link_status",
        "link_status_code",
        "link_checked_at",
    ]

    @admin.display(description=_("file"))
    def download(self, obj):
        if not obj.file:
            return "-"
        url = reverse("assess:evidence-file", args=[obj.entry.assessment_id, obj.pk])
        return format_html('<a href="{}" download>{}</a>', url, obj.file.name)


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


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["office_name", "email", "status", "is_demo", "created_at"]
    list_filter = ["status", "is_demo"]
    search_fields = ["office_name", "email", "name"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    # The token's hash is of no use to anyone reading this page.
    exclude = ["token_hash"]
    list_display = ["email", "office", "role", "created_at", "expires_at", "accepted_at"]
    list_select_related = ["office__city"]

    def has_add_permission(self, request):
        return False  # invitations are sent from the team page, with their mail


@admin.register(TeamEvent)
class TeamEventAdmin(admin.ModelAdmin):
    list_display = ["at", "office", "actor", "action", "subject", "old_role", "new_role"]
    list_select_related = ["office__city", "actor"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """What was told to whom, and when it was mailed (alone or in a digest). The mails
    themselves are tasks: see "Task results" for those that failed."""

    list_display = ["user", "kind", "key", "created_at", "sent_at", "digest_sent_at"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "key"]
    readonly_fields = ["user", "kind", "key", "context", "created_at", "sent_at", "digest_sent_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Action)
class ActionAdmin(SimpleHistoryAdmin):
    # Saves here bypass the version check and the plan's rules: for repairs only.
    list_display = ["title", "office", "criterion", "status", "due", "owner", "owner_name"]
    list_filter = ["status"]
    list_select_related = ["office__city", "criterion", "owner"]
    search_fields = ["title", "office__name"]
    raw_id_fields = ["owner", "created_by", "planned_in"]
