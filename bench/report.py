"""Pure functions: statistics, the load's schedule, the performance targets, the table and
var/bench.json."""

import math

PAGE_NAMES = [
    "healthz",
    "home",
    "cities",
    "city",
    "matrix20",
    "dashboard1000",
    "form",
    "team",
    "plan",
    "perspectives",
    "respond",
    "register",
    "pdf_cached",
]

# p50 of each page at most this many times the p50 of /healthz (one query: our floor).
PAGE_RATIO_LIMITS = {
    "home": 3,
    "cities": 4,
    "city": 4,
    "form": 4,
    "matrix20": 5,
    "dashboard1000": 6,
    "pdf_cached": 3,
    # Pages of signed-in users under 5x, public ones under 3x (the respondent's form and the
    # office registration need no account).
    "team": 5,
    "plan": 5,
    "perspectives": 5,
    "respond": 3,
    "register": 3,
}
# The pages measured again over the large database (10,000 offices): their query counts
# must equal those over the base one (1,000), and the chart data stay under DATA_LIMIT_BYTES.
SCALE_PAGES = {"dashboard1000": "dashboard", "matrix20": "matrix (20 cities)"}
WARM_OVER_WEASYPRINT_LIMIT = 1.25
WARM_RENDER_LIMIT_MS = 1000
# Decimal kilobytes, the stricter reading of "400 KB".
JS_BR_LIMIT_BYTES = 400_000
DATA_LIMIT_BYTES = 150_000
WORKER_PEAK_LIMIT_MB = 300


def percentile(values, q):
    """The q-th percentile (0-100) with linear interpolation between ranks, as numpy's default.

    None for no values.
    """
    if not values:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0 and 100, not {q}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values):
    return percentile(values, 50)


def round_orders(names, rounds):
    """`rounds` orderings of `names`, each rotated by one, so no page always goes first."""
    names = list(names)
    return [names[i % len(names) :] + names[: i % len(names)] for i in range(rounds)]


def ratio(value, floor):
    if value is None or not floor:
        return None
    return value / floor


def _target(name, measured, limit, ok):
    return {"target": name, "measured": measured, "limit": limit, "pass": ok}


def _fmt_ratio(value):
    return None if value is None else f"{value:.2f}x"


