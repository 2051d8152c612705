from django import template
from django.template.loader import get_template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from assessments import evidence
from assessments.models import Entry
from cities.models import Origin

register = template.Library()


@register.filter
def tr(obj, field):
    """Translated content field with English fallback: {{ criterion|tr:"title" }}."""
    return obj.tr(field)


@register.filter
def criterion_name(criterion):
    """The one name of a criterion on the staff pages, in the side navigation, the page
    titles, headings and lists alike: "3. Sound diagnoses" (its translated short title). Where
    there is room the full title follows it as a subtitle."""
    return f"{criterion.number}. {criterion.tr('short_title')}"


@register.filter
def published_on(assessment):
    """When a published assessment came out, as readers write dates: one dated by its source
    (the report's charts) gives the source's month, "January 2024"; any other the day it was
    published after review. Empty for an assessment that is not published."""
    if not assessment.is_published:
        return ""
    if assessment.source_date:
        return date_format(assessment.source_date, "YEAR_MONTH_FORMAT")
    if assessment.published_at:
        return date_format(timezone.localtime(assessment.published_at), "DATE_FORMAT")
    return ""


@register.simple_tag
def level_badge(level, label="", applicability=""):
    """The one level badge, rated, unrated or not applicable (includes/badges.html), which
    carries its meaning in text, not only in colour: "3/4 Established"."""
    badge = get_template("includes/badges.html#level-badge")
    not_applicable = applicability == Entry.Applicability.NOT_APPLICABLE
    return badge.render({"level": level, "label": label, "not_applicable": not_applicable})


@register.simple_tag
def entry_badge(entry, label=""):
    """level_badge for an entry, or for a missing one (None): unrated."""
    if entry is None:
        return level_badge(None)
    return level_badge(entry.level, label, entry.applicability)


@register.simple_tag
def fictional_badge(origin):
    """Visible label on every record not from the report: demo or synthetic (fictional),
    or registered by an office (real, but in the office's own words)."""
    if origin == Origin.REGISTERED:
        return format_html(
            '<span class="badge badge-registered">{}</span>', _("Registered by the office")
        )
    if origin == Origin.DEMO:
        return format_html('<span class="badge badge-fictional">{}</span>', _("Demo, fictional"))
    if origin == Origin.SYNTHETIC:
        return format_html(
            '<span class="badge badge-fictional">{}</span>', _("Synthetic, fictional")
        )
    return ""


@register.filter
def evidence_type(content_type):
    """What people call an evidence file's type (PDF, Word, PNG...)."""
    return evidence.type_label(content_type)
