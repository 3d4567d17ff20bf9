import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db
LOGIN = reverse("admin:login")
ROOT = Path(__file__).resolve().parent.parent


def attempt(client, password, address="10.0.0.1", username="clerk"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_repeated_failed_logins_lock_that_user_from_that_address(client, make_staff, settings):
    make_staff("clerk")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "wrong").status_code == 200
    locked = attempt(client, "wrong")
    assert locked.status_code == 429
    assert attempt(client, "x").status_code == 429, "even the right password waits"
    # Another address, or another user from the same address, is not locked out.
    assert attempt(client, "x", address="10.0.0.2").status_code == 302


def test_lockout_page_is_in_the_users_language(client, make_staff, settings):
    make_staff("clerk")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            LOGIN,
            {"username": "clerk", "password": "wrong"},
            REMOTE_ADDR="10.0.0.3",
            HTTP_ACCEPT_LANGUAGE="kk",
        )
    assert response.status_code == 429
    assert "15 минуттан" in response.content.decode()


def test_sessions_end_after_inactivity_and_use_moves_the_deadline_once_a_minute(
    settings, admin_client
):
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert settings.SESSION_COOKIE_AGE == 30 * 60
    admin_client.get("/admin/")
    key = admin_client.session.session_key
    with CaptureQueriesContext(connection) as queries:
        admin_client.get("/admin/")
    assert not [q for q in queries if q["sql"].startswith("UPDATE") and "session" in q["sql"]]
    session = admin_client.session
    session["_seen"] -= 61
    session.save()
    Session.objects.filter(pk=key).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=10)
    )
    admin_client.get("/admin/")
    deadline = Session.objects.get(pk=key).expire_date
    assert deadline > timezone.now() + datetime.timedelta(minutes=29)


def production_environment(**extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "JUMYS_")) or key == "DATABASE_URL"
    }
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="k" * 30 + "-production-secret-for-the-check-only-9f2c",
        DJANGO_ALLOWED_HOSTS="jumys.example.kz",
        **extra,
    )
    return env


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_production_settings_pass_check_deploy_with_no_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_environment())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_its_secrets():
    env = production_environment()
    del env["DJANGO_SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
