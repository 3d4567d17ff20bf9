import datetime
import json
import os
import subprocess
import sys
import zoneinfo

import pytest
from django.conf import settings
from django.utils import timezone

from tests.test_security import ROOT, manage, production_environment


def test_time_zone_is_almaty_at_utc_plus_five_since_march_2024():
    # A stale tz database would still say +06:00.
    assert settings.TIME_ZONE == "Asia/Almaty"
    moment = datetime.datetime(2025, 6, 1, 12, 0, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    assert moment.utcoffset() == datetime.timedelta(hours=5)
    assert timezone.get_default_timezone_name() == "Asia/Almaty"


def test_languages_are_russian_by_default_with_kazakh_and_english():
    assert settings.LANGUAGE_CODE == "ru"
    assert [code for code, _name in settings.LANGUAGES] == ["ru", "kk", "en"]


EMAIL_SETTINGS = [
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_TIMEOUT",
]


def email_settings(**env):
    """The e-mail settings config/settings.py makes of these variables, read in a new process."""
    code = (
        "import json, config.settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {EMAIL_SETTINGS}}}))"
    )
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "JUMYS_")) or key == "DATABASE_URL"
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment | env,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        return result.stderr.strip().splitlines()[-1]
    return json.loads(result.stdout)


def test_development_prints_mail_to_the_console():
    assert email_settings()["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_smtp_is_configured_from_the_environment():
    assert email_settings(
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        DJANGO_EMAIL_HOST="smtp.example.kz",
        DJANGO_EMAIL_PORT="2525",
        DJANGO_EMAIL_HOST_USER="jumys",
        DJANGO_EMAIL_HOST_PASSWORD="s3cret",
        DJANGO_EMAIL_USE_TLS="1",
        DJANGO_EMAIL_TIMEOUT="10",
    ) == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.kz",
        "EMAIL_PORT": 2525,
        "EMAIL_HOST_USER": "jumys",
        "EMAIL_HOST_PASSWORD": "s3cret",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 10,
    }


@pytest.mark.parametrize(
    ("env", "port"),
    [({}, 25), ({"DJANGO_EMAIL_USE_TLS": "1"}, 587), ({"DJANGO_EMAIL_USE_SSL": "1"}, 465)],
)
def test_the_default_port_follows_the_encryption(env, port):
    assert email_settings(**env)["EMAIL_PORT"] == port


def test_the_password_may_come_from_a_file_without_its_trailing_newline(tmp_path):
    secret = tmp_path / "smtp-password"
    secret.write_text("pass word \n", encoding="utf-8")
    values = email_settings(DJANGO_EMAIL_HOST_PASSWORD_FILE=str(secret))
    assert values["EMAIL_HOST_PASSWORD"] == "pass word "


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_EMAIL_PORT": "smtp"}, "DJANGO_EMAIL_PORT must be an integer, got 'smtp'"),
        ({"DJANGO_EMAIL_PORT": "70000"}, "DJANGO_EMAIL_PORT must be a port number"),
        ({"DJANGO_EMAIL_USE_TLS": "maybe"}, "DJANGO_EMAIL_USE_TLS must be a boolean"),
        (
            {"DJANGO_EMAIL_USE_TLS": "1", "DJANGO_EMAIL_USE_SSL": "1"},
            "Set DJANGO_EMAIL_USE_TLS (STARTTLS, usually port 587) or DJANGO_EMAIL_USE_SSL",
        ),
        ({"DJANGO_EMAIL_TIMEOUT": "0"}, "DJANGO_EMAIL_TIMEOUT must be a number of seconds"),
        (
            {"DJANGO_EMAIL_HOST_PASSWORD": "a", "DJANGO_EMAIL_HOST_PASSWORD_FILE": "/dev/null"},
            "Set either DJANGO_EMAIL_HOST_PASSWORD or DJANGO_EMAIL_HOST_PASSWORD_FILE, not both.",
        ),
        (
            {"DJANGO_EMAIL_HOST_PASSWORD_FILE": "/nonexistent/smtp-password"},
            "DJANGO_EMAIL_HOST_PASSWORD_FILE: cannot read '/nonexistent/smtp-password'",
        ),
    ],
)
def test_bad_email_settings_are_refused_with_what_to_fix(env, message):
    error = email_settings(**env)
    assert error.startswith("django.core.exceptions.ImproperlyConfigured: ")
    assert message in error


def test_production_sends_mail_through_smtp():
    values = email_settings(**production_environment())
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["EMAIL_HOST"] == "smtp.example.kz"


def test_production_refuses_to_start_without_a_mail_server():
    env = production_environment()
    del env["DJANGO_EMAIL_HOST"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_EMAIL_HOST is required in production" in result.stderr


@pytest.mark.parametrize("backend", ["console", "locmem", "dummy", "filebased"])
def test_production_refuses_mail_that_is_never_delivered_unless_allowed(backend):
    # Regression: production printed reminders to its log and recorded them as sent.
    env = production_environment(
        DJANGO_EMAIL_BACKEND=f"django.core.mail.backends.{backend}.EmailBackend"
    )
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "delivers no mail" in result.stderr
    assert "JUMYS_ALLOW_CONSOLE_EMAIL=1" in result.stderr
    if backend == "console":
        allowed = manage("check", env=env | {"JUMYS_ALLOW_CONSOLE_EMAIL": "1"})
        assert allowed.returncode == 0, allowed.stderr
