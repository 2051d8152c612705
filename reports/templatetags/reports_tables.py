"""Table rows of the dashboard and the matrix, built in Python.

The same markup a template loop would give, many times faster: a table of 25 offices by
11 values is ~300 template variable lookups, and a matrix of 20 cities has 180 cells.
"""

from django import template
from django.utils.formats import number_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from assessments.templatetags.ovp import fictional_badge, level_badge

from ..charts import NotApplicable

register = template.Library()


def _cell(value, missing):
    if isinstance(value, NotApplicable):
        reason = (
            f' <span class="small na-reason">{escape(value.reason)}</span>' if value.reason else ""
        )
        label = escape(_("not applicable"))
        return f'<td class="na-cell"><span class="unrated">{label}</span>{reason}</td>'
    if value is None:
        return f'<td><span class="unrated">{escape(missing)}</span></td>'
    if isinstance(value, float):
        return f"<td>{number_format(value)}</td>"
    return f"<td>{escape(value)}</td>"


@register.simple_tag
def table_rows(table):
    """<tr> rows of a chart's table: {"rows": [{"header", "cells"}], "missing"}."""
    missing = table["missing"]
    out = []
    for row in table["rows"]:
        cells = "".join(_cell(v, missing) for v in row["cells"])
        out.append(f'<tr><th scope="row">{escape(row["header"])}</th>{cells}</tr>')
    return mark_safe("\n".join(out))  # every piece escaped above


@register.simple_tag
def heatmap_rows(rows, table):
    """The heatmap table's rows of one page, with the fictional badge and the row links."""
    missing = table["missing"]
    trend, add, remove = _("Trend"), _("Add to radar"), _("Remove from radar")
    out = []
    for row in rows:
        cells = "".join(_cell(v, missing) for v in row["cells"])
        links = format_html(
            '<td class="text-nowrap"><a href="?{}#trends-heading">{}</a> · '
            '<a href="?{}#radar-heading">{}</a></td>',
            row["trend_query"],
            trend,
            row["radar_query"],
            remove if row["on_radar"] else add,
        )
        badge = fictional_badge(row["origin"])
        out.append(f'<tr><th scope="row">{escape(row["header"])} {badge}</th>{cells}{links}</tr>')
    return mark_safe("\n".join(out))  # every piece escaped above


def _paragraphs(text):
    """linebreaksbr: escaped text with <br> for line breaks."""
    return escape(text).replace("\r\n", "\n").replace("\n", "<br>")


@register.simple_tag
def matrix_cells(row):
    """The <td> cells of one criterion row of the multi-city matrix.

    Built here rather than in a template loop: twenty cities make 180 cells, and the
    template version took four times as long as the rest of the page.
    """
    strengths, opportunities = _("Current strengths"), _("Opportunities")
    no_entry = _("No entry")
    why = _("Why not applicable:")
    out = []
    for cell in row["cells"]:
        if cell is None:
            out.append(
                '<td class="matrix-cell"><span class="text-body-secondary">'
                f"{escape(no_entry)}</span></td>"
            )
            continue
        badge = ""
        if cell["rated"] or cell["not_applicable"]:
            badge = f'<p class="mb-1">{level_badge(cell["level"], "", cell["applicability"])}</p>'
        if cell["not_applicable"]:
            badge += (
                f'<p class="mb-1 not-applicable-reason"><span class="matrix-label">'
                f"{escape(why)}</span> {_paragraphs(cell['justification'])}</p>"
            )
        out.append(
            f'<td class="matrix-cell">{badge}'
            f'<p class="mb-1"><span class="matrix-label">{escape(strengths)}</span> '
            f"{_paragraphs(cell['strengths'])}</p>"
            f'<p class="mb-0"><span class="matrix-label">{escape(opportunities)}</span> '
            f"{_paragraphs(cell['opportunities'])}</p></td>"
        )
    return mark_safe("".join(out))  # every piece escaped above


@register.simple_tag
def filter_field(field, problems_id=""):
    """One GET filter as label + select, checkbox or text input (Bootstrap classes).

    The dashboard's filter form has a dozen fields and ~60 options; built here it costs
    a tenth of the template loop it replaces. Invalid fields point at the problem list.
    """
    name, html_id, label = field.html_name, field.id_for_label, field.label
    help_id = f"{html_id}-help" if field.help_text else ""
    error_id = f"{html_id}-error" if field.errors else ""
    described = " ".join(i for i in (help_id, error_id, problems_id if field.errors else "") if i)
    aria = (' aria-invalid="true"' if field.errors else "") + (
        f' aria-describedby="{escape(described)}"' if described else ""
    )
    widget = field.field.widget
    value = field.value()
    if getattr(widget, "input_type", "") == "checkbox":
        checked = " checked" if value else ""
        return format_html(
            '<div class="col-sm-6 col-lg-3 d-flex align-items-end"><div class="form-check">'
            '<input class="form-check-input" type="checkbox" name="{}" id="{}"{}>'
            '<label class="form-check-label" for="{}">{}</label></div></div>',
            name,
            html_id,
            mark_safe(checked),
            html_id,
            label,
        )
    choices = getattr(field.field, "choices", None)
    if choices is not None:
        current = "" if value is None else str(value)
        options = "".join(
            f'<option value="{escape(v)}"{" selected" if str(v) == current else ""}>'
            f"{escape(text)}</option>"
            for v, text in choices
        )
        control = (
            f'<select class="form-select" name="{escape(name)}" id="{escape(html_id)}"'
            f"{aria}>{options}</select>"
        )
    else:
        control = (
            f'<input class="form-control" type="text" name="{escape(name)}" '
            f'id="{escape(html_id)}" value="{escape(value or "")}"{aria}>'
        )
    if help_id:
        control += f'<p class="form-text" id="{escape(help_id)}">{escape(field.help_text)}</p>'
    if error_id:
        # Next to the field, not only in the list at the top of the page.
        control += (
            f'<p class="invalid-feedback d-block" id="{escape(error_id)}">'
            f"{escape(' '.join(field.errors))}</p>"
        )
    return format_html(
        '<div class="col-sm-6 col-lg-3"><label class="form-label" for="{}">{}</label>{}</div>',
        html_id,
        label,
        mark_safe(control),  # escaped piece by piece above
    )
