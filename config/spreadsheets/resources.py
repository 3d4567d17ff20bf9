"""The base every spreadsheet resource of the product builds on: all rows or none, history under
the importing user, the user's regions in every lookup, and the batched path for large files."""

import time

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import F, Model
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources
from import_export.results import RowResult
from import_export.widgets import ManyToManyWidget

from registry.models import Region, StaffProfile, in_regions_of, row_region_id
from registry.models import normalize_for_search as normalize

from . import widgets
from .bulk import AnyOf, BulkWriter, RememberingCleaner
from .pipeline import ImportFileError, SpreadsheetImport, Workbook
from .refusals import explain, refusal, refused_result

IGNORED_COLUMNS = {"", "№", "no", "n", "#", "п/п", "№ п/п"}


class SpreadsheetResource(resources.ModelResource):
    """A resource keyed on a business key, all-or-nothing, with history under the importing user.

    Column headers are written in the user's language and read in any interface language.
    `column_synonyms` maps a field's name to other headers staff use for the same column.
    """

    column_synonyms = {}
    # Required fields a file may leave out because the resource fills them (from the key, say).
    columns_filled_otherwise = ()
    # Called as progress(rows_done, rows_total) while a file is imported, e.g. by a command.
    progress = None
    # Whether import_data takes the batched path, bulk_import, from the admin, a command or the
    # shell alike: for a resource keyed on one column of its own table that writes no other.
    imports_in_batches = False
    # How many new or changed rows a batched dry run shows, with what changes, in its preview.
    preview_rows = 100

    class Meta:
        skip_unchanged = True
        report_skipped = True
        skip_diff = False
        clean_model_instances = True
        use_transactions = True

    # The import under way, when it came as a file: its stages' findings and its rows' lines.
    import_job = None

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        sheet=None,
        mapping=None,
        values=None,
        **kwargs,
    ):
        """Import a file read into a Workbook through the pipeline's stages (sheet, header,
        columns, rows with their lines), or a dataset whose headers are already the columns'."""
        if isinstance(dataset, Workbook):
            self.import_job = SpreadsheetImport(
                self, dataset, sheet=sheet, mapping=mapping or {}, values=values or {}
            )
            try:
                dataset = self.import_job.dataset()
            except ImportFileError as error:
                if raise_errors:
                    raise
                result = self.get_result_class()()
                result.append_base_error(self.get_error_result_class()(error))
                result.problems, result.seconds, result.file = [], 0.0, self.import_job.describe()
                return result
        result = self.import_rows(dataset, dry_run, raise_errors, **kwargs)
        result.file = self.import_job.describe() if self.import_job is not None else {}
        return result

    def line_of(self, number):
        """The spreadsheet line of the dataset's row `number` (1-based; line 1 the header)."""
        return number + 1 if self.import_job is None else self.import_job.line(number)

    def import_rows(self, dataset, dry_run, raise_errors, **kwargs):
        if self.imports_in_batches:
            return self.bulk_import(
                dataset,
                user=kwargs.get("user"),
                file_name=kwargs.get("file_name"),
                dry_run=dry_run,
                raise_errors=raise_errors,
                **({"batch_size": kwargs["batch_size"]} if "batch_size" in kwargs else {}),
            )
        # One bad row means nothing is written, whoever calls: admin, command or shell.
        kwargs.setdefault("rollback_on_validation_errors", True)
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, **kwargs)

    def header_aliases(self):
        aliases = {}
        for field_name, field in self.fields.items():
            # Headers as people write them; internal field names are not accepted, since one
            # ("organization") can read like another column's header ("Organization").
            names = set(self.column_synonyms.get(field_name, ()))
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    names.add(str(field.column_name))
            for name in names:
                aliases[normalize(name).rstrip(" *")] = field.column_name
        return aliases

    def before_import(self, dataset, **kwargs):
        self.started = time.monotonic()
        # Each key with the dataset row that had it first: a key repeated in a file is refused.
        self.seen_keys = {}
        self.rows_total = len(dataset)
        user = kwargs.get("user")
        # None: every region; a user importing from the admin is held to their regions, both in
        # the stored records the file may change and in the records its cells name.
        self.importing_user = user
        self.allowed_region_ids = StaffProfile.region_ids_of(user) if user else None
        for field in self.fields.values():
            if hasattr(field.widget, "limit_to"):
                field.widget.limit_to(user)
        aliases = self.header_aliases()
        headers, unknown, seen = [], [], set()
        for header in dataset.headers:
            key = normalize(str(header or "")).rstrip(" *")
            if key in aliases:
                column = aliases[key]
                if column in seen:
                    raise ImportFileError(
                        _("The column “%(column)s” appears twice.") % {"column": header}
                    )
                seen.add(str(column))
                headers.append(str(column))
            else:
                if key not in IGNORED_COLUMNS:
                    unknown.append(str(header))
                headers.append(str(header or ""))
        if unknown:
            raise ImportFileError(
                _("Unknown columns: %(unknown)s. Expected columns: %(expected)s.")
                % {
                    "unknown": ", ".join(f"“{name}”" for name in unknown),
                    "expected": ", ".join(str(f.column_name) for f in self.get_import_fields()),
                }
            )
        dataset.headers = headers
        # This resource's own copies of the fields: their headers fixed in the import's language
        # instead of translated again for every cell of every row.
        for field in self.fields.values():
            field.column_name = str(field.column_name)
            if hasattr(field.widget, "region_column"):
                field.widget.region_column = str(field.widget.region_column)
        for name, value in self.default_columns().items():
            column = str(self.fields[name].column_name)
            if column not in seen and value not in (None, ""):
                dataset.append_col([value] * len(dataset), header=column)
                seen.add(column)
        missing = [
            str(self.fields[name].column_name)
            for name in self.get_import_id_fields()
            if str(self.fields[name].column_name) not in seen
        ]
        if missing:
            raise ImportFileError(
                _("Required columns are missing: %(missing)s.") % {"missing": ", ".join(missing)}
            )

    def repeated_key_message(self, first_number):
        """A row whose key an earlier row of the file has: both lines named, whichever path."""
        key = ", ".join(str(self.fields[name].column_name) for name in self.get_import_id_fields())
        return _(
            "Line %(line)d has the same %(key)s: each row of the file must be a different record."
        ) % {"line": self.line_of(first_number), "key": key}

    def row_key(self, row):
        """A row's key as its key columns read, or None if one cannot be read."""
        key = []
        for name in self.get_import_id_fields():
            try:
                value = self.fields[name].clean(row)
            except ValueError:
                return None
            if isinstance(value, Model):
                # A record by its key; one new to this file by the instance its widget keeps.
                value = value.pk if value.pk is not None else id(value)
            key.append(value)
        return tuple(key)

    def import_instance(self, instance, row, **kwargs):
        # Many-to-many cells are saved after the row; read them now so a bad one is reported
        # with its column like any other cell instead of aborting the import.
        errors = {}
        number = kwargs.get("row_number")
        key = self.row_key(row) if number is not None else None
        if key is not None:
            first = self.seen_keys.setdefault(key, number)
            if first != number:
                attribute = self.fields[self.get_import_id_fields()[0]].attribute
                errors[attribute] = [self.repeated_key_message(first)]
        for field in self.get_import_fields():
            if isinstance(field.widget, ManyToManyWidget) and field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as error:
                    errors[field.attribute] = [str(error)]
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            raise ValidationError({**error.message_dict, **errors}) from None
        if errors:
            raise ValidationError(errors)

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            # A key cell that cannot be read: the row is new to the lookup, and the same
            # field reports its own error with its column when the row is imported.
            return None

    def import_row(self, row, instance_loader, **kwargs):
        row_result = super().import_row(row, instance_loader, **kwargs)
        for error in row_result.errors:
            if explain(error.error) is not None:
                # The database refused the row (import-export keeps its raw text as the row's
                # error): nothing will be written, so the import stops here, and
                # import_data_inner says what happened instead of failing every later row.
                raise error.error
        return row_result

    def import_data_inner(self, dataset, dry_run, raise_errors, *args, **kwargs):
        try:
            return super().import_data_inner(dataset, dry_run, raise_errors, *args, **kwargs)
        except Exception as error:
            refused = None if raise_errors else refusal(error)
            if refused is None:
                raise
            # import_data rolls the import back, as it does for any result with errors.
            return refused_result(refused, len(dataset))

    def handle_import_error(self, result, error, raise_errors=False):
        # A refusal in before_import or after_import is said like any other.
        refused = None if raise_errors else refusal(error)
        super().handle_import_error(result, refused or error, raise_errors)

    def bulk_import(
        self, dataset, user=None, file_name=None, dry_run=False, batch_size=5000, raise_errors=True
    ):
        """Import a large file in batches: the same widgets, checks and history, far fewer queries.

        Rows are read, validated and written a batch at a time inside one transaction, so memory
        stays flat whatever the file's length. Existing records are read once per batch instead
        of once per row; the checks that would each cost a query per row (uniqueness,
        constraints in SQL) are made in memory against the file and the loaded records, and the
        database's constraints stand behind them. Once a row is invalid nothing more is written,
        every later row is still checked, and the transaction is rolled back: all rows or none,
        with the same totals and problems as import_data's. A dry run's result holds the first
        `preview_rows` new or changed rows, with what changes, for the preview. A write the
        database refuses (a BIN someone registered meanwhile) writes nothing either; it is
        raised, or with raise_errors=False reported as the result's error.
        """
        self.bulk = True
        result = self.get_result_class()()
        result.total_rows = len(dataset)
        try:
            self.before_import(dataset, user=user)
        except ImportFileError as error:
            result.append_base_error(self.get_error_result_class()(error))
            result.problems, result.seconds = [], 0.0
            return result
        result.diff_headers = self.get_diff_headers()
        headers = dataset.headers
        fields = [
            field
            for field in self.get_import_fields()
            if field.attribute and field.column_name in headers
        ]
        if any(
            isinstance(field.widget, ManyToManyWidget) or "__" in field.attribute
            for field in fields
        ):
            raise NotImplementedError("the bulk path writes one table's own columns")
        model = self._meta.model
        concrete = model._meta.concrete_fields
        position = {model_field.attname: index for index, model_field in enumerate(concrete)}
        # (attribute, its place in a row of concrete values, the foreign key it sets if any,
        # the key's target attribute, the reader): what each column does to a record.
        columns = []
        for field in fields:
            model_field = model._meta.get_field(field.attribute)
            relation = model_field if model_field.is_relation else None
            columns.append(
                (
                    field.attribute,
                    position[model_field.attname],
                    relation,
                    relation.target_field.attname if relation else None,
                    self.cell_reader(field),
                )
            )
        key_fields = [self.fields[name] for name in self.get_import_id_fields()]
        if len(key_fields) != 1 or model._meta.get_field(key_fields[0].attribute).is_relation:
            raise NotImplementedError("bulk import keys on one column of the table's own")
        self.bulk_relations = [field for field in concrete if field.is_relation]
        self.bulk_cleaner = RememberingCleaner(model)
        self.default_row = self.row_defaults(model)
        # Once for the whole file: a query while the writer holds the connection would wait.
        self.bulk_prepared = self.prepare_bulk_instances()
        writer = BulkWriter(
            model,
            update_fields=[field.attribute for field in fields] + list(self.derived_fields),
            user=user if user is not None and user.is_authenticated else None,
            reason=_("Imported from %(file)s") % {"file": file_name}
            if file_name
            else _("Imported"),
        )
        self.preview_limit = self.preview_rows if dry_run else 0
        rows = len(dataset)
        try:
            with transaction.atomic():
                with writer:
                    batch = self.read_batch(dataset, headers, 0, batch_size, key_fields, writer)
                    for start in range(0, rows, batch_size):
                        following = None
                        if start + batch_size < rows:
                            # Its records are looked up while this batch is checked; the lookup
                            # waits behind no batch but the one being written.
                            following = self.read_batch(
                                dataset, headers, start + batch_size, batch_size, key_fields, writer
                            )
                        created, updated = self.check_batch(
                            *batch, start, columns, key_fields, result
                        )
                        result.totals["new"] += len(created)
                        result.totals["update"] += len(updated)
                        if not result.has_validation_errors() and not dry_run:
                            writer.write(created, updated)
                        batch = following
                if result.has_validation_errors() or dry_run:
                    transaction.set_rollback(True)
        except DatabaseError as error:
            if raise_errors:
                raise
            result.append_base_error(self.get_error_result_class()(refusal(error)))
        result.problems = self.describe_problems(result)
        result.seconds = time.monotonic() - self.started
        return result

    def read_batch(self, dataset, headers, start, batch_size, key_fields, writer):
        """A batch's rows by column, their keys, and the stored records those keys name (a
        function giving them once the writer has read them).

        A row of this file whose key an earlier batch has written too is refused as a
        duplicate, so the records stored before the import are all the lookup needs to see.
        """
        rows = [
            dict(zip(headers, values, strict=False))
            for values in dataset[start : start + batch_size]
        ]
        keys = []
        for row in rows:
            self.before_import_row(row)
            try:
                keys.append(tuple(field.clean(row) for field in key_fields))
            except ValueError:
                keys.append(None)
        return rows, keys, writer.read(self.look_up, keys, key_fields, writer)

    def look_up(self, keys, key_fields, writer):
        """On the writer's thread: the stored records a batch's keys name, the keys taken by
        records the user may not see, and a key of the table reserved for each row that may be
        new, so the batch is handed over with its keys."""
        existing = self.load_existing(keys, key_fields)
        unseen = {key for key in keys if key is not None} - existing.keys()
        taken = self.keys_taken_elsewhere(unseen, key_fields)
        writer.reserve_keys(len(unseen - taken))
        return existing, taken

    def keys_taken_elsewhere(self, keys, key_fields):
        """Keys of records outside the user's regions: such a row is refused as the add form
        refuses a taken key, without loading the record or saying anything else about it."""
        if self.allowed_region_ids is None or not keys:
            return set()
        field = self._meta.model._meta.get_field(key_fields[0].attribute)
        values = [key[0] for key in keys if key[0] not in (None, "")]
        stored = (
            self._meta.model._base_manager.order_by()
            .filter(AnyOf(F(field.attname), values))
            .values_list(field.attname, flat=True)
        )
        return {(value,) for value in stored}

    def check_batch(self, rows, keys, stored_records, offset, columns, key_fields, result):
        """Read and validate a batch of rows: the instances to create and to change.

        A row goes into a list of concrete values, the stored record's or the defaults, and an
        instance is made only for a row that is new or changes something.
        """
        model = self._meta.model
        attnames = [field.attname for field in model._meta.concrete_fields]
        prepared = self.bulk_prepared
        database = self.get_queryset().db
        created, updated, previewed = [], [], []
        existing, taken = stored_records()
        key_taken = self.unique_message(key_fields[0].attribute)
        for number, (row, key) in enumerate(zip(rows, keys, strict=True), offset + 1):
            if self.progress is not None:
                self.progress(number, result.total_rows)
            stored = existing.get(key)
            values = self.default_row() if stored is None else list(stored)
            changed = stored is None
            errors, related = {}, []
            for attribute, index, relation, target, read in columns:
                try:
                    value = read(row)
                except ValueError as error:
                    errors[attribute] = [str(error)]
                    continue
                if relation is not None:
                    related.append((relation, value))
                    value = None if value is None else getattr(value, target)
                if values[index] != value:
                    values[index] = value
                    changed = True
            if key is not None and key in self.seen_keys:
                errors.setdefault(key_fields[0].attribute, []).append(
                    self.repeated_key_message(self.seen_keys[key])
                )
            self.seen_keys.setdefault(key, number)
            if key in taken:
                errors.setdefault(key_fields[0].attribute, []).append(key_taken)
            if not errors and not changed:
                result.totals["skip"] += 1
                continue
            if stored is None:
                instance = model(*values)
            else:
                instance = model.from_db(database, attnames, values)
            # The records the widgets read, so that checks following a key make no query.
            for relation, value in related:
                relation.set_cached_value(instance, value)
            for name, value in prepared.items():
                setattr(instance, name, value)
            try:
                self.validate_instance(instance, errors, validate_unique=False)
            except ValidationError as error:
                result.append_invalid_row(number, row, error)
                result.totals["invalid"] += 1
                continue
            (created if stored is None else updated).append(instance)
            if len(previewed) + len(result.rows) < self.preview_limit:
                previewed.append((None if stored is None else instance.pk, instance))
        self.preview(previewed, result)
        return created, updated

    def preview(self, previewed, result):
        """Row results for (stored key or None, instance) pairs, with what each changes."""
        if not previewed:
            return
        model = self._meta.model
        # The stored records as the widgets render them, with their references: one query.
        originals = self.get_queryset().in_bulk([pk for pk, _ in previewed if pk is not None])
        for pk, instance in previewed:
            row_result = self.get_row_result_class()()
            new = pk is None
            row_result.import_type = (
                RowResult.IMPORT_TYPE_NEW if new else RowResult.IMPORT_TYPE_UPDATE
            )
            diff = self.get_diff_class()(self, model() if new else originals[pk], new)
            diff.compare_with(self, instance)
            row_result.diff = diff.as_html()
            row_result.add_instance_info(instance)
            result.append_row_result(row_result)

    @staticmethod
    def cell_reader(field):
        """`field.clean` as a function of the row, remembered per cell value where the widget
        reads its cell alone: reference names, choices and dates repeat down a column."""
        if not getattr(field.widget, "reads_cell_only", False):
            return field.clean
        remembered = {}
        column = field.column_name

        def read(row):
            value = row[column]
            # Typed, so that a cell holding True is not taken for one holding 1.
            key = (type(value), value)
            try:
                return remembered[key]
            except KeyError:
                cleaned = remembered[key] = field.clean(row)
                return cleaned
            except TypeError:
                return field.clean(row)

        return read

    @staticmethod
    def row_defaults(model):
        """A new record's concrete values, in field order: worked out once and copied per row
        (callable defaults called each time), for model(*values), Django's fast path."""
        fields = model._meta.concrete_fields
        values = [field.get_default() for field in fields]
        fresh = [
            (index, field)
            for index, field in enumerate(fields)
            if field.has_default() and callable(field.default)
        ]

        def defaults():
            row = values.copy()
            for index, field in fresh:
                row[index] = field.get_default()
            return row

        return defaults

    # Columns a model fills itself in save(); the bulk path sets them through the same method.
    derived_fields = ()

    def prepare_bulk_instances(self):
        """Attributes every instance of a bulk import shares, e.g. reference data loaded once."""
        return {}

    def load_existing(self, keys, key_fields):
        """The stored records a batch's keys name, by key: each a tuple of its concrete values,
        in field order, so that a row the file leaves unchanged costs no instance."""
        field = self._meta.model._meta.get_field(key_fields[0].attribute)
        values = {key[0] for key in keys if key is not None and key[0] not in (None, "")}
        if not values:
            return {}
        attnames = [each.attname for each in self._meta.model._meta.concrete_fields]
        at = attnames.index(field.attname)
        stored = (
            self.get_queryset()
            .select_related(None)
            .order_by()
            .filter(AnyOf(F(field.attname), list(values)))
            .values_list(*attnames)
        )
        return {(row[at],): row for row in stored}

    def unique_message(self, attribute):
        """What the add form says of a key someone else's record holds."""
        model_field = self._meta.model._meta.get_field(attribute)
        return str(model_field.error_messages["unique"]) % {
            "model_name": self._meta.model._meta.verbose_name,
            "field_label": model_field.verbose_name,
        }

    def get_queryset(self):
        # The stored records an import may find and change: the importing user's, if any.
        queryset = super().get_queryset()
        user = getattr(self, "importing_user", None)
        return queryset if user is None else in_regions_of(queryset, user)

    def default_columns(self):
        """Values for whole columns a file may leave out, by field name: none by default."""
        return {}

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if getattr(self, "bulk", False):
            # Constraints are checked in SQL by the insert itself and mirrored by clean();
            # a foreign key set by a widget holds a record just read from the database. Running
            # their SQL once per row here would cost the time the bulk path saves.
            loaded = [
                field.name
                for field in self.bulk_relations
                if getattr(instance, field.attname) is not None
            ]
            try:
                self.bulk_cleaner.full_clean(instance, exclude={*errors, *loaded})
            except ValidationError as error:
                errors = error.update_error_dict(errors)
            self.check_region(instance, errors)
            if errors:
                raise ValidationError(errors)
            return
        self.check_region(instance, errors)
        super().validate_instance(instance, errors, validate_unique)

    def check_region(self, instance, errors):
        allowed = getattr(self, "allowed_region_ids", None)
        if allowed is None:
            return
        region_id = row_region_id(instance)
        if region_id is not None and region_id not in allowed:
            region = Region.objects.filter(pk=region_id).first()
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                _("This row is for %(region)s, outside the regions you work in.")
                % {"region": region}
            )

    def before_save_instance(self, instance, row, **kwargs):
        user = kwargs.get("user")
        if user is not None and user.is_authenticated:
            instance._history_user = user
        file_name = kwargs.get("file_name")
        instance._change_reason = (
            _("Imported from %(file)s") % {"file": file_name} if file_name else _("Imported")
        )

    def after_import_row(self, row, row_result, **kwargs):
        super().after_import_row(row, row_result, **kwargs)
        if self.progress is not None:
            self.progress(kwargs.get("row_number", 0), getattr(self, "rows_total", 0))

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        result.problems = self.describe_problems(result)
        result.seconds = time.monotonic() - getattr(self, "started", time.monotonic())

    def describe_problems(self, result):
        """Every invalid cell as (file line, column, value, reason): what staff need to fix it."""
        columns = {field.attribute: field.column_name for field in self.get_import_fields()}
        problems = []
        for invalid in result.invalid_rows:
            # Values come in the order of the result's diff headers; "---" marks an absent column.
            values = dict(zip(result.diff_headers, invalid.values, strict=False))
            for attribute, messages in invalid.error_dict.items():
                column = columns.get(attribute, "")
                value = values.get(str(column), "")
                for message in messages:
                    problems.append(
                        {
                            "line": self.line_of(invalid.number),
                            "column": str(column),
                            "value": "" if value in (None, "---") else value,
                            "message": self.plain_message(attribute, message),
                        }
                    )
        return problems

    def plain_message(self, attribute, message):
        """Django's "This field cannot be null/blank" said as what to do about an empty cell."""
        try:
            model_field = self._meta.model._meta.get_field(attribute)
        except FieldDoesNotExist:
            return message
        empty = {str(model_field.error_messages.get(code, "")) for code in ("null", "blank")}
        if str(message) in empty:
            return _("The cell is empty: fill in the %(what)s.") % {
                "what": model_field.verbose_name
            }
        return message


