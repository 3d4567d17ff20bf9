# Imported as modules: a class imported by name would count as a second default config.
from axes import apps as axes_apps
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class ConfigConfig(AppConfig):
    """The project's own app: templates, static files, the admin site, and what imports
    remember (column mappings)."""

    name = "config"
    default = True
    # Its models are what imports remember.
    verbose_name = _("Spreadsheet imports")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from .middleware import language_at_sign_in, mark_session_seen
        from .roles import keep_roles_in_step

        user_logged_in.connect(mark_session_seen, dispatch_uid="jumys-session-seen")
        user_logged_in.connect(language_at_sign_in, dispatch_uid="jumys-language-at-sign-in")
        # After every migrate, so models added later join the roles without a new migration;
        # auth's signal comes once per migrate whichever apps it changed.
        post_migrate.connect(keep_roles_in_step, sender=self.apps.get_app_config("auth"))


class JumysAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "config.admin_site.JumysAdminSite"

    def ready(self):
        super().ready()
        from django.contrib import admin
        from django.contrib.admin import widgets
        from django.contrib.admin.templatetags import admin_list
        from django_tasks_db.models import DBTaskResult

        from .language import boolean_icon

        # Yes/no icons said "True" and "False" on Russian and Kazakh pages.
        admin_list._boolean_icon = boolean_icon

        # Select2 ships no Kazakh: its pickers said "Searching…" on Kazakh pages. Ours is in
        # config/static, where the admin's autocomplete looks for a language's file.
        widgets.SELECT2_TRANSLATIONS["kk"] = "kk"

        # The worker's queue is machinery: users follow their imports under "Imports".
        if admin.site.is_registered(DBTaskResult):
            admin.site.unregister(DBTaskResult)


class LoginRecordsConfig(axes_apps.AppConfig):
    """django-axes, named for what it keeps rather than "Axes"."""

    default = False
    verbose_name = _("Login attempts")

    def ready(self):
        super().ready()
        from .language import login_record_names

        login_record_names()
