"""The base every spreadsheet resource of the product builds on: all rows or none, history under
the importing user, the user's regions in every lookup, and the batched path for large files."""

import time
from contextlib import nullcontext

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db.models import F, Model
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources
from import_export.widgets import ManyToManyWidget

from registry.models import Region, StaffProfile, in_regions_of, row_region_id
from registry.models import normalize_for_search as normalize

from . import widgets
from .batched import BatchedImport, field_cleaner, identity, reason_for
from .bulk import AnyOf
from .collector import collecting_per_batch
from .pipeline import ImportFileError, SpreadsheetImport, Workbook
from .preview import PreviewDiff
from .refusals import explain, refusal, refused_result
from .wording import quoted_list

IGNORED_COLUMNS = {"", "№", "no", "n", "#", "п/п", "№ п/п"}


class SpreadsheetResource(resources.ModelResource):
    """A resource keyed on a business key, all-or-nothing, with history under the importing user.

    Column headers are written in the user's language and read in any interface language.
    `column_synonyms` maps a field's name to other headers staff use for the same column.
    """

    column_synonyms = {}
    # Required fields a file may leave out because the resource fills them (from the key, say).
    columns_filled_otherwise = ()
    # Whether import_data takes the batched path, bulk_import, from the admin, a command or the
    # shell alike. The row-by-row path of django-import-export stays, as the reference the
    # batched path is tested against.
    imports_in_batches = True
    # Whether the model's clean() and field validators say all its constraints say, so that
    # the batched path checks each row without a query of its own (the database's constraints
    # stand behind them); other models' rows are cleaned as a form cleans them.
    clean_in_memory = False
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
        # The row-by-row path makes objects per row without batches to collect them after.
        with collecting_per_batch() if self.imports_in_batches else nullcontext():
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
                    result.problems, result.seconds = [], 0.0
                    result.file = self.import_job.describe()
                    return result
            result = self.import_rows(dataset, dry_run, raise_errors, **kwargs)
            result.file = self.import_job.describe() if self.import_job is not None else {}
            return result

    def get_diff_class(self):
        return PreviewDiff

    # The columns of the file under way, once before_import has read its headers (and added
    # the columns given for the whole file): its preview shows these, not every field.
    file_columns = None

    def get_preview_fields(self):
        """The fields an import's preview shows: those the file has a column for, and the key;
        a column the file lacks would only ever be empty."""
        fields = self.get_import_fields()
        if self.file_columns is None:
            return fields
        key = [self.fields[name] for name in self.get_import_id_fields()]
        columns = self.file_columns
        return [each for each in fields if each in key or str(each.column_name) in columns]

    def get_diff_headers(self):
        return [str(each.column_name) for each in self.get_preview_fields()]

    def show_file_columns(self, result):
        """The preview's columns narrowed to the file's, with its invalid rows' values: the
        row-by-row path names them before it has read the file's headers."""
        shown = self.get_diff_headers()
        if result.diff_headers == shown:
            return
        kept = [result.diff_headers.index(column) for column in shown]
        for invalid in result.invalid_rows:
            invalid.values = tuple(invalid.values[index] for index in kept)
        result.diff_headers = shown

    def line_of(self, number):
        """The spreadsheet line of the dataset's row `number` (1-based; line 1 the header)."""
        return number + 1 if self.import_job is None else self.import_job.line(number)

    def import_rows(self, dataset, dry_run, raise_errors, **kwargs):
        """The rows of the file checked and written, the batched way or row by row.

        `progress`, if given, is called as progress(rows checked, rows written, rows in all):
        once per batch on the batched path, once per row on the other.
        """
        if self.imports_in_batches:
            return self.bulk_import(
                dataset,
                user=kwargs.get("user"),
                file_name=kwargs.get("file_name"),
                dry_run=dry_run,
                raise_errors=raise_errors,
                progress=kwargs.get("progress"),
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
        self.file_columns = None
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
                    "unknown": quoted_list(unknown),
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
        self.file_columns = set(dataset.headers)
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
            key.append(identity(value) if isinstance(value, Model) else value)
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
            errors = {**error.message_dict, **errors}
        self.complete_instance(instance, row, errors, **kwargs)
        if errors:
            raise ValidationError(errors)

    def complete_instance(self, instance, row, errors, **kwargs):
        """What a resource works out for a row beyond its cells, on both paths, before the row
        is compared with what is stored and checked (`errors`: the row's problems so far)."""

    # Whether complete_instance only decides what a row that changes a file column writes
    # besides (never a file column itself): an unchanged row is then left unbuilt.
    completes_changed_rows_only = False

    def completes_instances(self):
        """Whether complete_instance does anything: the batched path then makes an instance
        of every row, unchanged ones too, before comparing it with what is stored."""
        return type(self).complete_instance is not SpreadsheetResource.complete_instance

    def complete_related(self, record):
        """Fill in a record a row's key column names, once the row's parent columns are set
        on it (`memorandum__title_ru`), before it is compared with what is stored."""

    def look_up_batch(self, batch):
        """On the batched path, in the writer's thread: what the resource needs stored records
        for, for a batch of rows, read in a query or two (kept as the batch's `extra`)."""
        return None

    def before_check_batch(self, batch):
        """On the batched path, before a batch's rows are checked: may refuse rows
        (`batch.refused`) or add what the rows name (`batch.found`)."""

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
        self,
        dataset,
        user=None,
        file_name=None,
        dry_run=False,
        batch_size=5000,
        raise_errors=True,
        progress=None,
    ):
        """Import a file in batches: the same widgets, checks and history, far fewer queries
        (config/spreadsheets/batched.py says how).

        A dry run's result holds the first `preview_rows` new or changed rows, with what
        changes, for the preview. A write the database refuses (a BIN someone registered
        meanwhile) writes nothing either; it is raised, or with raise_errors=False reported as
        the result's error.
        """
        self.batched = BatchedImport(
            self, user=user, file_name=file_name, dry_run=dry_run, batch_size=batch_size
        )
        return self.batched.run(dataset, raise_errors=raise_errors, progress=progress)

    # The batched import under way, if any.
    batched = None

    def keys_taken_elsewhere(self, keys, key_fields):
        """Keys of records outside the user's regions: such a row is refused as the add form
        refuses a taken key, without loading the record or saying anything else about it.

        Only a key of one column of the table's own can be taken so: a key that names other
        records names them among the user's, and the record it keys is then the user's too.
        """
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

    # How many values of a column a bulk import remembers what they read as: a column of
    # unique values stops being remembered there, so memory stays flat whatever the file.
    REMEMBERED_CELLS = 10_000

    @classmethod
    def cell_reader(cls, field):
        """`field.clean` as a function of the row, remembered per cell value where the widget
        reads its cell alone (or its cell and the columns it names in `also_reads`, as a
        district read within its row's region): reference names, choices and dates repeat down
        a column. A many-to-many cell is read as the keys of the records it names."""
        many = isinstance(field.widget, ManyToManyWidget)
        column, widget = field.column_name, field.widget
        clean_field = field_cleaner(field)
        others = tuple(getattr(widget, "also_reads", ()))
        if not many and not others and not getattr(widget, "reads_cell_only", False):
            return lambda row, found=None: clean_field(row)
        remembered, limit = {}, cls.REMEMBERED_CELLS

        def clean(row):
            value = clean_field(row)
            return frozenset(value.values_list("pk", flat=True)) if many else value

        def read(row, found=None):
            value = row[column]
            # Typed, so that a cell holding True is not taken for one holding 1.
            key = (type(value), value)
            if others:
                cells = [row.get(other) for other in others]
                key = (*key, *((type(cell), cell) for cell in cells))
            try:
                return remembered[key]
            except KeyError:
                cleaned = clean(row)
                if len(remembered) < limit:
                    remembered[key] = cleaned
                return cleaned
            except TypeError:
                return clean(row)

        return read

    def prepare_bulk_instances(self):
        """Attributes every instance of a bulk import shares, e.g. reference data loaded once."""
        return {}

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
        if self.batched is not None:
            try:
                self.batched.clean(instance, errors)
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
        instance._change_reason = reason_for(kwargs.get("file_name"))

    def after_import_row(self, row, row_result, **kwargs):
        super().after_import_row(row, row_result, **kwargs)
        progress = kwargs.get("progress")
        if progress is not None:
            number = kwargs.get("row_number", 0)
            progress(number, 0 if kwargs.get("dry_run") else number, self.rows_total)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        self.show_file_columns(result)
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
        if not model_field.concrete:
            # A column of related rows (a seeker's experience) says what it means itself.
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


def stated_column(attribute, name, widget):
    """A column whose blank cell states nothing, for a field filled otherwise when it is not
    stated (from another column, or by hand): the stored value stays, so a file re-sent with
    the column empty changes nothing. Its widget reads a blank cell as None."""
    return fields.Field(
        attribute=attribute, column_name=name, widget=widget, saves_null_values=False
    )


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
