"""The new pages' targets, the scale figures, Lighthouse's table and the Markdown report."""

import json

from bench import report


def _targets(result, **kw):
    return {t["target"]: t for t in report.evaluate_targets(result, **kw)}


def test_signed_in_pages_want_5x_and_public_ones_3x():
    result = {
        "pages": {
            "healthz": {"p50_ms": 2.0},
            "team": {"p50_ms": 10.0},
            "plan": {"p50_ms": 10.2},
            "perspectives": {"p50_ms": 9.0},
            "respond": {"p50_ms": 6.0},
            "register": {"p50_ms": 6.2},
        }
    }
    by_name = _targets(result)
    assert [by_name[f"{n} p50 / healthz p50"]["pass"] for n in report.PAGE_RATIO_LIMITS] == [
        None,  # home
        None,  # cities
        None,  # city
        None,  # form
        None,  # matrix20
        None,  # dashboard1000
        None,  # pdf_cached
        True,  # team: 5.00x
        False,  # plan: 5.10x
        True,  # perspectives
        True,  # respond: 3.00x
        False,  # register: 3.10x
    ]
    assert by_name["register p50 / healthz p50"]["limit"] == "<= 3x"
    assert by_name["plan p50 / healthz p50"]["measured"] == "5.10x"


def test_dashboard_wants_6x_at_the_base_size():
    by_name = _targets({"pages": {"healthz": {"p50_ms": 5.0}, "dashboard1000": {"p50_ms": 31}}})
    assert by_name["dashboard1000 p50 / healthz p50"] == {
        "target": "dashboard1000 p50 / healthz p50",
        "measured": "6.20x",
        "limit": "<= 6x",
        "pass": False,
    }


def test_new_pages_want_equal_query_counts_at_20_and_1000():
    result = {"pages": {"team": {"queries": 9}, "respond": {"queries": 4}}}
    by_name = _targets(result, queries_small={"team": 9, "respond": 5})
    assert by_name["team queries at 1000 offices == at 20"]["pass"] is True
    assert by_name["respond queries at 1000 offices == at 20"]["measured"] == "4 vs 5"
    assert by_name["respond queries at 1000 offices == at 20"]["pass"] is False


def _entry(healthz, dash_p50, matrix_p50, dash_q, matrix_q, data):
    return report.scale_entry(
        healthz_p50_ms=healthz,
        pages={"dashboard1000": {"p50_ms": dash_p50}, "matrix20": {"p50_ms": matrix_p50}},
        queries={"dashboard1000": dash_q, "matrix20": matrix_q, "home": 1},
        data_bytes=data,
    )


def test_scale_entry_keeps_ratios_and_queries_of_the_scale_pages():
    assert _entry(4.0, 30.0, 12.0, 3, 1, 70_000) == {
        "healthz_p50_ms": 4.0,
        "data_bytes": 70_000,
        "pages": {
            "dashboard1000": {"p50_ms": 30.0, "ratio": 7.5, "queries": 3},
            "matrix20": {"p50_ms": 12.0, "ratio": 3.0, "queries": 1},
        },
    }


def test_scale_targets_compare_queries_and_chart_data_at_the_large_size():
    scale = {
        "1000": _entry(4.0, 30.0, 12.0, 3, 1, 70_000),
        "10000": _entry(4.0, 90.0, 12.0, 3, 2, 150_001),
    }
    targets = report.scale_targets(scale, offices=1000, huge_offices=10000)
    assert [(t["target"], t["measured"], t["pass"]) for t in targets] == [
        ("dashboard1000 queries at 10000 offices == at 1000", "3 vs 3", True),
        ("matrix20 queries at 10000 offices == at 1000", "2 vs 1", False),
        ("dashboard chart data, 10000 offices", "150,001 B", False),
    ]


def test_scale_targets_not_measured_without_the_large_run():
    targets = report.scale_targets(
        {"1000": _entry(4.0, 30.0, 12.0, 3, 1, 1)}, offices=1000, huge_offices=10000
    )
    assert [t["pass"] for t in targets] == [None, None, None]


def test_evaluate_targets_adds_scale_targets_only_when_asked():
    result = {"scale": {"10000": _entry(4.0, 9.0, 9.0, 3, 1, 149_000)}}
    assert "dashboard chart data, 10000 offices" not in _targets(result)
    by_name = _targets(result, huge_offices=10000)
    assert by_name["dashboard chart data, 10000 offices"]["pass"] is True


def test_scale_rows_list_both_sizes_in_order():
    scale = {
        "10000": _entry(5.0, 50.0, 10.0, 3, 1, 140_000),
        "1000": _entry(4.0, 24.0, 12.0, 3, 1, 70_000),
    }
    assert report.scale_rows(scale) == [
        [1000, "dashboard", 24.0, "6.00x", 3, 70_000],
        [1000, "matrix (20 cities)", 12.0, "3.00x", 1, None],
        [10000, "dashboard", 50.0, "10.00x", 3, 140_000],
        [10000, "matrix (20 cities)", 10.0, "2.00x", 1, None],
    ]


def test_lighthouse_rows_show_scores_or_the_error():
    scores = {
        "home": {"performance": 100, "accessibility": 98, "best-practices": 100, "seo": 90},
        "form": {"error": "timed out"},
    }
    assert report.lighthouse_rows(scores) == [
        ["home", 100, 98, 100, 90],
        ["form", "error: timed out", None, None, None],
    ]


def _saved():
    result = {
        "pages": {"healthz": {"p50_ms": 2.0, "rps": 10.0, "queries": 1, "max_ms": 9.0}},
        "scale": {"1000": _entry(2.0, 10.0, 4.0, 3, 1, 5)},
        "lighthouse": {
            "home": {"performance": 99, "accessibility": 100, "best-practices": 100, "seo": 100}
        },
    }
    targets = [{"target": "t", "measured": "1", "limit": "2", "pass": True}]
    meta = {
        "pages": {"healthz": {"max_ms": 9.0, "queries_small": 1}},
        "data": {"offices": 1000, "small_offices": 20},
        "memory": {"renders": 200},
    }
    return result, targets, json.loads(json.dumps(report.bench_json(result, targets, meta)))


def test_render_saved_prints_the_same_report_as_the_run():
    result, targets, data = _saved()
    printed = report.render_report(result, targets, queries_small={"healthz": 1})
    assert report.render_saved(data) == printed


def test_markdown_report_has_headings_and_a_blank_line_before_each_table():
    _result, _targets, data = _saved()
    lines = report.render_saved(data, markdown=True).splitlines()
    headings = [line for line in lines if line.startswith("#### ")]
    assert headings == [
        "#### Pages, 1,000 offices (4 locust users, gunicorn 2 sync workers)",
        "#### Scorecard PDF (nine criteria)",
        "#### Dashboard bytes (1,000 offices)",
        "#### Scale: dashboard and matrix over more offices (5 cycles each)",
        "#### Lighthouse (default mobile profile)",
        "#### Targets",
    ]
    for i, line in enumerate(lines):
        if line.startswith("#### "):
            assert lines[i + 1] == ""
            assert lines[i + 2].startswith("| ")
    assert lines[-1] == "| t      | 1        | 2     | PASS   |"


def test_report_cli_reads_a_saved_run(tmp_path, capsys):
    _result, _targets, data = _saved()
    path = tmp_path / "bench.json"
    path.write_text(json.dumps(data))
    assert report.main(["--markdown", str(path)]) == 0
    assert capsys.readouterr().out == report.render_saved(data, markdown=True) + "\n"
