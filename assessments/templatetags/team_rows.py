"""The team page's repeated rows, written out in Python.

The members' rows (two forms, a select of the roles and a dozen lookups each), the pending
invitations and the log of changes were about 1.5 ms of the team page's rendering for the
bench office. `{% member_rows %}`, `{% invitation_items %}` and `{% event_items %}` write
the markup the template's loops wrote; tests/assessments/test_team_rows.py renders those
loops and compares, in every language.
"""

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaulttags import CsrfTokenNode
from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _

from ..addresses import row_address

register = template.Library()

# Translations go out as {% translate "..." %} gave them: unescaped (the catalogues are ours).
# Values are escaped, as {{ }} and {% blocktranslate with %} escaped them.
esc = conditional_escape


@register.simple_tag(takes_context=True)
def member_rows(context, office, members, user, is_lead, roles):
    """The members table's rows; with `is_lead`, each with its role and removal forms."""
    csrf = CsrfTokenNode().render(context) if is_lead else ""
    change_role, remove, leave = _("Change role"), _("Remove"), _("Leave the team")
    role_of = _("Role of %(name)s")
    # No gettext inside an f-string: makemessages would not see it (and drop its entry).
    you = _("you")
    you = f' <span class="badge text-bg-secondary">{you}</span>'
    role_url = row_address("assess:team-role", office.pk) if is_lead else None
    remove_url = row_address("assess:team-remove", office.pk) if is_lead else None
    options = [(value, esc(value), esc(label)) for value, label in roles]
    user_pk = user.pk
    parts = []
    for m in members:
        member = m.user
        username = esc(member.get_username())
        shown = esc(member.get_full_name() or member.get_username())
        is_self = m.user_id == user_pk
        parts.append(
            f'\n  <tr>\n    <th scope="row"><span class="text-break">{shown}</span>'
            f"{you if is_self else ''}<br>"
            f'<span class="small fw-normal text-body-secondary text-break">{esc(member.email)}'
            f"</span></th>\n    <td>{esc(m.get_role_display())}</td>\n    "
        )
        if is_lead:
            pk = m.pk
            select = "".join(
                f'<option value="{value}"{" selected" if raw == m.role else ""}>{label}</option>'
                for raw, value, label in options
            )
            label = role_of % {"name": username}
            if is_self:
                removal = leave
            else:
                removal = f'{remove}<span class="visually-hidden"> {username}</span>'
            parts.append(
                "\n    <td>\n"
                '      <div class="d-flex flex-wrap gap-2">\n'
                f'      <form method="post" action="{role_url(pk)}"'
                ' class="d-flex gap-1 align-items-center">\n'
                f"        {csrf}\n"
                f'        <label class="visually-hidden" for="role-{pk}">{label}</label>\n'
                f'        <select class="form-select form-select-sm" name="role" id="role-{pk}">\n'
                f"          {select}\n"
                "        </select>\n"
                '        <button class="btn btn-sm btn-outline-primary text-nowrap" type="submit">'
                f'{change_role}<span class="visually-hidden"> {username}</span></button>\n'
                "      </form>\n"
                f'      <form method="post" action="{remove_url(pk)}">\n'
                f"        {csrf}\n"
                '        <button class="btn btn-sm btn-outline-danger" type="submit">'
                f"{removal}</button>\n"
                "      </form>\n"
                "      </div>\n"
                "    </td>\n    "
            )
        parts.append("\n  </tr>\n  ")
    return mark_safe("".join(parts))


@register.simple_tag(takes_context=True)
def invitation_items(context, office, invitations):
    """The pending invitations' list items, each with its revoke form."""
    csrf = CsrfTokenNode().render(context)
    revoke = _("Revoke")
    revoke_url = row_address("assess:team-revoke", office.pk)
    parts = []
    for i in invitations:
        email = esc(i.email)
        expires = esc(date_filter(template_localtime(i.expires_at), "DATE_FORMAT"))
        shown = _("%(email)s as %(role)s, until %(expires)s") % {
            "email": email,
            "role": esc(i.get_role_display()),
            "expires": expires,
        }
        parts.append(
            '\n  <li class="d-flex flex-wrap gap-2 align-items-center mb-2">\n'
            f'    <span class="text-break">{shown}</span>\n'
            f'    <form method="post" action="{revoke_url(i.pk)}">\n'
            f"      {csrf}\n"
            '      <button class="btn btn-sm btn-outline-danger" type="submit">'
            f'{revoke}<span class="visually-hidden"> {email}</span></button>\n'
            "    </form>\n"
            "  </li>\n  "
        )
    return mark_safe("".join(parts))


@register.simple_tag
def event_items(events):
    """The log's list items: when, who, what, and the roles changed."""
    someone = _("someone no longer registered")
    # The date filter's work, its format looked up once; "c" is isoformat().
    shown_format = get_format("DATETIME_FORMAT")
    parts = []
    for e in events:
        at = template_localtime(e.at)
        actor = e.actor.get_username() if e.actor_id is not None else ""
        roles = ""
        if e.old_role and e.new_role:
            roles = f" ({esc(e.get_old_role_display())} → {esc(e.get_new_role_display())})"
        elif e.new_role:
            roles = f" ({esc(e.get_new_role_display())})"
        parts.append(
            f'\n  <li><time datetime="{esc(at.isoformat())}">'
            f"{esc(dateformat.format(at, shown_format))}</time>:\n"
            f'    <span class="text-break">{esc(actor) if actor else someone} '
            f"{esc(e.get_action_display())} {esc(e.subject)}</span>{roles}</li>\n  "
        )
    return mark_safe("".join(parts))
