import datetime
import zoneinfo

import pytest
from django.core.management import call_command

# The moment tests that depend on the date run at: noon in Almaty, where the chambers work, on a
# day inside the factories' dates (quotas of 2026, memoranda in force from 2025 to 2027).
ALMATY_NOON = datetime.datetime(2026, 5, 20, 12, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Almaty"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # Reference data is part of every database the product runs on, so every test has it.
    with django_db_blocker.unblock():
        call_command("load_reference", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture
def superuser(django_user_model):
    """Sees and changes everything: the administrator."""
    return django_user_model.objects.create_superuser("root", "root@example.kz", "x")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def make_staff(django_user_model):
    """A staff member with the given permissions (codenames or role groups) and regions."""
    from django.contrib.auth.models import Group, Permission

    from registry.models import Region, StaffProfile

    def make(username, permissions=(), groups=(), regions=(), national=False):
        user = django_user_model.objects.create_user(username, password="x", is_staff=True)
        user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
        user.groups.set(Group.objects.filter(name__in=groups))
        profile = StaffProfile.objects.create(user=user, national=national)
        profile.regions.set(Region.objects.filter(kato__in=regions))
        return user

    return make


@pytest.fixture(autouse=True)
def imports_in_process(settings):
    """Imports queued in a test run at once, in the test's own process and transaction, as a
    worker would run them; their progress in this process's memory."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.CACHES = {
        **settings.CACHES,
        "imports": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "imports",
        },
    }


@pytest.fixture
def fixed_now(monkeypatch):
    """The clock stopped at ALMATY_NOON for whatever asks Django's `timezone.now()`, and so
    `localdate()` and the apps' `today()`: a test's "this year" or "in force today" gives the
    same answer on any day it runs. Not for every test: imports and history rely on time moving."""
    moment = ALMATY_NOON.astimezone(datetime.UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
    return ALMATY_NOON
