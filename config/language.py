"""What the admin shows that Django and the libraries would show in English or in words built
for English: the export's field picker, export file names, permission names, history diffs.

Each piece takes the reader's language at the moment it is shown, and names that need no case
inflection in Russian or Kazakh ("Организации: добавление"), since our nouns are nominative.
"""

from django.apps import apps as django_apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.templatetags.static import static
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from django_tasks_db.models import DBTaskResult
from import_export.forms import SelectableFieldsExportForm
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

# What each kind of permission allows, by the codename's prefix ("add_organization").
PERMISSION_ACTIONS = {
    "add": pgettext_lazy("permission", "adding"),
    "change": pgettext_lazy("permission", "changing"),
    "delete": pgettext_lazy("permission", "deleting"),
    "view": pgettext_lazy("permission", "viewing"),
    "import": pgettext_lazy("permission", "import"),
    "export": pgettext_lazy("permission", "export"),
}


def column_label(resource, name):
    """A resource field's header as the file has it; for a field declared without one, the
    model field's verbose name rather than its attribute name."""
    field = resource.fields.get(name)
    if field is not None and field.column_name != name:
        return capfirst(str(field.column_name))
    attribute = field.attribute if field is not None and field.attribute else name
    try:
        return capfirst(str(resource._meta.model._meta.get_field(attribute).verbose_name))
    except FieldDoesNotExist:
        # A computed column has no model field.
        return capfirst(name.replace("_", " "))


class ColumnExportForm(SelectableFieldsExportForm):
    """The export's field picker labelled with each column's header ("БИН"), not with the
    attribute's English name beside it ("Bin (БИН)")."""

    def _get_field_label(self, resource, field_name):
        return column_label(resource, field_name)


def export_filename(model, file_format):
    """An export's file name in the reader's language: "Организации 2026-12-06.xlsx"."""
    day = timezone.localdate().isoformat()
    name = capfirst(str(model._meta.verbose_name_plural))
    return f"{name} {day}.{file_format.get_extension()}"


def permission_label(permission):
    """A permission as staff read it: "Реестр | Организации: добавление". The names stored in
    the database are English ("Can add historical organization") and stay so."""
    model = permission.content_type.model_class()
    action, _sep, _rest = permission.codename.partition("_")
    if model is None or action not in PERMISSION_ACTIONS:
        return gettext(permission.name)
    original = getattr(model, "instance_type", None)
    if original is not None:
        # A history table's permission: the history of the records of a model.
        what = gettext("%(names)s (history)") % {
            "names": capfirst(str(original._meta.verbose_name_plural))
        }
        app = original._meta.app_config.verbose_name
    else:
        what = capfirst(str(model._meta.verbose_name_plural))
        app = model._meta.app_config.verbose_name
    return f"{capfirst(str(app))} | {what}: {PERMISSION_ACTIONS[action]}"


