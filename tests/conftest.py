import pytest
from django.core.management import call_command


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
