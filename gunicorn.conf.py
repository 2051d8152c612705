"""gunicorn settings for production (the Dockerfile and `make bench` use them).

Sync workers: pages are short and CPU-bound; two per core is the usual start. Scorecards
render in a separate, limited process per worker (reports/pdf.py), so a worker's memory
stays small; workers are still recycled after a bounded number of requests, with jitter so
they do not restart all at once.
"""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "sync"
preload_app = True
# Recycling every 2,000 requests bounds any slow growth without restarting workers every
# few seconds under load.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = 50
# Far longer than the PDF render limit (PDF_RENDER_TIMEOUT, 10 s), so a slow render answers
# its own page before gunicorn would kill the worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG") else None
errorlog = "-"
# The app logs to stderr (LOGGING in settings), e.g. "scorecard rendered key=..." on
# ovp.scorecards: when the error log is a file (--error-logfile), it goes there too.
capture_output = True
# gunicorn 27 opens a control socket shared by every gunicorn of the same user; we use
# none, and separate runs (bench, load tests) must not collide on it.
control_socket_disable = True


def post_fork(server, worker):
    # Each worker starts its render process (which imports WeasyPrint) now, in the
    # background, so that its first scorecard does not wait ~1.5 s for it. Not in the
    # master: every process needs a render process of its own.
    from reports.pdf import start_renderer

    start_renderer()
