"""The benchmark harness's pure functions (no server, no timing)."""

import gzip

import brotli
import pytest

from bench import report, setup_db, sizes
from bench.pdf import is_subset_fallback, pdf_pages


def test_percentile_interpolates_between_ranks():
    assert report.percentile([1, 2, 3, 4], 50) == 2.5
    assert report.percentile([4, 1, 3, 2], 0) == 1
    assert report.percentile([4, 1, 3, 2], 100) == 4
    assert report.percentile(list(range(1, 101)), 95) == pytest.approx(95.05)


def test_percentile_of_one_value_is_that_value():
    assert report.percentile([7.0], 95) == 7.0


def test_percentile_of_nothing_is_none():
    assert report.percentile([], 50) is None


def test_percentile_outside_0_100_is_refused():
    with pytest.raises(ValueError):
        report.percentile([1], 101)


def test_format_table_aligns_numbers_right_and_prints_none_as_dash():
    table = report.format_table(["page", "rps"], [["healthz", 1234.5], ["form", None]])
    assert table.splitlines() == [
        "| page    |     rps |",
        "|---------|--------:|",
        "| healthz | 1,234.5 |",
        "| form    |       - |",
    ]


def test_format_table_follows_given_alignment():
    table = report.format_table(["a", "b"], [["x", "y"]], align="rl")
    assert table.splitlines() == ["|   a | b   |", "|----:|-----|", "|   x | y   |"]


def _result(**pages):
    return {"pages": {name: {"p50_ms": p50, "queries": 3} for name, p50 in pages.items()}}


def test_evaluate_targets_compares_p50_with_healthz():
    targets = report.evaluate_targets(_result(healthz=2.0, home=6.0, cities=8.2))
    by_name = {t["target"]: t for t in targets}
    assert by_name["home p50 / healthz p50"] == {
        "target": "home p50 / healthz p50",
        "measured": "3.00x",
        "limit": "<= 3x",
        "pass": True,
    }
    assert by_name["cities p50 / healthz p50"]["pass"] is False
    assert by_name["form p50 / healthz p50"]["pass"] is None


def test_evaluate_targets_wants_equal_query_counts():
    targets = report.evaluate_targets(
        _result(healthz=1.0, home=1.0), queries_small={"healthz": 3, "home": 4}
    )
    by_name = {t["target"]: t for t in targets}
    assert by_name["healthz queries at 1000 offices == at 20"]["pass"] is True
    assert by_name["home queries at 1000 offices == at 20"]["measured"] == "3 vs 4"
    assert by_name["home queries at 1000 offices == at 20"]["pass"] is False


def test_evaluate_targets_pdf_bytes_and_memory():
    result = {
        "pages": {},
        "pdf": {"warm_ms": 500.0, "weasyprint_ms": 450.0},
        "dashboard": {"js_br_bytes": 400_001, "data_bytes": 150_000},
        "worker_peak_mb": 299.9,
    }
    harfbuzz = {"subset_library": True, "fallback_warnings": []}
    by_name = {t["target"]: t for t in report.evaluate_targets(result, harfbuzz=harfbuzz)}
    assert by_name["scorecard warm render / WeasyPrint alone"]["measured"] == "1.11x"
    assert by_name["scorecard warm render / WeasyPrint alone"]["pass"] is True
    assert by_name["scorecard warm render (nine criteria)"]["pass"] is True
    assert by_name["WeasyPrint subsets fonts with HarfBuzz"]["pass"] is True
    assert by_name["dashboard JavaScript, brotli"]["pass"] is False
    assert by_name["dashboard chart data, 1000 offices"]["pass"] is True
    assert by_name["worker peak RSS after 200 scorecards"]["pass"] is True


def test_evaluate_targets_fails_on_subsetting_fallback():
    warning = 'Using fontTools instead of HarfBuzz-Subset for font "DejaVu Sans".'
    harfbuzz = {"subset_library": True, "fallback_warnings": [warning]}
    by_name = {t["target"]: t for t in report.evaluate_targets({}, harfbuzz=harfbuzz)}
    assert by_name["WeasyPrint subsets fonts with HarfBuzz"]["pass"] is False
    assert by_name["WeasyPrint subsets fonts with HarfBuzz"]["measured"] == warning


