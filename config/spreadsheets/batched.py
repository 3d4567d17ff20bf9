"""The batched path every import takes: a file checked and written a batch of rows at a time.

One `BatchedImport` holds what an import works out once (which column sets what, the key, how
each cell is read) and walks the file batch by batch inside one transaction, so memory stays
flat whatever the file's length. For each batch the stored records its rows name are read in a
few queries, not one per row: the records its cells name (people by IIN, employers by BIN:
each widget with `look_up_batch`), the records its keys name with their many-to-many rows, and
whatever the resource itself needs (`look_up_batch` on the resource). The checks that would
each cost a query per row (uniqueness, constraints in SQL) are made in memory against the file
and the loaded records where the resource says its model's `clean()` mirrors them
(`clean_in_memory`), and the database's constraints stand behind them; other models are
cleaned as a form would clean them. A row only changes what its cells change; an unchanged row
costs no instance. Once a row is invalid nothing more is written, every later row is still
checked, and the transaction is rolled back: all rows or none, with the same totals and
problems as the row-by-row path.
"""

import time
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, transaction
from django.db.models import NOT_PROVIDED, F, Model
from django.utils.translation import gettext as _
from import_export.fields import Field as ImportField
from import_export.results import RowResult

from .bulk import (
    AnyOf,
    BulkWriter,
    RememberingCleaner,
    new_records,
    stored_directly,
    stored_records,
)
from .collector import collect_batch
from .pipeline import ImportFileError
from .preview import PreviewDiff
from .refusals import refusal

NOTHING = frozenset()
# Invalid rows kept with their problems for the preview; the rest are only counted.
INVALID_ROWS_KEPT = 1000


class New:
    """A record this import adds, as part of a key: the same for each of its rows, whether it
    has been written yet or not."""

    __slots__ = ()


def identity(record):
    """A record's part in a row's key: its key in the table, or, for a record new to this
    import, a marker it keeps once written, so that its rows' keys stay what they were."""
    return record.__dict__.setdefault("_key_in_import", New() if record.pk is None else record.pk)


def reason_for(file_name):
    return _("Imported from %(file)s") % {"file": file_name} if file_name else _("Imported")


@dataclass
class Column:
    """What one column of the file does to a record."""

    field: object
    read: object  # read(row, found): the cell's value, or ValueError with the message
    index: int | None = None  # its place in a row of the model's concrete values
    relation: object = None  # the foreign key it sets, if any
    target: str | None = None  # the attribute of the named record the foreign key stores
    many: object = None  # the many-to-many field it sets, if any
    key_at: int | None = None  # its place in the row's key, where the key holds its value

    @property
    def attribute(self):
        return self.field.attribute


@dataclass
class Parent:
    """Columns that set a record a key column names (`memorandum__title_ru`): that record is
    shared by its rows, changed by them in file order, and written before them."""

    relation: object
    columns: list  # (model field of the parent, Column)
    cleaner: object
    relations: list
    writer: object = None


@dataclass
class Batch:
    """A batch of rows on its way, with what was looked up for them."""

    start: int
    rows: list
    # Rows refused before any cell was read (before_import_row raised), by index.
    refused: dict = field(default_factory=dict)
    # What each looking-up widget found, by field name.
    found: dict = field(default_factory=dict)
    keys: list = field(default_factory=list)
    # What each row's key columns read, in key order (records where the key holds their
    # identity), so that checking the row does not read them again.
    key_values: list = field(default_factory=list)
    # The stored records the keys name: their concrete values, in field order, by key.
    existing: dict = field(default_factory=dict)
    # Their many-to-many rows: {stored key: {field name: frozenset of related keys}}.
    held: dict = field(default_factory=dict)
    # Keys held by records outside the user's regions.
    taken: set = field(default_factory=set)
    # What the resource looked up for itself.
    extra: object = None


class PlannedDiff(PreviewDiff):
    """The preview's diff of a row not yet written: many-to-many cells as the file has them,
    since the instance has no rows of its own to show yet."""

    @classmethod
    def read(cls, resource, field, instance, language):
        wanted = getattr(instance, "_m2m", {}).get(field.attribute, (None,))[0]
        if wanted is None:
            return super().read(resource, field, instance, language)
        related = field.widget.model.objects.filter(pk__in=wanted)
        return field.widget.render(related, language=language)