def evaluate_targets(
    result,
    *,
    queries_small=None,
    first_queries=None,
    harfbuzz=None,
    offices=1000,
    small_offices=20,
    renders=200,
    huge_offices=None,
):
    """Every performance target as {"target", "measured", "limit", "pass"}.

    `pass` is None when the figure could not be measured (the page or helper is missing).
    `queries_small` maps page names to query counts on the 20-office database and
    `first_queries` to (large, small) counts of the first request of a process; `harfbuzz`
    is {"subset_library": bool, "fallback_warnings": [...]} from the scorecard run. With
    `huge_offices`, the scale targets of result["scale"] too (see scale_targets).
    """
    pages = result.get("pages", {})
    floor = (pages.get("healthz") or {}).get("p50_ms")
    targets = []
    for name, limit in PAGE_RATIO_LIMITS.items():
        r = ratio((pages.get(name) or {}).get("p50_ms"), floor)
        targets.append(
            _target(
                f"{name} p50 / healthz p50",
                _fmt_ratio(r),
                f"<= {limit}x",
                None if r is None else r <= limit,
            )
        )

    queries_small = queries_small or {}
    first_queries = first_queries or {}
    for name in PAGE_NAMES:
        large = (pages.get(name) or {}).get("queries")
        small = queries_small.get(name)
        ok = None if large is None or small is None else large == small
        measured = None if ok is None else f"{large} vs {small}"
        # A first request that fills a per-process cache must not grow with the data either.
        first_large, first_small = first_queries.get(name, (None, None))
        if ok is not None and first_large is not None and first_small is not None:
            if (first_large, first_small) != (large, small):
                measured += f" (first request {first_large} vs {first_small})"
            ok = ok and first_large == first_small
        targets.append(
            _target(
                f"{name} queries at {offices} offices == at {small_offices}",
                measured,
                "equal",
                ok,
            )
        )

    pdf = result.get("pdf", {})
    warm, floor_pdf = pdf.get("warm_ms"), pdf.get("weasyprint_ms")
    r = ratio(warm, floor_pdf)
    targets.append(
        _target(
            "scorecard warm render / WeasyPrint alone",
            _fmt_ratio(r),
            f"<= {WARM_OVER_WEASYPRINT_LIMIT}x",
            None if r is None else r <= WARM_OVER_WEASYPRINT_LIMIT,
        )
    )
    targets.append(
        _target(
            "scorecard warm render (nine criteria)",
            None if warm is None else f"{warm:.0f} ms",
            f"< {WARM_RENDER_LIMIT_MS} ms",
            None if warm is None else warm < WARM_RENDER_LIMIT_MS,
        )
    )
    if harfbuzz is None or harfbuzz.get("subset_library") is None:
        targets.append(_target("WeasyPrint subsets fonts with HarfBuzz", None, "yes", None))
    else:
        warnings = harfbuzz.get("fallback_warnings") or []
        ok = bool(harfbuzz["subset_library"]) and not warnings
        measured = "yes" if ok else ("; ".join(warnings) or "libharfbuzz-subset not loaded")
        targets.append(_target("WeasyPrint subsets fonts with HarfBuzz", measured, "yes", ok))

    dash = result.get("dashboard", {})
    js_br, data = dash.get("js_br_bytes"), dash.get("data_bytes")
    targets.append(
        _target(
            "dashboard JavaScript, brotli",
            None if js_br is None else f"{js_br:,} B",
            f"<= {JS_BR_LIMIT_BYTES:,} B",
            None if js_br is None else js_br <= JS_BR_LIMIT_BYTES,
        )
    )
    targets.append(
        _target(
            f"dashboard chart data, {offices} offices",
            None if data is None else f"{data:,} B",
            f"<= {DATA_LIMIT_BYTES:,} B",
            None if data is None else data <= DATA_LIMIT_BYTES,
        )
    )
    peak = result.get("worker_peak_mb")
    targets.append(
        _target(
            f"worker peak RSS after {renders} scorecards",
            None if peak is None else f"{peak:.0f} MB",
            f"< {WORKER_PEAK_LIMIT_MB} MB",
            None if peak is None else peak < WORKER_PEAK_LIMIT_MB,
        )
    )
    if huge_offices:
        targets += scale_targets(
            result.get("scale") or {}, offices=offices, huge_offices=huge_offices
        )
    return targets


def scale_entry(*, healthz_p50_ms, pages, queries, data_bytes):
    """One database's figures for the scale table: {"healthz_p50_ms", "data_bytes", "pages":
    {name: {"p50_ms", "ratio", "queries"}}} for the SCALE_PAGES, from the load's figures
    (`pages`) and the in-process query counts (`queries`, name -> count)."""
    out = {"healthz_p50_ms": healthz_p50_ms, "data_bytes": data_bytes, "pages": {}}
    for name in SCALE_PAGES:
        p50 = (pages.get(name) or {}).get("p50_ms")
        r = ratio(p50, healthz_p50_ms)
        out["pages"][name] = {
            "p50_ms": p50,
            "ratio": None if r is None else round(r, 2),
            "queries": queries.get(name),
        }
    return out


def scale_targets(scale, *, offices, huge_offices):
    """Query counts of the SCALE_PAGES equal over `offices` and `huge_offices`, and the chart
    data under DATA_LIMIT_BYTES over `huge_offices`. `scale` maps str(offices) to scale_entry."""
    base = scale.get(str(offices)) or {}
    huge = scale.get(str(huge_offices)) or {}
    targets = []
    for name in SCALE_PAGES:
        large = ((huge.get("pages") or {}).get(name) or {}).get("queries")
        small = ((base.get("pages") or {}).get(name) or {}).get("queries")
        ok = None if large is None or small is None else large == small
        targets.append(
            _target(
                f"{name} queries at {huge_offices} offices == at {offices}",
                None if ok is None else f"{large} vs {small}",
                "equal",
                ok,
            )
        )
    data = huge.get("data_bytes")
    targets.append(
        _target(
            f"dashboard chart data, {huge_offices} offices",
            None if data is None else f"{data:,} B",
            f"<= {DATA_LIMIT_BYTES:,} B",
            None if data is None else data <= DATA_LIMIT_BYTES,
        )
    )
    return targets