def test_bench_json_has_exactly_the_issue_keys():
    data = report.bench_json({"pages": {"home": {"rps": 1.0, "errors": 0}}}, [])
    assert list(data) == [
        "pages",
        "pdf",
        "dashboard",
        "worker_peak_mb",
        "scale",
        "lighthouse",
        "targets",
    ]
    assert list(data["pages"]) == report.PAGE_NAMES
    assert data["pages"]["home"] == {"rps": 1.0, "p50_ms": None, "p95_ms": None, "queries": None}
    assert list(data["pdf"]) == ["cold_ms", "warm_ms", "weasyprint_ms", "pages", "bytes"]
    assert list(data["dashboard"]) == ["html_bytes", "data_bytes", "js_br_bytes", "js_gz_bytes"]


def test_round_orders_rotate_so_no_page_always_goes_first():
    assert report.round_orders(["a", "b", "c"], 4) == [
        ["a", "b", "c"],
        ["b", "c", "a"],
        ["c", "a", "b"],
        ["a", "b", "c"],
    ]


def test_parse_page_finds_scripts_and_json_data():
    html = (
        '<html><head><script src="/static/vendor/plotly/plotly-ovp.abc.min.js"></script></head>'
        '<body><script id="chart-data" type="application/json">{"a": "\\u003Cb\\u003E &amp;"}'
        '</script><script src="/static/js/dashboard.def.js" defer></script></body></html>'
    )
    sources, data = sizes.parse_page(html)
    assert sources == ["/static/vendor/plotly/plotly-ovp.abc.min.js", "/static/js/dashboard.def.js"]
    assert data == {"chart-data": '{"a": "\\u003Cb\\u003E &amp;"}'}


def test_local_sizes_match_brotli_and_gzip():
    data = b"Plotly " * 1000
    br, gz = sizes.local_sizes(data)
    assert br == len(brotli.compress(data))
    assert gz == len(gzip.compress(data, compresslevel=9, mtime=0))


def test_files_hash_changes_with_content_and_extras(tmp_path):
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "a.yaml").write_text("one")
    first = setup_db.files_hash(tmp_path, ["fixtures/**/*"], extra=(1000,))
    assert setup_db.files_hash(tmp_path, ["fixtures/**/*"], extra=(1000,)) == first
    assert setup_db.files_hash(tmp_path, ["fixtures/**/*"], extra=(20,)) != first
    (tmp_path / "fixtures" / "a.yaml").write_text("two")
    assert setup_db.files_hash(tmp_path, ["fixtures/**/*"], extra=(1000,)) != first


def test_subset_fallback_warnings_are_recognised():
    assert is_subset_fallback('Using fontTools instead of HarfBuzz-Subset for font "X".')
    assert is_subset_fallback('Unable to subset "X" with HarfBuzz')
    assert not is_subset_fallback("Ignored `foo: bar` at 1:2, unknown property.")


def test_pdf_pages_counts_pages_without_pypdf(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pypdf(name, *args, **kw):
        if name == "pypdf":
            raise ImportError(name)
        return real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_pypdf)
    data = b"<< /Type /Pages /Count 2 >> << /Type /Page >> << /Type/Page /Parent 1 0 R >>"
    assert pdf_pages(data) == 2


def test_evaluate_targets_wants_equal_first_request_query_counts_too():
    targets = report.evaluate_targets(
        _result(dashboard1000=1.0),
        queries_small={"dashboard1000": 3},
        first_queries={"dashboard1000": (9, 8)},
    )
    by_name = {t["target"]: t for t in targets}
    target = by_name["dashboard1000 queries at 1000 offices == at 20"]
    assert target["measured"] == "3 vs 3 (first request 9 vs 8)"
    assert target["pass"] is False


def test_build_steps_migrate_and_seed_from_scratch_and_only_synth_on_a_copy():
    steps = [["load_report"], ["seed_demo", "--password", "x"], ["synth", "--offices", "9"]]
    assert setup_db.build_steps(steps, grow_from=None) == [["migrate", "--noinput"], *steps]
    assert setup_db.build_steps(steps, grow_from="small.sqlite3") == [["synth", "--offices", "9"]]


def test_parse_page_counts_the_plotly_bundle_loaded_later():
    html = (
        '<script src="/static/js/dashboard.1.js" '
        'data-plotly="/static/vendor/plotly/plotly-ovp.2.min.js"></script>'
    )
    sources, _data = sizes.parse_page(html)
    assert sources == ["/static/js/dashboard.1.js", "/static/vendor/plotly/plotly-ovp.2.min.js"]
