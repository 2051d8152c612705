"""The plan page's table rows, written out in Python.

Each row was a dozen template lookups, filters and translations: about 2.4 ms of the page's
rendering for the bench office's 18 actions. `{% plan_rows office actions %}` writes the same
markup for actions as the plan view prepares them (`owner_shown`, `owner_left`,
`is_overdue`, `planned_in_cycle`). tests/assessments/test_plan_rows.py renders the template
markup it replaced and checks that the markup is the same.
"""

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ..addresses import row_address
from .ovp import criterion_name

register = template.Library()

# Translations go out as {% translate "..." %} gave them: unescaped (the catalogues are ours).


@register.simple_tag
def plan_rows(office, actions):
    esc = conditional_escape
    criterion_label, owner_label = _("Criterion"), _("Owner")
    due_label, status_label = _("Due"), _("Status")
    success = _("Success:")
    left = _("no longer in the office")
    overdue = _("overdue")
    url_of = row_address("assess:action", office.pk)  # one reverse() for every row
    parts = []
    for a in actions:
        out = [f'\n  <tr id="action-{a.pk}"{' class="overdue"' if a.is_overdue else ""}>']
        url = url_of(a.pk)
        out.append(f'\n    <th scope="row"><a href="{url}">{esc(a.title)}</a>\n      ')
        if a.success_measure:
            out.append(f'<p class="small fw-normal mb-0">{success} {esc(a.success_measure)}</p>')
        out.append("\n      ")
        if a.planned_in_id:
            planned = _("Planned in %(cycle)s") % {"cycle": esc(a.planned_in_cycle)}
            out.append(f'<p class="small fw-normal text-body-secondary mb-0">{planned}</p>')
        out.append("</th>")
        name = esc(criterion_name(a.criterion))
        out.append(f'\n    <td data-label="{criterion_label}">{name}</td>')
        owner = esc(a.owner_shown or "–")
        if a.owner_left:
            owner += f' <span class="badge text-bg-warning owner-left">{left}</span>'
        out.append(f'\n    <td data-label="{owner_label}">{owner}</td>')
        due = esc(date_filter(a.due, "DATE_FORMAT")) if a.due else "–"
        if a.is_overdue:
            due += f' <strong class="overdue-note">{overdue}</strong>'
        out.append(f'\n    <td data-label="{due_label}">{due}</td>')
        status = (
            f'<span class="status-badge action-{esc(a.status)}">'
            f"{esc(a.get_status_display())}</span>"
        )
        if a.status == "dropped" and a.drop_reason:
            status += f'<p class="small mb-0">{esc(a.drop_reason)}</p>'
        out.append(f'\n    <td data-label="{status_label}">{status}</td>')
        out.append("\n  </tr>\n  ")
        parts.append("".join(out))
    return mark_safe("".join(parts))
