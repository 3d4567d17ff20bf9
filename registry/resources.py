"""Import and export of the registry, and the base every spreadsheet resource builds on."""

import time

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources
from import_export.widgets import ManyToManyWidget

from . import widgets
from .bulk import BulkWriter
from .models import (
    District,
    LegalForm,
    OkedSection,
    Organization,
    OrganizationKind,
    Region,
    StaffProfile,
    row_region_id,
)
from .models import normalize_for_search as normalize

IGNORED_COLUMNS = {"", "№", "no", "n", "#", "п/п", "№ п/п"}


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (unknown or missing columns); shown as is."""


class SpreadsheetResource(resources.ModelResource):
    """A resource keyed on a business key, all-or-nothing, with history under the importing user.

    Column headers are written in the user's language and read in any interface language.
    `column_synonyms` maps a field's name to other headers staff use for the same column.
    """

    column_synonyms = {}
    # Called as progress(rows_done, rows_total) while a file is imported, e.g. by a command.
    progress = None

    class Meta:
        skip_unchanged = True
        report_skipped = True
        skip_diff = False
        clean_model_instances = True
        use_transactions = True

    def import_data(self, dataset, *args, rollback_on_validation_errors=True, **kwargs):
        # One bad row means nothing is written, whoever calls: admin, command or shell.
        return super().import_data(
            dataset, *args, rollback_on_validation_errors=rollback_on_validation_errors, **kwargs
        )

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
        self.rows_total = len(dataset)
        user = kwargs.get("user")
        # None: every region; a user importing from the admin is held to their regions.
        self.allowed_region_ids = StaffProfile.region_ids_of(user) if user else None
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

    def import_instance(self, instance, row, **kwargs):
        # Many-to-many cells are saved after the row; read them now so a bad one is reported
        # with its column like any other cell instead of aborting the import.
        errors = {}
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

    def bulk_import(self, dataset, user=None, file_name=None, dry_run=False, batch_size=5000):
        """Import a large file in batches: the same widgets, checks and history, far fewer queries.

        Rows are read, validated and written a batch at a time inside one transaction, so memory
        stays flat whatever the file's length. Existing records are read once per batch instead
        of once per row; the checks that would each cost a query per row (uniqueness,
        constraints in SQL) are made in memory against the file and the loaded records, and the
        database's constraints stand behind them. Once a row is invalid nothing more is written,
        every later row is still checked, and the transaction is rolled back: all rows or none,
        with the same totals and problems as import_data's.
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
        readers = {
            field.attribute: (
                model._meta.get_field(field.attribute).attname,
                self.cell_reader(field),
            )
            for field in fields
        }
        self.new_instance = self.instance_maker(model)
        key_fields = [self.fields[name] for name in self.get_import_id_fields()]
        writer = BulkWriter(
            model,
            update_fields=[*readers, *self.derived_fields],
            user=user if user is not None and user.is_authenticated else None,
            reason=_("Imported from %(file)s") % {"file": file_name}
            if file_name
            else _("Imported"),
        )
        self.seen_keys = {}
        with transaction.atomic():
            for start in range(0, len(dataset), batch_size):
                rows = [
                    dict(zip(headers, values, strict=False))
                    for values in dataset[start : start + batch_size]
                ]
                created, updated = self.check_batch(rows, start, readers, key_fields, result)
                result.totals["new"] += len(created)
                result.totals["update"] += len(updated)
                if not result.has_validation_errors() and not dry_run:
                    writer.write(created, updated)
            if result.has_validation_errors() or dry_run:
                transaction.set_rollback(True)
        result.problems = self.describe_problems(result)
        result.seconds = time.monotonic() - self.started
        return result

    def check_batch(self, rows, offset, readers, key_fields, result):
        """Read and validate a batch of rows: the instances to create and to change."""
        keys = []
        for row in rows:
            self.before_import_row(row)
            try:
                keys.append(tuple(field.clean(row) for field in key_fields))
            except ValueError:
                keys.append(None)
        existing = self.load_existing(keys, key_fields)
        prepared = self.prepare_bulk_instances()
        created, updated = [], []
        for number, (row, key) in enumerate(zip(rows, keys, strict=True), offset + 1):
            if self.progress is not None:
                self.progress(number, result.total_rows)
            instance = existing.get(key)
            new = instance is None
            if new:
                instance = self.new_instance()
            else:
                before = [getattr(instance, attname) for attname, _read in readers.values()]
            for name, value in prepared.items():
                setattr(instance, name, value)
            errors = {}
            for attribute, (_attname, read) in readers.items():
                try:
                    setattr(instance, attribute, read(row))
                except ValueError as error:
                    errors[attribute] = [str(error)]
            if key is not None and key in self.seen_keys:
                errors.setdefault(key_fields[0].attribute, []).append(
                    _("The same key is on line %(line)d too.") % {"line": self.seen_keys[key] + 1}
                )
            self.seen_keys.setdefault(key, number)
            if (
                not errors
                and not new
                and before == [getattr(instance, attname) for attname, _read in readers.values()]
            ):
                result.totals["skip"] += 1
                continue
            try:
                self.validate_instance(instance, errors, validate_unique=False)
            except ValidationError as error:
                result.append_invalid_row(number, row, error)
                result.totals["invalid"] += 1
                continue
            (created if new else updated).append(instance)
        return created, updated

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
    def instance_maker(model):
        """model() for many rows: the defaults worked out once and passed by position (Django's
        fast path, taken for rows read from the database); callable defaults called each time."""
        fields = model._meta.concrete_fields
        values = [field.get_default() for field in fields]
        fresh = [
            (index, field)
            for index, field in enumerate(fields)
            if field.has_default() and callable(field.default)
        ]

        def make():
            row = values.copy()
            for index, field in fresh:
                row[index] = field.get_default()
            return model(*row)

        return make

    # Columns a model fills itself in save(); the bulk path sets them through the same method.
    derived_fields = ()

    def prepare_bulk_instances(self):
        """Attributes every instance of a bulk import shares, e.g. reference data loaded once."""
        return {}

    def load_existing(self, keys, key_fields):
        """The records a batch's keys name, by key, in one query."""
        if len(key_fields) != 1:
            raise NotImplementedError("bulk import keys on one column")
        attribute = key_fields[0].attribute
        values = {key[0] for key in keys if key is not None and key[0] not in (None, "")}
        if not values:
            return {}
        return {
            (getattr(instance, attribute),): instance
            for instance in self.get_queryset().filter(**{f"{attribute}__in": values})
        }

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
                for field in instance._meta.concrete_fields
                if field.is_relation and getattr(instance, field.attname) is not None
            ]
            try:
                instance.full_clean(
                    exclude=[*errors, *loaded], validate_unique=False, validate_constraints=False
                )
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
        region_id = row_region_id(instance)
        if allowed is not None and region_id is not None and region_id not in allowed:
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
                            # Line 1 of the file is the header row.
                            "line": invalid.number + 1,
                            "column": str(column),
                            "value": "" if value in (None, "---") else value,
                            "message": message,
                        }
                    )
        return problems


