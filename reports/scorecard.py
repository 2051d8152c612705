"""The content of a scorecard, built from one assessment as plain data for the template.

Call inside the language the PDF is rendered in: translated content (criteria titles,
rubric descriptors, takeaways) is resolved here or by |tr in the template.
"""

import statistics
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Prefetch, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments import evidence, plans, rounds
from assessments.links import site_base
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
from cities.models import FICTIONAL
from criteria.models import PeerExample
from criteria.rubric import level_colours, rubric_level, weakest
from criteria.text import bullets

WEAKEST = 3
# The first page's key messages: at most this many.
MESSAGES = 5
# The median of other offices is shown only when at least this many have published.
MIN_PEERS = 5
# Criteria named in one key message, at most (then "and N more").
NAMED = 3


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
    before_not_applicable: bool = False
    after_not_applicable: bool = False
    target: int | None = None  # the level aimed for next cycle (assessments.plans)

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


def permanent_url(assessment_id, *, base=None):
    """The scorecard's address on `base` (assessments.links.site_base when None)."""
    return (base or site_base()) + scorecard_path(assessment_id)


def build_scorecard(*, assessment, generated_at=None, paper="a4", base=None, stamp=None):
    """Everything the scorecard template shows, for `assessment`; links start with `base`
    (the site's base: SITE_URL, or the requesting host; assessments.links.site_base).
    `stamp`: the published-data stamp when the caller has taken it (see peer_median)."""
    generated_at = generated_at or timezone.now()
    base = base or site_base()
    rows = scorecard_rows(assessment, base=base)
    rated = any(row.level is not None for row in rows)
    previous = previous_published(assessment=assessment)
    changed = changes(rows=rows, previous=previous) if previous else []
    median = peer_median(assessment=assessment, rows=rows, stamp=stamp) if rated else None
    plan = (
        plans.scorecard_plan(assessment=assessment, entries=[r.entry for r in rows])
        if assessment.kind == Assessment.Kind.SELF
        else {"any": False}
    )
    perspectives = perspectives_page(assessment=assessment, rows=rows)
    url = permanent_url(assessment.pk, base=base)
    research = assessment.kind == Assessment.Kind.RESEARCH
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
        "chart_svg": levels_svg(rows=rows, changes=changed, previous=previous, median=median)
        if rated
        else "",
        "weakest": weakest_rows(rows=rows),
        "previous": previous,
        "changes": changed,
        "median": median,
        "reviewer": reviewer_name(assessment=assessment),
        "messages": key_messages(
            rows=rows,
            changes=changed,
            previous=previous,
            plan=plan,
            perspectives=perspectives,
            median=median,
            source=(assessment.citation or assessment.title) if research else "",
        ),
        "generated_at": generated_at,
        "permanent_url": url,
        "qr_svg": qr_svg(url),
        "citation": citation_line(assessment=assessment, generated_at=generated_at, base=base),
        "paper": paper,
        "perspectives": perspectives,
        "plan": plan,
    }


def reviewer_name(*, assessment):
    """The full name of whoever published `assessment` after review, or "" (no name on
    their account, or nobody: a research assessment, a draft). Never the username or the
    e-mail address: the scorecard is public. One query, only when someone published it."""
    if assessment.published_by_id is None:
        return ""
    names = (
        get_user_model()
        .objects.filter(pk=assessment.published_by_id)
        .values_list("first_name", "last_name")
        .first()
    )
    return " ".join(part for part in (names or ()) if part.strip()).strip()


@lru_cache(maxsize=256)
def qr_svg(url):
    """A QR code of `url` as inline SVG (segno: pure Python, drawn by WeasyPrint).

    Kept per process for the last 256 addresses: the same URL always gives the same code,
    and encoding it (mask choice in pure Python) took 4 to 8 ms of each scorecard.
    """
    import segno

    code = segno.make(url, error="m", micro=False)
    # segno draws modules only (one path, no text of ours): safe to insert as it is.
    return mark_safe(  # noqa: S308
        code.svg_inline(scale=4, border=2, dark="#000", light="#fff", omitsize=True)
    )


