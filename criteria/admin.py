from django.contrib import admin

from .models import Criterion, GuidingQuestion, PeerExample, RubricLevel


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
