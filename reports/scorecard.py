"""The content of a scorecard, built from one assessment as plain data for the template.

Call inside the language the PDF is rendered in: translated content (criteria titles,
rubric descriptors, takeaways) is resolved here or by |tr in the template.
"""

import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from assessments import evidence, plans, rounds
from assessments.models import Assessment, Entry, EvidenceLink, PerspectiveRound
from assessments.perspective_chart import (
    FONT,
    INK,
    MUTED,
    legend,
    legend_mark,
    level_grid,
    perspectives_svg,
    range_sample,
)
from assessments.workflow import previous_published
from criteria.models import PeerExample
from criteria.rubric import level_colours, rubric_level, weakest
from criteria.text import bullets

WEAKEST = 3


@dataclass
class Row:
    """One criterion of the scorecard."""

    criterion: object
    entry: object
    rubric: object = None  # the RubricLevel matching the entry's level
    evidence: list = field(default_factory=list)

    @property
    def level(self):
        return self.entry.level

    @property
    def label(self):
        return self.rubric.tr("label") if self.rubric else ""

    @property
    def not_applicable(self):
        return self.entry.applicability == Entry.Applicability.NOT_APPLICABLE

    @property
    def strengths_rtl(self):
        return is_rtl(self.entry.strengths)

    @property
    def opportunities_rtl(self):
        return is_rtl(self.entry.opportunities)


def is_rtl(text):
    """True when the first letter with a strong direction is right-to-left (Arabic, Hebrew).

    WeasyPrint has no dir="auto", so the paragraph direction is decided here.
    """
    for char in text or "":
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


@dataclass
class Weak:
    row: Row
    takeaways: list
    examples: list


@dataclass
class Change:
    criterion: object
    before: int | None
    after: int | None

    @property
    def delta(self):
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def drop(self):
        return -self.delta if self.delta is not None and self.delta < 0 else 0


def scorecard_path(assessment_id):
    return reverse("reports:scorecard", args=[assessment_id])


def permanent_url(assessment_id):
    return settings.SITE_URL + scorecard_path(assessment_id)


def build_scorecard(*, assessment, generated_at=None, paper="a4"):
    """Everything the scorecard template shows, for `assessment`."""
    generated_at = generated_at or timezone.now()
    rows = scorecard_rows(assessment)
    rated = any(row.level is not None for row in rows)
    previous = previous_published(assessment=assessment)
    return {
        "assessment": assessment,
        "office": assessment.office,
        "city": assessment.office.city,
        # A superseded assessment was published (and may have been cited): no "draft".
        "draft": assessment.status
        not in (Assessment.Status.PUBLISHED, Assessment.Status.SUPERSEDED),
        "date": _status_date(assessment),
        "rows": rows,
        "rated": rated,
        "chart_svg": levels_svg(rows=rows) if rated else "",
        "weakest": weakest_rows(rows=rows),
        "previous": previous,
        "changes": changes(rows=rows, previous=previous) if previous else [],
        "generated_at": generated_at,
        "permanent_url": permanent_url(assessment.pk),
        "citation": citation_line(assessment=assessment, generated_at=generated_at),
        "paper": paper,
        "perspectives": perspectives_page(assessment=assessment, rows=rows),
        "plan": plans.scorecard_plan(assessment=assessment, entries=[r.entry for r in rows])
        if assessment.kind == Assessment.Kind.SELF
        else {"any": False},
    }


def perspectives_page(*, assessment, rows):
    """The perspectives' chart and divergent criteria, when a closed round has figures to
    show (rounds.public_figures applies the privacy rule); else None."""
    round_ = PerspectiveRound.objects.filter(assessment=assessment).first()
    figures = rounds.public_figures(round_=round_)
    if figures is None or not figures["shows_figures"]:
        return None
    titles = {row.criterion.number: row.criterion.tr("short_title") for row in rows}
    return {
        "figures": figures,
        "chart": perspectives_svg(figures=figures, titles=titles),
        "legend": [
            (name, legend_mark(shape, colour), shown)
            for name, shape, colour, shown in legend(figures)
        ],
        "range_sample": range_sample(),
        "divergent": [
            {**criterion, "title": titles.get(criterion["number"], criterion["title"])}
            for criterion in figures["criteria"]
            if criterion["divergent"]
        ],
    }


def scorecard_rows(assessment):
    entries = (
        Entry.objects.filter(assessment=assessment)
        .select_related("criterion")
        .prefetch_related(
            "criterion__levels",
            Prefetch("evidence", queryset=EvidenceLink.objects.order_by("id")),
            Prefetch(
                "criterion__examples",
                queryset=PeerExample.objects.select_related("office__city"),
            ),
        )
        .order_by("criterion__number")
    )
    rows = []
    for entry in entries:
        rows.append(
            Row(
                criterion=entry.criterion,
                entry=entry,
                rubric=rubric_level(entry.criterion, entry.level),
                evidence=[_evidence(link) for link in entry.evidence.all()],
            )
        )
    return rows


def _evidence(link):
    # Only web links become clickable; anything else stays plain text. A file links to
    # its download, which answers only those who may see the assessment.
    if link.file:
        return {
            "title": link.title or link.file_name,
            "url": evidence.download_url(link),
            "web": True,
            "file": {"name": link.file_name, "type": link.file_type, "size": link.file_size},
        }
    web = link.url.lower().startswith(("https://", "http://"))
    return {"title": link.title or link.url, "url": link.url, "web": web}


def _status_date(assessment):
    published = (Assessment.Status.PUBLISHED, Assessment.Status.SUPERSEDED)
    if assessment.status in published and assessment.published_at:
        return assessment.published_at
    if assessment.status == Assessment.Status.SUBMITTED and assessment.submitted_at:
        return assessment.submitted_at
    return assessment.updated_at


