"""GET filters of the matrix and the dashboard.

A bad value never stops the page: each form reports what was wrong in `problems()` and
`values()` falls back to the default for that filter only, so the rest is still shown.
"""

import re

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from assessments.models import Assessment
from cities.models import InstitutionalHome, Region

from .charts import MAX_RADAR
from .matrix import CHART_FIRST, DEFAULT_CITIES, LATEST, MAX_CITIES, REPORT_VIEW

SLUG_RE = re.compile(r"^[-a-z0-9_]+$")
KIND_CHOICES = [("", _("Latest of any kind"))] + list(Assessment.Kind.choices)
# What each column of the matrix shows (reports.matrix.pick_assessment). The default never
# replaces a report chart with a self-assessment published later.
MATRIX_KIND_CHOICES = [
    (CHART_FIRST, _("The report's chart, else the latest")),
    (Assessment.Kind.RESEARCH, _("Research assessments (report charts)")),
    (Assessment.Kind.SELF, _("Latest self-assessment")),
    (LATEST, _("Latest of any kind")),
]
MATRIX_VIEW_CHOICES = [("", _("The cities chosen")), (REPORT_VIEW, _("The report's four charts"))]


class SlugListField(forms.Field):
    """Slugs from repeated parameters (checkboxes) or one comma-separated value, or both."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, limit, choices=(), **kw):
        self.limit = limit
        super().__init__(required=False, **kw)
        self.widget.choices = choices

    def clean(self, value):
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        slugs = []
        for part in value:
            for slug in str(part).split(","):
                slug = slug.strip().lower()
                if slug and slug not in slugs:
                    slugs.append(slug)
        return slugs


class CheckboxSlugs(forms.CheckboxSelectMultiple):
    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)

    def format_value(self, value):
        # Re-checks the boxes for a comma-separated link like ?cities=bristol,cali.
        return SlugListField(limit=0).clean(value)


class TextSlugs(forms.TextInput):
    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name) or ""]
        return ",".join(v for v in values if v)

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return ",".join(value)
        return value


class LenientForm(forms.Form):
    """A form whose invalid fields fall back to their defaults, each with a message."""

    defaults = {}

    def problems(self):
        self.is_valid()
        out = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            for error in errors:
                out.append(f"{label}: {error}" if label else str(error))
        out.extend(getattr(self, "notes", []))
        return out

    def values(self):
        """Cleaned values, with the default for every field that is empty or invalid."""
        self.is_valid()
        out = {}
        for name in self.fields:
            value = None if name in self.errors else self.cleaned_data.get(name)
            if value in (None, "", []):
                value = self.defaults.get(name, value)
            out[name] = value
        return out

    def note(self, message):
        if not hasattr(self, "notes"):
            self.notes = []
        self.notes.append(message)


def _cycle_field(cycles):
    return forms.TypedChoiceField(
        label=_("Cycle"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Latest published"))] + [(str(c), str(c)) for c in cycles],
    )


class MatrixForm(LenientForm):
    cities = SlugListField(limit=MAX_CITIES, label=_("Cities"), widget=CheckboxSlugs)
    cycle = forms.TypedChoiceField(required=False)  # choices set in __init__
    kind = forms.ChoiceField(
        label=_("Each column shows"), required=False, choices=MATRIX_KIND_CHOICES
    )
    # Synthetic cities (a thousand of them for scale tests) are never listed; they can be
    # named in the "add by identifier" box, which sends the same `cities` parameter.
    include_demo = forms.BooleanField(label=_("List demo cities"), required=False)
    # view=report: the report's four charts, whatever cities, cycle and kind say.
    view = forms.ChoiceField(label=_("View"), required=False, choices=MATRIX_VIEW_CHOICES)
    # The city shown as cards on a narrow screen (one city at a time).
    city = forms.SlugField(label=_("City shown"), required=False)

    defaults = {
        "cities": DEFAULT_CITIES,
        "cycle": None,
        "kind": CHART_FIRST,
        "view": "",
        "city": "",
    }

    def __init__(self, data=None, *, city_choices=(), cycles=()):
        super().__init__(data)
        self.fields["cycle"] = _cycle_field(cycles)
        self.fields["cities"].widget.choices = list(city_choices)

    def clean_cities(self):
        slugs = self.cleaned_data["cities"]
        bad = [s for s in slugs if not SLUG_RE.match(s)]
        if bad:
            self.note(
                _("Cities: %(slugs)s cannot be a city identifier; left out.")
                % {"slugs": ", ".join(repr(s[:40]) for s in bad)}
            )
            slugs = [s for s in slugs if s not in bad]
        if len(slugs) > MAX_CITIES:
            self.note(
                ngettext(
                    "Cities: at most %(limit)d can be compared; %(extra)d city was left out.",
                    "Cities: at most %(limit)d can be compared; the last %(extra)d were left out.",
                    len(slugs) - MAX_CITIES,
                )
                % {"limit": MAX_CITIES, "extra": len(slugs) - MAX_CITIES}
            )
            slugs = slugs[:MAX_CITIES]
        return slugs

    def clean(self):
        data = super().clean()
        if data.get("view") == REPORT_VIEW and any(
            self.data.get(name) for name in ("cities", "cycle", "kind")
        ):
            self.note(
                _(
                    "The report's four charts are always the research assessments of Bristol, "
                    "Cali, Edmonton and Rosario: the cities, cycle and kind asked for are not "
                    "used here."
                )
            )
        return data


SORT_CHOICES = [("name", _("Office name")), ("mean", _("Mean level"))] + [
    # Lazy, so that the label is translated per request, not once at import.
    (str(n), format_lazy(_("Criterion {number}"), number=n))
    for n in range(1, 10)
]


class DashboardForm(LenientForm):
    region = forms.ChoiceField(
        label=_("Region"), required=False, choices=[("", _("All regions"))] + Region.choices
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    home = forms.ChoiceField(
        label=_("Institutional home"),
        required=False,
        choices=[("", _("Any institutional home"))] + InstitutionalHome.choices,
    )
    cycle = forms.TypedChoiceField(required=False)
    kind = forms.ChoiceField(label=_("Assessment kind"), required=False, choices=KIND_CHOICES)
    include_demo = forms.BooleanField(label=_("Include demo data (fictional)"), required=False)
    include_synthetic = forms.BooleanField(
        label=_("Include synthetic data (fictional)"), required=False
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)
    offices = SlugListField(
        limit=MAX_RADAR,
        label=_("Offices on the radar"),
        widget=TextSlugs,
        help_text=_("Up to six office identifiers, separated by commas."),
    )
    office = forms.SlugField(label=_("Office for trends and peers"), required=False)
    page = forms.IntegerField(label=_("Table page"), required=False, min_value=1)

    defaults = {"sort": "name", "page": 1, "offices": [], "office": ""}

    def __init__(self, data=None, *, countries=(), cycles=()):
        """countries: (slug, name, region) triples."""
        super().__init__(data)
        countries = list(countries)
        self.country_regions = {slug: region for slug, _name, region in countries}
        self.countries = countries
        self.fields["country"].choices = [("", _("All countries"))] + [
            (slug, name) for slug, name, _region in countries
        ]
        self.fields["cycle"] = _cycle_field(cycles)

    def clean(self):
        data = super().clean()
        region, country = data.get("region"), data.get("country")
        if region and country and self.country_regions.get(country) != region:
            # An impossible pair: the country falls back to "all countries" of the region.
            name = dict(self.fields["country"].choices).get(country, country)
            self.add_error(
                "country",
                _(
                    "%(country)s is not in %(region)s: choose one of its countries, or "
                    "“All regions” to see %(country)s."
                )
                % {"country": name, "region": Region(region).label},
            )
        return data

    def full_clean(self):
        super().full_clean()
        # Validated against every country; offered: those of the region asked for.
        region = self.cleaned_data.get("region") if hasattr(self, "cleaned_data") else ""
        if region:
            self.fields["country"].choices = [("", _("All countries"))] + [
                (slug, name) for slug, name, r in self.countries if r == region
            ]

    def clean_offices(self):
        slugs = self.cleaned_data["offices"]
        bad = [s for s in slugs if not SLUG_RE.match(s)]
        if bad:
            self.note(
                _("Offices on the radar: %(slugs)s cannot be an office identifier; left out.")
                % {"slugs": ", ".join(repr(s[:40]) for s in bad)}
            )
            slugs = [s for s in slugs if s not in bad]
        if len(slugs) > MAX_RADAR:
            self.note(
                _("Offices on the radar: at most %(limit)d; the others were left out.")
                % {"limit": MAX_RADAR}
            )
            slugs = slugs[:MAX_RADAR]
        return slugs


class LanguageForm(forms.Form):
    """`?lang=` for exports in another language and `?bom=1` for a CSV that Excel opens as
    UTF-8; anything else means "not asked"."""

    lang = forms.ChoiceField(choices=settings.LANGUAGES, required=False)
    bom = forms.BooleanField(required=False)

    def language(self):
        return (self.cleaned_data.get("lang") or None) if self.is_valid() else None

    def wants_bom(self):
        return bool(self.cleaned_data.get("bom")) if self.is_valid() else False