def column(attribute, name, widget):
    return fields.Field(attribute=attribute, column_name=name, widget=widget)


class OrganizationResource(SpreadsheetResource):
    """The organization registry, keyed on BIN."""

    region_widget = widgets.region_widget()

    bin = column("bin", gettext_lazy("BIN"), widgets.IdentifierWidget())
    name_ru = column("name_ru", gettext_lazy("Full name (Russian)"), widgets.TextWidget())
    name_kk = column("name_kk", gettext_lazy("Full name (Kazakh)"), widgets.TextWidget())
    short_name = column("short_name", gettext_lazy("Short name"), widgets.TextWidget())
    legal_form = column(
        "legal_form",
        gettext_lazy("Legal form"),
        widgets.ReferenceWidget(
            LegalForm,
            match_fields=["code", "abbr_ru", "abbr_kk", "name_ru", "name_kk"],
            render_field="abbreviation",
            message=gettext_lazy("Unknown legal form “%(value)s”: give e.g. ТОО, АО, ИП."),
        ),
    )
    kind = column(
        "kind",
        gettext_lazy("Organization kind"),
        widgets.ReferenceWidget(
            OrganizationKind,
            match_fields=["code", "name_ru", "name_kk"],
            render_field="name",
            message=gettext_lazy("Unknown organization kind “%(value)s”."),
        ),
    )
    region = column("region", gettext_lazy("Region"), region_widget)
    district = column(
        "district",
        gettext_lazy("District"),
        widgets.DistrictWidget(
            District,
            region_widget=region_widget,
            region_column=gettext_lazy("Region"),
            match_fields=["kato", "name_ru", "name_kk"],
            render_field="name",
            message=gettext_lazy(
                "Unknown district “%(value)s”: give its KATO code or its name within the region."
            ),
        ),
    )
    settlement = column("settlement", gettext_lazy("Settlement"), widgets.TextWidget())
    address = column("address", gettext_lazy("Address"), widgets.TextWidget())
    oked = column("oked", gettext_lazy("OKED"), widgets.TextWidget())
    size_class = column(
        "size_class", gettext_lazy("Size"), widgets.ChoiceWidget(Organization.SizeClass)
    )
    headcount = column("headcount", gettext_lazy("List headcount"), widgets.CountWidget())
    headcount_date = column("headcount_date", gettext_lazy("Headcount as of"), widgets.DateWidget())
    contact_person = column("contact_person", gettext_lazy("Contact person"), widgets.TextWidget())
    phone = column("phone", gettext_lazy("Phone"), widgets.TextWidget())
    email = column("email", gettext_lazy("E-mail"), widgets.TextWidget())
    status = column("status", gettext_lazy("Status"), widgets.ChoiceWidget(Organization.Status))
    liquidated_on = column("liquidated_on", gettext_lazy("Liquidated on"), widgets.DateWidget())
    notes = column("notes", gettext_lazy("Notes"), widgets.TextWidget())

    column_synonyms = {
        "bin": ["БИН/БСН", "ИИН/БИН", "бин организации"],
        "name_ru": ["Наименование", "Наименование организации", "Атауы"],
        "legal_form": ["ОПФ"],
        "region": ["Область", "Облыс"],
        "district": ["Район", "Аудан"],
        "headcount": ["Численность", "Списочная численность работников", "Саны"],
    }

    class Meta(SpreadsheetResource.Meta):
        model = Organization
        import_id_fields = ["bin"]
        fields = [
            "bin",
            "name_ru",
            "name_kk",
            "short_name",
            "legal_form",
            "kind",
            "region",
            "district",
            "settlement",
            "address",
            "oked",
            "size_class",
            "headcount",
            "headcount_date",
            "contact_person",
            "phone",
            "email",
            "status",
            "liquidated_on",
            "notes",
        ]
        export_order = fields

    derived_fields = ("search_text", "oked_section")

    def get_queryset(self):
        return super().get_queryset().select_related("legal_form", "kind", "region", "district")

    def prepare_bulk_instances(self):
        return {"_oked_sections": list(OkedSection.objects.all())}

    def before_import_row(self, row, **kwargs):
        # A status column left empty means the organization is active, as in the form.
        status = self.fields["status"].column_name
        if status in row and widgets.is_blank(row[status]):
            row[status] = Organization.Status.ACTIVE


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
RegionResource = reference_resource(
    Region, "kato", [("kato", gettext_lazy("KATO code")), *NAME_COLUMNS]
)
LegalFormResource = reference_resource(
    LegalForm,
    "code",
    [
        ("code", gettext_lazy("Code")),
        ("abbr_ru", gettext_lazy("Abbreviation (Russian)")),
        ("abbr_kk", gettext_lazy("Abbreviation (Kazakh)")),
        *NAME_COLUMNS,
    ],
)
OrganizationKindResource = reference_resource(
    OrganizationKind, "code", [("code", gettext_lazy("Code")), *NAME_COLUMNS]
)


