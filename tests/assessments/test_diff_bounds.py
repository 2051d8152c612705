"""The word diff is bounded in time: texts made to be slow to compare answer within a second.

The hostile pair is the one of the hardening issue: "x " * 2500, then "y x " * 1250. With
difflib's SequenceMatcher (the diff before) comparing them took about 290 s of CPU on the
development machine, and the diff page's worker was killed; now the comparison gives up
after history.DIFF_TIMEOUT seconds and the page shows both versions.
"""

import time

import pytest
from django.urls import reverse

from assessments import history, workflow
from assessments.models import Entry

from .helpers import complete_data

OLD = "x " * 2500
NEW = "y x " * 1250


def _entry(assessment, number):
    return Entry.objects.select_related("assessment", "criterion").get(
        assessment=assessment, criterion__number=number
    )


def _save(entry, user, **texts):
    data = {**complete_data(), **texts}
    result = workflow.save_entry(entry=entry, data=data, base_version=entry.version, user=user)
    assert result.saved
    entry.refresh_from_db()


def test_word_diff_of_the_hostile_texts_answers_within_a_second():
    started = time.perf_counter()
    words = history.word_diff(OLD, NEW)
    elapsed = time.perf_counter() - started

    assert elapsed < 1.0
    assert words.too_different
    # The format is kept: the whole old text deleted, the whole new one inserted.
    assert words == [("delete", OLD.strip()), ("insert", NEW.strip())]


def test_word_diff_keeps_its_format_for_ordinary_texts():
    words = history.word_diff(
        "We meet the youth council every month.\nMinutes are public.",
        "We meet the youth council every week.\nMinutes are public and translated.",
    )
    assert not words.too_different
    assert words == [
        ("equal", "We meet the youth council every"),
        ("delete", "month."),
        ("insert", "week."),
        ("equal", "Minutes are"),
        ("delete", "public."),
        ("insert", "public and translated."),
    ]
    assert history.word_diff(None, "new text") == [("insert", "new text")]
    assert history.word_diff("old text", "") == [("delete", "old text")]
    assert history.word_diff("same", "same") == [("equal", "same")]


def test_word_diff_of_a_long_realistic_edit_is_exact_and_fast():
    sentence = "The office meets partners from {n} neighbourhoods and publishes what it funds."
    old = " ".join(sentence.format(n=i) for i in range(150))  # about 1,800 words
    new = old.replace("from 7 ", "from seven ").replace("funds. The office meets partners from 99", "funds. Partners from 99")  # fmt: skip

    started = time.perf_counter()
    words = history.word_diff(old, new)
    assert time.perf_counter() - started < 0.5
    assert not words.too_different
    changed = [(op, text) for op, text in words if op != "equal"]
    assert changed == [
        ("delete", "7"),
        ("insert", "seven"),
        ("delete", "The office meets partners"),
        ("insert", "Partners"),
    ]


def test_huge_texts_are_not_compared_word_by_word():
    huge = "word " * (history.MAX_DIFF_WORDS // 2 + 1)
    started = time.perf_counter()
    words = history.word_diff(huge, huge + "more")
    assert time.perf_counter() - started < 0.5
    assert words.too_different


def test_diff_page_of_the_hostile_texts_answers_within_a_second_and_shows_both(
    assessment, staff, client_for
):
    entry = _entry(assessment, 1)
    _save(entry, staff, strengths=OLD)
    _save(entry, staff, strengths=NEW)
    revs = history.revisions(assessment=assessment)
    client = client_for(staff)
    url = reverse("assess:diff", args=[assessment.pk])
    query = {"old": revs[1].record.history_id, "new": revs[2].record.history_id}

    started = time.perf_counter()
    response = client.get(url, query)
    elapsed = time.perf_counter() - started

    assert response.status_code == 200
    assert elapsed < 1.0
    body = response.content.decode()
    assert "too different to compare word by word" in body
    assert OLD.strip() in body and NEW.strip() in body


def test_diff_page_time_is_bounded_with_hostile_texts_in_every_field(assessment, staff):
    for text in (OLD, NEW):
        for number in range(1, 10):
            entry = _entry(assessment, number)
            _save(entry, staff, strengths=text, opportunities=text, justification=text)
    revs = history.revisions(assessment=assessment)
    assert len(revs) == 1 + 9 + 9

    started = time.perf_counter()
    diffs = history.diff_revisions(
        assessment=assessment,
        from_id=revs[9].record.history_id,  # every criterion saved with OLD
        to_id=revs[-1].record.history_id,
    )
    elapsed = time.perf_counter() - started

    # 27 fields of hostile text share one budget instead of taking DIFF_TIMEOUT each.
    assert elapsed < history.PAGE_DIFF_BUDGET + 1.0
    words = [w for d in diffs for _name, _old, _new, w in d.fields if w is not None]
    assert len(words) == 27
    assert all(w.too_different for w in words)


@pytest.mark.parametrize("timeout", [0, -1])
def test_no_time_left_never_means_no_limit(timeout):
    # diff-match-patch reads a timeout of 0 as "no limit": word_diff never passes it one.
    started = time.perf_counter()
    assert history.word_diff(OLD, NEW, timeout=timeout).too_different
    assert time.perf_counter() - started < 0.5
