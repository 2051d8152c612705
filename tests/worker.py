"""The real task worker in tests: django-tasks-db's database queue and its worker, in a thread.

Tests run tasks at once (ImmediateBackend, tests/settings.py). A test that needs the queue
and the worker as they run in production asks for the `real_worker` fixture (import it
from here): TASKS switches to the database backend (django.tasks drops its backends when
the setting changes) and django-tasks-db's own Worker runs in a thread, with its own
database connection, until the test ends. Such a test needs real transactions
(`@pytest.mark.django_db(transaction=True)`), or the worker would not see its rows.

The fixture gives a worker that the test starts (`real_worker.start()`) once it has
written its data. SQLite's default test database is in memory with a shared cache, where
two connections lock each other out at once ("table is locked") instead of waiting as
they do on the file database the app uses: so, while the worker runs, the test's thread
should only read, and readers read without taking those locks (PRAGMA read_uncommitted)
on both connections. On PostgreSQL, and on a file (TEST_DB_NAME=<file>), nothing of this
matters.
"""

import threading
import time
from dataclasses import dataclass
from unittest import mock

import pytest
from django.db import connection
from django.db.backends.signals import connection_created
from django_tasks_db.management.commands.db_worker import Worker

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _in_memory_sqlite(conn):
    return conn.vendor == "sqlite" and conn.is_in_memory_db()


def _read_uncommitted(sender, connection, **kwargs):
    if _in_memory_sqlite(connection):
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA read_uncommitted = 1")


@dataclass
class RunningWorker:
    worker: Worker
    thread: threading.Thread
    errors: list

    def start(self):
        """Start the worker (after the test's own writes: see the module's docstring)."""
        self.thread.start()
        return self

    def wait_for(self, predicate, *, timeout=60, every=0.2):
        """Call predicate() until it is true; fail after `timeout` seconds or on an error
        of the worker thread."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert not self.errors, self.errors
            assert self.thread.is_alive(), "the worker stopped"
            result = predicate()
            if result:
                return result
            time.sleep(every)
        raise AssertionError(f"not done after {timeout} s")


@pytest.fixture
def real_worker(settings, transactional_db):
    """django-tasks-db's worker in a thread on the database queue, started by the test
    (`real_worker.start()`) and stopped when it ends."""
    settings.TASKS = DATABASE_TASKS
    connection_created.connect(_read_uncommitted, dispatch_uid="tests-worker-read-uncommitted")
    if _in_memory_sqlite(connection):
        _read_uncommitted(None, connection)
    worker = Worker(
        queue_names=["*"],
        interval=0.1,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests-thread",
        excluded_queue_names=[],
    )
    errors = []

    def run():
        try:
            worker.run()
        except BaseException as exc:  # shown by wait_for, in the test's thread
            errors.append(exc)
        finally:
            from django.db import connection as own

            own.close()

    thread = threading.Thread(target=run, name="db-worker", daemon=True)
    yield RunningWorker(worker=worker, thread=thread, errors=errors)
    worker.running = False  # ends the loop after the current task
    if thread.ident is not None:
        thread.join(timeout=60)
    connection_created.disconnect(dispatch_uid="tests-worker-read-uncommitted")
    if _in_memory_sqlite(connection):
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA read_uncommitted = 0")
    assert not thread.is_alive(), "the worker did not stop"
    assert not errors, errors


@pytest.fixture
def queued_tasks(settings):
    """Tasks go to the database queue and wait there (no worker runs) until the test
    calls work_queue(). Works inside the test's transaction (`db`)."""
    settings.TASKS = DATABASE_TASKS


def work_queue():
    """Run every task that is due in this thread, as `db_worker --batch` does, then return.

    The worker closes "old" connections between tasks, as a request does; inside the
    test's transaction Django counts its connection as one (autocommit is off) and would
    close it on PostgreSQL, so here the test's connection is left alone.
    """
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests-batch",
        excluded_queue_names=[],
    )
    with mock.patch(f"{Worker.__module__}.close_old_connections"):
        worker.run()
