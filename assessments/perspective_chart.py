"""The perspectives chart, one SVG for the round's page and the scorecard: one row per
criterion, one mark per group shown apart (its median), and the range and middle half of all
respondents' answers. Drawn from rounds.public_figures, so it shows what the tables show and
nothing more; shapes as well as colours tell the groups apart."""

import functools

from django.utils.html import conditional_escape, escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

SHAPES = ("circle", "square", "diamond", "triangle") * 2
COLOURS = ("#1b5e9c", "#b3471d", "#2f7d32", "#6a3d9a", "#00798c", "#8c510a", "#c51b7d", "#4d4d4d")
LABEL_W, PLOT_W, RIGHT_W, ROW_H, TOP, AXIS_H = 265, 300, 80, 26, 4, 20
# The look of every level chart (this one and the scorecard's bars).
FONT = "Noto Sans, DejaVu Sans, sans-serif"
INK, MUTED, GRID = "#1a1a1a", "#444444", "#c8d3dc"


def level_grid(*, x, top, bottom):
    """The vertical lines and labels of levels 0 to 4; `x(level)` gives each line's place."""
    return format_html_join(
        "",
        '<line x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" stroke="{grid}" stroke-width="1"/>'
        '<text x="{x}" y="{label_y}" font-size="10" fill="{muted}" text-anchor="middle">{n}'
        "</text>",
        (
            {
                "x": x(n),
                "top": top,
                "bottom": bottom,
                "label_y": bottom + 14,
                "n": n,
                "grid": GRID,
                "muted": MUTED,
            }
            for n in range(5)
        ),
    )


# The palette's colours, escaped once (mark() draws dozens per chart).
_ESCAPED = {colour: escape(colour) for colour in COLOURS}


def mark(shape, colour, x, y, size=5):
    # Written with f-strings, not format_html: the chart has dozens of marks. Numbers need no
    # escaping; the colour is escaped as format_html did.
    c = _ESCAPED.get(colour) if type(colour) is str else None
    if c is None:
        c = escape(colour)
    if shape == "square":
        return mark_safe(  # noqa: S308 - numbers and an escaped colour
            f'<rect x="{x - size}" y="{y - size}" width="{2 * size}" height="{2 * size}" '
            f'fill="{c}"/>'
        )
    if shape == "diamond":
        return mark_safe(  # noqa: S308 - numbers and an escaped colour
            f'<polygon points="{x},{y - size - 1} {x + size + 1},{y} {x},{y + size + 1} '
            f'{x - size - 1},{y}" fill="{c}"/>'
        )
    if shape == "triangle":
        return mark_safe(  # noqa: S308 - numbers and an escaped colour
            f'<polygon points="{x},{y - size - 1} {x + size + 1},{y + size} '
            f'{x - size - 1},{y + size}" fill="{c}"/>'
        )
    return mark_safe(f'<circle cx="{x}" cy="{y}" r="{size}" fill="{c}"/>')  # noqa: S308


def legend(figures):
    """[(name, shape, colour, shown)] for the groups, in the round's order."""
    return [
        (group["name"], SHAPES[i], COLOURS[i], group["shown"])
        for i, group in enumerate(figures["groups"])
    ]


def legend_mark(shape, colour):
    return format_html(
        '<svg width="14" height="14" aria-hidden="true" focusable="false">{}</svg>',
        mark(shape, colour, 7, 7),
    )


def range_sample():
    """The legend's sample of the all-respondents bar: range (thin) and middle half (thick)."""
    return mark_safe(  # noqa: S308 - a constant, no input in it
        '<svg width="30" height="12" aria-hidden="true" focusable="false">'
        '<line x1="2" x2="28" y1="6" y2="6" stroke="#888" stroke-width="2"/>'
        '<line x1="9" x2="21" y1="6" y2="6" stroke="#555" stroke-width="7"/></svg>'
    )


def _x(level):
    return round(LABEL_W + PLOT_W * level / 4, 1)


@functools.lru_cache(maxsize=16)
def _grid(bottom):
    """This chart's level grid down to `bottom` (numbers only: the same for every round with
    as many criteria)."""
    return level_grid(x=_x, top=TOP, bottom=bottom)


def perspectives_svg(*, figures, titles):
    """The chart for `figures` (rounds.public_figures); `titles`: {number: label}."""
    styles = {g["name"]: (SHAPES[i], COLOURS[i]) for i, g in enumerate(figures["groups"])}
    rows = figures["criteria"]
    bottom = TOP + ROW_H * len(rows)
    grid = _grid(bottom)
    # Each row is safe already (see _row): joined as format_html_join("", "{}", ...) did.
    body = mark_safe(  # noqa: S308 - safe rows
        "".join(_row(i, row, titles, styles) for i, row in enumerate(rows))
    )
    title = _(
        "Levels given by each group of respondents (median) and by all respondents (range and "
        "middle half), per criterion; the table gives the figures."
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="perspectives-chart" role="img" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" font-family="{font}" aria-label="{t}">'
        "<title>{t}</title>{grid}{body}</svg>",
        w=LABEL_W + PLOT_W + RIGHT_W,
        h=bottom + AXIS_H,
        font=FONT,
        t=title,
        grid=grid,
        body=body,
    )


def _row(i, row, titles, styles):
    # f-strings rather than format_html (see mark): the texts are escaped, numbers need not be.
    y = TOP + i * ROW_H + ROW_H / 2
    parts = [
        f'<text x="4" y="{y + 4}" font-size="11" fill="{INK}">'
        f"{conditional_escape(row['number'])}. "
        f"{conditional_escape(titles.get(row['number'], ''))}</text>"
    ]
    groups = [f for f in row["figures"] if not f["overall"] and f["median"] is not None]
    overall = next((f for f in row["figures"] if f["overall"]), None)
    if overall is not None and overall["low"] is not None:
        parts.append(
            f'<line x1="{_x(overall["low"])}" x2="{_x(overall["high"])}" y1="{y}" y2="{y}" '
            'stroke="#888" stroke-width="2"/>'
            f'<line x1="{_x(overall["q1"])}" x2="{_x(overall["q3"])}" y1="{y}" y2="{y}" '
            'stroke="#555" stroke-width="7"/>'
        )
    # Groups with the same median would hide each other: spread them a little up and down.
    for j, cell in enumerate(groups):
        shape, colour = styles[cell["group"]]
        offset = (j - (len(groups) - 1) / 2) * 4
        parts.append(mark(shape, colour, _x(cell["median"]), y + offset))
    if row["divergent"]:
        text = escape(_("divergent"))
        parts.append(
            f'<text x="{LABEL_W + PLOT_W + 10}" y="{y + 4}" font-size="10" fill="{INK}" '
            f'font-weight="bold">{text}</text>'
        )
    elif not row["figures"]:
        text = escape(_("too few answers to show"))
        parts.append(
            f'<text x="{LABEL_W + 6}" y="{y + 4}" font-size="10" fill="{MUTED}">{text}</text>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - every text in it is escaped
