"""Checking and writing many rows at once, with the history records saving them one by one would
leave."""

import datetime
import itertools
import math
import operator
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import (
    CharField,
    DateField,
    DateTimeField,
    Field,
    Model,
    TextField,
    signals,
)
from django.db.models.base import ModelState
from django.db.models.expressions import DatabaseDefault
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.lookups import In
from django.utils import timezone, translation
from simple_history.models import HistoricalRecords

# How COPY's text format spells a value, by field type: every character as typed, but for the
# four that would end a value or a row, which go backslashed.
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_escaped(text):
    # Tested first: translating costs seven times as much as looking, and few values need it.
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(COPY_ESCAPES)
    return text


def copy_boolean(value):
    return "t" if value else "f"


COPY_TEXT = {
    **dict.fromkeys(["CharField", "SlugField", "TextField"], copy_escaped),
    **dict.fromkeys(
        [
            "AutoField",
            "BigAutoField",
            "BigIntegerField",
            "DecimalField",
            "IntegerField",
            "PositiveBigIntegerField",
            "PositiveIntegerField",
            "PositiveSmallIntegerField",
            "SmallAutoField",
            "SmallIntegerField",
        ],
        str,
    ),
    **dict.fromkeys(["DateField", "DateTimeField"], operator.methodcaller("isoformat")),
    "BooleanField": copy_boolean,
}


def array_parameter(values, db_type=None):
    """A list as one query parameter, with its placeholder: for whole numbers, texts or dates,
    PostgreSQL's text of the array (`'{1,2}'`) cast to bigint[], text[] or date[]; for values of
    any other type the list itself, cast to an array of `db_type` if given.

    The driver spells a list out element by element in Python: 5,000 keys cost 11 to 14 ms, a
    batch's every lookup and history record paying it, where the text made here costs 3 to 5.
    Texts are cast to text[], never to the column's varchar(n), which would cut a longer value
    down to one that may match.
    """
    kinds = set(map(type, values))
    kind = kinds.pop() if len(kinds) == 1 else None
    if kind is int:
        return "%s::bigint[]", "{" + ",".join(map(str, values)) + "}"
    if kind is datetime.date:
        return "%s::date[]", "{" + ",".join(map(str, values)) + "}"
    if kind is str:
        # Each text in double quotes, its own quotes and backslashes backslashed.
        if any('"' in value or "\\" in value for value in values):
            values = [value.replace("\\", "\\\\").replace('"', '\\"') for value in values]
        return "%s::text[]", '{"' + '","'.join(values) + '"}'
    return ("%s" if db_type is None else f"%s::{db_type}[]"), values


class AnyOf(In):
    """`field IN (…)` for thousands of values: on PostgreSQL one array parameter, `= ANY(%s)`.

    Django writes a placeholder per value, which the driver then parses one by one; a batch of
    5,000 keys took four times as long to look up that way. Used as `filter(AnyOf(F(name), v))`.
    """

    def as_postgresql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [
            field.get_db_prep_value(value, connection, prepared=True)
            for value in self.rhs
            if value is not None
        ]
        placeholder, values = array_parameter(values)
        return f"{lhs} = ANY({placeholder})", (*params, values)


def stored_records(model, attnames, database):
    """A function making a stored record from its values (in `attnames` order), as
    Model.from_db does; made thousands of times a batch, Model.__init__ and its signals were a
    quarter of an import's time, so a model that has no __init__ of its own and no receivers
    of those signals gets its values set directly."""
    if (
        model.__init__ is not Model.__init__
        or signals.pre_init.has_listeners(model)
        or signals.post_init.has_listeners(model)
    ):
        return lambda values: model.from_db(database, attnames, values)
    new = model.__new__

    def record(values):
        instance = new(model)
        instance.__dict__.update(zip(attnames, values, strict=True))
        state = instance._state = ModelState()
        state.adding, state.db = False, database
        return instance

    return record


