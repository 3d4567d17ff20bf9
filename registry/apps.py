from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def keep_roles_in_step(sender, apps=None, **kwargs):
    from django.apps import apps as installed_apps

    from .roles import sync_roles

    # A test database's flush sends the signal without the migration state: use the live apps.
    sync_roles(apps or installed_apps)


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("registry")

    def ready(self):
        # After every migrate, so models added later join the roles without a new migration.
        post_migrate.connect(keep_roles_in_step, sender=self)