def peers_queryset():
    """The published self-assessments of real offices: what the median is made of. Demo
    and synthetic offices are fictional; the report's charts are not self-assessments and
    give no levels."""
    from .sample import rated_assessments

    return (
        rated_assessments()
        .filter(kind=Assessment.Kind.SELF)
        .exclude(office__city__origin__in=FICTIONAL)
        .exclude(office__origin__in=FICTIONAL)
    )


def peers_stamp():
    """Moves whenever the median could: a publication, correction or withdrawal of a real
    office's self-assessment. Part of the scorecard's cache key (one query)."""
    found = peers_queryset().aggregate(n=Count("pk"), last=Max("published_at"), v=Sum("version"))
    return f"{found['n']}.{found['v'] or 0}.{found['last'].timestamp() if found['last'] else 0}"


def peer_levels():
    """({criterion number: index}, [(office id, levels by index)]) of the other real
    offices' latest published self-assessments (reports.sample): what peer_median is made
    of. Two queries."""
    from .sample import Filters, load_sample

    sample = load_sample(
        filters=Filters(kind=Assessment.Kind.SELF),
        assessments=peers_queryset(),
        auto_demo=False,
    )
    index = {c["number"]: i for i, c in enumerate(sample.criteria)}
    return index, [(o["id"], o["levels"]) for o in sample.offices]


def peer_median(*, assessment, rows, stamp=None):
    """The median level per criterion of the other real offices (each office's latest
    published self-assessment, reports.sample), and how many there are.

    {"count": n, "enough": n >= MIN_PEERS, "levels": [median or None per row],
    "above", "equal", "below": how many of this assessment's rated criteria are
    above, at or below the median}. Criteria that do not apply have no level: they are left
    out of the median and of the comparison. The peers' levels (peer_levels) are cached
    under the published-data stamp, as the peers' stamp in the scorecard's key is
    (scorecard_cache.current_peers): `stamp`, or reports.cache.data_stamp() (one query).
    """
    from .cache import cached, data_stamp

    stamp = data_stamp() if stamp is None else stamp
    index, offices = cached("scorecard_peer_levels", peer_levels, stamp=stamp)
    others = [levels for office_id, levels in offices if office_id != assessment.office_id]
    medians = []
    for row in rows:
        i = index.get(row.criterion.number)
        levels = [o[i] for o in others if i is not None and o[i] is not None]
        medians.append(statistics.median(levels) if levels else None)
    compared = [
        (row.level, m)
        for row, m in zip(rows, medians, strict=True)
        if None not in (row.level, m) and not row.not_applicable
    ]
    return {
        "count": len(others),
        "enough": len(others) >= MIN_PEERS,
        "levels": medians,
        "above": sum(1 for level, m in compared if level > m),
        "equal": sum(1 for level, m in compared if level == m),
        "below": sum(1 for level, m in compared if level < m),
    }


def _names(rows):
    """ "1. Mandate, 4. Population and 2 more": the criteria of `rows`, at most NAMED."""
    names = [f"{r.criterion.number}. {r.criterion.tr('short_title')}" for r in rows[:NAMED]]
    text = ", ".join(names)
    if len(rows) > NAMED:
        more = len(rows) - NAMED
        text = ngettext("%(names)s and %(n)s more", "%(names)s and %(n)s more", more) % {
            "names": text,
            "n": more,
        }
    return text


def _level_words(row):
    return f"{row.level}/4, {row.label}" if row.label else f"{row.level}/4"