def new_records(model):
    """A function making a new, unsaved record from its concrete values in field order, as
    model(*values) does: directly, as `stored_records` does, where nothing else would happen
    (no __init__ of the model's own, no receivers of its signals, no attribute that does more
    than store its value but a foreign key's, which on a new instance only stores it either)."""
    fields = model._meta.concrete_fields
    attnames = [field.attname for field in fields]
    plain = all(
        stored_directly(model, field.attname)
        or type(getattr(model, field.attname)) is ForeignKeyDeferredAttribute
        for field in fields
    )
    if (
        not plain
        or model.__init__ is not Model.__init__
        or signals.pre_init.has_listeners(model)
        or signals.post_init.has_listeners(model)
    ):
        return lambda values: model(*values)
    new = model.__new__

    def record(values):
        instance = new(model)
        instance.__dict__.update(zip(attnames, values, strict=True))
        instance._state = ModelState()
        return instance

    return record


class RememberingCleaner:
    """`Model.full_clean` without the unique and constraint checks, for many instances of one
    model: a value a field has passed once is not checked again.

    The same OKED code, headcount, date or status comes down a column of an imported file
    thousands of times, and a field's checks depend on the value alone. Relations are always
    checked, since theirs read the database; a failing value is checked each time, so every row
    gets its own message. At most `limit` values are remembered per field, so memory stays flat
    down a column of unique names. Given the record's `stored` values (its concrete values, in
    field order), a value the instance keeps as stored is not checked again: it was when it was
    stored, and a changed row's unique values (its key, its search text) would otherwise be
    checked on every row. A text within its length, of a field that checks nothing else, passes
    without being remembered: names are unique down their column.
    """

    def __init__(self, model, limit=10_000):
        self.fields = [field for field in model._meta.fields if not field.generated]
        concrete = model._meta.concrete_fields
        self.at = {field.name: concrete.index(field) for field in self.fields}
        self.passed = {field.name: {} for field in self.fields if not field.is_relation}
        self.limit = limit
        # A model that cleans its fields its own way is cleaned its own way, unless its way is
        # only to fill some first (`fill_before_cleaning`).
        self.fill = getattr(model, "fill_before_cleaning", None)
        self.own_way = model.clean_fields is not Model.clean_fields and self.fill is None
        # What each field's check needs, worked out once: it runs for every field of every row.
        self.plan = [
            (
                field,
                field.name,
                field.attname,
                self.at[field.name],
                field.blank,
                field.empty_values,
                # Only a field with a database default is given one.
                field.has_db_default(),
                self.passed.get(field.name),
                stored_directly(model, field.attname),
                text_limit(field),
            )
            for field in self.fields
        ]

    def full_clean(self, instance, exclude=(), stored=None):
        if self.own_way:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
            return
        if self.fill is not None:
            instance.fill_before_cleaning()
        errors = {}
        values = instance.__dict__
        for field, name, attname, at, blank, empty, db_default, passed, direct, limit in self.plan:
            if name in exclude:
                continue
            # An instance of an import has every field loaded: read past the descriptor.
            raw = values[attname] if attname in values else getattr(instance, attname)
            if stored is not None and raw == stored[at]:
                continue
            # As Model.clean_fields: a blank optional value and a database default are not checked.
            if (blank and raw in empty) or (db_default and isinstance(raw, DatabaseDefault)):
                continue
            # What field.clean would find of a text within its length: nothing, the text kept.
            if limit is not None and type(raw) is str and raw and len(raw) <= limit:
                continue
            if passed is not None:
                # Typed, so that True is not taken for 1.
                key = (type(raw), raw)
                try:
                    value = passed.get(key, MISSING)
                except TypeError:
                    passed = None
                else:
                    if value is not MISSING:
                        if value is not raw:
                            if direct:
                                values[attname] = value
                            else:
                                setattr(instance, attname, value)
                        continue
            try:
                value = field.clean(raw, instance)
            except ValidationError as error:
                errors[name] = error.error_list
                continue
            setattr(instance, attname, value)
            if passed is not None and len(passed) < self.limit:
                try:
                    hash(value)
                except TypeError:
                    continue
                passed[key] = value
        try:
            instance.clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


MISSING = object()


def stored_directly(model, attname):
    """Whether setting the attribute only stores it in the instance's __dict__: the model's
    attribute for it is no data descriptor (a foreign key's id is one)."""
    return not hasattr(type(getattr(model, attname, None)), "__set__")


