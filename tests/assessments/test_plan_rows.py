"""The plan's table rows, written out by templatetags/plan_rows.py, are the markup the plan
page's template gave them: the reference below is that template's markup, rendered with the
same actions in every state a row can be in and in every language."""

import datetime
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

REFERENCE = """{% load i18n ovp %}{% translate "Criterion" as criterion_label %}{% translate "Owner" as owner_label %}{% translate "Due" as due_label %}{% translate "Status" as status_label %}
  {% for a in actions %}
  <tr id="action-{{ a.pk }}"{% if a.is_overdue %} class="overdue"{% endif %}>
    <th scope="row"><a href="{% url 'assess:action' office.pk a.pk %}">{{ a.title }}</a>
      {% if a.success_measure %}<p class="small fw-normal mb-0">{% translate "Success:" %} {{ a.success_measure }}</p>{% endif %}
      {% if a.planned_in_id %}<p class="small fw-normal text-body-secondary mb-0">{% blocktranslate trimmed with cycle=a.planned_in_cycle %}Planned in {{ cycle }}{% endblocktranslate %}</p>{% endif %}</th>
    <td data-label="{{ criterion_label }}">{{ a.criterion|criterion_name }}</td>
    <td data-label="{{ owner_label }}">{{ a.owner_shown|default:"–" }}{% if a.owner_left %} <span class="badge text-bg-warning owner-left">{% translate "no longer in the office" %}</span>{% endif %}</td>
    <td data-label="{{ due_label }}">{% if a.due %}{{ a.due|date:"DATE_FORMAT" }}{% else %}–{% endif %}{% if a.is_overdue %} <strong class="overdue-note">{% translate "overdue" %}</strong>{% endif %}</td>
    <td data-label="{{ status_label }}"><span class="status-badge action-{{ a.status }}">{{ a.get_status_display }}</span>{% if a.status == "dropped" and a.drop_reason %}<p class="small mb-0">{{ a.drop_reason }}</p>{% endif %}</td>
  </tr>
  {% endfor %}
"""  # noqa: E501 - the template's lines as they were

OURS = "{% load plan_rows %}  {% plan_rows office actions %}\n"


def _criterion(number, short):
    return SimpleNamespace(number=number, tr=lambda field: short)


def _action(pk, **kw):
    status = kw.pop("status", "planned")
    values = {
        "pk": pk,
        "title": "Publish the budget",
        "success_measure": "",
        "planned_in_id": None,
        "planned_in_cycle": None,
        "criterion": _criterion(3, "Sound diagnoses"),
        "owner_shown": "Ana",
        "owner_left": False,
        "due": None,
        "is_overdue": False,
        "status": status,
        "drop_reason": "",
        "get_status_display": lambda: {"planned": "Planned", "dropped": "Dropped"}.get(
            status, status
        ),
    }
    values.update(kw)
    return SimpleNamespace(**values)


ACTIONS = [
    _action(1),
    _action(
        2,
        title='Fix <the> "site" & more',
        success_measure="50% of <pages> & 'forms'",
        planned_in_id=4,
        planned_in_cycle=2025,
        criterion=_criterion(9, 'Data & <open> "formats"'),
        owner_shown="Zoë <O'Brien>",
        owner_left=True,
        due=datetime.date(2026, 3, 4),
        is_overdue=True,
        status="in_progress",
    ),
    _action(3, owner_shown="", due=datetime.date(2027, 12, 31), status="done"),
    _action(4, owner_shown=None, status="dropped", drop_reason="No <budget> & no time"),
    _action(
        5,
        status="dropped",
        drop_reason="",
        success_measure="x",
        planned_in_id=1,
        planned_in_cycle=2024,
    ),
]


@pytest.mark.parametrize("language", ["en", "es", "pt-br", "fr"])
@pytest.mark.parametrize("count", [0, 1, len(ACTIONS)])
def test_rows_are_the_templates_markup(language, count):
    context = {"office": SimpleNamespace(pk=7), "actions": ACTIONS[-count:] if count else []}
    with translation.override(language):
        reference = Template(REFERENCE).render(Context(context))
        ours = Template(OURS).render(Context(context))
    # The reference starts with the line its {% translate ... as %} tags leave.
    assert ours == reference[reference.index("\n") + 1 :]
