"""Forms that refuse to save over what someone else saved after they were opened.

A record's form, and each row of its inlines, carries the id of the latest history record of
what it shows. Before saving, the record (or the inline's rows) is locked until the
transaction ends and its latest history id read again: another save of the same record waits
for this one, then finds a newer version and is refused with a message saying who changed
what, and when. Nothing of the refused form is saved. On SQLite the same order comes from
`transaction_mode = IMMEDIATE`: each change form's transaction takes the write lock at BEGIN,
before anything is read.
"""

from django import forms
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import CASCADE, Max
from django.forms.models import BaseInlineFormSet
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.utils import get_m2m_reverse_field_name

VERSION_FIELD = "edit_version"


def history_of(model):
    """The model's simple-history manager (all its records), or None if it keeps none."""
    attribute = getattr(model._meta, "simple_history_manager_attribute", None)
    return None if attribute is None else getattr(model, attribute)


def lock(model, pks):
    """Locks the records until the transaction ends, so that a save of any of them elsewhere
    waits for this one; returns the keys of those that still exist. Ordered by key, so two
    saves locking overlapping rows cannot deadlock. SQLite ignores the lock: its writers are
    already serialized from BEGIN IMMEDIATE."""
    locked = model._base_manager.select_for_update().filter(pk__in=pks).order_by("pk")
    return set(locked.values_list("pk", flat=True))


def latest_versions(model, pks):
    """The id of the latest history record of each record, in one query whatever their number."""
    key = model._meta.pk.attname
    records = history_of(model).filter(**{f"{key}__in": pks}).order_by()
    return dict(records.values_list(key).annotate(Max("history_id")))


def with_version_field(fieldsets):
    """Fieldsets that carry the hidden version, for admins and inlines with fieldsets of their
    own as for those without."""
    if VERSION_FIELD in flatten_fieldsets(fieldsets):
        return fieldsets
    return [*fieldsets, (None, {"fields": [VERSION_FIELD], "classes": ["hidden"]})]


def stored_fields_only(fieldsets, model_admin):
    """Fieldsets without the fields a form adds (the version, an inline row's new value): a page
    the user may only look at shows stored values, and such a field would show its attribute
    name ("Edit version") and "None"."""

    def stored(name):
        if not isinstance(name, str):
            return True
        try:
            model_admin.model._meta.get_field(name)
        except FieldDoesNotExist:
            return hasattr(model_admin, name) or hasattr(model_admin.model, name)
        return True

    kept = []
    for title, options in fieldsets:
        fields = []
        for field in options.get("fields", ()):
            if isinstance(field, list | tuple):
                row = [name for name in field if stored(name)]
                if row:
                    fields.append(type(field)(row))
            elif stored(field):
                fields.append(field)
        if fields:
            kept.append((title, {**options, "fields": fields}))
    return kept


def shown(field, value):
    """A stored value as a form shows it: choices by label, related records by name, dates and
    numbers in the user's format."""
    if value is None or value == "" or value == []:
        return "—"
    if field.many_to_many:
        target = get_m2m_reverse_field_name(field)
        keys = [row[target] for row in value]
        named = field.related_model._base_manager.in_bulk(keys)
        return ", ".join(str(named.get(key, key)) for key in keys)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        related = field.related_model._base_manager.filter(pk=value).first()
        return str(related if related is not None else value)
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    return str(formats.localize(value))


def when(record):
    return timezone.localtime(record.history_date).strftime("%d.%m.%Y %H:%M")


def who(record):
    return record.history_user or _("someone")


class VersionField(forms.CharField):
    """The version a form was opened at: never a change the user made, so an unchanged inline
    row stays unsaved and the change message does not list it."""

    widget = forms.HiddenInput

    def has_changed(self, initial, data):
        return False


