"""A criterion's figures table and comments on the perspectives page, written out in Python.

Nine cards, each a table of five rows whose cells are a handful of template lookups and
filters, then the comments, were two thirds of the page's rendering time.
`{% figure_table r %}` writes the same markup: the table (one row per group, "too few
answers to show" for a group not shown apart, then all respondents), the numbers localized
as the template did, medians through floatformat:"-1", "don't know" as {% widthratio %};
then the comments, if any. tests/assessments/test_perspective_figures.py renders the
template markup it replaced and checks that the markup is the same.
"""

import html

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaultfilters import floatformat, linebreaksbr
from django.utils.formats import get_format, localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


# Translations go out as {% translate "..." %} gave them: unescaped (the catalogues are ours).
# The fixed ones are looked up once per language (nine cards asked for about ninety).
_texts_by_language = {}


def _texts():
    language = get_language()
    texts = _texts_by_language.get(language)
    if texts is None:
        # No gettext inside an f-string: makemessages would not see it.
        head = "".join(
            f'<th scope="col" class="text-end">{text}</th>'
            for text in (_("Answers"), _("Median"), _("Range"), _("Don't know"))
        )
        group, divergent = _("Group"), _("divergent")
        texts = {
            "too_few": _("too few answers to show"),
            "everyone": _("All respondents"),
            "too_small": _("Groups too small to show apart"),
            "comments": _("Comments"),
            "caption": _("Figures for criterion %(number)s"),
            "head": f'<thead><tr><th scope="col">{group}</th>{head}</tr></thead>\n',
            "divergent": f'<span class="badge text-bg-warning">{divergent}</span>',
        }
        _texts_by_language[language] = texts
    return texts


@receiver(setting_changed)
def _forget_texts(*, setting, **kwargs):
    # As Django forgets its catalogues when these change (tests).
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"}:
        _texts_by_language.clear()


def _n(value):
    """{{ value }}: a whole number without thousands separators is its digits."""
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)
    return conditional_escape(localize(value))


def _median(value):
    """{{ value|floatformat:"-1" }}. A median of whole levels is a whole or a half: written
    directly (floatformat's Decimal rounding costs more than the rest of a cell)."""
    if type(value) is float and 0 <= value < 1000 and (value * 2).is_integer():
        if value.is_integer():
            return str(int(value))
        return f"{int(value)}{get_format('DECIMAL_SEPARATOR')}5"
    return floatformat(value, "-1")


def _percent(part, whole):
    """{% widthratio part whole 100 %}."""
    try:
        return str(round(float(part) / float(whole) * 100))
    except ZeroDivisionError:
        return "0"
    except (ValueError, TypeError, OverflowError):
        return ""


def _cells(cell, texts):
    if not cell:
        too_few = texts["too_few"]
        return f'<td colspan="4" class="text-body-secondary">{too_few}</td>'
    median = "–" if cell.median is None else _median(cell.median)
    spread = "–" if cell.low is None else f"{_n(cell.low)}–{_n(cell.high)}"
    return (
        f'<td class="text-end">{_n(cell.answers)}</td><td class="text-end">{median}</td>'
        f'<td class="text-end">{spread}</td>'
        f'<td class="text-end">{_percent(cell.dont_know, cell.answers)} %</td>\n'
    )


def _figure_rows(cells, overall):
    """The table body's rows: `cells` [(group, Figures or None)], `overall` Figures or None."""
    texts = _texts()
    rows = [
        f'<tr><th scope="row">{conditional_escape(group.name)}</th>\n{_cells(cell, texts)}</tr>\n'
        for group, cell in cells
    ]
    everyone = texts["everyone"]
    rows.append(
        f'<tr class="table-light"><th scope="row">{everyone}</th>\n{_cells(overall, texts)}</tr>\n'
    )
    return "".join(rows)


def _lines(text):
    """{{ text|linebreaksbr }}; a plain string (every comment) without its lazy wrappers."""
    if type(text) is not str:
        return linebreaksbr(text, autoescape=True)
    return html.escape(text.replace("\r\n", "\n").replace("\r", "\n")).replace("\n", "<br>")


def _comments(comments):
    if not comments:
        return ""
    fixed = _texts()
    too_small = fixed["too_small"]
    parts = []
    for name, texts in comments:
        items = "".join(f'<li class="text-break">{_lines(text)}</li>' for text in texts)
        parts.append(
            f'<p class="small mb-1 mt-2"><strong>{conditional_escape(name) if name else too_small}'
            f'</strong></p>\n<ul class="small">{items}</ul>'
        )
    summary = fixed["comments"]
    return f"<details><summary>{summary}</summary>\n{''.join(parts)}\n</details>\n"


@register.simple_tag
def figure_table(r):
    """A card's table and comments: `r` is one of the view's rows ("criterion", "row",
    "cells" [(group, Figures or None)], "comments" [(group name or None, texts)])."""
    texts = _texts()
    caption = texts["caption"] % {"number": _n(r["criterion"].number)}
    return mark_safe(  # noqa: S308 - values escaped, translations ours
        '<div class="table-responsive">\n<table class="table table-sm small">\n'
        f'<caption class="visually-hidden">{caption}</caption>\n'
        f"{texts['head']}"
        f"<tbody>\n{_figure_rows(r['cells'], r['row'].overall)}</tbody>\n</table>\n</div>\n"
        f"{_comments(r['comments'])}"
    )


@register.simple_tag
def figure_card(r):
    """The opening of a criterion's card, its heading (with "divergent" when the row is),
    then figure_table(r): the card's body stays open for the agreed level or its fields."""
    number = _n(r["criterion"].number)
    divergent = r["row"].divergent
    badge = _texts()["divergent"] if divergent else ""
    title = conditional_escape(r["criterion"].tr("short_title"))
    return mark_safe(  # noqa: S308 - values escaped, translations ours
        f'<article class="card mb-3 perspective-row{" border-warning" if divergent else ""}"'
        f' aria-labelledby="pc-{number}">\n      <div class="card-body">\n'
        f'        <h3 class="h5" id="pc-{number}">{number}. {title}\n'
        f"          {badge}</h3>\n        {figure_table(r)}"
    )
