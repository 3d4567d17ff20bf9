"""Checking and writing many rows at once, with the history records saving them one by one would
leave."""

import operator
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import DateField, DateTimeField, Field, Model
from django.db.models.expressions import DatabaseDefault
from django.db.models.lookups import In
from django.utils import timezone

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
        return f"{lhs} = ANY(%s)", (*params, values)


class RememberingCleaner:
    """`Model.full_clean` without the unique and constraint checks, for many instances of one
    model: a value a field has passed once is not checked again.

    The same OKED code, headcount, date or status comes down a column of an imported file
    thousands of times, and a field's checks depend on the value alone. Relations are always
    checked, since theirs read the database; a failing value is checked each time, so every row
    gets its own message. At most `limit` values are remembered per field, so memory stays flat
    down a column of unique names.
    """

    def __init__(self, model, limit=10_000):
        self.fields = [field for field in model._meta.fields if not field.generated]
        self.passed = {field.name: {} for field in self.fields if not field.is_relation}
        self.limit = limit
        # A model that cleans its fields its own way is cleaned its own way.
        self.own_way = model.clean_fields is not Model.clean_fields

    def full_clean(self, instance, exclude=()):
        if self.own_way:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
            return
        errors = {}
        for field in self.fields:
            if field.name in exclude:
                continue
            raw = getattr(instance, field.attname)
            # As Model.clean_fields: a blank optional value and a database default are not checked.
            if (field.blank and raw in field.empty_values) or isinstance(raw, DatabaseDefault):
                continue
            passed = self.passed.get(field.name)
            # Typed, so that True is not taken for 1.
            key = (type(raw), raw)
            try:
                if passed is not None and key in passed:
                    setattr(instance, field.attname, passed[key])
                    continue
            except TypeError:
                passed = None
            try:
                value = field.clean(raw, instance)
            except ValidationError as error:
                errors[field.name] = error.error_list
                continue
            setattr(instance, field.attname, value)
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


def record_history_in_bulk(
    model, pks, history_type, user=None, reason="", date=None, using=DEFAULT_DB_ALIAS
):
    """History records for rows written in bulk, copied from the rows inside the database.

    One INSERT … SELECT per chunk of keys: the rows never travel back through Python.
    `history_type` is simple-history's "+" (created) or "~" (changed).
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
                cursor.execute(
                    prefix + f"FROM unnest(%s::{key_type}[]) AS written (pk) "
                    f"JOIN {table} ON {table}.{pk} = written.pk",
                    [*values, keys],
                )
            else:
                marks = ", ".join(["%s"] * len(keys))
                cursor.execute(prefix + f"FROM {table} WHERE {pk} IN ({marks})", [*values, *keys])


class BulkWriter:
    """Writes batches of new and changed instances of one model, and their history.

    New rows reach PostgreSQL through COPY, with keys drawn from the table's own sequence;
    other databases take them through bulk_create. Changed rows go through bulk_update. The
    instances' derived columns are filled first (`refresh_derived_fields`), as save() would.
    Timestamps (auto_now, auto_now_add) are the moment the writer started, the date its history
    records carry too; bulk_create, off PostgreSQL, stamps its own.

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
    writing one of them raised.
    """

    def __init__(self, model, update_fields, user=None, reason="", using=None):
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
        self.update_fields = list(
            dict.fromkeys(
                [*update_fields, *(field.name for field in self.timestamps if field.auto_now)]
            )
        )
        self.user = user
        self.reason = reason
        self.date = timezone.now()
        self.postgres = self.database.vendor == "postgresql"
        if self.postgres:
            # The key first: it is drawn from the sequence as the batch is written.
            self.copied = [meta.pk, *(field for field in fields if field is not meta.pk)]
            self.copy_text = [self.text_of(field) for field in self.copied[1:]]
            getter = operator.attrgetter(*(field.attname for field in self.copied[1:]))
            # attrgetter gives a tuple for two names or more, the value itself for one.
            self.copy_values = getter if len(self.copied) > 2 else lambda row: (getter(row),)
        self.executor = None
        self.pending = None
        self.failure = None
        self.immediate = []
        # Keys drawn from the sequence ahead of the rows that will take them (reserve_keys).
        self.reserved = deque()

    @staticmethod
    def text_of(field):
        kind = (field.target_field if field.is_relation else field).get_internal_type()
        if kind not in COPY_TEXT:
            raise NotImplementedError(f"bulk writing cannot copy {field.name} ({kind})")
        return COPY_TEXT[kind]

    def __enter__(self):
        if self.postgres:
            self.immediate = self.deferred_foreign_keys()
            self.set_constraints("IMMEDIATE")
            self.database.inc_thread_sharing()
            self.executor = ThreadPoolExecutor(max_workers=1, initializer=self.share_connection)
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
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [meta.db_table, meta.pk.column, count],
                )
                self.reserved.extend(pk for (pk,) in cursor.fetchall())

    def write(self, created, updated):
        """Hand over a batch: it is made ready here, while the last batch is being written."""
        if self.postgres and len(self.reserved) < len(created):
            # Keys nobody reserved ahead are drawn once the writer is idle.
            self.wait()
            self.reserve_keys(len(created) - len(self.reserved))
        rows = self.prepare(created, updated)
        self.wait()
        if self.executor is None:
            self.write_now(created, rows, updated)
        else:
            self.pending = self.executor.submit(
                self.unless_failed, self.write_now, created, rows, updated
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
            return function(*args)
        except BaseException as error:
            self.failure = error
            raise

    def raise_failure(self):
        if self.failure is not None:
            raise self.failure

    def prepare(self, created, updated):
        """Derived columns and timestamps, and on PostgreSQL the new rows' keys and the rows
        as COPY's text."""
        for instance in [*created, *updated]:
            refresh = getattr(instance, "refresh_derived_fields", None)
            if refresh is not None:
                refresh()
        self.stamp(created, add=True)
        self.stamp(updated, add=False)
        if not self.postgres:
            return None
        texts = self.copy_text
        lines = []
        for instance in created:
            instance.pk = self.reserved.popleft()
            values = zip(texts, self.copy_values(instance), strict=True)
            spelled = "\t".join(["\\N" if value is None else text(value) for text, value in values])
            lines.append(f"{instance.pk}\t{spelled}\n")
        return "".join(lines)

    def write_now(self, created, rows, updated):
        if created:
            if self.postgres:
                self.copy(created, rows)
            else:
                self.model._base_manager.using(self.using).bulk_create(created)
            self.record(created, "+")
        if updated:
            self.model._base_manager.using(self.using).bulk_update(updated, self.update_fields)
            self.record(updated, "~")

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

    def copy(self, instances, rows):
        database = self.database
        quote = database.ops.quote_name
        names = ", ".join(quote(field.column) for field in self.copied)
        statement = f"COPY {quote(self.model._meta.db_table)} ({names}) FROM STDIN"
        # Django's cursor has no COPY; its error wrapper still turns psycopg's errors into
        # Django's own (IntegrityError, …), as for any other query.
        with (
            database.cursor() as cursor,
            database.wrap_database_errors,
            cursor.cursor.copy(statement) as copy,
        ):
            copy.write(rows)
        for instance in instances:
            instance._state.adding = False
            instance._state.db = self.using
