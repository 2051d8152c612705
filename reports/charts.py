"""Plotly figures for the dashboard, as plain JSON-able dicts, each with the table it is drawn from.

Every builder returns {"figure": {"data": [...], "layout": {...}}, "table": {...}}. The table
holds exactly the numbers of the figure (tests compare them); the template shows it beside
the chart and the CSV download writes it. Unrated levels are None: a gap in the heatmap
and the radar, "unrated" in the tables, never a zero.

Figures stay compact: the heatmap sends its labels once and z as a list of lists; the
static script adds hover text in the browser instead of the server sending one string per
cell.
"""

from dataclasses import dataclass
from statistics import median, median_low

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from criteria.rubric import level_colours

LEVELS = [0, 1, 2, 3, 4]
# Viridis steps: readable for colour-blind people and in greyscale. White is "unrated".
UNRATED_COLOUR = "#bdbdbd"
NOT_APPLICABLE_COLOUR = "#7b6f9e"  # muted violet: apart from the levels and from unrated grey
OFFICE_COLOURS = ["#1d4f73", "#a94800", "#2f6b2f", "#7a1c7a", "#6b5800", "#0b6e8a"]
MAX_RADAR = 6
# The heatmap is at most 1,400 px high: beyond this many rows a row is under 4 px, too thin
# to see or hover, so consecutive offices share a row (see heatmap_groups). This also keeps
# the chart data the same size at 10,000 offices as at 300.
MAX_HEATMAP_ROWS = 300


@dataclass(frozen=True)
class NotApplicable:
    """A table cell of a criterion that the office says does not apply: no level (so it is
    in no median or mean), and its reason; never shown as "unrated"."""

    reason: str


def level_cells(levels, not_applicable=None, reasons=None):
    """Levels for a table row, with NotApplicable where the criterion does not apply."""
    na = not_applicable or [False] * len(levels)
    why = reasons or [""] * len(levels)
    return [NotApplicable(why[i]) if na[i] else level for i, level in enumerate(levels)]


def _axis_labels(criteria):
    return [f"{c['number']}. {c['short_title']}" for c in criteria]


def _table(caption, row_header, columns, rows):
    """columns: header cells after the row header; rows: {"header", "cells", ...}."""
    return {
        "caption": caption,
        "row_header": row_header,
        "columns": columns,
        "rows": rows,
        "missing": _("unrated"),
    }


def sort_offices(offices, sort):
    """By name, by mean level (highest first) or by one criterion number (highest first).

    Unrated values sort last; ties by name, so the order is stable.
    """
    if sort == "mean":
        value = lambda o: o["mean"]  # noqa: E731
    elif sort and sort.isdigit():
        i = int(sort) - 1
        value = lambda o: o["levels"][i]  # noqa: E731
    else:
        return sorted(offices, key=lambda o: (o["label"].casefold(), o["slug"]))
    return sorted(
        offices,
        key=lambda o: (
            value(o) is None,
            -(value(o) or 0),
            o["label"].casefold(),
            o["slug"],
        ),
    )