class BatchedImport:
    """One file through the batched path: see the module's docstring."""

    def __init__(self, resource, user=None, file_name=None, dry_run=False, batch_size=5000):
        self.resource = resource
        self.user = user
        self.file_name = file_name
        self.dry_run = dry_run
        self.batch_size = batch_size
        self.model = resource._meta.model
        concrete = self.model._meta.concrete_fields
        self.attnames = [each.attname for each in concrete]
        # Stored timestamps are not read: no import compares or writes them (a changed row is
        # stamped anew and keeps its creation time in the table), and parsing them took a third
        # of the time a batch's records took to arrive. Their places in a record hold None.
        self.unread = [
            index
            for index, each in enumerate(concrete)
            if getattr(each, "auto_now", False) or getattr(each, "auto_now_add", False)
        ]
        self.read_attnames = [
            name for index, name in enumerate(self.attnames) if index not in self.unread
        ]

    def run(self, dataset, raise_errors=True, progress=None):
        resource = self.resource
        result = resource.get_result_class()()
        result.total_rows = len(dataset)
        try:
            resource.before_import(dataset, user=self.user)
        except ImportFileError as error:
            result.append_base_error(resource.get_error_result_class()(error))
            result.problems, result.seconds = [], 0.0
            return result
        result.diff_headers = resource.get_diff_headers()
        self.plan(dataset.headers)
        author = self.user if self.user is not None and self.user.is_authenticated else None
        self.writer = BulkWriter(self.model, user=author, reason=reason_for(self.file_name))
        for parent in self.parents:
            parent.writer = BulkWriter(
                parent.relation.related_model, user=author, reason=reason_for(self.file_name)
            )
        self.preview_limit = resource.preview_rows if self.dry_run else 0
        self.previewed = 0
        size, checked = self.batch_size, 0
        try:
            with transaction.atomic():
                with self.writer:
                    # Batches are read in order and once, as a file read as it streams is
                    # (pipeline.StreamedRows): its length is only a bound until the last one.
                    start, batch = 0, self.read_batch(dataset, 0)
                    while batch is not None:
                        rows, ready = batch
                        # Its records are looked up while this batch is checked; the lookup
                        # waits behind no batch but the one being written.
                        following = self.read_batch(dataset, start + size)
                        created, updated = self.check_batch(ready(), result)
                        result.totals["new"] += len(created)
                        result.totals["update"] += len(updated)
                        if not result.has_validation_errors() and not self.dry_run:
                            self.write_parents(created, updated)
                            self.writer.write(created, updated)
                        checked += rows
                        # Every invalid row is counted; the first ones are kept with their
                        # problems, enough to fix a file: a million bad rows kept whole would
                        # take gigabytes.
                        del result.invalid_rows[INVALID_ROWS_KEPT:]
                        collect_batch()
                        if progress is not None and following is not None:
                            progress(checked, self.writer.written, max(len(dataset), checked))
                        start, batch = start + size, following
                result.total_rows = checked
                self.finish(dataset, result)
                if progress is not None:
                    # The last batch's, once it is written and before the commit: a caller
                    # that stops the import from here (a user cancelled it) still leaves
                    # nothing written.
                    progress(checked, self.writer.written, checked)
                if result.has_validation_errors() or result.has_errors() or self.dry_run:
                    transaction.set_rollback(True)
        except DatabaseError as error:
            if raise_errors:
                raise
            result.append_base_error(resource.get_error_result_class()(refusal(error)))
        result.problems = resource.describe_problems(result)
        result.seconds = time.monotonic() - resource.started
        return result

    def finish(self, dataset, result):
        """The resource's last word on the whole file (e.g. a memorandum left with one party):
        a file it refuses writes nothing."""
        try:
            self.resource.after_import(
                dataset,
                result,
                dry_run=self.dry_run,
                user=self.user,
                file_name=self.file_name,
            )
        except ImportFileError as error:
            result.append_base_error(self.resource.get_error_result_class()(error))

    # What the import works out once.

    def plan(self, headers):
        resource, model = self.resource, self.model
        position = {attname: index for index, attname in enumerate(self.attnames)}
        fields = [
            each
            for each in resource.get_import_fields()
            if each.attribute and each.column_name in headers
        ]
        self.lookups = {
            name: each
            for name, each in resource.fields.items()
            if each in fields and hasattr(each.widget, "look_up_batch")
        }
        for each in fields:
            warm = getattr(each.widget, "warm", None)
            if warm is not None:
                # Reference tables are read once here, not by two threads at the first row.
                warm()
        self.columns, self.many, parents = [], [], {}
        self.readers = {}
        for each in fields:
            name, _, rest = each.attribute.partition("__")
            model_field = model._meta.get_field(name)
            column = Column(each, self.reader(each))
            if rest:
                parents.setdefault(name, []).append(column)
            elif model_field.many_to_many:
                column.many = model_field
                self.many.append(column)
            else:
                column.index = position[model_field.attname]
                if model_field.is_relation:
                    column.relation = model_field
                    column.target = model_field.target_field.attname
                self.columns.append(column)
        self.parents = [
            self.parent(model._meta.get_field(name), columns) for name, columns in parents.items()
        ]
        self.key_names = list(resource.get_import_id_fields())
        self.key_fields = [resource.fields[name] for name in self.key_names]
        self.key_readers = [self.reader(each) for each in self.key_fields]
        self.key_attnames = [
            model._meta.get_field(each.attribute).attname for each in self.key_fields
        ]
        self.key_attribute = self.key_fields[0].attribute
        # A key column's cell is read once, for the row's key, and its value kept for the row.
        for column in self.columns:
            if column.field in self.key_fields:
                column.key_at = self.key_fields.index(column.field)
        # Keys that need no lookup are read by the checking thread while the writer is busy:
        # on the writer's thread they would be read before the lookup, which an unchanged file
        # waits for.
        self.keys_read_here = not any(name in self.lookups for name in self.key_names)
        self.cleaner = RememberingCleaner(model) if resource.clean_in_memory else None
        self.relations = relations_of(model)
        self.default_row = self.row_defaults(model)
        self.stored_record = stored_records(model, self.attnames, resource.get_queryset().db)
        self.new_record = new_records(model)
        # Once for the whole file: a query while the writer holds the connection would wait.
        self.prepared = resource.prepare_bulk_instances()
        self.prepared_directly = all(stored_directly(model, name) for name in self.prepared)
        self.completes = resource.completes_instances()
        self.completes_all = not resource.completes_changed_rows_only
        self.key_taken = None
        if len(self.key_fields) == 1 and not model._meta.get_field(self.key_attribute).is_relation:
            self.key_taken = resource.unique_message(self.key_attribute)

    def reader(self, each):
        """How a column's cell is read: by a widget that looked the batch up, with what it
        found; by one that reads its cell alone, remembered per cell value; else as the row
        path reads it. One reader a column, shared by its key and its value."""
        if each in self.readers:
            return self.readers[each]
        if each in self.lookups.values():
            name = next(name for name, looked in self.lookups.items() if looked is each)
            clean = field_cleaner(each)
            read = self.readers[each] = lambda row, found: clean(row, known=found[name])
        else:
            read = self.readers[each] = self.resource.cell_reader(each)
        return read

    def parent(self, relation, columns):
        model = relation.related_model
        planned = []
        for column in columns:
            model_field = model._meta.get_field(column.attribute.split("__", 1)[1])
            if model_field.is_relation:
                column.relation = model_field
                column.target = model_field.target_field.attname
            planned.append((model_field, column))
        return Parent(relation, planned, RememberingCleaner(model), relations_of(model))

    @staticmethod
    def row_defaults(model):
        """A new record's concrete values, in field order: worked out once and copied per row
        (callable defaults called each time), for model(*values), Django's fast path."""
        fields = model._meta.concrete_fields
        values = [each.get_default() for each in fields]
        fresh = [
            (index, each)
            for index, each in enumerate(fields)
            if each.has_default() and callable(each.default)
        ]

        def defaults():
            row = values.copy()
            for index, each in fresh:
                row[index] = each.get_default()
            return row

        return defaults

    # Reading and looking up.

    def read_batch(self, dataset, start):
        """A batch's rows by column, and a function giving them with the stored records they
        name once the writer has looked them up, with the batch's length; None past the last
        row.

        A row of this file whose key an earlier batch has written too is refused as a
        duplicate, so the records stored before the import are all the lookup needs to see.
        """
        headers = dataset.headers
        batch = Batch(
            start,
            [
                dict(zip(headers, values, strict=False))
                for values in dataset[start : start + self.batch_size]
            ],
        )
        if not batch.rows:
            return None
        for index, row in enumerate(batch.rows):
            try:
                self.resource.before_import_row(row)
            except ValidationError as error:
                batch.refused[index] = error
        if self.keys_read_here:
            self.read_keys(batch)
        return len(batch.rows), self.writer.read(self.look_up, batch)

    def look_up(self, batch):
        """On the writer's thread: what the batch's cells name, the stored records its keys
        name, the keys taken by records the user may not see, and a key of the table reserved
        for each row that may be new, so the batch is handed over with its keys."""
        resource = self.resource
        for name, each in self.lookups.items():
            cells = [row.get(each.column_name) for row in batch.rows]
            batch.found[name] = each.widget.look_up_batch(cells, batch.rows)
        if not batch.keys:
            self.read_keys(batch)
        batch.existing = self.load_existing(batch.keys)
        batch.held = self.load_held(batch.existing)
        unseen = {key for key in batch.keys if key is not None} - batch.existing.keys()
        if self.key_taken is not None:
            batch.taken = resource.keys_taken_elsewhere(unseen, self.key_fields)
        batch.extra = resource.look_up_batch(batch)
        # A row whose key cannot be read yet may still be new: its key names a record the
        # resource adds (an akimat table's new employer). Keys for those too, so that the batch
        # is not held up drawing them; any left over go to the next batches.
        unread = sum(key is None for key in batch.keys)
        self.writer.reserve_keys(len(unseen - batch.taken) + unread)
        return batch

    def read_keys(self, batch):
        refused, found = batch.refused, batch.found
        keys, values = [], []
        for index, row in enumerate(batch.rows):
            key, read = (None, None) if index in refused else self.key_of(row, found)
            keys.append(key)
            values.append(read)
        batch.keys, batch.key_values = keys, values

    def key_of(self, row, found):
        """A row's key as its key columns read, with what they read; None for both if one
        cannot be read."""
        key, read = [], []
        for reader in self.key_readers:
            try:
                value = reader(row, found)
            except ValueError:
                return None, None
            read.append(value)
            key.append(identity(value) if isinstance(value, Model) else value)
        return tuple(key), read

    def load_existing(self, keys):
        """The stored records a batch's keys name, by key: each a tuple of its concrete values,
        in field order, so that a row the file leaves unchanged costs no instance. One query,
        each key column matched against the batch's values for it; the keys compared here."""
        keys = {key for key in keys if key is not None}
        conditions = []
        for index, attname in enumerate(self.key_attnames):
            values = {key[index] for key in keys} - {None, ""}
            values = [value for value in values if not isinstance(value, New)]
            if not values:
                return {}
            conditions.append(AnyOf(F(attname), values))
        queryset = self.resource.get_queryset()
        if connections[queryset.db].vendor != "postgresql":
            # SQLite probes an index of several key columns once for each combination of the
            # lists' values: 2,500 memoranda by 5,000 employers for a batch of parties, 1.4 s.
            # The longest list alone finds a few rows more, which the keys leave out below.
            conditions = [max(conditions, key=lambda condition: len(condition.rhs))]
        at = [self.attnames.index(attname) for attname in self.key_attnames]
        stored = (
            queryset.select_related(None)
            .prefetch_related(None)
            .order_by()
            .filter(*conditions)
            .values_list(*self.read_attnames)
        )
        found = {}
        for values in stored:
            if self.unread:
                values = list(values)
                for index in self.unread:
                    values.insert(index, None)
                values = tuple(values)
            key = tuple(values[index] for index in at)
            if key in keys:
                found[key] = values
        return found

    def load_held(self, existing):
        """The many-to-many rows the stored records hold, for the fields the file sets."""
        if not self.many or not existing:
            return {}
        pk = self.attnames.index(self.model._meta.pk.attname)
        pks = [values[pk] for values in existing.values()]
        held = {}
        for column in self.many:
            through = column.many.remote_field.through
            source, target = column.many.m2m_field_name(), column.many.m2m_reverse_field_name()
            pairs = (
                through.objects.filter(AnyOf(F(f"{source}_id"), pks))
                .order_by()
                .values_list(f"{source}_id", f"{target}_id")
            )
            grouped = {}
            for owner, related in pairs:
                grouped.setdefault(owner, set()).add(related)
            for owner, related in grouped.items():
                held.setdefault(owner, {})[column.attribute] = frozenset(related)
        return held

    # Checking.

    def check_batch(self, batch, result):
        """Read and validate a batch of rows: the instances to create and to change.

        A row goes into a list of concrete values, the stored record's or the defaults, and an
        instance is made only for a row that is new or changes something, or for every row of
        a resource that completes its instances (`complete_instance`).
        """
        resource, model = self.resource, self.model
        seen = resource.seen_keys
        created, updated, previewed = [], [], []
        self.parents_to_write = {}
        resource.before_check_batch(batch)
        found = batch.found
        pk_at = self.attnames.index(model._meta.pk.attname)
        for index, (row, key, read) in enumerate(
            zip(batch.rows, batch.keys, batch.key_values, strict=True)
        ):
            number = batch.start + index + 1
            if index in batch.refused:
                result.append_invalid_row(number, row, batch.refused[index])
                result.totals["invalid"] += 1
                continue
            if key is None:
                # Read again: the resource may have added what the key names (an employer new
                # to the registry) since the batch was looked up.
                key, read = self.key_of(row, found)
            stored = batch.existing.get(key)
            values = self.default_row() if stored is None else list(stored)
            changed = stored is None
            errors, related = {}, []
            for column in self.columns:
                if key is not None and column.key_at is not None:
                    value = read[column.key_at]
                else:
                    try:
                        value = column.read(row, found)
                    except ValueError as error:
                        errors[column.attribute] = [str(error)]
                        continue
                    if value is None and not column.field.saves_null_values:
                        # A blank cell that states nothing, as on the row-by-row path.
                        continue
                if column.relation is not None:
                    related.append((column.relation, value))
                    value = None if value is None else getattr(value, column.target)
                if values[column.index] != value:
                    values[column.index] = value
                    changed = True
            many, many_changed = {}, False
            if self.many:
                held = {} if stored is None else batch.held.get(stored[pk_at], {})
                for column in self.many:
                    try:
                        wanted = column.read(row, found)
                    except ValueError as error:
                        errors[column.attribute] = [str(error)]
                        continue
                    many[column.attribute] = (wanted, held.get(column.attribute, NOTHING))
            many_changed = any(wanted != held for wanted, held in many.values())
            if key is not None and key in seen:
                errors.setdefault(self.key_attribute, []).append(
                    resource.repeated_key_message(seen[key])
                )
            seen.setdefault(key, number)
            if key in batch.taken:
                errors.setdefault(self.key_attribute, []).append(self.key_taken)
            instance = None
            if self.completes and (changed or many_changed or self.completes_all):
                instance = self.instance(values, stored, related)
                resource.complete_instance(instance, row, errors, row_number=number)
                # What the row changes is what it changes once completed.
                changed = stored is None or any(
                    stored[column.index] != getattr(instance, self.attnames[column.index])
                    for column in self.columns
                )
            parents = self.read_parents(row, related, found, errors) if self.parents else []
            if not errors and not changed and not many_changed and not parents:
                result.totals["skip"] += 1
                continue
            if instance is None:
                instance = self.instance(values, stored, related)
            if many:
                instance._m2m = many
            try:
                resource.validate_instance(instance, errors, validate_unique=False)
            except ValidationError as error:
                result.append_invalid_row(number, row, error)
                result.totals["invalid"] += 1
                continue
            for record in parents:
                # Kept once checked: the record's later rows only change it again.
                record._checked_by_import = True
                self.parents_to_write[id(record)] = record
            (created if stored is None else updated).append(instance)
            if self.previewed + len(previewed) < self.preview_limit:
                previewed.append((None if stored is None else instance.pk, instance))
        self.preview(previewed, result)
        return created, updated

    def instance(self, values, stored, related):
        if stored is None:
            instance = self.new_record(values)
        else:
            instance = self.stored_record(values)
            instance._stored_values = stored
        # The records the widgets read, so that checks following a key make no query.
        cache = instance._state.fields_cache
        for relation, value in related:
            cache[relation.cache_name] = value
        if self.prepared_directly:
            instance.__dict__.update(self.prepared)
        else:
            for name, value in self.prepared.items():
                setattr(instance, name, value)
        return instance

    def clean(self, instance, errors):
        """A row's checks, as a form makes them; without a query per row where the model's
        clean() mirrors its constraints, without reading again what the widgets read, and
        without checking again what a changed row keeps as stored."""
        if self.cleaner is None:
            instance.full_clean(exclude=list(errors), validate_unique=True)
            return
        self.cleaner.full_clean(
            instance,
            exclude={*errors, *loaded(instance, self.relations)},
            stored=instance.__dict__.get("_stored_values"),
        )

    def read_parents(self, row, related, found, errors):
        """The records key columns name, set as the row's parent columns say: those the row
        adds or changes, checked. A row with a problem of its own leaves them unchecked, as
        saving them waits for a row without one."""
        records = {relation.name: value for relation, value in related}
        touched = []
        for parent in self.parents:
            record = records.get(parent.relation.name)
            if record is None:
                continue
            before = [getattr(record, model_field.attname) for model_field, _ in parent.columns]
            for model_field, column in parent.columns:
                try:
                    value = column.read(row, found)
                except ValueError as error:
                    errors[column.attribute] = [str(error)]
                    continue
                setattr(record, model_field.name, value)
            if errors:
                continue
            self.resource.complete_related(record)
            after = [getattr(record, model_field.attname) for model_field, _ in parent.columns]
            new = record.pk is None and not getattr(record, "_checked_by_import", False)
            if not new and after == before:
                continue
            try:
                parent.cleaner.full_clean(record, exclude=loaded(record, parent.relations))
            except ValidationError as error:
                for attribute, messages in error.message_dict.items():
                    errors[f"{parent.relation.name}__{attribute}"] = messages
                continue
            touched.append(record)
        return touched

    # Writing.

    def write_parents(self, created, updated):
        """The records the batch's parent columns add or change, written before the rows that
        name them, and the rows given their keys."""
        if not self.parents:
            return
        records = list(self.parents_to_write.values())
        for parent in self.parents:
            model = parent.relation.related_model
            mine = [record for record in records if isinstance(record, model)]
            parent.writer.write(
                [record for record in mine if record.pk is None],
                [record for record in mine if record.pk is not None],
            )
            for instance in [*created, *updated]:
                record = parent.relation.get_cached_value(instance, None)
                if record is not None:
                    setattr(instance, parent.relation.attname, record.pk)

    # Previewing.

    def preview(self, previewed, result):
        """Row results for (stored key or None, instance) pairs, with what each changes."""
        if not previewed:
            return
        self.previewed += len(previewed)
        resource = self.resource
        # The stored records as the widgets render them, with their references: one query.
        originals = resource.get_queryset().in_bulk([pk for pk, _ in previewed if pk is not None])
        for pk, instance in previewed:
            row_result = resource.get_row_result_class()()
            new = pk is None
            row_result.import_type = (
                RowResult.IMPORT_TYPE_NEW if new else RowResult.IMPORT_TYPE_UPDATE
            )
            diff = PlannedDiff(resource, self.model() if new else originals[pk], new)
            diff.compare_with(resource, instance)
            row_result.diff = diff.as_html()
            row_result.add_instance_info(instance)
            result.append_row_result(row_result)


def field_cleaner(field):
    """`field.clean` of an import-export Field: without a default of its own, what it does
    (hand the row's cell to its widget) done without the call, the `in` over its empty values
    and the lookup in between, once for every cell of a file."""
    if type(field).clean is not ImportField.clean or field.default is not NOT_PROVIDED:
        return field.clean
    column, widget = field.column_name, field.widget

    def clean(row, **kwargs):
        try:
            value = row[column]
        except KeyError:
            return field.clean(row, **kwargs)  # it says which column is missing
        return widget.clean(value, row=row, **kwargs)

    return clean


def relations_of(model):
    return [each for each in model._meta.concrete_fields if each.is_relation]


def loaded(instance, relations):
    """The foreign keys of an instance that hold a record already: one read from the database
    (its key set) or one this import adds (cached, not yet written). Checking them again would
    cost a query each."""
    values = instance.__dict__
    cached = instance._state.fields_cache
    return [
        each.name
        for each in relations
        if (
            (values[each.attname] if each.attname in values else getattr(instance, each.attname))
            is not None
            or cached.get(each.cache_name) is not None
        )
    ]
