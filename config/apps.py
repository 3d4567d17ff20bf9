from django.apps import AppConfig

# Imported as a module: a class imported by name would count as a second default config.
from django.contrib.admin import apps as admin_apps


class ConfigConfig(AppConfig):
    """The project's own app: templates, static files and the admin site."""

    name = "config"
    default = True

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .middleware import mark_session_seen

        user_logged_in.connect(mark_session_seen, dispatch_uid="jumys-session-seen")


class JumysAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "config.admin_site.JumysAdminSite"