def key_messages(
    *, rows, changes=(), previous=None, plan=None, perspectives=None, median=None, source=""
):
    """Three to five sentences for the first page, computed from the data only.

    Rated: the strongest and weakest criteria, the change since the `previous` published
    cycle (`changes`), the `plan`'s targets and open actions, the `perspectives`' divergent
    criteria, the position against the `median` of other offices when there are enough of
    them; a count of the levels when fewer than three messages remain. Unrated (the
    report's charts): no level is invented, only what the texts note, and the `source`.
    """
    rated = [r for r in rows if r.level is not None and not r.not_applicable]
    messages = []
    if rated:
        top = max(r.level for r in rated)
        low = min(r.level for r in rated)
        strongest = [r for r in rated if r.level == top]
        # The weakest as everywhere else (criteria.rubric.weakest), all those at its level.
        by_number = {r.criterion.number: r for r in rated}
        lowest = weakest(((r.criterion.number, r.level) for r in rated), limit=len(rated))
        weakest_ = [by_number[n] for n in lowest if by_number[n].level == low]
        if top == low:
            messages.append(
                ngettext(
                    "The %(n)s rated criterion is at level %(level)s.",
                    "All %(n)s rated criteria are at the same level: %(level)s.",
                    len(rated),
                )
                % {"n": len(rated), "level": _level_words(rated[0])}
            )
        else:
            messages.append(
                _("Strongest: %(criteria)s (%(level)s).")
                % {"criteria": _names(strongest), "level": _level_words(strongest[0])}
            )
            messages.append(
                _("Weakest: %(criteria)s (%(level)s).")
                % {"criteria": _names(weakest_), "level": _level_words(weakest_[0])}
            )
    else:
        noted = sum(1 for r in rows if (r.entry.strengths or "").strip())
        to_do = sum(1 for r in rows if (r.entry.opportunities or "").strip())
        messages.append(
            _(
                "No levels are given: like the report's charts, this assessment describes "
                "each criterion in words, so it neither ranks the criteria nor compares them "
                "with other offices."
            )
        )
        messages.append(
            _(
                "Strengths are noted for %(strengths)s of the %(n)s criteria, and "
                "opportunities to enhance effectiveness for %(opportunities)s."
            )
            % {"strengths": noted, "opportunities": to_do, "n": len(rows)}
        )
        missing = [r for r in rows if not (r.entry.strengths or "").strip()]
        if missing:
            messages.append(
                _("No strength is noted for %(criteria)s.") % {"criteria": _names(missing)}
            )
        elif source:
            messages.append(_("Source of these findings: %(source)s.") % {"source": source})

    compared = [c for c in changes if c.delta is not None]
    if previous is not None and compared:
        up = sum(1 for c in compared if c.delta > 0)
        down = sum(1 for c in compared if c.delta < 0)
        same = len(compared) - up - down
        text = ngettext(
            "Since %(cycle)s: %(up)s criterion up, %(down)s down, %(same)s unchanged.",
            "Since %(cycle)s: %(up)s criteria up, %(down)s down, %(same)s unchanged.",
            up,
        ) % {"cycle": previous.cycle, "up": up, "down": down, "same": same}
        biggest = max(compared, key=lambda c: (abs(c.delta), -c.criterion.number))
        if biggest.delta:
            text += " " + _("Biggest change: %(criterion)s, from %(before)s/4 to %(after)s/4.") % {
                "criterion": f"{biggest.criterion.number}. {biggest.criterion.tr('short_title')}",
                "before": biggest.before,
                "after": biggest.after,
            }
        messages.append(text)

    if plan and plan.get("any"):
        targets = len(plan.get("targets", []))
        actions = len(plan.get("actions", []))
        parts = []
        if targets:
            parts.append(
                ngettext("targets for %(n)s criterion", "targets for %(n)s criteria", targets)
                % {"n": targets}
            )
        if actions:
            parts.append(
                ngettext("%(n)s open action", "%(n)s open actions", actions) % {"n": actions}
            )
        messages.append(
            _("Plan for the next cycle: %(parts)s.") % {"parts": _(" and ").join(parts)}
        )

    divergent = (perspectives or {}).get("divergent") or []
    if divergent:
        messages.append(
            ngettext(
                "Outside voices see %(n)s criterion differently from one group to another: "
                "%(criteria)s.",
                "Outside voices see %(n)s criteria differently from one group to another: "
                "%(criteria)s.",
                len(divergent),
            )
            % {
                "n": len(divergent),
                "criteria": ", ".join(f"{c['number']}. {c['title']}" for c in divergent),
            }
        )

    if rated and median and median["enough"]:
        messages.append(
            _(
                "Against the median of %(n)s other published offices: above it on %(above)s "
                "of the %(compared)s criteria compared, equal on %(equal)s, below on %(below)s."
            )
            % {
                "n": median["count"],
                "compared": median["above"] + median["equal"] + median["below"],
                **{k: median[k] for k in ("above", "equal", "below")},
            }
        )

    if rated and len(messages) < 3:
        good = sum(1 for r in rated if r.level >= 3)
        not_applicable = sum(1 for r in rows if r.not_applicable)
        messages.append(
            _(
                "%(good)s of the %(rated)s rated criteria are established or exemplary "
                "(level 3 or 4)."
            )
            % {"good": good, "rated": len(rated)}
            + (
                " "
                + ngettext(
                    "%(n)s criterion does not apply.",
                    "%(n)s criteria do not apply.",
                    not_applicable,
                )
                % {"n": not_applicable}
                if not_applicable
                else ""
            )
        )
    return messages[:MESSAGES]


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


