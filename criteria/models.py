from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cities.models import Office

from .translation import TranslatedContent

LEVELS = range(0, 5)


class Criterion(TranslatedContent, models.Model):
    number = models.PositiveSmallIntegerField(
        unique=True, validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    slug = models.SlugField(unique=True)
    title = models.CharField(_("title"), max_length=120)
    short_title = models.CharField(_("short title"), max_length=60)
    definition = models.TextField(_("definition"))
    why_it_matters = models.TextField(_("why it matters"))
    takeaways = models.TextField(_("key takeaways"))
    tradeoffs = models.TextField(_("tradeoffs"))
    citation = models.CharField(_("source"), max_length=300)
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name_plural = _("criteria")

    def __str__(self):
        return f"{self.number}. {self.title}"

    def get_absolute_url(self):
        return reverse("criteria:detail", args=[self.slug])


class RubricLevel(TranslatedContent, models.Model):
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField(validators=[MaxValueValidator(4)])
    label = models.CharField(_("label"), max_length=60)
    descriptor = models.TextField(_("descriptor"))
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["criterion__number", "level"]
        constraints = [
            models.UniqueConstraint(fields=["criterion", "level"], name="unique_rubric_level")
        ]

    def __str__(self):
        return f"{self.criterion.number}.{self.level} {self.label}"


class GuidingQuestion(TranslatedContent, models.Model):
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField()
    text = models.TextField(_("question"))
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["criterion__number", "order"]
        constraints = [
            models.UniqueConstraint(fields=["criterion", "order"], name="unique_question_order")
        ]

    def __str__(self):
        return self.text


class PeerExample(TranslatedContent, models.Model):
    """A practice from the report that other offices can learn from, for one criterion."""

    key = models.SlugField(max_length=100, unique=True)
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="examples")
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="examples")
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"))
    citation = models.CharField(_("source"), max_length=300)
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["criterion__number", "office__city__name"]

    def __str__(self):
        return self.title