# How offices head the contact columns every register has, in Russian, Kazakh and English.
CONTACT_SYNONYMS = {
    "phone": ["Телефон", "Телефоны", "Контактный телефон", "Байланыс телефоны", "Tel"],
    "email": [
        "Электронная почта",
        "Адрес электронной почты",
        "Эл. почта",
        "Эл. адрес",
        "Электрондық пошта",
        "Электрондық пошта мекенжайы",
        "Email",
    ],
}


def column(attribute, name, widget):
    return fields.Field(attribute=attribute, column_name=name, widget=widget)


def reference_resource(reference_model, key, columns):
    """A resource for a small reference table keyed on its code: (attribute, header) pairs."""
    declared = {
        attribute: column(attribute, header, widgets.TextWidget()) for attribute, header in columns
    }
    meta = type(
        "Meta",
        (SpreadsheetResource.Meta,),
        {
            "model": reference_model,
            "import_id_fields": [key],
            "fields": [attribute for attribute, _header in columns],
        },
    )
    return type(
        f"{reference_model.__name__}Resource", (SpreadsheetResource,), {**declared, "Meta": meta}
    )


NAME_COLUMNS = [
    ("name_ru", gettext_lazy("Name (Russian)")),
    ("name_kk", gettext_lazy("Name (Kazakh)")),
]