class DistrictResource(SpreadsheetResource):
    kato = column("kato", gettext_lazy("KATO code"), widgets.TextWidget())
    region = column("region", gettext_lazy("Region"), widgets.region_widget(render_field="kato"))
    kind = column("kind", gettext_lazy("Kind"), widgets.ChoiceWidget(District.Kind))
    name_ru = column("name_ru", gettext_lazy("Name (Russian)"), widgets.TextWidget())
    name_kk = column("name_kk", gettext_lazy("Name (Kazakh)"), widgets.TextWidget())

    class Meta(SpreadsheetResource.Meta):
        model = District
        import_id_fields = ["kato"]
        fields = ["kato", "region", "kind", "name_ru", "name_kk"]


class OkedSectionResource(SpreadsheetResource):
    code = column("code", gettext_lazy("Code"), widgets.TextWidget())
    name_ru = column("name_ru", gettext_lazy("Name (Russian)"), widgets.TextWidget())
    name_kk = column("name_kk", gettext_lazy("Name (Kazakh)"), widgets.TextWidget())
    first_division = column("first_division", gettext_lazy("First division"), widgets.CountWidget())
    last_division = column("last_division", gettext_lazy("Last division"), widgets.CountWidget())

    class Meta(SpreadsheetResource.Meta):
        model = OkedSection
        import_id_fields = ["code"]
        fields = ["code", "name_ru", "name_kk", "first_division", "last_division"]
