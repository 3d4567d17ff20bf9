"""Memoranda in spreadsheets: imported one row per party, exported with their fulfilment."""

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources
from import_export.widgets import Widget

from config.spreadsheets import widgets
from config.spreadsheets.batched import identity
from config.spreadsheets.bulk import AnyOf
from config.spreadsheets.resources import ImportFileError, SpreadsheetResource, column
from registry.widgets import organization_by_bin_widget, region_widget

from .models import Commitment, Memorandum, MemorandumKind, MemorandumStatus, Party, PartyRole


class MemorandumWidget(widgets.VisibleRecordsMixin, Widget):
    """The memorandum a row belongs to, by registration number: found among the memoranda the
    user may see, or new for this file. A number another region's memorandum holds is refused
    as the add form refuses it.

    Rows of one memorandum share one instance, so the first row's save gives the rest a key.
    A batched import looks a batch's numbers up at once (`look_up_batch`) and hands what it
    found back as `known`.
    """

    model = Memorandum

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.by_number = {}

    @staticmethod
    def number(value):
        number = "" if widgets.is_blank(value) else widgets.cell_text(value)
        if not number:
            raise ValueError(_("The registration number is missing."))
        return number

    def look_up_batch(self, cells, rows=None):
        """The memoranda a batch's numbers name, and the numbers memoranda the user may not
        see hold: two queries."""
        numbers = {widgets.cell_text(cell) for cell in cells if not widgets.is_blank(cell)}
        if not numbers:
            return {"records": {}, "taken": set()}
        records = {
            record.number: record
            for record in self.records().filter(AnyOf(F("number"), list(numbers)))
        }
        elsewhere = Memorandum._base_manager.filter(
            AnyOf(F("number"), list(numbers - records.keys()))
        )
        return {"records": records, "taken": set(elsewhere.values_list("number", flat=True))}

    def clean(self, value, row=None, known=None, **kwargs):
        number = self.number(value)
        if number in self.by_number:
            return self.by_number[number]
        if known is None:
            stored = self.records().filter(number=number).first()
            taken = stored is None and Memorandum._base_manager.filter(number=number).exists()
        else:
            stored = known["records"].get(number)
            taken = number in known["taken"]
        if taken:
            new = Memorandum(number=number)
            raise ValueError(" ".join(new.unique_error_message(Memorandum, ["number"]).messages))
        # Kept by whichever thread reads the number first: one instance per memorandum.
        return self.by_number.setdefault(number, stored or Memorandum(number=number))

    def render(self, value, obj=None, **kwargs):
        return value.number if value else ""


