"""The pages for a missing page, a refusal, an expired form and a server error, in the reader's
language (Django's own are in English)."""

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from django.views import defaults

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "title"), [("ru", "Страница не найдена"), ("kk", "Бет табылмады")]
)
def test_a_missing_page_is_said_so_in_the_readers_language(language, title):
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/no-such-page/")
    assert response.status_code == 404
    assert title in response.content.decode()


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_refusals_expired_forms_and_server_errors_read_in_the_readers_language(language):
    request = RequestFactory().get("/")
    with translation.override(language):
        pages = [
            defaults.permission_denied(request, PermissionError()),
            defaults.bad_request(request, ValueError()),
            defaults.server_error(request),
        ]
        expired = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language).post(
            "/admin/login/", {"username": "x", "password": "y"}
        )
    expected = {
        "ru": ["Доступ запрещён", "Неверный запрос", "Ошибка сервера", "Форма устарела"],
        "kk": [
            "Қол жеткізуге тыйым салынған",
            "Қате сұрау",
            "Сервер қатесі",
            "Форманың мерзімі өтті",
        ],
    }[language]
    texts = [page.content.decode() for page in [*pages, expired]]
    assert [title in text for title, text in zip(expected, texts, strict=True)] == [True] * 4
    assert expired.status_code == 403
