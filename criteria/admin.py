from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Assessment,
    Criterion,
    Entry,
    EvidenceLink,
    GuidingQuestion,
    PeerExample,
    ReviewComment,
    RubricLevel,
)


class RubricLevelInline(admin.TabularInline):
    model = RubricLevel
    extra = 0


class GuidingQuestionInline(admin.TabularInline):
    model = GuidingQuestion
    extra = 0


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "short_title"]
    inlines = [RubricLevelInline, GuidingQuestionInline]


@admin.register(RubricLevel)
class RubricLevelAdmin(admin.ModelAdmin):
    list_display = ["criterion", "level", "label"]
    list_select_related = ["criterion"]


@admin.register(GuidingQuestion)
class GuidingQuestionAdmin(admin.ModelAdmin):
    list_display = ["criterion", "order", "text"]
    list_select_related = ["criterion"]


@admin.register(PeerExample)
class PeerExampleAdmin(admin.ModelAdmin):
    list_display = ["title", "criterion", "office"]
    list_select_related = ["criterion", "office__city"]


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