def scale_rows(scale):
    """Rows of the scale table: offices, page, p50, ratio to /healthz, queries, chart data."""
    rows = []
    for offices in sorted(scale, key=int):
        entry = scale[offices]
        for name, label in SCALE_PAGES.items():
            p = (entry.get("pages") or {}).get(name) or {}
            rows.append(
                [
                    int(offices),
                    label,
                    p.get("p50_ms"),
                    None if p.get("ratio") is None else f"{p['ratio']:.2f}x",
                    p.get("queries"),
                    entry.get("data_bytes") if name == "dashboard1000" else None,
                ]
            )
    return rows


LIGHTHOUSE_CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def lighthouse_rows(scores):
    """Rows of the Lighthouse table: page, then each category's score (or the error)."""
    rows = []
    for name, page in scores.items():
        if "error" in page:
            rows.append([name, f"error: {page['error']}", None, None, None])
        else:
            rows.append([name, *(page.get(c) for c in LIGHTHOUSE_CATEGORIES)])
    return rows


def format_table(headers, rows, align=None):
    """A plain-text (and Markdown) table: `| a | b |` lines, numbers right-aligned.

    `align` is a string of "l"/"r" per column; by default numbers are right-aligned.
    None cells print as "-".
    """
    cells = [[_cell(v) for v in row] for row in rows]
    if align is None:
        align = "".join(
            "r"
            if rows and all(isinstance(r[i], int | float) or r[i] is None for r in rows)
            else "l"
            for i in range(len(headers))
        )
    widths = [max([len(h)] + [len(row[i]) for row in cells] + [3]) for i, h in enumerate(headers)]

    def line(values):
        parts = [
            v.rjust(w) if a == "r" else v.ljust(w)
            for v, w, a in zip(values, widths, align, strict=True)
        ]
        return "| " + " | ".join(parts) + " |"

    rule = (
        "|"
        + "|".join(
            ("-" * (w + 1) + ":") if a == "r" else ("-" * (w + 2))
            for w, a in zip(widths, align, strict=True)
        )
        + "|"
    )
    return "\n".join([line(headers), rule] + [line(r) for r in cells])


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render_report(
    result,
    targets,
    *,
    queries_small=None,
    offices=1000,
    small_offices=20,
    renders=200,
    markdown=False,
):
    """The whole printed report: pages, scorecard, dashboard bytes, memory, scale, Lighthouse
    and targets. With `markdown`, titles are Markdown headings, each table a block of its own
    (format_table's tables are Markdown already)."""

    def title(text):
        return [f"#### {text}", ""] if markdown else [text]

    pages = result.get("pages", {})
    floor = (pages.get("healthz") or {}).get("p50_ms")
    queries_small = queries_small or {}
    page_rows = []
    for name in PAGE_NAMES:
        p = pages.get(name) or {}
        r = ratio(p.get("p50_ms"), floor)
        page_rows.append(
            [
                name,
                p.get("rps"),
                p.get("p50_ms"),
                p.get("p95_ms"),
                p.get("max_ms"),
                None if r is None else f"{r:.2f}x",
                p.get("queries"),
                queries_small.get(name),
            ]
        )
    out = [
        *title(f"Pages, {offices:,} offices (4 locust users, gunicorn 2 sync workers)"),
        format_table(
            [
                "page",
                "req/s",
                "p50 ms",
                "p95 ms",
                "max ms",
                "p50/healthz",
                "queries",
                f"queries@{small_offices}",
            ],
            page_rows,
            align="lrrrrrrr",
        ),
        "",
    ]
    pdf = result.get("pdf", {})
    out += [
        *title("Scorecard PDF (nine criteria)"),
        format_table(
            ["cold ms", "warm ms", "WeasyPrint alone ms", "pages", "bytes"],
            [[pdf.get(k) for k in ("cold_ms", "warm_ms", "weasyprint_ms", "pages", "bytes")]],
            align="rrrrr",
        ),
        "",
    ]
    dash = result.get("dashboard", {})
    out += [
        *title(f"Dashboard bytes ({offices:,} offices)"),
        format_table(
            ["HTML", "chart data", "JS brotli", "JS gzip"],
            [[dash.get(k) for k in ("html_bytes", "data_bytes", "js_br_bytes", "js_gz_bytes")]],
            align="rrrr",
        ),
        "",
        f"Worker peak RSS after {renders} scorecards: {_cell(result.get('worker_peak_mb'))} MB",
        "",
    ]
    scale = result.get("scale")
    if scale:
        out += [
            *title("Scale: dashboard and matrix over more offices (5 cycles each)"),
            format_table(
                ["offices", "page", "p50 ms", "p50/healthz", "queries", "chart data B"],
                scale_rows(scale),
                align="rlrrrr",
            ),
            "",
        ]
    scores = result.get("lighthouse")
    if scores:
        out += [
            *title("Lighthouse (default mobile profile)"),
            format_table(["page", *LIGHTHOUSE_CATEGORIES], lighthouse_rows(scores), align="lrrrr"),
            "",
        ]
    out += [
        *title("Targets"),
        format_table(
            ["target", "measured", "limit", "result"],
            [[t["target"], t["measured"], t["limit"], _verdict(t["pass"])] for t in targets],
            align="llll",
        ),
    ]
    return "\n".join(out)


