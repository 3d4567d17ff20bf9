from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("registry")

    def ready(self):
        from django.db.backends.signals import connection_created

        from .search import register_fold

        connection_created.connect(register_fold, dispatch_uid="jumys-fold")
