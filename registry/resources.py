"""Import and export of the registry and its reference tables."""

from django.utils.translation import gettext_lazy

from config.spreadsheets import widgets
from config.spreadsheets.resources import (
    CONTACT_SYNONYMS,
    NAME_COLUMNS,
    SpreadsheetResource,
    column,
    reference_resource,
    stated_column,
)

from .models import District, LegalForm, OkedSection, Organization, OrganizationKind, Region
from .widgets import DistrictWidget, region_widget


class OrganizationResource(SpreadsheetResource):
    """The organization registry, keyed on BIN: files of hundreds of thousands of rows."""

    clean_in_memory = True

    region_widget = region_widget()

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
        DistrictWidget(
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
    # The headcount gives the size, unless it was set by hand.
    size_class = stated_column(
        "size_class", gettext_lazy("Size"), widgets.ChoiceWidget(Organization.SizeClass, blank=None)
    )
    headcount = column("headcount", gettext_lazy("List headcount"), widgets.CountWidget())
    headcount_date = column("headcount_date", gettext_lazy("Headcount as of"), widgets.DateWidget())
    contact_person = column("contact_person", gettext_lazy("Contact person"), widgets.TextWidget())
    phone = column("phone", gettext_lazy("Phone"), widgets.TextWidget())
    email = column("email", gettext_lazy("E-mail"), widgets.TextWidget())
    status = column("status", gettext_lazy("Status"), widgets.ChoiceWidget(Organization.Status))
    liquidated_on = column("liquidated_on", gettext_lazy("Liquidated on"), widgets.DateWidget())
    notes = column("notes", gettext_lazy("Notes"), widgets.TextWidget())

    # Headers as registers, statistics extracts and akimat lists write them, in both languages.
    column_synonyms = {
        "bin": ["БСН", "БИН/БСН", "ИИН/БИН", "БИН организации", "Ұйымның БСН"],
        "name_ru": ["Наименование", "Наименование организации", "Полное наименование"],
        "name_kk": ["Ұйымның атауы", "Атауы", "Наименование на казахском языке"],
        "short_name": ["Краткое наименование", "Қысқаша атауы"],
        "legal_form": ["ОПФ", "Организационно-правовая форма", "Ұйымдық-құқықтық нысаны"],
        "kind": ["Тип организации", "Категория организации"],
        "region": ["Область", "Облыс", "Регион", "Өңір"],
        "district": ["Район", "Аудан", "Район (город)"],
        "settlement": ["Населённый пункт", "Елді мекен"],
        "address": ["Мекенжайы", "Адрес организации", "Юридический адрес", "Заңды мекенжайы"],
        "oked": ["Код ОКЭД", "ЭҚЖЖ", "ЭҚЖЖ коды"],
        "headcount": [
            "Численность",
            "Численность работников",
            "Списочная численность работников",
            "Жұмыскерлер саны",
            "Қызметкерлер саны",
        ],
        "headcount_date": ["Дата численности", "Численность на дату", "Саны қай күнге"],
        "contact_person": ["Контактное лицо", "Байланыс тұлғасы"],
        **CONTACT_SYNONYMS,
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

    def get_queryset(self):
        return super().get_queryset().select_related("legal_form", "kind", "region", "district")

    def prepare_bulk_instances(self):
        return {
            "_oked_sections": OkedSection.objects.by_division(),
            "_legal_forms": LegalForm.objects.words(),
        }

    # A stated size only marks the size as set by hand, which is no column of the file.
    completes_changed_rows_only = True

    def complete_instance(self, instance, row, errors, **kwargs):
        size = self.fields["size_class"].column_name
        if size in row and not widgets.is_blank(row[size]):
            instance.keep_stated_size_class()

    def before_import_row(self, row, **kwargs):
        # A status column left empty means the organization is active, as in the form.
        status = self.fields["status"].column_name
        if status in row and widgets.is_blank(row[status]):
            row[status] = Organization.Status.ACTIVE


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
    region = column("region", gettext_lazy("Region"), region_widget(render_field="kato"))
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
