"""What the project keeps across its apps: the column mappings users confirmed for imports."""

import hashlib

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

from registry.models import history


def import_key(resource_class):
    """A stable name for an import: its model and its resource ("registry.organization:
    OrganizationResource"), the same in every process and after a restart."""
    return f"{resource_class._meta.model._meta.label_lower}:{resource_class.__name__}"


def headers_key(header_names):
    """One key for a file's header row: the same for headers that differ only as matching
    ignores (case, ё/е, quotes, notes in parentheses), in the same order."""
    from .spreadsheets.headers import normalize_header

    normalized = "\x1f".join(normalize_header(str(name or "")) for name in header_names)
    return hashlib.sha256(normalized.encode()).hexdigest()


class ColumnMappingQuerySet(models.QuerySet):
    def for_file(self, resource_class, header_names):
        """The mapping remembered for this import and a file with these headers, or None."""
        return (
            self.select_related("saved_by")
            .filter(resource=import_key(resource_class), headers_key=headers_key(header_names))
            .first()
        )

    def remember(self, resource_class, header_names, mapping, values, user=None):
        """Keeps what a user confirmed for files with these headers, replacing what was kept;
        the history names the user."""
        key = {"resource": import_key(resource_class), "headers_key": headers_key(header_names)}

        def save():
            with transaction.atomic(using=self.db):
                saved = self.select_for_update().filter(**key).first() or self.model(**key)
                saved.headers = [str(name or "") for name in header_names]
                saved.mapping, saved.values, saved.saved_by = mapping, values, user
                saved._history_user = user
                saved.save()
                return saved

        try:
            return save()
        except IntegrityError:
            # Another user saved the first mapping for these headers at the same moment: this
            # one replaces theirs, as a later save would.
            return save()


class ColumnMapping(models.Model):
    """Which field each column of a file feeds, and values for the whole file, as a user
    confirmed them for one import and one header row: a file with the same headers is imported
    the same way without asking again."""

    resource = models.CharField(_("import"), max_length=200)
    headers_key = models.CharField(_("headers key"), max_length=64, editable=False)
    headers = models.JSONField(_("headers"), default=list)
    mapping = models.JSONField(
        _("columns"), default=dict, help_text=_("The field each column feeds, by its header.")
    )
    values = models.JSONField(_("values for the whole file"), default=dict, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saved by"),
    )
    saved_at = models.DateTimeField(_("saved at"), auto_now=True)

    history = history()

    objects = ColumnMappingQuerySet.as_manager()

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        ordering = ["resource", "-saved_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "headers_key"],
                name="%(app_label)s_%(class)s_one_per_import_and_headers",
                violation_error_message=_(
                    "A mapping for this import and these headers is already saved."
                ),
            )
        ]

    def __str__(self):
        return f"{self.import_name()}: {', '.join(self.headers)}"

    def import_name(self):
        """The import as users know it: its records' name ("organizations")."""
        label = self.resource.partition(":")[0]
        try:
            return str(apps.get_model(label)._meta.verbose_name_plural)
        except (LookupError, ValueError):
            # The import was removed since; its key is all that is left to show.
            return self.resource
