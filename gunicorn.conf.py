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
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 500))
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
