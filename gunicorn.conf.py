"""gunicorn settings for production (the Dockerfile and `make bench` use them).

Sync workers: pages are short and CPU-bound; two per core is the usual start. Workers are
recycled after a bounded number of requests so that memory held by PDF rendering (fonts,
layout caches) is returned; the jitter keeps them from restarting all at once.
"""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "sync"
preload_app = True
# A worker holds ~140 MB after 200 scorecards (make bench), so recycling every 2,000
# requests bounds memory without restarting workers every few seconds under load.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = 50
# Longer than the PDF render limit (PDF_RENDER_TIMEOUT), so a slow render answers cleanly
# before gunicorn would kill the worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG") else None
errorlog = "-"
# gunicorn 27 opens a control socket shared by every gunicorn of the same user; we use
# none, and separate runs (bench, load tests) must not collide on it.
control_socket_disable = True


def when_ready(server):
    # preload_app has set Django up in the master: import WeasyPrint here once, so that
    # workers fork with it loaded and no worker's first scorecard pays ~0.9 s for it.
    import reports.pdf  # noqa: F401
