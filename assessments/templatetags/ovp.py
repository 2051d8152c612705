from django import template
from django.template.loader import get_template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from assessments.models import Entry
from cities.models import Origin

register = template.Library()


@register.filter
def tr(obj, field):
    """Translated content field with English fallback: {{ criterion|tr:"title" }}."""
    return obj.tr(field)


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
    """Visible label on every demo or synthetic record."""
    if origin == Origin.DEMO:
        return format_html('<span class="badge badge-fictional">{}</span>', _("Demo, fictional"))
    if origin == Origin.SYNTHETIC:
        return format_html(
            '<span class="badge badge-fictional">{}</span>', _("Synthetic, fictional")
        )
    return ""