class VersionedModelForm(forms.ModelForm):
    """What a record's form and an inline row's form share: the version they carry, the check
    of it against the record's latest version, and the message describing what changed."""

    edit_version = VersionField(label=_("version of the record"), required=False)

    stale_message = None
    deleted_message = None

    def opened_version(self):
        """The history id the form was opened at; none for a new record or a form without one."""
        seen = str(self.data.get(self.add_prefix(VERSION_FIELD)) or "").strip()
        # A history id is a positive bigint; anything else was not sent by our form.
        if seen.isascii() and seen.isdigit() and len(seen) < 19:
            return int(seen)
        return None

    def version_conflict(self, pk, latest_id, exists):
        """The refusal of a save over what someone else saved since the form was opened (or of
        a record someone deleted meanwhile), or None when there is nothing to refuse."""
        seen = self.opened_version()
        if seen is None or latest_id is None or (exists and latest_id == seen):
            return None
        key = self._meta.model._meta.pk.attname
        # From the version opened to the latest; the latest alone for a version never stored.
        records = list(
            history_of(self._meta.model)
            .filter(**{key: pk, "history_id__gte": min(seen, latest_id)})
            .select_related("history_user")
            .order_by("history_id")
        )
        latest = records[-1]
        opened = records[0] if records[0].history_id == seen else None
        params = {
            "user": who(latest),
            "time": when(latest),
            "kind": capfirst(self._meta.model._meta.verbose_name),
            # Named as the form showed it.
            "name": str((opened or latest).instance),
        }
        if not exists:
            return ValidationError(self.deleted_message, params=params, code="stale")
        changes = self.describe_changes(pk, latest, opened, records)
        params["changes"] = "; ".join(changes) or _("no field values changed")
        return ValidationError(self.stale_message, params=params, code="stale")

    def describe_changes(self, pk, latest, opened, records):
        if opened is None:
            return []
        return [self.describe_change(change) for change in latest.diff_against(opened).changes]

    def describe_change(self, change):
        field = self._meta.model._meta.get_field(change.field)
        if change.field not in self.fields:
            # Not on this form (read-only here, or personal data the user may not see): the
            # form does not show its values, so neither does the message.
            return str(capfirst(field.verbose_name))
        old, new = shown(field, change.old), shown(field, change.new)
        return f"{capfirst(field.verbose_name)}: {old} → {new}"