def text_limit(field):
    """For a text field whose only check of a text is its length (no choices, no validators of
    its own): the most characters it takes (math.inf: any number); else None."""
    if type(field) not in (CharField, TextField) or field.choices is not None:
        return None
    limits = []
    for validator in field.validators:
        if type(validator) is not MaxLengthValidator or type(validator.limit_value) is not int:
            return None
        limits.append(validator.limit_value)
    return min(limits, default=math.inf)


def record_history_in_bulk(
    model, pks, history_type, user=None, reason="", date=None, using=DEFAULT_DB_ALIAS
):
    """History records for rows written in bulk, copied from the rows inside the database.

    One INSERT … SELECT per chunk of keys: the rows never travel back through Python.
    `history_type` is simple-history's "+" (created) or "~" (changed). A model whose history
    keeps many-to-many fields gets, for each record, the rows those fields hold, as saving
    would give it.
    """
    connection = connections[using]
    history_model = model.history.model
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [quote(field.column) for field in history_model.tracked_fields]
    extra = ["history_date", "history_change_reason", "history_type", "history_user_id"]
    pk = quote(model._meta.pk.column)
    postgres = connection.vendor == "postgresql"
    chunk = 50_000 if postgres else 500
    many = getattr(history_model, "_history_m2m_fields", [])
    # The new records' ids, where their many-to-many rows are to be copied next.
    returning = f" RETURNING {quote(history_model._meta.pk.column)}" if many else ""
    prefix = (
        f"INSERT INTO {quote(history_model._meta.db_table)} "
        f"({', '.join(columns + [quote(name) for name in extra])}) "
        f"SELECT {', '.join(f'{table}.{column}' for column in columns)}, %s, %s, %s, %s "
    )
    values = [date or timezone.now(), reason, history_type, user.pk if user else None]
    pks = list(pks)
    key_type = model._meta.pk.rel_db_type(connection)
    with connection.cursor() as cursor:
        for start in range(0, len(pks), chunk):
            keys = pks[start : start + chunk]
            if postgres:
                # Joined to the keys rather than filtered by `= ANY(keys)`: a table that grew
                # since it was last analyzed would be scanned once per key, chunk after chunk.
                placeholder, keys = array_parameter(keys, key_type)
                cursor.execute(
                    prefix + f"FROM unnest({placeholder}) AS written (pk) "
                    f"JOIN {table} ON {table}.{pk} = written.pk" + returning,
                    [*values, keys],
                )
            else:
                marks = ", ".join(["%s"] * len(keys))
                cursor.execute(
                    prefix + f"FROM {table} WHERE {pk} IN ({marks})" + returning,
                    [*values, *keys],
                )
            if many:
                records = [record for (record,) in cursor.fetchall()]
                for field in many:
                    record_m2m_history(model, field, records, cursor)


def record_m2m_history(model, field, records, cursor):
    """The rows a many-to-many field holds, copied beside each of the history `records`."""
    connection = cursor.db
    quote = connection.ops.quote_name
    history_model = model.history.model
    m2m_history = HistoricalRecords.m2m_models[field]
    through = field.remote_field.through
    columns = [quote(each.column) for each in through._meta.concrete_fields]
    written = quote(history_model._meta.db_table)
    statement = (
        f"INSERT INTO {quote(m2m_history._meta.db_table)} "
        f"({', '.join(columns)}, {quote(m2m_history._meta.get_field('history').column)}) "
        f"SELECT {', '.join(f'held.{column}' for column in columns)}, "
        f"record.{quote(history_model._meta.pk.column)} "
        f"FROM {written} record JOIN {quote(through._meta.db_table)} held "
        f"ON held.{quote(field.m2m_column_name())} = record.{quote(model._meta.pk.column)} "
        f"WHERE record.{quote(history_model._meta.pk.column)} "
    )
    if connection.vendor == "postgresql":
        key_type = history_model._meta.pk.rel_db_type(connection)
        placeholder, records = array_parameter(records, key_type)
        cursor.execute(statement + f"= ANY({placeholder})", [records])
        return
    for start in range(0, len(records), 500):
        chunk = records[start : start + 500]
        cursor.execute(statement + f"IN ({', '.join(['%s'] * len(chunk))})", chunk)


