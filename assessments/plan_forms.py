"""Forms of an office's plan: one action, the plan page's filter, the word on an action."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from criteria.models import Criterion

from . import plans
from .forms import PublicWebURLValidator, TextField, TitleField
from .models import Action

MAX_LINKS = 10


def _criterion_choices(criteria=None):
    """[(number, "3. Short title")] of `criteria` (all of them, in order), else of a query."""
    if criteria is None:
        criteria = Criterion.objects.order_by("number")
    return [(c.number, f"{c.number}. {c.tr('short_title')}") for c in criteria]


class ActionForm(forms.Form):
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    criterion = forms.TypedChoiceField(label=_("Criterion"), coerce=int)
    title = TitleField(label=_("Title"), max_length=200)
    description = TextField(rows=3, label=_("What will be done"))
    owner = forms.TypedChoiceField(
        label=_("Owner in the office"), coerce=int, empty_value=None, required=False
    )
    owner_name = forms.CharField(
        label=_("or someone outside the app"),
        max_length=150,
        required=False,
        help_text=_("A name, when the owner has no account here."),
    )
    due = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    status = forms.ChoiceField(label=_("Status"), choices=Action.Status.choices)
    drop_reason = TextField(
        rows=2, label=_("Why it was dropped"), help_text=_("Needed when the action is dropped.")
    )
    success_measure = TextField(
        rows=2, label=_("Success measure"), help_text=_("How you will know it worked.")
    )
    links = forms.CharField(
        label=_("Links to evidence"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "ltr"}),
        help_text=_("Public web addresses, one a line."),
    )

    def __init__(self, *args, office, action=None, members, read_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].choices = _criterion_choices()
        choices = [("", _("Nobody in the office"))]
        for m in members:
            user = m.user
            choices.append((user.pk, user.get_full_name() or user.get_username()))
        if (
            action is not None
            and action.owner_id
            and action.owner_id not in {m.user_id for m in members}
        ):
            # Kept until someone reassigns it: the owner left the office.
            name = action.owner.get_full_name() or action.owner.get_username()
            choices.append(
                (action.owner_id, _("%(name)s (no longer in the office)") % {"name": name})
            )
        self.fields["owner"].choices = choices
        self.action = action
        if read_only:
            for f in self.fields.values():
                f.disabled = True

    def clean_links(self):
        lines = [line.strip() for line in self.cleaned_data["links"].splitlines()]
        lines = [line for line in lines if line]
        if len(lines) > MAX_LINKS:
            raise ValidationError(
                _("At most %(limit)s links."), params={"limit": MAX_LINKS}, code="too-many"
            )
        validate = PublicWebURLValidator()
        errors = []
        for line in lines:
            try:
                validate(line)
            except ValidationError as exc:
                errors.append(
                    ValidationError(
                        _("“%(link)s”: %(problem)s"),
                        params={"link": line[:80], "problem": " ".join(exc.messages)},
                    )
                )
        if errors:
            raise ValidationError(errors)
        return "\n".join(lines)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        errors = plans.action_errors(data=self.values(data), today=today)
        if "due" in errors and self.action is not None and data.get("due") == self.action.due:
            errors.pop("due")  # the date it had already: see plans.save_action
        for name, message in errors.items():
            field = "owner_name" if name == "owner_name" else name
            if field not in self.errors:
                self.add_error(field, message)
        return data

    @staticmethod
    def values(data):
        """The cleaned data as plans.ACTION_FIELDS (criterion as its id)."""
        number = data.get("criterion")
        criterion = Criterion.objects.filter(number=number).first() if number else None
        return {
            "criterion_id": criterion.pk if criterion else None,
            "title": data.get("title") or "",
            "description": data.get("description") or "",
            "owner_id": data.get("owner"),
            "owner_name": data.get("owner_name") or "",
            "due": data.get("due"),
            "status": data.get("status") or Action.Status.PLANNED,
            "drop_reason": data.get("drop_reason") or "",
            "success_measure": data.get("success_measure") or "",
            "links": data.get("links") or "",
        }

    @classmethod
    def initial_for(cls, action):
        return {
            "base_version": action.version,
            "criterion": action.criterion.number,
            "title": action.title,
            "description": action.description,
            "owner": action.owner_id,
            "owner_name": action.owner_name,
            "due": action.due,
            "status": action.status,
            "drop_reason": action.drop_reason,
            "success_measure": action.success_measure,
            "links": action.links,
        }


class PlanFilterForm(forms.Form):
    """The plan page's filters, read from the query string: a bad value gets a message."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *Action.Status.choices]
    )
    criterion = forms.TypedChoiceField(
        label=_("Criterion"), required=False, coerce=int, empty_value=None
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)

    def __init__(self, *args, owners, criteria=None, **kwargs):
        """`criteria`: every criterion in order, when the caller has them (saves a query)."""
        super().__init__(*args, **kwargs)
        self.fields["criterion"].choices = [("", _("Any")), *_criterion_choices(criteria)]
        self.fields["owner"].choices = [("", _("Anyone")), *owners]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"


class DownloadForm(forms.Form):
    bom = forms.BooleanField(required=False)


class ActionNoteForm(forms.Form):
    text = forms.CharField(
        label=_("A word on this action"),
        required=False,
        max_length=settings.MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
    )
