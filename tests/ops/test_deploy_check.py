"""`check --deploy` passes, warnings included, with the settings production uses."""

import os
import secrets
import string
import subprocess
import sys

from django.conf import settings

# Variables that would change what production gets by default.
CLEARED = (
    "SECURE_HSTS_SECONDS",
    "SECURE_SSL_REDIRECT",
    "BEHIND_PROXY",
    "EMAIL_BACKEND",
    "CSRF_TRUSTED_ORIGINS",
    "AXES_ENABLED",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def _production_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env.update(
        DJANGO_SETTINGS_MODULE="ovp_assess.settings",
        DEBUG="0",
        SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(50)),
        ALLOWED_HOSTS="example.org",
        HTTPS="1",
        STATIC_MANIFEST="0",
        OVP_VAR_DIR=str(tmp_path),
    )
    return env


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_check_deploy_fails_on_a_weak_secret_key(tmp_path):
    env = _production_env(tmp_path)
    env["SECRET_KEY"] = "short"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "SECRET_KEY must be set to a random string of at least 32 characters" in result.stderr
