"""The browser the benchmarks request admin pages with."""


def admin_client():
    """A test client logged in as a superuser: the database's own, or one made for the bench."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.filter(is_superuser=True).first() or (
        get_user_model().objects.create_superuser("bench", "bench@example.kz", "bench")
    )
    client = Client()
    client.force_login(user)
    return client
