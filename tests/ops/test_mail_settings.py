"""E-mail settings from the environment: SMTP when asked, bad values refused at start."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

SMTP = "django.core.mail.backends.smtp.EmailBackend"
SHOW = "from django.conf import settings; print(settings.MAILERS['default'])"


def _settings(**env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_")}
    base.update(
        DJANGO_SETTINGS_MODULE="ovp_assess.settings",
        DEBUG="1",
        OVP_VAR_DIR=os.environ.get("OVP_VAR_DIR", str(settings.VAR_DIR)),
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {SHOW}"],
        cwd=settings.BASE_DIR,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_console_by_default_in_development():
    result = _settings()
    assert (result.returncode, result.stdout.strip()) == (
        0,
        "{'BACKEND': 'django.core.mail.backends.console.EmailBackend'}",
    )


def test_smtp_from_the_environment():
    result = _settings(
        EMAIL_BACKEND=SMTP,
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="ovp",
        EMAIL_HOST_PASSWORD="secret",
        EMAIL_USE_TLS="1",
    )
    assert result.returncode == 0, result.stderr
    assert eval(result.stdout) == {  # noqa: S307 (our own process's printout)
        "BACKEND": SMTP,
        "OPTIONS": {
            "host": "smtp.example.org",
            "port": 587,
            "username": "ovp",
            "password": "secret",
            "use_tls": True,
            "use_ssl": False,
            "timeout": 10,
        },
    }


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"EMAIL_PORT": "twenty-five"}, "EMAIL_PORT must be a whole number, not 'twenty-five'"),
        ({"EMAIL_PORT": "70000"}, "EMAIL_PORT must be a port number, not 70000"),
        ({"EMAIL_USE_TLS": "maybe"}, "EMAIL_USE_TLS must be true or false, not 'maybe'"),
        (
            {"EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"},
            "EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on; pick one.",
        ),
        ({"EMAIL_HOST_USER": "ovp"}, "Set EMAIL_HOST_USER and EMAIL_HOST_PASSWORD together."),
        (
            {"DEFAULT_FROM_EMAIL": "nobody"},
            "DEFAULT_FROM_EMAIL must be an e-mail address, not 'nobody'",
        ),
        ({"REQUIRE_2FA_FOR": "reviewer,boss"}, "REQUIRE_2FA_FOR names unknown roles ['boss']"),
    ],
)
def test_bad_values_fail_at_start(env, message):
    result = _settings(EMAIL_BACKEND=SMTP, **env)
    assert result.returncode == 1
    assert message in result.stderr.strip().splitlines()[-1]