def scorecard_rows(assessment, *, base=None):
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
                evidence=[_evidence(link, base=base) for link in entry.evidence.all()],
            )
        )
    return rows


def _evidence(link, *, base=None):
    # Only web links become clickable; anything else stays plain text. A file links to
    # its download, which answers only those who may see the assessment.
    if link.file:
        return {
            "title": link.title or link.file_name,
            "url": evidence.download_url(link, base=base),
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
    not_applicable = Entry.Applicability.NOT_APPLICABLE
    before = {
        criterion_id: (level, applicability == not_applicable)
        for criterion_id, level, applicability in Entry.objects.filter(
            assessment=previous
        ).values_list("criterion_id", "level", "applicability")
    }
    return [
        Change(
            criterion=r.criterion,
            before=before.get(r.criterion.pk, (None, False))[0],
            after=r.level,
            before_not_applicable=before.get(r.criterion.pk, (None, False))[1],
            after_not_applicable=r.not_applicable,
            target=getattr(r.entry, "target", None),
        )
        for r in rows
    ]


def citation_line(*, assessment, generated_at, base=None):
    return _(
        "Cite as: %(office)s, %(city)s. %(kind)s %(cycle)s, version %(version)s. "
        "OVP Assess, %(url)s, generated %(date)s"
    ) % {
        "office": assessment.office.name,
        "city": assessment.office.city.name,
        "kind": assessment.get_kind_display(),
        "cycle": assessment.cycle,
        "version": assessment.version,
        "url": permanent_url(assessment.pk, base=base),
        "date": generated_at.date().isoformat(),
    }


# Geometry of the level chart, in SVG user units. WeasyPrint does not apply the page's CSS
# inside inline SVG, so every colour and size is a presentation attribute.
LABEL_W, BAR_W, VALUE_W, ROW_H, TOP, AXIS_H = 250, 300, 150, 34, 6, 24
# With the previous cycle, each criterion has two bars: this cycle's above, the previous
# one's below, thinner and grey.
PAIR_H = 42
LEGEND_H = 22
PREVIOUS_FILL = "#8a96a3"
MEDIAN_INK = "#000000"
NOT_APPLICABLE_FILL = "#e3e6ea"
LABEL_WRAP = 30  # characters; longer criterion names go on two lines


def levels_svg(*, rows, changes=(), previous=None, median=None):
    """A horizontal bar chart of the nine levels, as inline SVG.

    With the `previous` published cycle (its levels in `changes`), each criterion also gets
    a thinner grey bar for that cycle, labelled with its year. With a `median` of enough
    other offices (peer_median), a black triangle marks the median above each bar.
    Unrated criteria are drawn as a dashed empty band with the word "Unrated", never as a
    zero bar; criteria that do not apply as a grey band that says "Not applicable"; every
    bar carries its level in words, so colour is not the only cue.
    """
    paired = previous is not None and len(changes) == len(rows)
    row_h = PAIR_H if paired else ROW_H
    width = LABEL_W + BAR_W + VALUE_W
    bottom = TOP + row_h * len(rows)
    step = BAR_W / 4
    medians = median["levels"] if median and median["enough"] else [None] * len(rows)
    grid = level_grid(x=lambda n: LABEL_W + n * step, top=TOP, bottom=bottom)
    bars = format_html_join(
        "",
        "{}",
        (
            (
                _bar(
                    i,
                    row,
                    row_h=row_h,
                    change=changes[i] if paired else None,
                    previous=previous if paired else None,
                    median=medians[i],
                ),
            )
            for i, row in enumerate(rows)
        ),
    )
    legend = _legend(y=bottom + AXIS_H, previous=previous if paired else None, median=median)
    title = _("Level of each criterion, from 0 (absent) to 4 (exemplary)")
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="levels-chart" role="img" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" font-family="{font}" aria-label="{t}">'
        "<title>{t}</title>{grid}{bars}{legend}</svg>",
        w=width,
        h=bottom + AXIS_H + (LEGEND_H if legend else 0),
        font=FONT,
        t=title,
        grid=grid,
        bars=bars,
        legend=legend,
    )


