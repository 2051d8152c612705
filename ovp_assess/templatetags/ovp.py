from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def published_on(assessment):
    """When a published assessment came out, as readers write dates: one dated by its source
    (the report's charts) gives the source's month, "January 2024"; any other the day it was
    published after review. Empty for an assessment that is not published."""
    if assessment.status != "published":
        return ""
    if assessment.source_date:
        return date_format(assessment.source_date, "YEAR_MONTH_FORMAT")
    if assessment.published_at:
        return date_format(timezone.localtime(assessment.published_at), "DATE_FORMAT")
    return ""


@register.filter
def tr(obj, field):
    """Translated content field with English fallback: {{ criterion|tr:"title" }}."""
    return obj.tr(field)


@register.simple_tag
def level_badge(level, label=""):
    """The rubric level as a badge that carries its meaning in text, not only in colour."""
    if level is None:
        return format_html('<span class="badge level-badge level-unrated">{}</span>', _("Unrated"))
    text = f"{level}/4" + (f" {label}" if label else "")
    return format_html('<span class="badge level-badge level-{}">{}</span>', level, text)


@register.simple_tag
def fictional_badge(origin):
    """Visible label on every demo or synthetic record."""
    if origin == "demo":
        return format_html('<span class="badge badge-fictional">{}</span>', _("Demo, fictional"))
    if origin == "synthetic":
        return format_html(
            '<span class="badge badge-fictional">{}</span>', _("Synthetic, fictional")
        )
    return ""
