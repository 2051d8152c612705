from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


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
