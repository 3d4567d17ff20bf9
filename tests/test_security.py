import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
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


def test_the_import_pages_polls_neither_keep_a_session_alive_nor_write_it(admin_client):
    # On SQLite an import holds the only writer: the poll that moved the idle deadline waited
    # for it and failed with 400 ("session interrupted") a minute into a long import.
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session
    from django.urls import reverse

    from config.models import ImportRun

    run = ImportRun.objects.create(
        user=get_user_model().objects.get(pk=admin_client.session["_auth_user_id"]),
        model="registry.organization",
        file_name="a.xlsx",
    )
    admin_client.get("/admin/")
    key = admin_client.session.session_key
    session = admin_client.session
    session["_seen"] -= 61
    session.save()
    deadline = Session.objects.get(pk=key).expire_date
    response = admin_client.get(reverse("admin:config_importrun_status", args=[run.pk]))
    assert response.status_code == 200
    assert Session.objects.get(pk=key).expire_date == deadline
    admin_client.get("/admin/")
    assert Session.objects.get(pk=key).expire_date > deadline


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
        DJANGO_EMAIL_HOST="smtp.example.kz",
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


BALANCER = "10.0.0.254"
CLIENT_A = "203.0.113.10"
CLIENT_B = "203.0.113.20"


def use_trusted_proxy_count(settings, count):
    """Apply the client-address settings that config/settings.py derives for this count.

    axes reads them on every request, so the `settings` fixture overrides them; they are taken
    from the settings module itself, in a fresh process, so that the derivation is tested too.
    """
    names = ["AXES_IPWARE_META_PRECEDENCE_ORDER", "AXES_IPWARE_PROXY_COUNT"]
    names += ["AXES_IPWARE_PROXY_ORDER", "IPWARE_STRICT"]
    code = f"import json, config.settings as s; print(json.dumps([getattr(s, n) for n in {names}]))"
    env = {key: value for key, value in os.environ.items() if not key.startswith("JUMYS_")}
    env["JUMYS_TRUSTED_PROXY_COUNT"] = str(count)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    for name, value in zip(names, json.loads(result.stdout), strict=True):
        setattr(settings, name, value)


def through_balancer(client, password, forwarded_for, username="clerk"):
    """A login as the README's balancer passes it on: it appends the client to the header."""
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        REMOTE_ADDR=BALANCER,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_behind_the_balancer_failures_lock_out_only_the_client_that_made_them(
    client, make_staff, settings
):
    # Regression: every failure counted against the balancer's address, so five wrong
    # passwords from anywhere locked the user out for everyone.
    use_trusted_proxy_count(settings, 1)
    make_staff("clerk")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert through_balancer(client, "wrong", CLIENT_A).status_code == 200
    assert through_balancer(client, "wrong", CLIENT_A).status_code == 429
    assert through_balancer(client, "x", CLIENT_A).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT_A}
    assert through_balancer(client, "x", CLIENT_B).status_code == 302


def test_forged_forwarded_entries_neither_escape_nor_move_the_lockout(client, make_staff, settings):
    use_trusted_proxy_count(settings, 1)
    make_staff("clerk")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert through_balancer(client, "wrong", CLIENT_A).status_code == 200
    # Client A writes B's address (and junk) on the left; the balancer appends A's own.
    assert through_balancer(client, "wrong", f"{CLIENT_B}, {CLIENT_A}").status_code == 429
    assert through_balancer(client, "x", f"unknown, {CLIENT_B}, {CLIENT_A}").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT_A}
    assert through_balancer(client, "x", CLIENT_B).status_code == 302


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(client, make_staff, settings):
    use_trusted_proxy_count(settings, 0)
    make_staff("clerk")
    for number in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            LOGIN,
            {"username": "clerk", "password": "wrong"},
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{number}",
        )
    assert response.status_code == 429, "a new forwarded address each time does not escape"
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.5"}
    other = client.post(
        LOGIN,
        {"username": "clerk", "password": "x"},
        REMOTE_ADDR="10.0.0.6",
        HTTP_X_FORWARDED_FOR="10.0.0.5",
    )
    assert other.status_code == 302, "naming the locked address does not move the lockout"


def test_a_negative_trusted_proxy_count_is_refused():
    result = manage("check", env=production_environment(JUMYS_TRUSTED_PROXY_COUNT="-1"))
    assert result.returncode != 0
    assert "JUMYS_TRUSTED_PROXY_COUNT must be 0 or more" in result.stderr
