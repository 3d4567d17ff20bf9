from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def keep_roles_in_step(sender, apps, **kwargs):
    from .roles import sync_roles

    sync_roles(apps)


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("registry")

    def ready(self):
        # After every migrate, so models added later join the roles without a new migration.
        post_migrate.connect(keep_roles_in_step, sender=self)
