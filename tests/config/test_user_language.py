"""The language is the user's setting, kept on the staff profile: every page speaks it whatever
the browser says, switching it changes the setting, and the login page offers it too."""

import pytest
from django.conf import settings
from django.urls import reverse

from registry.models import StaffProfile

pytestmark = pytest.mark.django_db
INDEX = reverse("admin:index")


def test_pages_speak_the_profiles_language_whatever_the_browser_says(
    client, make_staff, django_user_model
):
    staff = make_staff("kazakh", ["view_organization"], national=True)
    StaffProfile.objects.filter(user=staff).update(language="kk")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    client.force_login(django_user_model.objects.get(pk=staff.pk))
    response = client.get(INDEX, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.headers["Content-Language"] == "kk"
    assert '<html lang="kk"' in response.content.decode()


def test_switching_the_language_keeps_it_on_the_profile(client, make_staff, django_user_model):
    staff = make_staff("switcher", ["view_organization"], national=True)
    client.force_login(staff)
    client.post(reverse("set_language"), {"language": "kk", "next": INDEX})
    assert StaffProfile.objects.get(user=staff).language == "kk"
    # Another browser, another cookie: the setting follows the user.
    other = type(client)()
    other.force_login(django_user_model.objects.get(pk=staff.pk))
    assert other.get(INDEX).headers["Content-Language"] == "kk"


def test_a_user_without_a_profile_gets_one_holding_the_language_and_no_region(admin_client):
    admin_client.post(reverse("set_language"), {"language": "kk", "next": INDEX})
    profile = StaffProfile.objects.get(user__username="root")
    assert profile.language == "kk" and not profile.national and not profile.regions.exists()


def test_the_login_page_offers_the_language_and_the_choice_becomes_the_setting(client, make_staff):
    staff = make_staff("newcomer", ["view_organization"], national=True)
    login = reverse("admin:login")
    assert 'id="language-switch-select"' in client.get(login).content.decode()
    client.post(reverse("set_language"), {"language": "kk", "next": login})
    assert client.get(login).headers["Content-Language"] == "kk"
    client.post(login, {"username": "newcomer", "password": "x", "next": INDEX})
    assert StaffProfile.objects.get(user=staff).language == "kk"
    assert client.get(INDEX).headers["Content-Language"] == "kk"