class PartyResource(SpreadsheetResource):
    """One row per party; the memorandum's own columns repeat on each of its rows."""

    clean_in_memory = True

    memorandum = column("memorandum", gettext_lazy("Registration number"), MemorandumWidget())
    title_ru = column("memorandum__title_ru", gettext_lazy("Title (Russian)"), widgets.TextWidget())
    title_kk = column("memorandum__title_kk", gettext_lazy("Title (Kazakh)"), widgets.TextWidget())
    kind = column(
        "memorandum__kind", gettext_lazy("Memorandum kind"), widgets.ChoiceWidget(MemorandumKind)
    )
    signed_on = column("memorandum__signed_on", gettext_lazy("Signed on"), widgets.DateWidget())
    settlement = column(
        "memorandum__signed_settlement", gettext_lazy("Place of signing"), widgets.TextWidget()
    )
    region = column("memorandum__signed_region", gettext_lazy("Region of signing"), region_widget())
    valid_from = column("memorandum__valid_from", gettext_lazy("Valid from"), widgets.DateWidget())
    valid_until = column(
        "memorandum__valid_until", gettext_lazy("Valid until"), widgets.DateWidget()
    )
    organization = column("organization", gettext_lazy("Party BIN"), organization_by_bin_widget())
    role = column("role", gettext_lazy("Role"), widgets.ChoiceWidget(PartyRole))
    signatory_name = column("signatory_name", gettext_lazy("Signatory"), widgets.TextWidget())
    signatory_position = column(
        "signatory_position", gettext_lazy("Signatory's position"), widgets.TextWidget()
    )
    party_signed_on = column("signed_on", gettext_lazy("Party signed on"), widgets.DateWidget())

    class Meta(SpreadsheetResource.Meta):
        model = Party
        import_id_fields = ["memorandum", "organization"]
        fields = [
            "memorandum",
            "title_ru",
            "title_kk",
            "kind",
            "signed_on",
            "settlement",
            "region",
            "valid_from",
            "valid_until",
            "organization",
            "role",
            "signatory_name",
            "signatory_position",
            "party_signed_on",
        ]
        export_order = fields

    @classmethod
    def get_display_name(cls):
        return _("Memorandum parties")

    def get_queryset(self):
        return super().get_queryset().select_related("memorandum", "organization")

    def get_instance(self, instance_loader, row):
        try:
            memorandum = self.fields["memorandum"].clean(row)
            organization = self.fields["organization"].clean(row)
        except ValueError:
            # Reported under the column when the row is imported.
            return None
        if memorandum.pk is None:
            return None
        return Party.objects.filter(memorandum=memorandum, organization=organization).first()

    def before_import_row(self, row, **kwargs):
        role = self.fields["role"].column_name
        if role in row and widgets.is_blank(row[role]):
            row[role] = PartyRole.PARTY

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        memorandum = instance.memorandum
        memorandum.fill_defaults()
        if memorandum.pk is None or self.memorandum_changed(memorandum):
            try:
                memorandum.full_clean()
            except ValidationError as error:
                # Keyed like the resource's columns, so each problem names its column.
                raise ValidationError(
                    {f"memorandum__{key}": value for key, value in error.message_dict.items()}
                ) from None
            self.before_save_instance(memorandum, row, **kwargs)
            memorandum.save()
            instance.memorandum = memorandum
        self.touched.add(memorandum.pk)

    def memorandum_changed(self, memorandum):
        names = [
            field.attribute.removeprefix("memorandum__")
            for field in self.get_import_fields()
            if field.attribute.startswith("memorandum__")
        ]
        stored = Memorandum.objects.filter(pk=memorandum.pk).values(*names).get()
        return any(
            stored[name] != getattr(memorandum, Memorandum._meta.get_field(name).attname)
            for name in names
        )

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self.touched = set()
        # On the batched path, the organizations party to each memorandum the file names, by
        # the memorandum's part in a key: those stored and those of the file's valid rows.
        self.parties = {}

    def complete_related(self, record):
        record.fill_defaults()

    def look_up_batch(self, batch):
        """The parties of the batch's stored memoranda not counted before."""
        looked_up = batch.found.get("memorandum", {"records": {}})["records"].values()
        memoranda = [record.pk for record in looked_up if record.pk not in self.parties]
        parties = {pk: set() for pk in memoranda}
        stored = Party.objects.filter(AnyOf(F("memorandum_id"), memoranda))
        for memorandum, organization in stored.values_list("memorandum_id", "organization_id"):
            parties[memorandum].add(organization)
        return parties

    def before_check_batch(self, batch):
        for pk, organizations in batch.extra.items():
            self.parties.setdefault(pk, organizations)

    def short_of_parties(self):
        """The numbers of the memoranda the file names that would have too few parties."""
        if self.batched is None:
            memoranda = Memorandum.objects.filter(pk__in=getattr(self, "touched", ()))
            return memoranda.short_of_parties().order_by("number").values_list("number", flat=True)
        memoranda = self.fields["memorandum"].widget.by_number
        return sorted(
            number
            for number, record in memoranda.items()
            if len(self.parties.get(identity(record), ())) < Memorandum.MIN_PARTIES
        )

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if result.has_validation_errors():
            return
        short = self.short_of_parties()
        if short:
            raise ImportFileError(
                _("A memorandum has at least %(count)d parties; these have fewer: %(numbers)s.")
                % {"count": Memorandum.MIN_PARTIES, "numbers": ", ".join(short)}
            )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        if self.batched is not None:
            super().validate_instance(instance, import_validation_errors, validate_unique)
            memorandum = identity(instance.memorandum)
            self.parties.setdefault(memorandum, set()).add(instance.organization_id)
            return
        if instance.memorandum_id is None and import_validation_errors:
            # The memorandum is saved only from a valid row: its missing key is not this row's
            # problem, and "cannot be null" would hide the real one.
            errors = dict(import_validation_errors)
            try:
                instance.full_clean(exclude=[*errors, "memorandum"], validate_unique=False)
            except ValidationError as error:
                errors = error.update_error_dict(errors)
            raise ValidationError(errors)
        super().validate_instance(instance, import_validation_errors, validate_unique)


