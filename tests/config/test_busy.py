"""A save refused because an import holds SQLite's only writer: the user is told the database
is busy and to try again in a minute, in their language, not shown a bare 500.

Regression: on SQLite, saving an organization while an import wrote waited 5 s and answered
"Server Error (500)" ("database is locked")."""

import sys

import pytest
from django.contrib import admin
from django.db import OperationalError, connection
from django.test import RequestFactory
from django.urls import reverse

from config.busy import server_error

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:registry_organization_add")
BUSY = {
    "ru": "База данных занята импортом, повторите через минуту.",
    "kk": "Дерекқор импортпен бос емес, бір минуттан кейін қайталап көріңіз.",
}


def refuse(error):
    def view(*args, **kwargs):
        raise OperationalError(error)

    return view


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_save_refused_by_a_locked_database_says_so(admin_client, monkeypatch, language):
    monkeypatch.setattr(admin.ModelAdmin, "changeform_view", refuse("database is locked"))
    admin_client.cookies["django_language"] = language
    response = admin_client.post(ADD_URL, {}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert BUSY[language] in response.content.decode()


def test_another_database_error_is_not_taken_for_a_busy_database(admin_client, monkeypatch):
    monkeypatch.setattr(admin.ModelAdmin, "changeform_view", refuse("no such table: x"))
    with pytest.raises(OperationalError):
        admin_client.post(ADD_URL, {})


def test_a_lock_met_outside_the_view_gets_the_busy_page_too():
    request = RequestFactory().get("/admin/")
    try:
        raise OperationalError("database is locked")
    except OperationalError:
        assert sys.exc_info()[0] is OperationalError
        response = server_error(request)
    assert response.status_code == 503


def test_sqlite_waits_for_the_writer_before_saying_it_is_busy():
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL has no single writer")
    assert connection.settings_dict["OPTIONS"]["timeout"] == 20
