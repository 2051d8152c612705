from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    NORTH_AMERICA = "north-america", _("North America")
    LATIN_AMERICA = "latin-america", _("Latin America")
    WESTERN_EUROPE = "western-europe", _("Western Europe")
    OTHER = "other", _("Other")


class Origin(models.TextChoices):
    """Where a city's records come from. Only "report" cities are real."""

    REPORT = "report", _("Report")
    DEMO = "demo", _("Demo (fictional)")
    SYNTHETIC = "synthetic", _("Synthetic (fictional)")
    # Made when a reviewer approved an office's registration: real, but said by the office
    # itself, not by the report. load_report never changes or removes these.
    REGISTERED = "registered", _("Registered by the office")


FICTIONAL = (Origin.DEMO, Origin.SYNTHETIC)


def office_origin(*, office_origin, city_origin):
    """The origin an office is labelled with: its own when it was registered (a second
    office in a report city is "registered"), else its city's (demo, synthetic, report)."""
    return office_origin if office_origin != Origin.REPORT else city_origin


def shown_origin_q(origin, prefix=""):
    """A filter on offices (at `prefix`, e.g. "office__") labelled with `origin`."""
    own = models.Q(**{f"{prefix}origin": Origin.REPORT, f"{prefix}city__origin": origin})
    if origin == Origin.REPORT:
        return own
    return own | models.Q(**{f"{prefix}origin": origin})


class Country(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(unique=True)
    region = models.CharField(_("region"), max_length=20, choices=Region.choices)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.REPORT)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("countries")

    def __str__(self):
        return self.name


class CityQuerySet(models.QuerySet):
    def real(self):
        return self.filter(origin=Origin.REPORT)


class City(models.Model):
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="cities")
    name = models.CharField(_("name"), max_length=100)
    # ASCII only, so that URLs stay typeable: "penalolen", "medellin".
    slug = models.SlugField(unique=True, allow_unicode=False)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    in_sample = models.BooleanField(_("in the report's 18-city sample"), default=False)
    adaptation_city = models.BooleanField(
        _("one of the report's four adaptation cities"), default=False
    )
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.REPORT)
    summary = models.TextField(_("summary"), blank=True)
    citation = models.CharField(_("source"), max_length=300, blank=True)

    objects = CityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("cities")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("cities:detail", args=[self.slug])

    @property
    def is_fictional(self):
        return self.origin in FICTIONAL


def office_url(city_slug, office_slug):
    """An office's address: its section of its city's page (from slugs, for rows and dicts)."""
    return reverse("cities:detail", args=[city_slug]) + f"#office-{office_slug}"


class InstitutionalHome(models.TextChoices):
    MAYOR = "mayor", _("Mayor's office")
    DEPARTMENT = "department", _("City department")
    PUBLIC_HEALTH = "public-health", _("Public health department")
    CIVIL_SOCIETY = "civil-society", _("Independent civil-society council")
    MIXED = "mixed", _("Mixed public-private")
    NONE = "none", _("No office yet")
    UNKNOWN = "unknown", _("Not stated in the report")


class OfficeStatus(models.TextChoices):
    ACTIVE = "active", _("Operating")
    PROPOSED = "proposed", _("Proposed")
    # A city without an office: the report's chart then describes the city's ecosystem.
    ECOSYSTEM = "ecosystem", _("City ecosystem (no single office)")
    # The report does not say whether a real office is still running.
    UNKNOWN = "unknown", _("Not stated in the report")


class OfficeQuerySet(models.QuerySet):
    def real(self):
        return self.filter(city__origin=Origin.REPORT, origin=Origin.REPORT)


class Office(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="offices")
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(max_length=120, unique=True)
    acronym = models.CharField(_("acronym"), max_length=20, blank=True)
    website = models.URLField(_("website"), blank=True)
    year_founded = models.PositiveSmallIntegerField(_("year founded"), null=True, blank=True)
    institutional_home = models.CharField(
        _("institutional home"), max_length=20, choices=InstitutionalHome.choices
    )
    civilian_led = models.BooleanField(_("civilian-led"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OfficeStatus.choices, default=OfficeStatus.ACTIVE
    )
    in_sample = models.BooleanField(_("listed in the report's appendix"), default=False)
    description = models.TextField(_("description"), blank=True)
    citation = models.CharField(_("source"), max_length=300, blank=True)
    # "registered" for an office created by an approved registration; "report" for every
    # other one, which then shows its city's origin (see shown_origin).
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.REPORT)

    objects = OfficeQuerySet.as_manager()

    class Meta:
        ordering = ["city__name", "name"]

    def __str__(self):
        return f"{self.name} ({self.city.name})"

    def get_absolute_url(self):
        return office_url(self.city.slug, self.slug)

    @property
    def shown_origin(self):
        return office_origin(office_origin=self.origin, city_origin=self.city.origin)

    @property
    def is_fictional(self):
        return self.shown_origin in FICTIONAL


class SourcedFact(models.Model):
    """A figure the report gives, with its citation.

    About a city (and perhaps one of its offices) when `city` is set; about a whole country
    when only `country` is set (shown on its cities' pages as national context, apart from
    their own figures); about the Peace in Our Cities network when neither is set.
    """

    key = models.SlugField(max_length=100, unique=True)
    city = models.ForeignKey(
        City, on_delete=models.CASCADE, related_name="facts", null=True, blank=True
    )
    country = models.ForeignKey(
        Country, on_delete=models.CASCADE, related_name="facts", null=True, blank=True
    )
    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="facts", null=True, blank=True
    )
    label = models.CharField(_("label"), max_length=200)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=60, blank=True)
    year = models.CharField(_("year or period"), max_length=20, blank=True)
    citation = models.CharField(_("source"), max_length=300)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["city__name", "label"]
        constraints = [
            # A city's fact names no country (the city has one); an office's fact, its city.
            models.CheckConstraint(
                condition=models.Q(city__isnull=True) | models.Q(country__isnull=True),
                name="fact_about_a_city_or_a_country",
            ),
            models.CheckConstraint(
                condition=models.Q(office__isnull=True) | models.Q(city__isnull=False),
                name="fact_of_an_office_names_its_city",
            ),
        ]

    def __str__(self):
        place = self.city or self.country
        return f"{place.name}: {self.label}" if place else self.label