def heatmap_groups(*, offices, max_rows=MAX_HEATMAP_ROWS):
    """(rows per group, [(label, levels)]): the heatmap's rows for `offices` in their order.

    Up to `max_rows` offices, one row each (group of 1). Beyond, runs of consecutive offices
    (the same number in each but the last) share a row, labelled with their positions, with
    the median level of the offices rated on each criterion: the lower of the two middle
    ones for an even count, so that every cell is a level of the rubric; None where none is.
    """
    if len(offices) <= max_rows:
        return 1, [(o["label"], o["levels"]) for o in offices]
    size = -(-len(offices) // max_rows)
    rows = []
    for start in range(0, len(offices), size):
        group = offices[start : start + size]
        levels = []
        for i in range(len(group[0]["levels"])):
            rated = [o["levels"][i] for o in group if o["levels"][i] is not None]
            levels.append(median_low(rated) if rated else None)
        label = (
            _("Offices %(first)s to %(last)s") % {"first": start + 1, "last": start + len(group)}
            if len(group) > 1
            else group[0]["label"]  # a last office alone
        )
        rows.append((label, levels))
    return size, rows


def heatmap(*, offices, criteria, max_rows=MAX_HEATMAP_ROWS):
    """Offices (rows, in the given order) by criteria (columns) of levels.

    The table has a row per office; the figure too up to `max_rows` offices, beyond which
    it draws groups of offices (heatmap_groups; "group" says how many per row)."""
    x = [str(c["number"]) for c in criteria]
    group, drawn = heatmap_groups(offices=offices, max_rows=max_rows)
    figure = {
        "data": [
            {
                "type": "heatmap",
                "x": x,
                "y": [label for label, _levels in drawn],
                "z": [levels for _label, levels in drawn],
                "zmin": 0,
                "zmax": 4,
                "xgap": 1,
                "ygap": 1,
                "hoverongaps": True,
                "colorscale": _discrete_scale(),
                "colorbar": {
                    "title": {"text": _("Level")},
                    "tickvals": [0.4, 1.2, 2.0, 2.8, 3.6],
                    "ticktext": [str(level) for level in LEVELS],
                },
            }
        ],
        "layout": {
            "title": {"text": _("Levels by office and criterion")},
            "xaxis": {"side": "top", "type": "category"},
            "yaxis": {"autorange": "reversed", "type": "category", "automargin": True},
            "plot_bgcolor": "#ffffff",
            "margin": {"l": 20, "r": 20, "t": 80, "b": 20},
        },
        # For the script: full criterion names for hover, the words for a gap, and which
        # gaps are criteria that do not apply ([row, column] pairs: few, so sent as a list).
        "meta": {
            "criteria": _axis_labels(criteria),
            "unrated": _("unrated"),
            "not_applicable": _("not applicable"),
            # A group's cell is a median over the offices rated: no single reason to show.
            "na": [
                [r, i]
                for r, o in enumerate(offices)
                for i, na in enumerate(o.get("not_applicable") or [])
                if na
            ]
            if group == 1
            else [],
            "median": _("median of %(count)s offices") % {"count": group} if group > 1 else "",
        },
    }
    rows = [
        {
            "header": o["label"],
            "slug": o["slug"],
            "origin": o["origin"],
            "cycle": o["cycle"],
            "cells": [
                o["cycle"],
                *level_cells(o["levels"], o.get("not_applicable"), o.get("reasons")),
                o["mean"],
            ],
        }
        for o in offices
    ]
    columns = [_("Cycle"), *[str(c["number"]) for c in criteria], _("Mean")]
    table = _table(_("Levels of the latest published rated assessment"), _("Office"), columns, rows)
    return {"figure": figure, "table": table, "group": group}


def _discrete_scale():
    """Five flat bands over zmin..zmax, so each level has exactly one colour."""
    scale = []
    for i, colour in sorted(level_colours().items()):
        scale.append([i / 5, colour])
        scale.append([(i + 1) / 5, colour])
    return scale


def medians(*, offices, criteria):
    """Per criterion, the median level of the offices rated on it (None if nobody is)."""
    out = []
    for i in range(len(criteria)):
        values = [o["levels"][i] for o in offices if o["levels"][i] is not None]
        m = median(values) if values else None
        out.append(int(m) if m is not None and m == int(m) else m)
    return out


def _not_applicable_marks(office, labels, colour):
    """An "N/A" mark on the outer ring where the office says a criterion does not apply:
    its line has a gap there, which must not read as "unrated" (a gap and nothing else)."""
    na = office.get("not_applicable") or []
    where = [i for i, flag in enumerate(na) if flag]
    if not where:
        return []
    reasons = office.get("reasons") or [""] * len(na)
    return [
        {
            "type": "scatterpolar",
            "name": _("%(office)s: not applicable") % {"office": office["label"]},
            "legendgroup": office["label"],
            "showlegend": False,
            "r": [4] * len(where),
            "theta": [labels[i] for i in where],
            "mode": "markers+text",
            "text": [_("N/A")] * len(where),
            "textposition": "top center",
            "textfont": {"color": colour},
            "marker": {"symbol": "x-thin-open", "size": 12, "color": colour, "line": {"width": 2}},
            # The script makes the hover text ("Not applicable: <reason>").
            "customdata": [reasons[i] or _("no reason given") for i in where],
        }
    ]


def _closed(values):
    """Radar traces repeat their first point to close the shape."""
    return [*values, values[0]] if values else values


def radar(*, chosen, offices, criteria, sample_median=None):
    """Up to six chosen offices over the sample's median shape (computed unless given)."""
    labels = _axis_labels(criteria)
    if sample_median is None:
        sample_median = medians(offices=offices, criteria=criteria)
    data = [
        {
            "type": "scatterpolar",
            "name": ngettext(
                "Sample median (%(count)s office)",
                "Sample median (%(count)s offices)",
                len(offices),
            )
            % {"count": len(offices)},
            "r": _closed(sample_median),
            "theta": _closed(labels),
            "mode": "lines",
            "line": {"color": "#555555", "dash": "dash", "width": 2},
            "connectgaps": False,
        }
    ]
    marks = []
    for n, o in enumerate(chosen[:MAX_RADAR]):
        colour = OFFICE_COLOURS[n % len(OFFICE_COLOURS)]
        data.append(
            {
                "type": "scatterpolar",
                "name": o["label"],
                "legendgroup": o["label"],
                "r": _closed(o["levels"]),
                "theta": _closed(labels),
                "mode": "lines+markers",
                "line": {"color": colour, "width": 2},
                "connectgaps": False,
            }
        )
        marks.extend(_not_applicable_marks(o, labels, colour))
    data.extend(marks)
    figure = {
        "data": data,
        "layout": {
            "title": {"text": _("Chosen offices against the sample median")},
            "polar": {"radialaxis": {"range": [0, 4], "dtick": 1}},
            "showlegend": True,
            "legend": {"orientation": "h"},
            "margin": {"l": 60, "r": 60, "t": 80, "b": 40},
        },
        "meta": {"not_applicable": _("Not applicable")},
    }
    columns = [_("Sample median"), *[o["label"] for o in chosen[:MAX_RADAR]]]
    rows = [
        {
            "header": labels[i],
            "cells": [
                sample_median[i],
                *[
                    level_cells(o["levels"], o.get("not_applicable"), o.get("reasons"))[i]
                    for o in chosen[:MAX_RADAR]
                ],
            ],
        }
        for i in range(len(criteria))
    ]
    table = _table(
        _("Levels of the chosen offices and the sample median"), _("Criterion"), columns, rows
    )
    return {"figure": figure, "table": table}


# One colour per criterion, the same in every panel (Okabe-Ito and Tol's muted: told apart
# by people with a colour-vision deficiency; the legend and hover name them too).
CRITERION_COLOURS = [
    "#0072b2",
    "#d55e00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#e69f00",
    "#332288",
    "#882255",
    "#555555",
]
MAX_TREND_PANELS = 12
# Lines on whole levels would hide each other: each criterion is drawn this much above or
# below its level (criterion 5 on it), never enough to be read as another level.
TREND_OFFSET = 0.05


def trend_table(*, office, trend, criteria):
    """One office's levels across cycles: a row per criterion, a column per cycle."""
    labels = _axis_labels(criteria)
    cycles = trend["cycles"]
    by_cycle = [
        level_cells(levels, na, why)
        for levels, na, why in zip(
            trend["levels"],
            trend.get("not_applicable") or [None] * len(cycles),
            trend.get("reasons") or [None] * len(cycles),
            strict=True,
        )
    ]
    rows = [
        {"header": labels[i], "cells": [cells[i] for cells in by_cycle]}
        for i in range(len(criteria))
    ]
    caption = _("Levels across cycles: %(office)s") % {"office": office["label"]}
    return _table(caption, _("Criterion"), [str(c) for c in cycles], rows)


def trends(*, panels, criteria, columns=3):
    """Small multiples: one panel per office (at most MAX_TREND_PANELS), same axes.

    `panels`: [(office, trend)] with trend as reports.sample.load_trends gives it. One trace
    per panel and criterion, in that order, holding the levels; the script draws each
    criterion in one colour in every panel, nudged by TREND_OFFSET so that equal levels stay
    visible (the hover and the tables give the exact level), and may change the number of
    columns to fit the screen (layout.grid).
    """
    panels = panels[:MAX_TREND_PANELS]
    cycles = sorted({c for _office, trend in panels for c in trend["cycles"]})
    data, layout, titles = [], {}, []
    for p, (office, trend) in enumerate(panels):
        suffix = "" if p == 0 else str(p + 1)
        # Compact: the levels only. The script names and colours each line from meta, and
        # draws it TREND_OFFSET * (i - 4) off its level (the hover says the level).
        data.extend(
            {
                "x": trend["cycles"],
                "y": [levels[i] for levels in trend["levels"]],
                "xaxis": f"x{suffix}",
                "yaxis": f"y{suffix}",
            }
            for i in range(len(criteria))
        )
        # Cycles are years: a linear axis over every cycle of any panel is the same in each.
        layout[f"xaxis{suffix}"] = {
            "type": "linear",
            "range": [cycles[0] - 0.3, cycles[-1] + 0.3],
            "dtick": 1,
            "tickformat": "d",
        }
        layout[f"yaxis{suffix}"] = {"range": [-0.4, 4.4], "dtick": 1, "zeroline": False}
        titles.append(
            {
                "text": office["label"],
                "xref": f"x{suffix} domain",
                "yref": f"y{suffix} domain",
                "x": 0,
                "y": 1,
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
            }
        )
    rows = -(-len(panels) // columns) if panels else 0
    figure = {
        "data": data,
        "layout": {
            **layout,
            "title": {"text": _("Levels across cycles, one panel per office")},
            "grid": {"rows": rows, "columns": columns, "pattern": "independent", "ygap": 0.35},
            "annotations": titles,
            "legend": {"orientation": "h", "title": {"text": _("Criterion"), "side": "top"}},
            "margin": {"l": 40, "r": 20, "t": 60, "b": 40},
        },
        "meta": {
            "panels": len(panels),
            "criteria": _axis_labels(criteria),
            "colours": CRITERION_COLOURS,
            "offset": TREND_OFFSET,
        },
    }
    table = {
        "caption": _("Levels across cycles"),
        "panels": [
            trend_table(office=office, trend=trend, criteria=criteria) for office, trend in panels
        ],
    }
    return {"figure": figure, "table": table}


def distribution(*, offices, criteria):
    """Per criterion, how many offices are at each level, unrated, or say it does not apply."""
    unrated, not_applicable = len(LEVELS), len(LEVELS) + 1
    counts = [[0] * (len(LEVELS) + 2) for _c in criteria]
    for o in offices:
        na = o.get("not_applicable") or [False] * len(o["levels"])
        for i, level in enumerate(o["levels"]):
            counts[i][not_applicable if na[i] else unrated if level is None else level] += 1
    x = [str(c["number"]) for c in criteria]
    data = [
        {
            "type": "bar",
            "name": _("Level %(level)s") % {"level": level},
            "x": x,
            "y": [row[level] for row in counts],
            "marker": {"color": level_colours()[level]},
        }
        for level in LEVELS
    ]
    data.append(
        {
            "type": "bar",
            "name": _("Unrated"),
            "x": x,
            "y": [row[unrated] for row in counts],
            "marker": {"color": UNRATED_COLOUR},
        }
    )
    data.append(
        {
            "type": "bar",
            "name": _("Not applicable"),
            "x": x,
            "y": [row[not_applicable] for row in counts],
            "marker": {"color": NOT_APPLICABLE_COLOUR},
        }
    )
    figure = {
        "data": data,
        "layout": {
            "title": {"text": _("Offices at each level, per criterion")},
            "barmode": "stack",
            "xaxis": {"title": {"text": _("Criterion")}, "type": "category"},
            "yaxis": {"title": {"text": _("Offices")}},
            "legend": {"orientation": "h", "y": -0.2},
            "margin": {"l": 60, "r": 20, "t": 60, "b": 40},
        },
        "meta": {"criteria": _axis_labels(criteria)},
    }
    columns = [
        *[_("Level %(level)s") % {"level": level} for level in LEVELS],
        _("Unrated"),
        _("Not applicable"),
    ]
    rows = [{"header": label, "cells": counts[i]} for i, label in enumerate(_axis_labels(criteria))]
    table = _table(
        _("Number of offices at each level, per criterion"), _("Criterion"), columns, rows
    )
    return {"figure": figure, "table": table}