class MemorandumExportResource(resources.ModelResource):
    """Memoranda with their parties and fulfilment, one row each (export only)."""

    number = fields.Field("number", gettext_lazy("Registration number"))
    title = fields.Field("title", gettext_lazy("Title"))
    kind = fields.Field(column_name=gettext_lazy("Memorandum kind"))
    signed_on = fields.Field("signed_on", gettext_lazy("Signed on"), widgets.DateWidget())
    valid_until = fields.Field("valid_until", gettext_lazy("Valid until"), widgets.DateWidget())
    status = fields.Field(column_name=gettext_lazy("Status"))
    parties = fields.Field(column_name=gettext_lazy("Parties"))
    commitments = fields.Field(column_name=gettext_lazy("Commitments"))
    fulfilment = fields.Field(column_name=gettext_lazy("Fulfilment, %"))

    class Meta:
        model = Memorandum
        fields = [
            "number",
            "title",
            "kind",
            "signed_on",
            "valid_until",
            "status",
            "parties",
            "commitments",
            "fulfilment",
        ]
        export_order = fields

    @classmethod
    def get_display_name(cls):
        return _("Memoranda with parties and fulfilment")

    def export(self, queryset=None, **kwargs):
        queryset = queryset if queryset is not None else Memorandum.objects.for_changelist()
        queryset = queryset.prefetch_related("parties__organization", "commitments")
        return super().export(queryset=queryset, **kwargs)

    def dehydrate_kind(self, memorandum):
        return memorandum.get_kind_display()

    def dehydrate_status(self, memorandum):
        # Text, not the lazy label: a workbook cell cannot hold a lazy string.
        return str(MemorandumStatus(memorandum.status).label)

    def dehydrate_parties(self, memorandum):
        return "; ".join(
            f"{party.organization.display_name} ({party.organization.bin}, "
            f"{party.get_role_display()})"
            for party in memorandum.parties.all()
        )

    def dehydrate_commitments(self, memorandum):
        return len(memorandum.commitments.all())

    def dehydrate_fulfilment(self, memorandum):
        return None if memorandum.fulfilment is None else round(float(memorandum.fulfilment), 1)


class CommitmentExportResource(resources.ModelResource):
    """Commitments with targets, what was achieved and their status (export only)."""

    memorandum = fields.Field("memorandum__number", gettext_lazy("Registration number"))
    responsible_bin = fields.Field("responsible__bin", gettext_lazy("Party BIN"))
    responsible = fields.Field(column_name=gettext_lazy("Responsible party"))
    text = fields.Field("text", gettext_lazy("Commitment"))
    indicator = fields.Field(column_name=gettext_lazy("Indicator"))
    unit = fields.Field("unit", gettext_lazy("Unit"))
    target = fields.Field("target", gettext_lazy("Target"))
    achieved = fields.Field("achieved", gettext_lazy("Achieved"))
    fulfilment = fields.Field(column_name=gettext_lazy("Fulfilment, %"))
    due_on = fields.Field("due_on", gettext_lazy("Due on"), widgets.DateWidget())
    status = fields.Field(column_name=gettext_lazy("Status"))

    class Meta:
        model = Commitment
        fields = [
            "memorandum",
            "responsible_bin",
            "responsible",
            "text",
            "indicator",
            "unit",
            "target",
            "achieved",
            "fulfilment",
            "due_on",
            "status",
        ]
        export_order = fields

    def export(self, queryset=None, **kwargs):
        queryset = queryset if queryset is not None else Commitment.objects.with_progress()
        queryset = queryset.select_related("memorandum", "responsible")
        return super().export(queryset=queryset, **kwargs)

    def dehydrate_responsible(self, commitment):
        return commitment.responsible.display_name

    def dehydrate_indicator(self, commitment):
        return commitment.get_indicator_display()

    def dehydrate_fulfilment(self, commitment):
        return round(float(commitment.fulfilment), 1)

    def dehydrate_status(self, commitment):
        # Text, not the lazy label: a workbook cell cannot hold a lazy string.
        return str(Commitment.Status(commitment.status).label)