class TranslatedPermissionsMixin:
    """User and group forms listing permissions by permission_label, without those of machinery
    no page shows: the task queue, and the link tables Django makes for many-to-many fields
    (with their histories), which Django names only in English ("person-socialcategory")."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and field.queryset.model is Permission:
            machinery = [
                model
                for model in django_apps.get_models(include_auto_created=True)
                if model is DBTaskResult
                or model._meta.auto_created
                or any(f.name == "m2m_history_id" for f in model._meta.fields)
            ]
            types = ContentType.objects.get_for_models(*machinery, for_concrete_models=False)
            field.queryset = field.queryset.exclude(
                content_type__in=list(types.values())
            ).select_related("content_type")
            field.label_from_instance = permission_label
        return field

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        # A page the user may only look at lists the permissions as Django prints them, by
        # their English names: these fields show them by permission_label instead.
        shown = {"permissions": "permission_list", "user_permissions": "user_permission_list"}
        return [
            (title, {**options, "fields": [shown.get(name, name) for name in options["fields"]]})
            for title, options in fieldsets
        ]

    @admin.display(description=Group._meta.get_field("permissions").verbose_name)
    def permission_list(self, obj):
        return labelled_permissions(obj.permissions)

    @admin.display(description=User._meta.get_field("user_permissions").verbose_name)
    def user_permission_list(self, obj):
        return labelled_permissions(obj.user_permissions)


def labelled_permissions(permissions):
    labels = sorted(permission_label(p) for p in permissions.select_related("content_type"))
    return format_html_join("", "<div>{}</div>", ((label,) for label in labels)) or "—"


class ReadableHistoryHelper(HistoricalRecordContextHelper):
    """A history's changes as the forms show the values: choice labels ("малое", not "small"),
    yes and no, a dash for nothing, and a deleted record said so in the reader's language."""

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        field = self.model._meta.get_field(change.field)
        if isinstance(value, list):
            return ", ".join(str(self.shown(field, item)) for item in value)
        return self.shown(field, value)

    @staticmethod
    def shown(field, value):
        if isinstance(value, DeletedObject):
            if value.pk is None:
                return "—"
            return gettext("deleted record: %(name)s no. %(pk)s") % {
                "name": value.model._meta.verbose_name,
                "pk": value.pk,
            }
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return gettext("Yes") if value else gettext("No")
        if field.flatchoices:
            return dict(field.flatchoices).get(value, value)
        return value


def login_record_names():
    """django-axes names its records with English f-strings ("Access Log for root @ …"), which
    the admin shows in titles, breadcrumbs and delete confirmations: named here instead."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    def when(moment):
        return formats.localize(timezone.localtime(moment)) if moment else "—"

    def attempt(record):
        return gettext("Failed logins: %(username)s from %(address)s") % {
            "username": record.username,
            "address": record.ip_address,
        }

    def login(record):
        return gettext("Login: %(username)s, %(time)s") % {
            "username": record.username,
            "time": when(record.attempt_time),
        }

    def failure(record):
        return gettext("Failed login: %(username)s, %(time)s, from %(address)s") % {
            "username": record.username,
            "time": when(record.attempt_time),
            "address": record.ip_address,
        }

    AccessAttempt.__str__ = attempt
    AccessLog.__str__ = login
    AccessFailureLog.__str__ = failure


class WithoutLinkRowsMixin:
    """Delete confirmations without the rows Django keeps for many-to-many links ("Связь
    group-permission: Group_permissions object (21)"): nobody knows them as records, Django names
    them in English, and they go with the record anyway."""

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # A field holds its link table on its relation; a relation from another model holds it.
        throughs = {
            getattr(field, "through", None) or field.remote_field.through
            for field in [*self.model._meta.many_to_many, *self.model._meta.related_objects]
            if field.many_to_many
        }
        links = {through._meta for through in throughs if through._meta.auto_created}
        prefixes = tuple(f"{capfirst(str(meta.verbose_name))}:" for meta in links)
        plurals = {str(meta.verbose_name_plural) for meta in links}

        def kept(items):
            return [
                kept(item) if isinstance(item, list) else item
                for item in items
                if isinstance(item, list) or not str(item).startswith(prefixes)
            ]

        counts = {name: count for name, count in counts.items() if str(name) not in plurals}
        return [item for item in kept(deleted) if item != []], counts, perms_needed, protected


# What a yes/no icon says to a screen reader, and wherever the image does not load.
ICON_TEXTS = {
    True: pgettext_lazy("yes/no icon", "yes"),
    False: pgettext_lazy("yes/no icon", "no"),
    None: pgettext_lazy("yes/no icon", "unknown"),
}


def boolean_icon(value):
    """Django's yes/no icon with its alt text in the reader's language: Django writes Python's
    "True"/"False" on every page. Django's lists, read-only fields and `@admin.display(
    boolean=True)` columns all take the icon from `admin_list._boolean_icon`, which the admin
    app's ready() replaces with this."""
    name = {True: "yes", False: "no", None: "unknown"}[value]
    return format_html(
        '<img src="{}" alt="{}">', static(f"admin/img/icon-{name}.svg"), ICON_TEXTS[value]
    )
