"""The invariants ops/load.py and ops/db_fault.py check on what the locust users recorded."""

from types import SimpleNamespace

from ops import db_fault, load


def _records(requests=(), saves=()):
    return {"requests": [list(r) for r in requests], "saves": [list(s) for s in saves]}


GOOD = _records(
    requests=[
        (1.0, "read", "/", 200, None),
        (1.1, "save", "/assess/1/criteria/1/", 302, None),
        (1.2, "save", "/assess/1/criteria/1/", 409, None),
        (1.3, "scorecard", "/reports/scorecards/1.pdf", 200, None),
    ],
    saves=[(1.1, 1, "a", "stored"), (1.2, 1, "b", "conflict")],
)


def test_load_passes_when_every_save_is_stored_or_a_conflict_and_in_the_history():
    assert load.check(GOOD, ["a"], {1: 3, 2: 1}, {1: 4, 2: 1}) == []


def test_load_fails_on_a_5xx_or_no_answer():
    records = _records(
        requests=[(1.0, "read", "/", 500, None), (1.1, "read", "/cities/", 0, "ConnectionError")],
        saves=GOOD["saves"],
    )
    failures = load.check(records, ["a"], {1: 3}, {1: 4})
    assert failures == ["read / -> 500", "read /cities/ -> ConnectionError"]


def test_load_fails_on_a_read_that_is_not_200_or_a_scorecard_that_is_not_a_pdf():
    records = _records(
        requests=[
            (1.0, "read", "/assess/", 302, None),
            (1.1, "scorecard", "/reports/scorecards/1.pdf", 200, "CatchResponseError: not a PDF"),
        ],
        saves=GOOD["saves"],
    )
    assert load.check(records, ["a"], {1: 3}, {1: 4}) == [
        "read /assess/ -> 302 (expected 200)",
        "scorecard /reports/scorecards/1.pdf -> CatchResponseError: not a PDF (expected 200)",
    ]


def test_load_fails_on_a_save_neither_stored_nor_refused_as_a_conflict():
    records = _records(saves=[*GOOD["saves"], (2.0, 2, "c", "HTTP 400")])
    failures = load.check(records, ["a"], {1: 3, 2: 1}, {1: 4, 2: 1})
    assert failures == ["saves neither stored nor refused as a conflict: {'HTTP 400': 1}"]


def test_load_fails_when_stored_saves_and_history_records_differ():
    failures = load.check(GOOD, ["a", "b"], {1: 3}, {1: 5})
    assert "1 saves stored but 2 history records added" in failures
    assert "the texts in the history differ from the texts of the stored saves" in failures
    assert "a save refused as a conflict was written anyway" in failures
    assert "criterion 1: version grew by 2, 1 saves stored" in failures


def test_load_fails_when_nothing_was_stored():
    assert load.check(_records(), [], {1: 3}, {1: 3}) == ["no save was stored"]


def _fault(requests, saves, stored):
    args = SimpleNamespace(recover=5.0)
    return db_fault.evaluate(args, requests, saves, stored, 10.0, 10.5)


def test_db_fault_passes_when_errors_stay_within_the_outage_and_no_save_is_lost(capsys):
    requests = [
        (9.0, "health", "/healthz", 200, True),
        (10.2, "read", "/", 500, False),
        (10.6, "health", "/healthz", 200, True),
    ]
    saves = [(9.5, "before", "stored"), (10.1, "during", "HTTP 500"), (11.0, "after", "stored")]
    assert _fault(requests, saves, {"before", "after"}) == 0
    assert "PASSED" in capsys.readouterr().out


def test_db_fault_fails_on_an_error_outside_the_window_or_a_lost_save(capsys):
    requests = [(10.6, "health", "/healthz", 200, True), (16.0, "read", "/", 500, False)]
    saves = [(9.5, "before", "stored"), (11.0, "after", "stored")]
    assert _fault(requests, saves, {"before"}) == 1
    out = capsys.readouterr().out
    assert "error outside the outage window: 16.00s read / -> 500" in out
    assert "save answered 302 at 11.00s but not in the database: 'after'" in out