# Each scratch table a writer makes has a name of its own, however many a transaction holds.
SCRATCH_NUMBERS = itertools.count(1)
ANALYZE_AFTER = 10_000


class BulkWriter:
    """Writes batches of new and changed instances of one model, and their history.

    New rows reach PostgreSQL through COPY, with keys drawn from the table's own sequence;
    other databases take them through bulk_create. Changed rows are as quick to write: on
    PostgreSQL they are copied into a scratch table and written by one `UPDATE … FROM` per
    batch; elsewhere one prepared `UPDATE … WHERE pk` runs for every row (Django's bulk_update
    writes a CASE per column whose cost grows faster than the batch). A changed row is written
    whole, as save() writes it, but for its key and the moment it was created. An instance that
    carries `_m2m` ({field name: (the keys it is to hold, those it holds)}) has its
    many-to-many rows added and removed to match. The instances' derived columns are filled
    first (`refresh_derived_fields`), as save() would. Timestamps (auto_now, auto_now_add) are
    the moment the writer started, the date its history records carry too; bulk_create, off
    PostgreSQL, stamps its own.

    Used as a context manager. On PostgreSQL each batch is written by a second thread over the
    same connection, so in the same transaction, while the caller reads and checks the next
    batch: the server inserts, indexes and checks one batch as Python works on the next, each on
    its own core. Whatever a batch needs from Python (derived columns, timestamps, COPY's text)
    is made before it is handed over, so that the second thread only waits on the server. The
    table's foreign keys are checked as each batch is written instead of all at commit, where
    nothing else would run beside them. `read` queues a query of the caller's behind the batches
    handed over so far, so that it runs between two batches instead of waiting behind a COPY
    (the driver takes the connection's lock per statement, so a query made directly is safe,
    only slower); `wait()` returns once the batches handed over are written, or raises what
    writing one of them raised. Used without `with`, a writer writes each batch as it is
    handed over, in the caller's thread; or, given `behind` (an entered writer), on that
    writer's thread, after the batches handed to it so far: for records a batch of another
    table needs first, written before it and still beside the caller's checking.
    """

    def __init__(self, model, update_fields=None, user=None, reason="", using=None, behind=None):
        self.model = model
        self.using = using or router.db_for_write(model)
        self.database = connections[self.using]
        meta = model._meta
        fields = meta.concrete_fields
        self.timestamps = [
            field
            for field in fields
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        ]
        # Rows are written from their attributes; a field that computes its value on saving
        # (a file, say) would be written wrong.
        computed = [
            field.name
            for field in fields
            if type(field).pre_save is not Field.pre_save and not isinstance(field, DateField)
        ]
        if computed:
            raise NotImplementedError(f"bulk writing cannot save {', '.join(computed)}")
        if update_fields is None:
            self.update_fields = [
                field
                for field in fields
                if not field.primary_key
                and not (getattr(field, "auto_now_add", False) and not field.auto_now)
            ]
        else:
            names = [*update_fields, *(field.name for field in self.timestamps if field.auto_now)]
            self.update_fields = [meta.get_field(name) for name in dict.fromkeys(names)]
        self.many = meta.many_to_many
        self.user = user
        self.reason = reason
        self.date = timezone.now()
        self.postgres = self.database.vendor == "postgresql"
        if self.postgres:
            # The key first: it is drawn from the sequence as the batch is written.
            self.copied = [meta.pk, *(field for field in fields if field is not meta.pk)]
            self.copy_text = [self.text_of(field) for field in self.copied[1:]]
            self.copy_values = self.values_of(self.copied[1:])
            self.update_text = [self.text_of(field) for field in self.update_fields]
            self.update_values = self.values_of(self.update_fields)
        else:
            quote = self.database.ops.quote_name
            self.update_statement = (
                f"UPDATE {quote(meta.db_table)} SET "
                + ", ".join(f"{quote(field.column)} = %s" for field in self.update_fields)
                + f" WHERE {quote(meta.pk.column)} = %s"
            )
        self.scratch = None
        self.executor = None
        self.behind = behind
        self.pending = None
        self.failure = None
        self.immediate = []
        # Keys drawn from the sequence ahead of the rows that will take them (reserve_keys).
        self.reserved = deque()
        self.sequence = None
        # Rows written so far, new and changed: what a progress report says is done.
        self.written = 0
        # New rows copied in until the table is analyzed (refresh_statistics).
        self.copied_rows, self.analyzed = 0, False

    @staticmethod
    def text_of(field):
        kind = (field.target_field if field.is_relation else field).get_internal_type()
        if kind not in COPY_TEXT:
            raise NotImplementedError(f"bulk writing cannot copy {field.name} ({kind})")
        return COPY_TEXT[kind]

    @staticmethod
    def values_of(fields):
        names = [field.attname for field in fields]
        # From the instance's __dict__, where an instance has them all (an import's do): a
        # foreign key's id read through its descriptor is a Python call a column a row.
        items, attributes = operator.itemgetter(*names), operator.attrgetter(*names)

        def values(instance):
            try:
                return items(instance.__dict__)
            except KeyError:
                return attributes(instance)

        # The getters give a tuple for two names or more, the value itself for one.
        return values if len(fields) > 1 else lambda instance: (values(instance),)

    def __enter__(self):
        if self.postgres:
            self.immediate = self.deferred_foreign_keys()
            self.set_constraints("IMMEDIATE")
            self.database.inc_thread_sharing()
            self.executor = ThreadPoolExecutor(max_workers=1, initializer=self.share_connection)
            self.language = translation.get_language()
        return self

    def __exit__(self, error_type, error, traceback):
        if self.executor is None:
            return
        try:
            if error_type is None:
                self.wait()
        finally:
            # Whatever is queued finishes (or is skipped after a failure) before the
            # transaction can be rolled back under it; the caller's own error is reported.
            self.executor.shutdown()
            self.database.dec_thread_sharing()
            self.executor = self.pending = None
        if error_type is None:
            self.set_constraints("DEFERRED")

    def share_connection(self):
        # What Django's own live-server thread does: this thread uses the caller's connection.
        connections[self.using] = self.database

    def deferred_foreign_keys(self):
        tables = [self.model._meta.db_table, self.model.history.model._meta.db_table]
        tables += [field.remote_field.through._meta.db_table for field in self.many]
        with self.database.cursor() as cursor:
            cursor.execute(
                "SELECT conname FROM pg_constraint "
                "WHERE contype = 'f' AND condeferred AND conrelid = ANY(%s::regclass[])",
                [tables],
            )
            return [name for (name,) in cursor.fetchall()]

    def set_constraints(self, mode):
        if not self.immediate:
            return
        names = ", ".join(self.database.ops.quote_name(name) for name in self.immediate)
        with self.database.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {names} {mode}")

    def read(self, function, *args):
        """Run `function(*args)`, a query, on the writer's connection after what is handed over
        already; returns a function that gives its result once it has run."""
        if self.executor is None:
            value = function(*args)
            return lambda: value
        future = self.executor.submit(self.unless_failed, function, *args)

        def result():
            value = future.result()
            self.raise_failure()
            return value

        return result

    def reserve_keys(self, count):
        """Draw keys for `count` new rows to come. Called through `read`, ahead of the batch, it
        costs the writer no round trip of its own: the batch is handed over with its keys."""
        if self.postgres and count > 0:
            meta = self.model._meta
            with self.database.cursor() as cursor:
                if self.sequence is None:
                    # Found once: looking the sequence up by name for every key drawn took
                    # four-fifths of the time the keys took.
                    cursor.execute(
                        "SELECT pg_get_serial_sequence(%s, %s)::regclass::oid",
                        [meta.db_table, meta.pk.column],
                    )
                    (self.sequence,) = cursor.fetchone()
                # The keys as one text: a row each would cost Python a tuple apiece.
                cursor.execute(
                    "SELECT string_agg(nextval(%s::oid::regclass)::text, ',') "
                    "FROM generate_series(1, %s)",
                    [self.sequence, count],
                )
                self.reserved.extend(map(int, cursor.fetchone()[0].split(",")))

    def write(self, created, updated):
        """Hand over a batch: it is made ready here, while the last batch is being written."""
        # Its own thread, or the thread of the writer it is behind.
        owner = self if self.behind is None or self.executor is not None else self.behind
        if self.postgres and len(self.reserved) < len(created):
            # Keys nobody reserved ahead are drawn once what was handed over is written (and
            # not after a batch failed, whose error is raised instead).
            self.wait()
            owner.read(self.reserve_keys, len(created) - len(self.reserved))()
        rows = self.prepare(created, updated)
        self.wait()
        if owner.executor is None:
            self.write_now(created, updated, *rows)
        else:
            self.pending = owner.executor.submit(
                owner.unless_failed, self.write_now, created, updated, *rows
            )

    def wait(self):
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()
        self.raise_failure()

    def unless_failed(self, function, *args):
        # After a failure the transaction is broken: what was queued behind it is skipped.
        if self.failure is not None:
            return None
        try:
            # In the importing user's language: a lookup reads a row's cells by their columns'
            # translated names, and this thread would otherwise speak the site's default.
            with translation.override(self.language):
                return function(*args)
        except BaseException as error:
            self.failure = error
            raise

    def raise_failure(self):
        if self.failure is not None:
            raise self.failure

    def prepare(self, created, updated):
        """Derived columns and timestamps, and on PostgreSQL the new rows' keys and the rows
        as COPY's text: the new ones whole, the changed ones as their key and what they set."""
        for instance in [*created, *updated]:
            refresh = getattr(instance, "refresh_derived_fields", None)
            if refresh is not None:
                refresh()
        self.stamp(created, add=True)
        self.stamp(updated, add=False)
        if not self.postgres:
            return None, None
        for instance in created:
            instance.pk = self.reserved.popleft()
        return (
            self.copy_lines(created, self.copy_text, self.copy_values),
            self.copy_lines(updated, self.update_text, self.update_values),
        )

    @staticmethod
    def copy_lines(instances, texts, values_of):
        lines = []
        for instance in instances:
            values = zip(texts, values_of(instance), strict=True)
            spelled = "\t".join(["\\N" if value is None else text(value) for text, value in values])
            lines.append(f"{instance.pk}\t{spelled}\n")
        return "".join(lines)

    def write_now(self, created, updated, created_rows, updated_rows):
        if created:
            if self.postgres:
                self.copy(self.model._meta.db_table, self.copied, created_rows)
                self.refresh_statistics(len(created))
            else:
                self.model._base_manager.using(self.using).bulk_create(created)
            for instance in created:
                instance._state.adding = False
                instance._state.db = self.using
        if updated:
            self.update(updated, updated_rows)
        self.write_many(created, updated)
        if created:
            self.record(created, "+")
        if updated:
            self.record(updated, "~")
        self.written += len(created) + len(updated)

    def refresh_statistics(self, copied):
        """ANALYZE the table once this import has copied ANALYZE_AFTER rows into it. Until it
        commits, the statistics describe the table as it was: an empty table that a first import
        fills would have its next batches' lookups planned as scans of what looks like nothing,
        and each scan grows with the rows already copied. ANALYZE inside the transaction counts
        its own rows, and is rolled back with it. Once is enough: the planner scales the rows it
        counted by the table's size as it grows, and a key's values stay as distinct as they
        were; analyzing again each time the rows doubled cost a twentieth of the writer's time."""
        if self.analyzed:
            return
        self.copied_rows += copied
        if self.copied_rows >= ANALYZE_AFTER:
            quote = self.database.ops.quote_name
            with self.database.cursor() as cursor:
                cursor.execute(f"ANALYZE {quote(self.model._meta.db_table)}")
            self.analyzed = True

    def update(self, instances, rows):
        quote = self.database.ops.quote_name
        table, pk = quote(self.model._meta.db_table), quote(self.model._meta.pk.column)
        with self.database.cursor() as cursor:
            if not self.postgres:
                database = self.database
                getters = [(field.attname, field.get_db_prep_save) for field in self.update_fields]
                cursor.executemany(
                    self.update_statement,
                    [
                        [prep(getattr(instance, name), database) for name, prep in getters]
                        + [instance.pk]
                        for instance in instances
                    ],
                )
                return
            columns = [self.model._meta.pk, *self.update_fields]
            if self.scratch is None:
                # Dropped with the transaction, whichever way it ends; emptied after each batch.
                self.scratch = quote(f"import_{self.model._meta.db_table}_{next(SCRATCH_NUMBERS)}")
                names = ", ".join(quote(field.column) for field in columns)
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {self.scratch} ON COMMIT DROP AS "
                    f"SELECT {names} FROM {table} WITH NO DATA"
                )
            self.copy(self.scratch, columns, rows, quoted=True)
            # Without statistics the planner would guess the scratch table's size, and might
            # scan the whole table once per batch instead of finding each row by its key.
            cursor.execute(f"ANALYZE {self.scratch}")
            assignments = ", ".join(
                f"{quote(field.column)} = changed.{quote(field.column)}"
                for field in self.update_fields
            )
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {self.scratch} AS changed "
                f"WHERE {table}.{pk} = changed.{pk}"
            )
            cursor.execute(f"TRUNCATE {self.scratch}")

    def write_many(self, created, updated):
        """Many-to-many rows added and removed as the instances' `_m2m` say."""
        for field in self.many:
            added, removed = [], []
            for instance in [*created, *updated]:
                wanted, held = getattr(instance, "_m2m", {}).get(field.name, (None, None))
                if wanted is not None:
                    added.extend((instance.pk, key) for key in wanted - held)
                    removed.extend((instance.pk, key) for key in held - wanted)
            if removed:
                self.pairs(field, "DELETE", removed)
            if added:
                self.pairs(field, "INSERT", added)

    def pairs(self, field, action, pairs):
        """Delete or insert a many-to-many field's (record, related record) pairs: on
        PostgreSQL as two arrays in one statement, elsewhere one prepared statement a pair."""
        through = field.remote_field.through._meta
        quote = self.database.ops.quote_name
        table = quote(through.db_table)
        source, target = quote(field.m2m_column_name()), quote(field.m2m_reverse_name())
        with self.database.cursor() as cursor:
            if not self.postgres:
                statement = (
                    f"DELETE FROM {table} WHERE {source} = %s AND {target} = %s"
                    if action == "DELETE"
                    else f"INSERT INTO {table} ({source}, {target}) VALUES (%s, %s)"
                )
                cursor.executemany(statement, pairs)
                return
            kinds = [
                through.get_field(name).db_type(self.database)
                for name in (field.m2m_field_name(), field.m2m_reverse_field_name())
            ]
            (first, sources), (second, targets) = (
                array_parameter([pair[at] for pair in pairs], kind) for at, kind in enumerate(kinds)
            )
            arrays = f"unnest({first}, {second}) AS pair (source, target)"
            statement = (
                f"DELETE FROM {table} USING {arrays} "
                f"WHERE {source} = pair.source AND {target} = pair.target"
                if action == "DELETE"
                else f"INSERT INTO {table} ({source}, {target}) SELECT * FROM {arrays}"
            )
            cursor.execute(statement, [sources, targets])

    def stamp(self, instances, add):
        for field in self.timestamps:
            if field.auto_now or add:
                moment = self.date
                if not isinstance(field, DateTimeField):
                    moment = timezone.localdate(moment)
                for instance in instances:
                    setattr(instance, field.attname, moment)

    def record(self, instances, history_type):
        record_history_in_bulk(
            self.model,
            [instance.pk for instance in instances],
            history_type,
            user=self.user,
            reason=self.reason,
            date=self.date,
            using=self.using,
        )

    def copy(self, table, fields, rows, quoted=False):
        database = self.database
        quote = database.ops.quote_name
        names = ", ".join(quote(field.column) for field in fields)
        statement = f"COPY {table if quoted else quote(table)} ({names}) FROM STDIN"
        # Django's cursor has no COPY; its error wrapper still turns psycopg's errors into
        # Django's own (IntegrityError, …), as for any other query.
        with (
            database.cursor() as cursor,
            database.wrap_database_errors,
            cursor.cursor.copy(statement) as copy,
        ):
            copy.write(rows)