class ConcurrentEditForm(VersionedModelForm):
    """A record's form: refuses to save over a change someone else saved after it was opened.

    The message says what changed: the record's fields, and the rows of its inlines saved
    with it or since (parts deleted with the record, such as a memorandum's commitments).
    """

    stale_message = _(
        "%(user)s saved this record at %(time)s while you were editing it "
        "(%(changes)s). Nothing of yours was saved: reload the page to see the current "
        "values, then make your changes again."
    )
    deleted_message = _(
        "%(user)s deleted this record at %(time)s while you were editing it. Nothing of yours "
        "was saved."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A bound form keeps the version it was opened at; only a form being shown needs one.
        if not self.is_bound and self.instance.pk is not None and self.versioned():
            pk = self.instance.pk
            self.fields[VERSION_FIELD].initial = latest_versions(self._meta.model, [pk]).get(pk)

    def versioned(self):
        return history_of(self._meta.model) is not None

    def clean(self):
        data = super().clean()
        pk = self.instance.pk
        if pk is None or not self.versioned() or self.opened_version() is None:
            return data
        model = self._meta.model
        exists = bool(lock(model, [pk]))
        conflict = self.version_conflict(pk, latest_versions(model, [pk]).get(pk), exists)
        if conflict is not None:
            raise conflict
        return data

    def describe_changes(self, pk, latest, opened, records):
        changes = super().describe_changes(pk, latest, opened, records)
        if opened is not None and len(records) > 1:
            # Inline rows are saved just after their record: those saved with the first newer
            # version or later are what changed since the form was opened.
            changes += describe_parts(self._meta.model, pk, since=records[1].history_date)
        return changes


def parts_of(model):
    """Rows that belong to a record (deleted with it) and keep history: what inlines edit."""
    return [
        relation
        for relation in model._meta.related_objects
        if relation.one_to_many
        and relation.on_delete is CASCADE
        and history_of(relation.related_model) is not None
    ]


def describe_parts(model, pk, since):
    """The rows of a record's parts added, changed or deleted since a moment, with by whom."""
    described = []
    for relation in parts_of(model):
        part = relation.related_model
        key = part._meta.pk.attname
        rows = {}
        records = (
            history_of(part)
            .filter(**{relation.field.attname: pk})
            .select_related("history_user")
            .order_by("history_id")
        )
        for record in records:
            rows.setdefault(getattr(record, key), []).append(record)
        for row in rows.values():
            before = [record for record in row if record.history_date < since]
            after = [record for record in row if record.history_date >= since]
            if after:
                described += describe_part(part, before[-1] if before else None, after[-1])
    return described


def describe_part(part, before, last):
    params = {
        "kind": part._meta.verbose_name,
        "name": str(last.instance),
        "user": who(last),
        "time": when(last),
    }
    existed = before is not None and before.history_type != "-"
    if last.history_type == "-":
        return [_("%(kind)s “%(name)s” deleted (%(user)s, %(time)s)") % params] if existed else []
    if not existed:
        return [_("%(kind)s “%(name)s” added (%(user)s, %(time)s)") % params]
    fields = [
        str(part._meta.get_field(change.field).verbose_name)
        for change in last.diff_against(before).changes
    ]
    if not fields:
        return []
    return [
        _("%(kind)s “%(name)s” changed: %(fields)s (%(user)s, %(time)s)")
        % {**params, "fields": ", ".join(fields)}
    ]


class ConcurrentEditInlineForm(VersionedModelForm):
    """An inline row's form; its formset checks the versions of all its rows at once."""

    stale_message = _(
        "%(kind)s “%(name)s”: %(user)s saved this row at %(time)s while you were editing it "
        "(%(changes)s). Nothing of yours was saved: reload the page to see the current "
        "values, then make your changes again."
    )
    deleted_message = _(
        "%(kind)s “%(name)s”: %(user)s deleted this row at %(time)s while you were editing "
        "it. Nothing of yours was saved: reload the page to see the current values, then make "
        "your changes again."
    )


class ConcurrentEditFormSet(BaseInlineFormSet):
    """Inline rows that each carry their version: a stale or deleted row is refused by name,
    and with it the whole form. One query gives the versions of all rows, however many."""

    def versioned(self):
        return history_of(self.model) is not None

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if self.is_bound or index is None or not self.versioned():
            return kwargs
        rows = self.get_queryset()
        if index < len(rows):
            pk = rows[index].pk
            kwargs["initial"] = {**kwargs.get("initial", {}), VERSION_FIELD: self.versions.get(pk)}
        return kwargs

    @cached_property
    def versions(self):
        return latest_versions(self.model, [row.pk for row in self.get_queryset()])

    def clean(self):
        # Before any other check: nothing else matters until the form is reloaded.
        if self.versioned():
            conflicts = self.version_conflicts()
            if conflicts:
                raise ValidationError(conflicts)
        super().clean()

    def version_conflicts(self):
        present, gone = {}, {}
        for form in self.initial_forms:
            if form.opened_version() is None:
                continue
            if not form.instance._state.adding:
                present[form] = form.instance.pk
            elif (pk := self.sent_key(form)) is not None:
                gone[form] = pk
        rows = {**present, **self.shown_rows(gone)}
        if not rows:
            return []
        existing = lock(self.model, set(rows.values()))
        latest = latest_versions(self.model, set(rows.values()))
        conflicts = []
        for form, pk in rows.items():
            exists = pk in existing
            if not exists and self.can_delete and self._should_delete_form(form):
                continue  # deleted meanwhile, and this form deletes it too
            conflict = form.version_conflict(pk, latest.get(pk), exists)
            if conflict is not None:
                conflicts.append(conflict)
        return conflicts

    def sent_key(self, form):
        """The key a row's form was sent with, for a row no longer among the record's rows."""
        sent = form.data.get(form.add_prefix(self.model._meta.pk.name))
        try:
            return self.model._meta.pk.to_python(sent)
        except ValidationError:
            return None

    def shown_rows(self, gone):
        """Of the rows no longer among the record's, those the form was opened with: the
        version sent is a history record of that row in this record. Nothing is said about a
        key sent for another record's row; Django refuses it as an unknown row."""
        if not gone:
            return {}
        key = self.model._meta.pk.attname
        versions = [form.opened_version() for form in gone]
        shown = history_of(self.model).filter(
            history_id__in=versions, **{self.fk.attname: self.instance.pk}
        )
        shown = set(shown.values_list(key, "history_id"))
        return {form: pk for form, pk in gone.items() if (pk, form.opened_version()) in shown}