def _legend(*, y, previous, median):
    """The chart's key: the previous cycle's bar and the median's line, when drawn."""
    items = []
    x = LABEL_W
    if previous is not None:
        items.append(
            format_html(
                '<rect x="{x}" y="{y}" width="18" height="7" fill="{fill}"/>'
                '<text x="{tx}" y="{ty}" font-size="11" fill="{ink}">{text}</text>',
                x=x,
                y=y + 4,
                fill=PREVIOUS_FILL,
                tx=x + 24,
                ty=y + 11,
                ink=INK,
                text=_("previous published cycle (%(cycle)s)") % {"cycle": previous.cycle},
            )
        )
        x += 230
    if median and median["enough"]:
        items.append(
            format_html(
                '{mark}<text x="{tx}" y="{ty}" font-size="11" fill="{ink}">{text}</text>',
                mark=_median_mark(x=x + 6, y=y + 11),
                ink=MEDIAN_INK,
                tx=x + 16,
                ty=y + 11,
                text=_("median of %(n)s other offices") % {"n": median["count"]},
            )
        )
    return format_html_join("", "{}", ((item,) for item in items))


def _label_lines(text):
    if len(text) <= LABEL_WRAP or " " not in text:
        return [text]
    middle = len(text) // 2
    spaces = [i for i, char in enumerate(text) if char == " "]
    cut = min(spaces, key=lambda i: abs(i - middle))
    return [text[:cut], text[cut + 1 :]]


def _empty_band(*, x, y, h, text, not_applicable, size=12):
    """The band of a criterion without a level: grey and solid when it does not apply,
    white and dashed when it is unrated, each saying so in words."""
    return format_html(
        '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}" stroke="#6c757d" '
        'stroke-width="1"{dash}/>'
        '<text x="{tx}" y="{ty}" font-size="{size}" font-style="italic" fill="{muted}">'
        "{text}</text>",
        x=x,
        y=y,
        w=BAR_W,
        h=h,
        fill=NOT_APPLICABLE_FILL if not_applicable else "#f4f5f6",
        dash="" if not_applicable else format_html(' stroke-dasharray="{}"', "4 3"),
        tx=x + 8,
        ty=y + h / 2 + size / 3,
        size=size,
        muted=MUTED,
        text=text,
    )


