"""The app's own settings, with the environment a test run needs.

Tests run as production does (DEBUG off) with a throwaway key, plain static storage and
no HTTPS redirect, and tasks run at once (ImmediateBackend). Nothing else differs from ovp_assess/settings.py.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789abcdefghijklmnop")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("STATIC_MANIFEST", "0")
# Tasks run when enqueued; tests of the real worker switch to the database queue.
os.environ.setdefault("TASKS_BACKEND", "django.tasks.backends.immediate.ImmediateBackend")

from ovp_assess.settings import *  # noqa: E402, F403
