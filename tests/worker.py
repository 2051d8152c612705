"""The real task worker in a test, instead of the immediate backend: tasks go to the
database queue of django-tasks-db and `manage.py db_worker --batch` runs what is ready,
then returns. Use with `transactional_db`: the worker claims tasks in transactions of its
own and mail is handed to the queue only once the change has committed.

`db_queue` is a fixture (import it into a test module or a conftest); `run_worker_batch()`
runs the worker once and returns what it logged.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.tasks import task_backends

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def db_queue(settings):
    """Tasks go to the database queue for this test. django.tasks forgets its backends
    when TASKS changes (its setting_changed receiver), both ways."""
    settings.TASKS = DATABASE_QUEUE
    assert type(task_backends["default"]).__name__ == "DatabaseBackend"
    yield


def run_worker_batch():
    out = StringIO()
    call_command(
        "db_worker",
        batch=True,
        startup_delay=False,
        reload=False,
        interval=0,
        stdout=out,
        stderr=out,
    )
    return out.getvalue()
