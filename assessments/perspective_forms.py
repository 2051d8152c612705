"""Forms of a perspectives round: opening it, inviting, codes, a respondent's answers and
the agreed levels. Field errors come back next to the field with everything typed kept."""

import datetime
from functools import partial

from django import forms
from django.core.validators import validate_email
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .forms import TextField
from .models import PerspectiveRound
from .rounds import DEFAULT_GROUPS, MAX_CODES, MAX_COMMENT, MAX_INVITES

DONT_KNOW_VALUE = "dk"


class OpenRoundForm(forms.Form):
    closes_on = forms.DateField(
        label=gettext_lazy("Closing date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Respondents can answer and change their answers until this day."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["closes_on"].initial = timezone.localdate() + datetime.timedelta(days=21)
        for i in range(PerspectiveRound.MAX_GROUPS):
            self.fields[f"group_{i + 1}"] = forms.CharField(
                label=_("Group %(n)d") % {"n": i + 1},
                max_length=80,
                required=False,
                initial=str(DEFAULT_GROUPS[i]) if i < len(DEFAULT_GROUPS) else "",
            )

    def group_fields(self):
        return [self[f"group_{i + 1}"] for i in range(PerspectiveRound.MAX_GROUPS)]

    def group_names(self):
        return [
            self.cleaned_data.get(f"group_{i + 1}", "") for i in range(PerspectiveRound.MAX_GROUPS)
        ]


class GroupChoiceMixin:
    def _add_group(self, round_):
        self.fields["group"] = forms.TypedChoiceField(
            label=_("Group"), coerce=int, choices=[(g.pk, g.name) for g in round_.groups.all()]
        )


class InviteForm(GroupChoiceMixin, forms.Form):
    emails = forms.CharField(
        label=gettext_lazy("E-mail addresses"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("One per line, or separated by commas. Each gets a personal link."),
    )

    def __init__(self, *args, round_, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_group(round_)
        self.order_fields(["group", "emails"])

    def clean_emails(self):
        raw = self.cleaned_data["emails"].replace(",", "\n").replace(";", "\n").split()
        addresses = list(dict.fromkeys(a.strip() for a in raw if a.strip()))
        if len(addresses) > MAX_INVITES:
            raise forms.ValidationError(
                _("At most %(n)d addresses at a time.") % {"n": MAX_INVITES}
            )
        bad = []
        for address in addresses:
            try:
                validate_email(address)
            except forms.ValidationError:
                bad.append(address)
        if bad:
            raise forms.ValidationError(
                _("Not e-mail addresses: %(list)s") % {"list": ", ".join(bad[:5])}
            )
        return addresses


class CodesForm(GroupChoiceMixin, forms.Form):
    count = forms.IntegerField(
        label=gettext_lazy("How many codes"), min_value=1, max_value=MAX_CODES, initial=10
    )

    def __init__(self, *args, round_, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_group(round_)
        self.order_fields(["group", "count"])


def level_field(number):
    return f"level_{number}"


def comment_field(number):
    return f"comment_{number}"


class AnswersForm(forms.Form):
    """A respondent's level (or "don't know", or nothing yet) and comment per criterion."""

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        # Translated once for the nine criteria, not once per field.
        rating, comment = _("Your rating"), _("Comment (optional)")
        for criterion in criteria:
            self.fields[level_field(criterion.number)] = forms.ChoiceField(
                label=rating,
                choices=partial(self._level_choices, criterion),
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[comment_field(criterion.number)] = TextField(
                label=comment, max_length=MAX_COMMENT, rows=3
            )

    def _level_choices(self, criterion):
        # Read when the levels are validated or written out, not before: a page whose
        # levels are already rendered (reports.cache, reference fragments) needs no rubric.
        # The first call reads the rubric of every criterion at once.
        prefetch_related_objects(self.criteria, "levels")
        choices = [(str(level.level), level.tr("label")) for level in criterion.levels.all()]
        return choices + [(DONT_KNOW_VALUE, _("Don't know")), ("", _("No answer yet"))]

    @staticmethod
    def initial_for(answers):
        initial = {}
        for number, answer in answers.items():
            level = DONT_KNOW_VALUE if answer.level is None else str(answer.level)
            initial[level_field(number)] = level
            initial[comment_field(number)] = answer.comment
        return initial

    def answers(self):
        """{number: (level, DONT_KNOW or "" for none, comment)} for rounds.save_answers."""
        out = {}
        for criterion in self.criteria:
            raw = self.cleaned_data.get(level_field(criterion.number), "")
            if raw == DONT_KNOW_VALUE:
                level = None
            elif raw == "":
                level = ""
            else:
                level = int(raw)
            out[criterion.number] = (
                level,
                self.cleaned_data.get(comment_field(criterion.number), ""),
            )
        return out

    def rows(self):
        """(criterion, level bound field, comment bound field) per criterion, for the template."""
        return [
            (c, self[level_field(c.number)], self[comment_field(c.number)]) for c in self.criteria
        ]


class ConsensusForm(forms.Form):
    """The agreed level and its rationale per criterion; criteria left blank are skipped."""

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            choices = [("", _("Not agreed yet"))] + [
                (str(level.level), f"{level.level} – {level.tr('label')}")
                for level in criterion.levels.all()
            ]
            self.fields[level_field(criterion.number)] = forms.ChoiceField(
                label=_("Agreed level"), choices=choices, required=False
            )
            self.fields[f"rationale_{criterion.number}"] = TextField(
                label=_("Why this level"), rows=2
            )

    def clean(self):
        cleaned = super().clean()
        for criterion in self.criteria:
            level = cleaned.get(level_field(criterion.number))
            rationale = cleaned.get(f"rationale_{criterion.number}")
            if level and not rationale:
                self.add_error(
                    f"rationale_{criterion.number}",
                    _("Say in a sentence why the office agreed this level."),
                )
        return cleaned

    def agreed(self):
        return {
            c.number: (
                int(self.cleaned_data[level_field(c.number)]),
                self.cleaned_data[f"rationale_{c.number}"],
            )
            for c in self.criteria
            if self.cleaned_data.get(level_field(c.number))
        }

    def field_pair(self, number):
        return self[level_field(number)], self[f"rationale_{number}"]


class CodeEntryForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Your code"),
        max_length=40,
        help_text=gettext_lazy("The code on the card you were given, for example ABCDE-23456."),
    )
