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


class ImportRunQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The imports a user may see: their own; administrators see everyone's. Every page,
        status and action on imports goes through it."""
        if not (user and user.is_active and user.is_staff):
            return self.none()
        return self if user.is_superuser else self.filter(user=user)

    def under_way(self):
        return self.filter(state__in=ImportRun.WORKING)


class ImportRun(models.Model):
    """One file on its way through an import: the preview, the mapping step, the confirmation
    and the write, each checked and written by a worker process while the page follows it.

    What a worker does while the import's transaction is open (rows checked and written, the
    stage, its heartbeat) and a request to cancel are kept outside the database
    (`config.imports.Progress`); the outcome is written here once the transaction is over."""

    class State(models.TextChoices):
        WAITING = "waiting", _("waiting for a worker")
        READING = "reading", _("reading the file")
        CHECKING = "checking", _("checking rows")
        WRITING = "writing", _("writing")
        MAPPING = "mapping", _("columns to choose")
        PREVIEWED = "previewed", _("awaiting confirmation")
        CHECKED = "checked", _("checked, nothing written")
        PROBLEMS = "problems", _("has problems")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    WORKING = (State.READING, State.CHECKING, State.WRITING)
    # States in which the page keeps polling for what the worker does.
    ACTIVE = (State.WAITING, *WORKING)
    # States a user may still cancel from: nothing has been written in any of them.
    CANCELLABLE = (*ACTIVE, State.MAPPING, State.PREVIEWED)
    # States in which the columns may be mapped (again) and the file previewed with them.
    MAPPABLE = (State.MAPPING, State.PREVIEWED, State.PROBLEMS)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    model = models.CharField(_("records"), max_length=100, help_text=_("app_label.model_name"))
    resource = models.CharField(_("import"), max_length=200)
    file_name = models.CharField(_("file"), max_length=255)
    upload_name = models.CharField(_("stored upload"), max_length=64, blank=True)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    form_data = models.JSONField(
        _("choices on the form"),
        default=dict,
        blank=True,
        help_text=_("The import form's choices, as the confirmation carries them."),
    )
    mapping = models.JSONField(_("columns"), default=dict, blank=True)
    values = models.JSONField(_("values for the whole file"), default=dict, blank=True)
    # The mapping was chosen on the mapping step for this file: remembered for its headers
    # once a preview with it has read every value given for the whole file.
    mapping_chosen = models.BooleanField(_("mapping chosen for this file"), default=False)
    column_mapping = models.ForeignKey(
        ColumnMapping,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("column mapping"),
    )
    confirmed = models.BooleanField(
        _("confirmed"), default=False, help_text=_("Written, not only previewed.")
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.WAITING
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    seconds = models.FloatField(_("seconds"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_checked = models.PositiveIntegerField(_("rows checked"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    new = models.PositiveIntegerField(_("new"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    errors = models.PositiveIntegerField(_("rows with problems"), default=0)
    skipped = models.PositiveIntegerField(_("blank or total rows skipped"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    details = models.JSONField(
        _("details"),
        default=dict,
        blank=True,
        help_text=_("What the preview shows beside the problems: the file, its first rows."),
    )
    failure = models.TextField(_("why it stopped"), blank=True)

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The Imports list: a user's own, newest first.
            models.Index(fields=["user", "-created_at"], name="config_importrun_user_recent"),
        ]

    def __str__(self):
        return f"{self.import_name()}: {self.file_name}"

    def import_name(self):
        """The import as users know it: its records' name ("organizations")."""
        try:
            return str(apps.get_model(self.model)._meta.verbose_name_plural)
        except (LookupError, ValueError):
            return self.model
