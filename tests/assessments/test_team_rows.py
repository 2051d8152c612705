"""The team page's rows, written out by templatetags/team_rows.py, are the markup the team
page's template loops gave them: the references below are those loops, rendered with the
same members, invitations and changes, as a lead and as a viewer, in every language."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.template import Context, Template
from django.utils import timezone, translation

from assessments.models import Invitation, Membership, Office, TeamEvent
from assessments.views.team import RoleForm

MEMBERS = """{% load i18n %}
  {% translate "Change role" as change_role %}{% translate "Remove" as remove %}{% for m in members %}
  <tr>
    <th scope="row"><span class="text-break">{{ m.user.get_full_name|default:m.user.get_username }}</span>{% if m.user == user %} <span class="badge text-bg-secondary">{% translate "you" %}</span>{% endif %}<br><span class="small fw-normal text-body-secondary text-break">{{ m.user.email }}</span></th>
    <td>{{ m.get_role_display }}</td>
    {% if is_lead %}
    <td>
      <div class="d-flex flex-wrap gap-2">
      <form method="post" action="{% url 'assess:team-role' office.pk m.pk %}" class="d-flex gap-1 align-items-center">
        {% csrf_token %}
        <label class="visually-hidden" for="role-{{ m.pk }}">{% blocktranslate trimmed with name=m.user.get_username %}Role of {{ name }}{% endblocktranslate %}</label>
        <select class="form-select form-select-sm" name="role" id="role-{{ m.pk }}">
          {% for value, label in roles %}<option value="{{ value }}"{% if value == m.role %} selected{% endif %}>{{ label }}</option>{% endfor %}
        </select>
        <button class="btn btn-sm btn-outline-primary text-nowrap" type="submit">{{ change_role }}<span class="visually-hidden"> {{ m.user.get_username }}</span></button>
      </form>
      <form method="post" action="{% url 'assess:team-remove' office.pk m.pk %}">
        {% csrf_token %}
        <button class="btn btn-sm btn-outline-danger" type="submit">{% if m.user == user %}{% translate "Leave the team" %}{% else %}{{ remove }}<span class="visually-hidden"> {{ m.user.get_username }}</span>{% endif %}</button>
      </form>
      </div>
    </td>
    {% endif %}
  </tr>
  {% endfor %}
"""  # noqa: E501 - the template's lines as they were

INVITATIONS = """{% load i18n %}
  {% for i in invitations %}
  <li class="d-flex flex-wrap gap-2 align-items-center mb-2">
    <span class="text-break">{% blocktranslate trimmed with email=i.email role=i.get_role_display expires=i.expires_at|date:"DATE_FORMAT" %}{{ email }} as {{ role }}, until {{ expires }}{% endblocktranslate %}</span>
    <form method="post" action="{% url 'assess:team-revoke' office.pk i.pk %}">
      {% csrf_token %}
      <button class="btn btn-sm btn-outline-danger" type="submit">{% translate "Revoke" %}<span class="visually-hidden"> {{ i.email }}</span></button>
    </form>
  </li>
  {% endfor %}
"""  # noqa: E501

EVENTS = """{% load i18n %}
  {% for e in events %}
  <li><time datetime="{{ e.at|date:'c' }}">{{ e.at|date:"DATETIME_FORMAT" }}</time>:
    <span class="text-break">{{ e.actor.get_username|default:_("someone no longer registered") }} {{ e.get_action_display }} {{ e.subject }}</span>{% if e.old_role and e.new_role %} ({{ e.get_old_role_display }} → {{ e.get_new_role_display }}){% elif e.new_role %} ({{ e.get_new_role_display }}){% endif %}</li>
  {% endfor %}
"""  # noqa: E501

OURS = {
    MEMBERS: "{% load team_rows %}\n  {% member_rows office members user is_lead roles %}\n",
    INVITATIONS: "{% load team_rows %}\n  {% invitation_items office invitations %}\n",
    EVENTS: "{% load team_rows %}\n  {% event_items events %}\n",
}

OFFICE = Office(pk=7)
USERS = [
    User(pk=1, username="ana", first_name="Ana", last_name="Lima", email="ana@example.org"),
    User(pk=2, username="o'brien<&>", email='z"o@example.org'),
    User(pk=3, username="zoë", first_name="Zoë", last_name="<Bold> & Co", email=""),
]
MEMBERS_LIST = [
    Membership(pk=11, user=USERS[0], office=OFFICE, role=Membership.Role.LEAD),
    Membership(pk=12, user=USERS[1], office=OFFICE, role=Membership.Role.EDITOR),
    Membership(pk=13, user=USERS[2], office=OFFICE, role=Membership.Role.VIEWER),
]
AT = datetime.datetime(2026, 3, 4, 23, 30, 15, 123456, tzinfo=datetime.UTC)
INVITATION_LIST = [
    Invitation(pk=21, office=OFFICE, email="new@example.org", role="editor", expires_at=AT),
    Invitation(pk=22, office=OFFICE, email="a<b>&'c\"@example.org", role="lead", expires_at=AT),
]
EVENT_LIST = [
    TeamEvent(
        pk=31,
        office=OFFICE,
        actor=USERS[0],
        action="invited",
        subject="x@example.org",
        new_role="viewer",
        at=AT,
    ),  # fmt: skip
    TeamEvent(
        pk=32,
        office=OFFICE,
        actor=None,
        action="role-changed",
        subject="<b>&",
        old_role="viewer",
        new_role="lead",
        at=AT,
    ),  # fmt: skip
    TeamEvent(pk=33, office=OFFICE, actor=USERS[1], action="left", subject="o'brien", at=AT),
    TeamEvent(
        pk=34,
        office=OFFICE,
        actor=USERS[2],
        action="removed",
        subject="ana",
        old_role="editor",
        at=AT + datetime.timedelta(days=200),
    ),  # fmt: skip
]


def _both(reference, context, language):
    context = {
        "csrf_token": "a-token",
        "office": OFFICE,
        "roles": [(value, str(label)) for value, label in RoleForm.base_fields["role"].choices],
        **context,
    }
    with translation.override(language), timezone.override("America/Sao_Paulo"):
        return (
            Template(reference).render(Context(context)),
            Template(OURS[reference]).render(Context(context)),
        )


LANGUAGES = ["en", "es", "pt-br", "fr"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("is_lead", [True, False])
@pytest.mark.parametrize("count", [0, 1, len(MEMBERS_LIST)])
def test_member_rows_are_the_templates_markup(language, is_lead, count):
    members = MEMBERS_LIST[-count:] if count else []
    for user in USERS:
        context = {"members": members, "user": user, "is_lead": is_lead}
        reference, ours = _both(MEMBERS, context, language)
        assert ours == reference


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("count", [0, 1, len(INVITATION_LIST)])
def test_invitation_items_are_the_templates_markup(language, count):
    invitations = INVITATION_LIST[-count:] if count else []
    reference, ours = _both(INVITATIONS, {"invitations": invitations}, language)
    assert ours == reference


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("count", [0, 1, len(EVENT_LIST)])
def test_event_items_are_the_templates_markup(language, count):
    events = EVENT_LIST[-count:] if count else []
    reference, ours = _both(EVENTS, {"events": events}, language)
    assert ours == reference


def test_without_a_csrf_token_the_forms_are_as_the_templates():
    context = {"members": MEMBERS_LIST, "user": USERS[0], "is_lead": True, "csrf_token": None}
    reference, ours = _both(MEMBERS, context, "en")
    assert ours == reference
