"""The rows of a criterion's figures table on the perspectives page, written out in Python.

Nine tables of five rows, each cell a handful of template lookups and filters, were two
thirds of the page's rendering time. `{% figure_rows r.cells r.row.overall %}` writes the
same rows: one per group ("too few answers to show" for a group not shown apart) and the
all-respondents row, the numbers localized as the template did, medians through
floatformat:"-1" and "don't know" as {% widthratio %}. tests/assessments/
test_perspective_figures.py renders the template markup it replaced and checks that the
markup is the same.
"""

from django import template
from django.template.defaultfilters import floatformat
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()


def _n(value):
    return conditional_escape(localize(value))


def _percent(part, whole):
    """{% widthratio part whole 100 %}."""
    try:
        return str(round(float(part) / float(whole) * 100))
    except ZeroDivisionError:
        return "0"
    except (ValueError, TypeError, OverflowError):
        return ""


def _cells(cell):
    # Translations are escaped as {% translate %}'s are (one may hold an apostrophe).
    if not cell:
        too_few = conditional_escape(_("too few answers to show"))
        return f'<td colspan="4" class="text-body-secondary">{too_few}</td>'
    median = "–" if cell.median is None else floatformat(cell.median, "-1")
    spread = "–" if cell.low is None else f"{_n(cell.low)}–{_n(cell.high)}"
    return (
        f'<td class="text-end">{_n(cell.answers)}</td><td class="text-end">{median}</td>'
        f'<td class="text-end">{spread}</td>'
        f'<td class="text-end">{_percent(cell.dont_know, cell.answers)} %</td>\n'
    )


@register.simple_tag
def figure_rows(cells, overall):
    """The table body's rows: `cells` [(group, Figures or None)], `overall` Figures or None."""
    rows = [
        f'<tr><th scope="row">{conditional_escape(group.name)}</th>\n{_cells(cell)}</tr>\n'
        for group, cell in cells
    ]
    everyone = conditional_escape(_("All respondents"))
    rows.append(
        f'<tr class="table-light"><th scope="row">{everyone}</th>\n{_cells(overall)}</tr>\n'
    )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped
