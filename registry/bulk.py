"""Writing many rows at once, with the history records saving them one by one would leave."""

from django.db import connection, connections
from django.utils import timezone

# Fields whose Python values psycopg writes as Django would have converted them on PostgreSQL;
# any other field (JSON, arrays, …) goes through Django's own conversion.
ADAPTED_BY_PSYCOPG = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "DecimalField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}


def record_history_in_bulk(model, pks, history_type, user=None, reason="", date=None):
    """History records for rows written in bulk, copied from the rows inside the database.

    One INSERT … SELECT per chunk of keys: the rows never travel back through Python.
    `history_type` is simple-history's "+" (created) or "~" (changed).
    """
    history_model = model.history.model
    quote = connection.ops.quote_name
    columns = [quote(field.column) for field in history_model.tracked_fields]
    extra = ["history_date", "history_change_reason", "history_type", "history_user_id"]
    pk = quote(model._meta.pk.column)
    postgres = connection.vendor == "postgresql"
    chunk = 50_000 if postgres else 500
    prefix = (
        f"INSERT INTO {quote(history_model._meta.db_table)} "
        f"({', '.join(columns + [quote(name) for name in extra])}) "
        f"SELECT {', '.join(columns)}, %s, %s, %s, %s FROM {quote(model._meta.db_table)} "
    )
    values = [date or timezone.now(), reason, history_type, user.pk if user else None]
    pks = list(pks)
    with connection.cursor() as cursor:
        for start in range(0, len(pks), chunk):
            keys = pks[start : start + chunk]
            if postgres:
                cursor.execute(prefix + f"WHERE {pk} = ANY(%s)", [*values, keys])
            else:
                marks = ", ".join(["%s"] * len(keys))
                cursor.execute(prefix + f"WHERE {pk} IN ({marks})", [*values, *keys])


class BulkWriter:
    """Writes batches of new and changed instances of one model, and their history.

    New rows reach PostgreSQL through COPY, with keys drawn from the table's own sequence;
    other databases take them through bulk_create. Changed rows go through bulk_update. The
    instances' derived columns are filled first (`refresh_derived_fields`), as save() would.
    """

    def __init__(self, model, update_fields, user=None, reason=""):
        self.model = model
        self.auto_now = [
            field for field in model._meta.concrete_fields if getattr(field, "auto_now", False)
        ]
        self.update_fields = list(
            dict.fromkeys([*update_fields, *(field.name for field in self.auto_now)])
        )
        self.user = user
        self.reason = reason
        self.date = timezone.now()

    def write(self, created, updated):
        for instance in [*created, *updated]:
            refresh = getattr(instance, "refresh_derived_fields", None)
            if refresh is not None:
                refresh()
        if created:
            if connection.vendor == "postgresql":
                self.copy(created)
            else:
                self.model._base_manager.bulk_create(created)
            self.record(created, "+")
        if updated:
            for instance in updated:
                for field in self.auto_now:
                    field.pre_save(instance, add=False)
            self.model._base_manager.bulk_update(updated, self.update_fields)
            self.record(updated, "~")

    def record(self, instances, history_type):
        record_history_in_bulk(
            self.model,
            [instance.pk for instance in instances],
            history_type,
            user=self.user,
            reason=self.reason,
            date=self.date,
        )

    def copy(self, instances):
        meta = self.model._meta
        fields = meta.concrete_fields
        # The connection itself, not the proxy that looks it up on every attribute read.
        database = connections[self.model._base_manager.db]
        quote = database.ops.quote_name
        names = ", ".join(quote(field.column) for field in fields)
        with database.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(instances)],
            )
            for instance, (pk,) in zip(instances, cursor.fetchall(), strict=True):
                instance.pk = pk
            convert = [
                None if field.get_internal_type() in ADAPTED_BY_PSYCOPG else field.get_db_prep_save
                for field in fields
            ]
            with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({names}) FROM STDIN") as copy:
                for instance in instances:
                    values = [field.pre_save(instance, True) for field in fields]
                    for index, conversion in enumerate(convert):
                        if conversion is not None:
                            values[index] = conversion(values[index], database)
                    copy.write_row(values)
        for instance in instances:
            instance._state.adding = False
            instance._state.db = database.alias