def weakest_rows(*, rows, count=WEAKEST):
    """The criteria to work on first (criteria.rubric.weakest), with takeaways and examples."""
    by_number = {r.criterion.number: r for r in rows}
    pairs = ((r.criterion.number, None if r.not_applicable else r.level) for r in rows)
    return [
        Weak(
            row=by_number[number],
            takeaways=bullets(by_number[number].criterion.tr("takeaways")),
            examples=list(by_number[number].criterion.examples.all()),
        )
        for number in weakest(pairs, limit=count)
    ]


def changes(*, rows, previous):
    before = dict(Entry.objects.filter(assessment=previous).values_list("criterion_id", "level"))
    return [
        Change(criterion=r.criterion, before=before.get(r.criterion.pk), after=r.level)
        for r in rows
    ]


def citation_line(*, assessment, generated_at):
    return _(
        "Cite as: %(office)s, %(city)s. %(kind)s %(cycle)s, version %(version)s. "
        "OVP Assess, %(url)s, generated %(date)s"
    ) % {
        "office": assessment.office.name,
        "city": assessment.office.city.name,
        "kind": assessment.get_kind_display(),
        "cycle": assessment.cycle,
        "version": assessment.version,
        "url": permanent_url(assessment.pk),
        "date": generated_at.date().isoformat(),
    }


# Geometry of the level chart, in SVG user units. WeasyPrint does not apply the page's CSS
# inside inline SVG, so every colour and size is a presentation attribute.
LABEL_W, BAR_W, VALUE_W, ROW_H, TOP, AXIS_H = 250, 300, 130, 34, 6, 24
LABEL_WRAP = 30  # characters; longer criterion names go on two lines


def levels_svg(*, rows):
    """A horizontal bar chart of the nine levels, as inline SVG.

    Unrated criteria are drawn as a dashed empty band with the word "Unrated", never as
    a zero bar; every bar carries its level in words, so colour is not the only cue.
    """
    width = LABEL_W + BAR_W + VALUE_W
    bottom = TOP + ROW_H * len(rows)
    step = BAR_W / 4
    grid = level_grid(x=lambda n: LABEL_W + n * step, top=TOP, bottom=bottom)
    bars = format_html_join("", "{}", ((_bar(i, row),) for i, row in enumerate(rows)))
    title = _("Level of each criterion, from 0 (absent) to 4 (exemplary)")
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="levels-chart" role="img" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" font-family="{font}" aria-label="{t}">'
        "<title>{t}</title>{grid}{bars}</svg>",
        w=width,
        h=bottom + AXIS_H,
        font=FONT,
        t=title,
        grid=grid,
        bars=bars,
    )


def _label_lines(text):
    if len(text) <= LABEL_WRAP or " " not in text:
        return [text]
    middle = len(text) // 2
    spaces = [i for i, char in enumerate(text) if char == " "]
    cut = min(spaces, key=lambda i: abs(i - middle))
    return [text[:cut], text[cut + 1 :]]


def _bar(i, row):
    y = TOP + i * ROW_H
    mid = y + ROW_H / 2 + 4  # text baseline that centres 11px text on the row
    lines = _label_lines(f"{row.criterion.number}. {row.criterion.tr('short_title')}")
    offsets = [0] if len(lines) == 1 else [-7, 7]
    label = format_html_join(
        "",
        '<text x="{x}" y="{y}" font-size="12" fill="{ink}" text-anchor="end">{t}</text>',
        (
            {"x": LABEL_W - 8, "y": mid + dy, "ink": INK, "t": line}
            for line, dy in zip(lines, offsets, strict=True)
        ),
    )
    if row.level is None:
        text = _("Not applicable") if row.not_applicable else _("Unrated")
        return label + format_html(
            '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#f4f5f6" stroke="#6c757d" '
            'stroke-width="1" stroke-dasharray="4 3"/>'
            '<text x="{tx}" y="{ty}" font-size="12" font-style="italic" fill="{muted}">'
            "{text}</text>",
            x=LABEL_W,
            y=y + 6,
            w=BAR_W,
            h=ROW_H - 12,
            tx=LABEL_W + 8,
            ty=mid,
            muted=MUTED,
            text=text,
        )
    width = row.level * BAR_W / 4
    name = row.rubric.tr("label") if row.rubric else ""
    # A level 0 bar has no length: a short tick at the axis marks it instead.
    return label + format_html(
        '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}"/>'
        '<rect x="{x}" y="{y}" width="3" height="{h}" fill="{fill}"/>'
        '<text x="{tx}" y="{ty}" font-size="12" font-weight="bold" fill="{ink}">'
        "{level}/4 {name}</text>",
        x=LABEL_W,
        y=y + 6,
        w=width,
        h=ROW_H - 12,
        fill=level_colours()[row.level],
        tx=LABEL_W + max(width, 3) + 6,
        ty=mid,
        ink=INK,
        level=row.level,
        name=name,
    )


def render_scorecard(*, assessment, paper="a4", timeout=None):
    """PDF bytes of the scorecard in the active language.

    The HTML is built here, in this process (it needs the database); WeasyPrint turns it
    into a PDF in a separate, limited process (reports.pdf.render_pdf). Raises
    reports.pdf.RenderFailed (RenderTimeout after `timeout` seconds, default
    settings.PDF_RENDER_TIMEOUT; RenderOutOfMemory) or reports.pdf.RenderBusy.
    """
    from . import pdf

    html = render_to_string(
        "reports/scorecard/scorecard.html", build_scorecard(assessment=assessment, paper=paper)
    )
    return pdf.render_pdf(html=html, timeout=timeout)