def _verdict(ok):
    return {True: "PASS", False: "FAIL", None: "not measured"}[ok]


def bench_json(result, targets, meta=None):
    """var/bench.json: the issue's figures, then the targets and how the run was made."""
    pages = {}
    for name in PAGE_NAMES:
        p = result.get("pages", {}).get(name) or {}
        pages[name] = {k: p.get(k) for k in ("rps", "p50_ms", "p95_ms", "queries")}
    pdf = result.get("pdf", {})
    dash = result.get("dashboard", {})
    data = {
        "pages": pages,
        "pdf": {k: pdf.get(k) for k in ("cold_ms", "warm_ms", "weasyprint_ms", "pages", "bytes")},
        "dashboard": {
            k: dash.get(k) for k in ("html_bytes", "data_bytes", "js_br_bytes", "js_gz_bytes")
        },
        "worker_peak_mb": result.get("worker_peak_mb"),
        "scale": result.get("scale") or {},
        "lighthouse": result.get("lighthouse") or {},
        "targets": targets,
    }
    if meta is not None:
        data["meta"] = meta
    return data


def render_saved(data, *, markdown=False):
    """render_report of a var/bench.json (`data`), as written by a run."""
    meta = data.get("meta") or {}
    seen = meta.get("pages") or {}
    result = {
        **data,
        "pages": {
            name: {**(page or {}), "max_ms": (seen.get(name) or {}).get("max_ms")}
            for name, page in (data.get("pages") or {}).items()
        },
    }
    sizes = meta.get("data") or {}
    return render_report(
        result,
        data.get("targets") or [],
        queries_small={name: (p or {}).get("queries_small") for name, p in seen.items()},
        offices=sizes.get("offices", 1000),
        small_offices=sizes.get("small_offices", 20),
        renders=(meta.get("memory") or {}).get("renders", 200),
        markdown=markdown,
    )


def main(argv=None):
    """`python -m bench.report [--markdown] var/bench.json`: a run's tables again, for the
    README (paste the Markdown output)."""
    import argparse
    import json
    from pathlib import Path

    p = argparse.ArgumentParser(prog="python -m bench.report", description=main.__doc__)
    p.add_argument("path", nargs="?", default="var/bench.json")
    p.add_argument("--markdown", action="store_true", help="Markdown headings and tables")
    args = p.parse_args(argv)
    print(render_saved(json.loads(Path(args.path).read_text()), markdown=args.markdown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
