from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Country, InstitutionalHome, Origin, Region

SORTS = {
    # value in ?sort= -> (label, ordering)
    "name": _("Name"),
    "country": _("Country"),
    "population": _("Population"),
    "offices": _("Offices"),
}
SORT_CHOICES = [(key, label) for key, label in SORTS.items()] + [
    (f"-{key}", label) for key, label in SORTS.items()
]


class CityFilterForm(forms.Form):
    """The filters of the cities list. Every field is optional; a bad value is reported and
    ignored, the others still apply."""

    country = forms.ModelChoiceField(
        label=_("Country"),
        queryset=Country.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=_("All countries"),
    )
    region = forms.ChoiceField(
        label=_("Region"), choices=[("", _("All regions")), *Region.choices], required=False
    )
    institutional_home = forms.ChoiceField(
        label=_("Institutional home"),
        choices=[("", _("Any")), *InstitutionalHome.choices],
        required=False,
    )
    sample = forms.ChoiceField(
        label=_("Report sample"),
        choices=[
            ("", _("All cities")),
            ("yes", _("In the report's 18-city sample")),
            ("no", _("Not in the sample")),
        ],
        required=False,
    )
    include_fictional = forms.BooleanField(
        label=_("Include demo and synthetic (fictional) cities"), required=False
    )
    sort = forms.ChoiceField(
        label=_("Sort by"), choices=SORT_CHOICES, required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        countries = Country.objects.order_by("name")
        if not self._wants_fictional():
            countries = countries.filter(origin=Origin.REPORT)
        self.fields["country"].queryset = countries

    def _wants_fictional(self):
        name = self.add_prefix("include_fictional")
        widget = self.fields["include_fictional"].widget
        return self.is_bound and widget.value_from_datadict(self.data, self.files, name)

    def filters(self):
        """The valid filters as keyword arguments for queries.city_list; bad ones are left out."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "country": data.get("country"),
            "region": data.get("region") or None,
            "institutional_home": data.get("institutional_home") or None,
            "in_sample": {"yes": True, "no": False}.get(data.get("sample")),
            "include_fictional": bool(data.get("include_fictional")),
            "sort": data.get("sort") or "name",
        }