def _bar(i, row, *, row_h=ROW_H, change=None, previous=None, median=None):
    y = TOP + i * row_h
    mid = y + row_h / 2 + 4  # text baseline that centres 11px text on the row
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
    if change is None:
        bar_y, bar_h = y + 6, row_h - 12
    else:
        bar_y, bar_h = y + 5, 17
    if row.level is None:
        text = _("Not applicable") if row.not_applicable else _("Unrated")
        current = _empty_band(
            x=LABEL_W, y=bar_y, h=bar_h, text=text, not_applicable=row.not_applicable
        )
    else:
        width = row.level * BAR_W / 4
        name = row.rubric.tr("label") if row.rubric else ""
        # A level 0 bar has no length: a short tick at the axis marks it instead.
        current = format_html(
            '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}"/>'
            '<rect x="{x}" y="{y}" width="3" height="{h}" fill="{fill}"/>'
            '<text x="{tx}" y="{ty}" font-size="12" font-weight="bold" fill="{ink}">'
            "{level}/4 {name}</text>",
            x=LABEL_W,
            y=bar_y,
            w=width,
            h=bar_h,
            fill=level_colours()[row.level],
            tx=LABEL_W + max(width, 3) + 6,
            ty=bar_y + bar_h / 2 + 4,
            ink=INK,
            level=row.level,
            name=name,
        )
    before = _previous_bar(change, previous=previous, y=y + 26) if change is not None else ""
    line = ""
    if median is not None:
        # A small triangle pointing down at the median, above this cycle's bar: a line
        # across the row would cross the level's words.
        x = LABEL_W + median * BAR_W / 4
        line = _median_mark(x=x, y=bar_y - 1)
    return format_html("{}{}{}{}", label, current, before, line)


def _median_mark(*, x, y):
    """A triangle pointing down with its tip at (x, y)."""
    return format_html(
        '<polygon points="{l},{top} {r},{top} {x},{y}" fill="{ink}"/>',
        l=x - 5,
        r=x + 5,
        top=y - 7,
        x=x,
        y=y + 1,
        ink=MEDIAN_INK,
    )


def _previous_bar(change, *, previous, y):
    """The previous cycle's level of one criterion: a thin grey bar with the cycle and level."""
    h = 10
    if change.before is None:
        text = (
            _("%(cycle)s: not applicable")
            if change.before_not_applicable
            else _("%(cycle)s: unrated")
        ) % {"cycle": previous.cycle}
        return _empty_band(
            x=LABEL_W,
            y=y,
            h=h,
            text=text,
            not_applicable=change.before_not_applicable,
            size=9,
        )
    width = change.before * BAR_W / 4
    return format_html(
        '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}"/>'
        '<rect x="{x}" y="{y}" width="3" height="{h}" fill="{fill}"/>'
        '<text x="{tx}" y="{ty}" font-size="10" fill="{ink}">{cycle}: {level}/4</text>',
        x=LABEL_W,
        y=y,
        w=width,
        h=h,
        fill=PREVIOUS_FILL,
        tx=LABEL_W + max(width, 3) + 6,
        ty=y + h - 1,
        ink=MUTED,
        cycle=previous.cycle,
        level=change.before,
    )


def render_scorecard(*, assessment, paper="a4", base=None, timeout=None, stamp=None):
    """PDF bytes of the scorecard in the active language.

    The HTML is built here, in this process (it needs the database); WeasyPrint turns it
    into a PDF in a separate, limited process (reports.pdf.render_pdf). Raises
    reports.pdf.RenderFailed (RenderTimeout after `timeout` seconds, default
    settings.PDF_RENDER_TIMEOUT; RenderOutOfMemory) or reports.pdf.RenderBusy. `stamp`:
    the published-data stamp when the caller has taken it (reports.cache.data_stamp).
    """
    from . import pdf

    html = render_to_string(
        "reports/scorecard/scorecard.html",
        build_scorecard(assessment=assessment, paper=paper, base=base, stamp=stamp),
    )
    return pdf.render_pdf(html=html, timeout=timeout)
