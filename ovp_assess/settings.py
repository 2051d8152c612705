"""One settings module for every environment, driven by environment variables.

SQLite under var/ by default, PostgreSQL when DATABASE_URL says so. With DEBUG off
the app refuses to start without a real SECRET_KEY.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("OVP_VAR_DIR", BASE_DIR / "var"))


def envbool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name, default):
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def envlist(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)
INSECURE_KEY = "django-insecure-ovp-assess-development-only"
SECRET_KEY = os.environ.get("SECRET_KEY", INSECURE_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == INSECURE_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random string of at least 32 characters when DEBUG is off."
    )

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
# The base of permanent links; empty: the request's own host (assessments.links.site_base).
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "axes",
    # Accounts: e-mail verification, password reset and two-factor sign-in (TOTP and
    # recovery codes) come from django-allauth; ovp_assess/accounts.py adapts them.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # The task queue in the database and its worker (`manage.py db_worker`).
    "django_tasks_db",
    "ovp_assess",
    "cities",
    "criteria",
    "assessments",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ovp_assess.middleware.RejectBadQueryMiddleware",
    # Before anything reads a body (the CSRF check reads a POST's form and files).
    "ovp_assess.middleware.MaxRequestBodyMiddleware",
    "ovp_assess.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Mail queued by a request goes out after its answer (ovp_assess.accounts).
    "ovp_assess.accounts.SendMailAfterResponseMiddleware",
    "ovp_assess.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    # After authentication, sessions and messages, before any view: REQUIRE_2FA_FOR.
    "ovp_assess.accounts.RequireTwoFactorMiddleware",
]

ROOT_URLCONF = "ovp_assess.urls"
WSGI_APPLICATION = "ovp_assess.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL names another database.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 600), conn_health_checks=True
        )
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", VAR_DIR / "ovp_assess.sqlite3"),
            "OPTIONS": {
                # WAL lets readers run beside one writer; IMMEDIATE takes the write lock at
                # BEGIN so concurrent writers queue (up to the timeout) instead of failing
                # with "database is locked" half-way through a transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DB_NAME") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One machine: each worker process caches in its own memory. More than one machine (or
# processes that must agree at once): CACHE_URL (or REDIS_URL) names a Redis server that
# every cache then shares (pages, chart data, the limiter's counts, the cache generation);
# when it stops answering, the app serves misses and /healthz says "degraded" (docs/cluster.md).
CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "ovp_assess.redis_cache.ResilientRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "ovp"),
            "OPTIONS": {"RETRY_AFTER": float(os.environ.get("CACHE_RETRY_AFTER", "2"))},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "ovp-assess",
        }
    }

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Username or e-mail address (allauth's backend), else Django's own.
    "allauth.account.auth_backends.AuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-allauth. The login form's first field is `login`: a username or an e-mail address.
ACCOUNT_ADAPTER = "ovp_assess.accounts.AccountAdapter"
ACCOUNT_FORMS = {"login": "ovp_assess.accounts.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
# Nobody signs up through allauth (the adapter closes it): offices join through /join/.
# Accounts made before allauth have no verified address; they still log in, and a new
# address is used only once the link sent to it has been opened (CHANGE_EMAIL).
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
# A reset asked for an unknown address sends nothing, so no mail tells anything either.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[OVP Assess] "
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
# Logins are throttled by axes below, per (username, address), not twice: allauth's limit
# per address alone would also stop a whole office behind one address, and the load test.
ACCOUNT_RATE_LIMITS = {"login_failed": None, "login": None}
MFA_ADAPTER = "ovp_assess.accounts.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "OVP Assess"
# The code before or after the current one is accepted too: a phone's clock a little off,
# or a code typed just as it changed.
MFA_TOTP_TOLERANCE = 1
# allauth refuses, by default, a new address (or 2FA) next to an unconfirmed one, against
# someone who signs up with another's address first. Nobody signs up here, and a new
# address is used only once its link is opened: users with 2FA may change their address.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# Roles that must sign in with a second factor: any of reviewer, admin, researcher, staff
# (ovp_assess.accounts.requires_two_factor says who is which).
TWO_FACTOR_ROLES = ("reviewer", "admin", "researcher", "staff")
REQUIRE_2FA_FOR = envlist("REQUIRE_2FA_FOR", [])
if unknown := sorted(set(REQUIRE_2FA_FOR) - set(TWO_FACTOR_ROLES)):
    raise ImproperlyConfigured(
        f"REQUIRE_2FA_FOR names unknown roles {unknown}; use some of {list(TWO_FACTOR_ROLES)}"
    )

# Login throttling: lock the (username, address) pair, so that failures from one place
# never lock a real user out when they log in from another.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = envbool("AXES_ENABLED", True)
AXES_CLIENT_IP_CALLABLE = "ovp_assess.client_ip.client_ip"
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "ovp_assess.client_ip.client_username"

# E-mail: the console in development, SMTP in production (check --deploy refuses the
# console there), unless EMAIL_BACKEND says otherwise. SMTP is set by the EMAIL_* variables.
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_BACKEND_PATH = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend" if DEBUG else SMTP_BACKEND
)
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH}}
if EMAIL_BACKEND_PATH == SMTP_BACKEND:
    smtp = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": envint("EMAIL_PORT", None),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": envbool("EMAIL_USE_TLS", False),
        "use_ssl": envbool("EMAIL_USE_SSL", False),
        "timeout": envint("EMAIL_TIMEOUT", 10),
    }
    if smtp["use_tls"] and smtp["use_ssl"]:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on; pick one.")
    if smtp["port"] is not None and not 0 < smtp["port"] < 65536:
        raise ImproperlyConfigured(f"EMAIL_PORT must be a port number, not {smtp['port']}")
    if bool(smtp["username"]) != bool(smtp["password"]):
        raise ImproperlyConfigured("Set EMAIL_HOST_USER and EMAIL_HOST_PASSWORD together.")
    MAILERS["default"]["OPTIONS"] = smtp
# Background work (e-mail, bundles, link checks) runs on Django's task framework. The
# default queue is a table in the app's database, served by `manage.py db_worker`
# (django-tasks-db); TASKS_BACKEND may name another backend (the tests run tasks at once).
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# A failed task is tried again up to TASK_ATTEMPTS times in all, after TASK_RETRY_SECONDS,
# then twice that, and so on (assessments.tasks.retry_later).
TASK_ATTEMPTS = envint("TASK_ATTEMPTS", 5)
TASK_RETRY_SECONDS = envint("TASK_RETRY_SECONDS", 60)

DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ovp-assess@localhost")
if "@" not in DEFAULT_FROM_EMAIL:
    raise ImproperlyConfigured(
        f"DEFAULT_FROM_EMAIL must be an e-mail address, not {DEFAULT_FROM_EMAIL!r}"
    )
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Registration (/join/) and team invitations: how long their links work, and how many
# requests one address may make an hour to the endpoints that send mail or check tokens.
JOIN_VERIFY_MAX_AGE = envint("JOIN_VERIFY_DAYS", 3) * 86400
JOIN_ANSWER_MAX_AGE = envint("JOIN_ANSWER_DAYS", 14) * 86400
INVITATION_DAYS = envint("INVITATION_DAYS", 7)
JOIN_RATE_LIMIT = envint("JOIN_RATE_LIMIT", 20)

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("pt-br", _("Portuguese (Brazil)")),
    ("fr", _("French")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files: every node must see the same ones, so they all go through Django's storage API
# (docs/storage.md). Three aliases, not prefixes of one storage: each keeps today's folder
# on the local file system (existing installs keep their files), and each can be sized,
# backed up or expired on its own (scorecards and open data are caches; evidence is not).
# - "default": uploaded evidence (assessments/evidence.py) and scorecard bundles (ZIPs);
# - "scorecards": rendered PDFs and remembered failures (reports/scorecard_cache.py);
# - "opendata": the open-data package, one folder per published-data stamp.
# Nothing is served from a URL of its own: views check who may see a file and stream it
# (no MEDIA_URL, nothing for WhiteNoise, no pre-signed URLs handed out).
# STORAGE_BACKEND=s3 puts all three in one S3-compatible bucket (django-storages), under
# the prefixes media/, scorecards/ and opendata/; objects are private (no ACL).


def s3_storages(*, bucket, endpoint_url=None, region=None, addressing_style=None):
    """The three file storages as prefixes of one S3-compatible bucket (django-storages)."""
    from botocore.config import Config

    s3 = {
        "bucket_name": bucket,
        # None: AWS itself. MinIO, Ceph, moto or any S3-compatible store: its address.
        "endpoint_url": endpoint_url,
        "region_name": region,
        "client_config": Config(
            # Path-style addresses (endpoint/bucket/key) by default with an endpoint: what
            # MinIO and moto expect.
            s3={"addressing_style": addressing_style or ("path" if endpoint_url else None)},
            # A store that does not answer gives a 503 within seconds (docs/storage.md),
            # long before gunicorn's timeout, instead of boto3's 60 s per try.
            connect_timeout=3,
            read_timeout=10,
            retries={"max_attempts": 3, "mode": "standard"},
        ),
        # Private objects: no ACL, the bucket's own policy (never public-read). No URL of an
        # object is ever handed out; were one made, it would be signed and expire.
        "default_acl": None,
        "querystring_auth": True,
        # A download is buffered in memory up to this, then in a temporary file.
        "max_memory_size": 2 * 1024 * 1024,
        # Credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, read by boto3.
    }
    backend = "storages.backends.s3.S3Storage"
    return {
        # Evidence and bundles get fresh names: never overwrite one.
        "default": {
            "BACKEND": backend,
            "OPTIONS": {**s3, "location": "media", "file_overwrite": False},
        },
        # Names there are keys (the same name, the same content): a second write replaces.
        "scorecards": {
            "BACKEND": backend,
            "OPTIONS": {**s3, "location": "scorecards", "file_overwrite": True},
        },
        "opendata": {
            "BACKEND": backend,
            "OPTIONS": {**s3, "location": "opendata", "file_overwrite": True},
        },
    }


STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local")
if STORAGE_BACKEND == "local":
    file_storages = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": Path(os.environ.get("MEDIA_DIR", VAR_DIR / "media"))},
        },
        # A folder of this machine named by a setting read at each use (reports/storage.py).
        "scorecards": {
            "BACKEND": "reports.storage.LocalStorage",
            "OPTIONS": {"setting": "PDF_CACHE_DIR"},
        },
        "opendata": {
            "BACKEND": "reports.storage.LocalStorage",
            "OPTIONS": {"setting": "OPEN_DATA_DIR"},
        },
    }
elif STORAGE_BACKEND == "s3":
    if not os.environ.get("S3_BUCKET"):
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs S3_BUCKET.")
    file_storages = s3_storages(
        bucket=os.environ["S3_BUCKET"],
        endpoint_url=os.environ.get("S3_ENDPOINT_URL") or None,
        region=os.environ.get("S3_REGION") or None,
        addressing_style=os.environ.get("S3_ADDRESSING_STYLE") or None,
    )
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be local or s3, not {STORAGE_BACKEND!r}")
STORAGES = {
    **file_storages,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if envbool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# The local folders of the scorecards and open-data storages (STORAGE_BACKEND=local). The
# render slots' lock files stay under PDF_CACHE_DIR whatever the backend: they are per
# machine (reports/pdf.py).
PDF_CACHE_DIR = Path(os.environ.get("PDF_CACHE_DIR", VAR_DIR / "scorecards"))
OPEN_DATA_DIR = Path(os.environ.get("OPEN_DATA_DIR", VAR_DIR / "opendata"))
WHITENOISE_USE_FINDERS = DEBUG
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start otherwise

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security headers. Our pages need no inline script or style, so the policy is strict.
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    # blob: for the dashboard's PNG downloads: Plotly draws the chart's SVG (a blob: URL
    # made by our own script) into an <img>, then onto a canvas.
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Django's database sessions, their read prepared (ovp_assess/sessions.py).
SESSION_ENGINE = "ovp_assess.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# No script of ours reads a cookie: the CSRF token travels in the forms' hidden field.
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
HTTPS = envbool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
BEHIND_PROXY = envbool("BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# The health check answers plain HTTP from the load balancer.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Query strings longer than this are refused with 400 before any view runs.
MAX_QUERY_VALUE_LENGTH = 2000
# Largest evidence file (bytes). A bigger one is refused by the form, next to its field,
# with everything else typed kept.
EVIDENCE_MAX_BYTES = envint("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
# Request bodies larger than this (bytes, by Content-Length) are refused with 413 before
# anything reads them, files included (DATA_UPLOAD_MAX_MEMORY_SIZE counts no files). The
# default leaves room for the form's texts (Django's form-data limit, 2.5 MiB) and two
# files over the evidence limit, so that a file somewhat too big still reaches the form
# and gets its message there; only a far bigger body gets the bare 413 (the page's script
# says so before sending, and keeps a copy of the typed text in the browser either way).
MAX_REQUEST_BODY = envint("MAX_REQUEST_BODY", 2_621_440 + 2 * EVIDENCE_MAX_BYTES)
# Longest text a user may type into one assessment field.
MAX_TEXT_LENGTH = 5000
# What a page or a PDF can lay out: lines per text field, and the longest run of characters
# without a space ("word"). Links typed into the text are words too: 200 takes every real
# address of the report (the longest is 96 characters) twice over, while a 5,000-character
# "word" would overflow every column it is shown in. Evidence titles are one line, and a
# title is read, not opened (its address has a field of its own): 100 there.
MAX_TEXT_LINES = 60
MAX_WORD_LENGTH = 200
MAX_TITLE_WORD_LENGTH = 100
# Emoji per text field: each is a colour bitmap the PDF renderer draws slowly.
MAX_TEXT_EMOJI = 20

# Scorecard PDFs render in a child process (reports/pdf.py) limited in time and memory, so
# that one bad document cannot hold a worker: a request waits at most PDF_RENDER_SLOT_WAIT
# for a free slot plus PDF_RENDER_TIMEOUT (+0.5 s) for the render, under 15 s in all (a
# worker's first render also waits ~1.5 s for its render process to import WeasyPrint).
PDF_RENDER_TIMEOUT = envint("PDF_RENDER_TIMEOUT", 10)
# The child's address space (RLIMIT_AS), in MB: WeasyPrint with its libraries takes ~200.
PDF_RENDER_MEMORY_MB = envint("PDF_RENDER_MEMORY_MB", 600)
# The child's resident memory, in MB, checked every 50 ms: a realistic scorecard of long
# texts in every field peaks under 100 MB.
PDF_RENDER_RSS_MB = envint("PDF_RENDER_RSS_MB", 250)
# Renders at once on one machine, across all workers (file locks under PDF_CACHE_DIR); a
# request that finds every slot busy for PDF_RENDER_SLOT_WAIT seconds answers 503.
PDF_RENDER_CONCURRENCY = envint("PDF_RENDER_CONCURRENCY", 2)
PDF_RENDER_SLOT_WAIT = envint("PDF_RENDER_SLOT_WAIT", 1)

# Perspectives rounds: a group's figures and comments are shown apart only when at least this
# many of its respondents answered (and each cell holds this many answers); see
# assessments/perspectives.py. 1 would show single answers, so it is refused.
PERSPECTIVES_MIN_GROUP = envint("PERSPECTIVES_MIN_GROUP", 3)
if PERSPECTIVES_MIN_GROUP < 2:
    raise ImproperlyConfigured("PERSPECTIVES_MIN_GROUP must be at least 2")
# Codes typed at /respond/ per client address and hour (a code has 50 bits: guessing needs
# far more tries than this allows).
RESPOND_CODE_RATE_LIMIT = envint("RESPOND_CODE_RATE_LIMIT", 30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # One line per scorecard rendered (reports/scorecard_cache.py), to stderr: gunicorn's
    # error log (capture_output in gunicorn.conf.py when that log is a file).
    "loggers": {"ovp.scorecards": {"level": os.environ.get("SCORECARD_LOG_LEVEL", "INFO")}},
}
