"""The perspectives chart, pinned: the SVG below is what the chart's code gave before its
rows and marks were written with f-strings instead of format_html (a group of each shape,
a fifth wrapping round to a circle, markup in names and titles, a criterion without
medians or range, one without figures), in English."""

from django.utils import translation

from assessments.perspective_chart import legend, legend_mark, perspectives_svg


def _figure(group, median, *, overall=False, low=None, high=None, q1=None, q3=None):
    return {
        "group": group,
        "overall": overall,
        "median": median,
        "low": low,
        "high": high,
        "q1": q1,
        "q3": q3,
    }


GROUPS = ["Office staff", "City <government> & 'co'", "Partners", "Experts", "Fifth"]
FIGURES = {
    "groups": [{"name": name, "respondents": 5, "shown": True} for name in GROUPS],
    "criteria": [
        {
            "number": 1,
            "divergent": True,
            "figures": [
                *(_figure(name, m) for name, m in zip(GROUPS, (4, 1.5, 2, 0.25, 3), strict=True)),
                _figure("all respondents", 2, overall=True, low=0, high=4, q1=1.25, q3=3),
            ],
        },
        {
            "number": 2,
            "divergent": False,
            "figures": [
                _figure(GROUPS[0], None),
                _figure("all respondents", None, overall=True),
            ],
        },
        {"number": 3, "divergent": False, "figures": []},
    ],
}
TITLES = {1: "Mandate <b>& 'more'</b>", 2: "Partnerships"}

EXPECTED = (
    '<svg xmlns="http://www.w3.org/2000/svg" class="perspectives-chart" role="img" viewBox="0 0 645 102" width="645" height="102" font-family="Noto Sans, DejaVu Sans, sans-serif" aria-label="Levels given by each group of respondents (median) and by all respondents (range and middle half), per criterion; the table gives the figures.">'
    "<title>Levels given by each group of respondents (median) and by all respondents (range and middle half), per criterion; the table gives the figures.</title>"
    '<line x1="265.0" y1="4" x2="265.0" y2="82" stroke="#c8d3dc" stroke-width="1"/>'
    '<text x="265.0" y="96" font-size="10" fill="#444444" text-anchor="middle">0</text>'
    '<line x1="340.0" y1="4" x2="340.0" y2="82" stroke="#c8d3dc" stroke-width="1"/>'
    '<text x="340.0" y="96" font-size="10" fill="#444444" text-anchor="middle">1</text>'
    '<line x1="415.0" y1="4" x2="415.0" y2="82" stroke="#c8d3dc" stroke-width="1"/>'
    '<text x="415.0" y="96" font-size="10" fill="#444444" text-anchor="middle">2</text>'
    '<line x1="490.0" y1="4" x2="490.0" y2="82" stroke="#c8d3dc" stroke-width="1"/>'
    '<text x="490.0" y="96" font-size="10" fill="#444444" text-anchor="middle">3</text>'
    '<line x1="565.0" y1="4" x2="565.0" y2="82" stroke="#c8d3dc" stroke-width="1"/>'
    '<text x="565.0" y="96" font-size="10" fill="#444444" text-anchor="middle">4</text>'
    '<text x="4" y="21.0" font-size="11" fill="#1a1a1a">1. Mandate &lt;b&gt;&amp; &#x27;more&#x27;&lt;/b&gt;</text>'
    '<line x1="265.0" x2="565.0" y1="17.0" y2="17.0" stroke="#888" stroke-width="2"/>'
    '<line x1="358.8" x2="490.0" y1="17.0" y2="17.0" stroke="#555" stroke-width="7"/>'
    '<circle cx="565.0" cy="9.0" r="5" fill="#1b5e9c"/>'
    '<rect x="372.5" y="8.0" width="10" height="10" fill="#b3471d"/>'
    '<polygon points="415.0,11.0 421.0,17.0 415.0,23.0 409.0,17.0" fill="#2f7d32"/>'
    '<polygon points="283.8,15.0 289.8,26.0 277.8,26.0" fill="#6a3d9a"/>'
    '<circle cx="490.0" cy="25.0" r="5" fill="#00798c"/>'
    '<text x="575" y="21.0" font-size="10" fill="#1a1a1a" font-weight="bold">divergent</text>'
    '<text x="4" y="47.0" font-size="11" fill="#1a1a1a">2. Partnerships</text>'
    '<text x="4" y="73.0" font-size="11" fill="#1a1a1a">3. </text>'
    '<text x="271" y="73.0" font-size="10" fill="#444444">too few answers to show</text>'
    "</svg>"
)


def test_the_chart_is_the_same_svg():
    with translation.override("en"):
        assert perspectives_svg(figures=FIGURES, titles=TITLES) == EXPECTED


def test_the_legend_marks_match_the_chart():
    marks = [legend_mark(shape, colour) for _name, shape, colour, _shown in legend(FIGURES)]
    assert marks[0] == (
        '<svg width="14" height="14" aria-hidden="true" focusable="false">'
        '<circle cx="7" cy="7" r="5" fill="#1b5e9c"/></svg>'
    )
    assert "<rect " in marks[1] and "<polygon " in marks[2] and "<polygon " in marks[3]
