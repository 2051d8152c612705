"""Two colleagues save the same criterion from the same starting version: exactly one wins.

Runs with real transactions and two threads, each with its own database connection, so the
database decides (SQLite: IMMEDIATE transactions queue the writers; PostgreSQL: the
conditional UPDATE ... WHERE version = base re-checks the row after the lock).
"""

import threading
import time

import pytest
from django.db import OperationalError, connection

from assessments import workflow
from assessments.models import Assessment, Entry

from .. import factories


def _save_retrying_shared_cache_locks(**kwargs):
    """save_entry, retried while SQLite's in-memory test database says "table is locked".

    The default SQLite test database is in memory with a shared cache, where a second writer
    is refused at once instead of waiting for the busy timeout as it does on the file
    database the app uses (TEST_DB_NAME=<file> runs this test on a file: no retry happens).
    A refused attempt wrote nothing, so trying again is what a waiting writer would do.
    """
    for _attempt in range(200):
        try:
            return workflow.save_entry(**kwargs)
        except OperationalError as exc:
            if connection.vendor != "sqlite" or "locked" not in str(exc):
                raise
            time.sleep(0.01)
    raise AssertionError("the database stayed locked")


def _data(text):
    return {
        "applicability": "assessed",
        "level": 2,
        "justification": "",
        "strengths": text,
        "opportunities": text,
        "evidence": [],
    }


@pytest.mark.django_db(transaction=True)
def test_save_entry_two_concurrent_saves_exactly_one_wins(report):
    office = factories.make_office()
    alice = factories.make_user("alice", office=office)
    bob = factories.make_user("bob", office=office)
    assessment = workflow.start_assessment(office=office, cycle=2025, user=alice)
    entry = assessment.entries.get(criterion__number=3)
    base = entry.version
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def save(user, text):
        try:
            mine = Entry.objects.select_related("assessment").get(pk=entry.pk)
            barrier.wait(timeout=10)
            results[user.username] = _save_retrying_shared_cache_locks(
                entry=mine, data=_data(text), base_version=base, user=user
            )
        except Exception as exc:  # reported below, so a thread failure fails the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(alice, "Alice's text")),
        threading.Thread(target=save, args=(bob, "Bob's text")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert errors == []
    assert sorted(r.saved for r in results.values()) == [False, True]
    winner = next(name for name, r in results.items() if r.saved)
    loser = next(r for r in results.values() if not r.saved)
    stored = Entry.objects.get(pk=entry.pk)
    assert stored.version == base + 1
    assert stored.strengths == {"alice": "Alice's text", "bob": "Bob's text"}[winner]
    assert loser.conflict is True
    assert loser.entry.strengths == stored.strengths
    assert Assessment.objects.get(pk=assessment.pk).version == assessment.version + 1
