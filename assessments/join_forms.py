"""Forms of registration, of the reviewers' decision on it, and of team management."""

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cities.models import City, Country, InstitutionalHome, Origin

from .forms import PublicURLField, TextField
from .models import Membership, Registration

# Registered places can be picked by the next office; demo and synthetic ones never.
PICKABLE = Q(origin__in=[Origin.REPORT, Origin.REGISTERED])


class RegistrationForm(forms.ModelForm):
    website = PublicURLField(label=_("Website"), required=False, max_length=500)
    year_founded = forms.IntegerField(
        label=_("Year founded"), required=False, min_value=1800, max_value=2100
    )
    city = forms.ModelChoiceField(
        label=_("City"),
        queryset=City.objects.filter(PICKABLE).select_related("country"),
        required=False,
        empty_label=_("My city is not in the list"),
    )
    country = forms.ModelChoiceField(
        label=_("Country of the new city"),
        queryset=Country.objects.filter(PICKABLE),
        required=False,
        empty_label=_("My country is not in the list"),
    )

    class Meta:
        model = Registration
        fields = [
            "name",
            "email",
            "job_title",
            "office_name",
            "acronym",
            "website",
            "institutional_home",
            "year_founded",
            "city",
            "new_city",
            "country",
            "new_country",
        ]
        labels = {
            "name": _("Your name"),
            "email": _("Your work e-mail"),
            "job_title": _("Your role in the office"),
            "office_name": _("Name of the office"),
            "acronym": _("Acronym"),
            "institutional_home": _("Institutional home"),
            "new_city": _("New city"),
            "new_country": _("New country"),
        }
        help_texts = {
            "email": _("We send a link to this address to check it is yours."),
            "new_city": _("Only if your city is not in the list above."),
            "new_country": _("Only if the country of the new city is not in the list above."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].label_from_instance = lambda c: f"{c.name} ({c.country.name})"
        # No choice made for the requester: an empty first option, and "unknown" is the
        # report's word for what it does not say, not something an office says of itself.
        self.fields["institutional_home"].choices = [("", "---------")] + [
            c for c in InstitutionalHome.choices if c[0] != InstitutionalHome.UNKNOWN
        ]

    def clean_year_founded(self):
        year = self.cleaned_data.get("year_founded")
        if year and year > timezone.now().year:
            raise forms.ValidationError(
                _("The year an office was founded cannot be in the future.")
            )
        return year

    def clean(self):
        data = super().clean()
        city, new_city = data.get("city"), (data.get("new_city") or "").strip()
        if city and new_city:
            self.add_error(
                "new_city", _("Choose a city from the list or name a new one, not both.")
            )
        elif not city and not new_city and "new_city" not in self.errors:
            self.add_error("city", _("Choose your city, or name it below if it is not listed."))
        if new_city and not city:
            country, new_country = data.get("country"), (data.get("new_country") or "").strip()
            if country and new_country:
                self.add_error(
                    "new_country", _("Choose a country from the list or name a new one, not both.")
                )
            elif not country and not new_country and "new_country" not in self.errors:
                self.add_error("country", _("Choose the country of the new city, or name it."))
        if city:
            data["country"], data["new_country"] = None, ""
        return data


class DecisionForm(forms.Form):
    """A reviewer's decision on a registration."""

    APPROVE, ASK, DECLINE = "approve", "ask", "decline"
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[
            (APPROVE, _("Approve: create the office and make the requester its lead")),
            (ASK, _("Ask for more information")),
            (DECLINE, _("Decline")),
        ],
    )
    message = TextField(
        label=_("Message to the requester"),
        required=False,
        max_length=4000,
        rows=4,
        help_text=_("Needed to ask a question or to decline: the requester reads it by e-mail."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") in (self.ASK, self.DECLINE) and not data.get("message"):
            self.add_error("message", _("Write the question, or the reason for declining."))
        return data


class AnswerForm(forms.Form):
    answer = TextField(label=_("Your answer"), max_length=4000, rows=6, required=True)


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.EDITOR
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class NewAccountForm(UserCreationForm):
    """An invitee's new account; its e-mail address is the invited one, never typed."""

    name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    field_order = ["name", "username", "password1", "password2"]

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username"]

    def __init__(self, *args, email, **kwargs):
        super().__init__(*args, **kwargs)
        # So that the password validators compare the password with the address too.
        self.instance.email = email
