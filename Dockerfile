# Production image: gunicorn behind WhiteNoise-served, compressed static files.
FROM python:3.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=ovp_assess.settings \
    OVP_VAR_DIR=/app/var \
    PORT=8000

# WeasyPrint's system libraries (Pango, HarfBuzz with subsetting) and fonts covering Latin,
# accents, Arabic and emoji for scorecards.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fonts-dejavu-core fonts-noto-core fonts-noto-color-emoji \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies from the lock file (exact versions and hashes, `make lock`), then the app.
COPY requirements.lock .
RUN pip install --require-hashes -r requirements.lock
COPY . .
RUN pip install --no-deps . \
    && useradd --system --home /app --uid 10001 ovp \
    && mkdir -p /app/var \
    && SECRET_KEY=collectstatic-only-key-not-used-at-run-time-000000 \
       python manage.py collectstatic --noinput \
    && chown -R ovp /app/var

USER ovp
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\",\"8000\")}/healthz')"

# Two process types run from this one image, with the same environment (docs/tasks.md):
#
#   web     the default command below: gunicorn serving the app.
#   worker  the task worker: e-mail, scorecard bundles and other background work queued in
#           the database. Run at least one beside the web replicas, with the command
#           overridden (no port, no HEALTHCHECK needed; SIGTERM lets it finish its task):
#             docker run --env-file prod.env IMAGE python manage.py db_worker --queue-name '*'
#           (Compose/Kubernetes: the same image, `command:` set to that line.)
#           While no worker runs, the site works and the work waits in the queue.
#
# Migrations and the report data are one release step, run once per deploy before the new
# replicas start, not by every replica:
#   docker run --rm --env-file prod.env IMAGE sh -c "python manage.py migrate --noinput && python manage.py load_report"
CMD ["gunicorn", "-c", "gunicorn.conf.py", "ovp_assess.wsgi"]
