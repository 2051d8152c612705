"""The perspectives chart, one SVG for the round's page and the scorecard: one row per
criterion, one mark per group shown apart (its median), and the range and middle half of all
respondents' answers. Drawn from rounds.public_figures, so it shows what the tables show and
nothing more; shapes as well as colours tell the groups apart."""

from django.utils.html import format_html, format_html_join
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


def mark(shape, colour, x, y, size=5):
    if shape == "square":
        return format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
            x - size,
            y - size,
            2 * size,
            2 * size,
            colour,
        )
    if shape == "diamond":
        return format_html(
            '<polygon points="{},{} {},{} {},{} {},{}" fill="{}"/>',
            x,
            y - size - 1,
            x + size + 1,
            y,
            x,
            y + size + 1,
            x - size - 1,
            y,
            colour,
        )
    if shape == "triangle":
        return format_html(
            '<polygon points="{},{} {},{} {},{}" fill="{}"/>',
            x,
            y - size - 1,
            x + size + 1,
            y + size,
            x - size - 1,
            y + size,
            colour,
        )
    return format_html('<circle cx="{}" cy="{}" r="{}" fill="{}"/>', x, y, size, colour)


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


def perspectives_svg(*, figures, titles):
    """The chart for `figures` (rounds.public_figures); `titles`: {number: label}."""
    styles = {g["name"]: (SHAPES[i], COLOURS[i]) for i, g in enumerate(figures["groups"])}
    rows = figures["criteria"]
    bottom = TOP + ROW_H * len(rows)
    grid = level_grid(x=_x, top=TOP, bottom=bottom)
    body = format_html_join(
        "", "{}", ((_row(i, row, titles, styles),) for i, row in enumerate(rows))
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
    y = TOP + i * ROW_H + ROW_H / 2
    label = format_html(
        '<text x="{}" y="{}" font-size="11" fill="{}">{}. {}</text>',
        4,
        y + 4,
        INK,
        row["number"],
        titles.get(row["number"], ""),
    )
    parts = [label]
    groups = [f for f in row["figures"] if not f["overall"] and f["median"] is not None]
    overall = next((f for f in row["figures"] if f["overall"]), None)
    if overall is not None and overall["low"] is not None:
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{y}" y2="{y}" stroke="#888" stroke-width="2"/>'
                '<line x1="{}" x2="{}" y1="{y}" y2="{y}" stroke="#555" stroke-width="7"/>',
                _x(overall["low"]),
                _x(overall["high"]),
                _x(overall["q1"]),
                _x(overall["q3"]),
                y=y,
            )
        )
    # Groups with the same median would hide each other: spread them a little up and down.
    for j, cell in enumerate(groups):
        shape, colour = styles[cell["group"]]
        offset = (j - (len(groups) - 1) / 2) * 4
        parts.append(mark(shape, colour, _x(cell["median"]), y + offset))
    if row["divergent"]:
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="10" fill="{}" font-weight="bold">{}</text>',
                LABEL_W + PLOT_W + 10,
                y + 4,
                INK,
                _("divergent"),
            )
        )
    elif not row["figures"]:
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="10" fill="{}">{}</text>',
                LABEL_W + 6,
                y + 4,
                MUTED,
                _("too few answers to show"),
            )
        )
    return format_html_join("", "{}", ((p,) for p in parts))
