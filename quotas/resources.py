"""Quotas from akimat resolution tables; people, placements and special workplaces."""

from decimal import Decimal, InvalidOperation
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields
from import_export import widgets as stock_widgets

from config.spreadsheets import widgets
from config.spreadsheets.batched import BatchedImport, identity
from config.spreadsheets.bulk import AnyOf, BulkWriter, RememberingCleaner, new_records
from config.spreadsheets.resources import (
    CONTACT_SYNONYMS,
    NAME_COLUMNS,
    SpreadsheetResource,
    column,
    reference_resource,
)
from registry.models import District, LegalForm, Organization, OrganizationKind
from registry.validators import identifier_error
from registry.widgets import DistrictWidget, organization_by_bin_widget, region_widget

from . import personal_data
from .models import (
    DisabilityGroup,
    EmploymentMeasure,
    Funding,
    Impairment,
    Person,
    Placement,
    Quota,
    QuotaCategory,
    ReferralSource,
    Rounding,
    Sex,
    SocialCategory,
    SpecialWorkplace,
)
from .personal_data import MaskedWidget


class NumberWidget(stock_widgets.Widget):
    """A decimal number as staff write it: 2, 2,5, 3 %, 150 000."""

    def clean(self, value, row=None, **kwargs):
        if widgets.is_blank(value):
            return None
        text = widgets.cell_text(value).replace("%", "").replace(",", ".")
        text = text.replace(" ", "").replace("\xa0", "")
        try:
            return Decimal(text).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise ValueError(_("“%(value)s” is not a number.") % {"value": text}) from None

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return float(value) if kwargs.get("force_native_type") else f"{value:g}"


# Disability groups are written as Roman numerals in certificates and spreadsheets.
GROUP_NUMERALS = {"I": "1", "II": "2", "III": "3"}


def reference(model, message, render_field="name"):
    return widgets.ReferenceWidget(
        model,
        match_fields=["code", "name_ru", "name_kk"],
        render_field=render_field,
        message=message,
    )


def quota_category_widget():
    return reference(QuotaCategory, gettext_lazy("Unknown quota category “%(value)s”."))


class AkimatQuotaResource(SpreadsheetResource):
    """The table an akimat resolution appends: №, organization, BIN, headcount, %, places.

    Year, category and the resolution come from the import form when the file has no such
    columns. An employer missing from the registry is added from its row. The number of places
    the resolution states is authoritative; where it differs from the computed one, it is kept
    with the resolution as its reason and reported.
    """

    organization_name = fields.Field(
        attribute=None, column_name=gettext_lazy("Organization"), widget=widgets.TextWidget()
    )
    organization = column("organization", gettext_lazy("BIN"), organization_by_bin_widget())
    headcount = column("headcount", gettext_lazy("List headcount"), widgets.CountWidget())
    percent = column("percent", gettext_lazy("Quota, %"), NumberWidget())
    stated_places = column("stated_places", gettext_lazy("Number of places"), widgets.CountWidget())
    year = column("year", gettext_lazy("Year"), widgets.CountWidget())
    category = column("category", gettext_lazy("Quota category"), quota_category_widget())
    resolution_number = column(
        "resolution_number", gettext_lazy("Resolution number"), widgets.TextWidget()
    )
    resolution_date = column(
        "resolution_date", gettext_lazy("Resolution date"), widgets.DateWidget()
    )

    column_synonyms = {
        "organization_name": [
            "Наименование организации",
            "Наименование",
            "Организация",
            "Наименование работодателя",
            "Ұйымның атауы",
            "Ұйым",
        ],
        "organization": ["БИН организации", "БСН"],
        "stated_places": ["Количество рабочих мест", "Количество мест", "Жұмыс орындарының саны"],
        "percent": ["Квота, %", "Размер квоты", "Квота (%)", "%"],
        "headcount": ["Списочная численность работников", "Численность"],
    }

    clean_in_memory = True

    class Meta(SpreadsheetResource.Meta):
        model = Quota
        import_id_fields = ["organization", "category", "year"]
        fields = [
            "organization_name",
            "organization",
            "headcount",
            "percent",
            "stated_places",
            "year",
            "category",
            "resolution_number",
            "resolution_date",
        ]
        export_order = fields

    def __init__(self, defaults=None, **kwargs):
        super().__init__(**kwargs)
        # Values for the whole file, from the import form: year, category, resolution, region.
        self.defaults = defaults or {}

    def get_queryset(self):
        return super().get_queryset().select_related("organization", "category")

    def dehydrate_organization_name(self, quota):
        return quota.organization.display_name

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self.created_organizations = []
        self.differences = []
        # Employers the batched path added, by BIN, for the file's later rows: each as its key
        # and its identity in the import's keys, not the whole record, so that a table adding
        # 100,000 employers does not keep them all.
        self.added = {}
        self.employer_kind = self.employer_writer = None

    def default_columns(self):
        names = ("year", "category", "resolution_number", "resolution_date")
        return {name: self.defaults.get(name) for name in names}

    def missing_employer(self, row):
        """The BIN of the row's employer if the registry may lack it and the import would add
        it (a region for new employers was given), else None."""
        if self.defaults.get("region") is None:
            return None
        number = widgets.IdentifierWidget().clean(
            row.get(str(self.fields["organization"].column_name))
        )
        if not number or identifier_error(number):
            return None
        return number

    def new_employer(self, number, row, kind):
        """An employer the registry does not know yet, named as in the resolution."""
        name = widgets.TextWidget().clean(
            row.get(str(self.fields["organization_name"].column_name))
        )
        region = self.defaults["region"]
        at, defaults, make = self.new_organization
        values = defaults()
        values[at["bin"]], values[at["name_ru"]] = number, name
        values[at["region_id"]], values[at["kind_id"]] = region.pk, kind.pk
        employer = make(values)
        employer._state.fields_cache.update(region=region, kind=kind)
        employer._legal_forms = self.legal_forms
        return employer

    @cached_property
    def new_organization(self):
        """Employers made from their values in field order, as the batched path makes its
        rows (Organization(**values) took a tenth of a table's time when it added every
        employer it named): where each field's value goes, the defaults, and the maker."""
        fields = Organization._meta.concrete_fields
        at = {field.attname: index for index, field in enumerate(fields)}
        return at, BatchedImport.row_defaults(Organization), new_records(Organization)

    @cached_property
    def legal_forms(self):
        """The legal forms' words, read once for every employer a file adds."""
        return LegalForm.objects.words()

    @staticmethod
    def employer_error(error):
        return ValidationError(
            {"organization": [f"{key}: {'; '.join(v)}" for key, v in error.message_dict.items()]}
        )

    def before_import_row(self, row, **kwargs):
        """Row by row: add an employer the registry does not know yet."""
        number = self.missing_employer(row) if self.batched is None else None
        if number is None or Organization.objects.filter(bin=number).exists():
            return
        organization = self.new_employer(
            number, row, OrganizationKind.objects.get(code="enterprise")
        )
        try:
            organization.full_clean()
        except ValidationError as error:
            raise self.employer_error(error) from None
        self.before_save_instance(organization, row, **kwargs)
        organization.save()
        self.created_organizations.append(str(organization))

    def missing_employers(self, batch):
        """missing_employer for each row of a batch, from what its lookup read of each cell:
        the numbers it found, and those it checked and did not find."""
        if self.defaults.get("region") is None:
            return [None] * len(batch.rows)
        found = batch.found["organization"]
        numbers, column = found.numbers, str(self.fields["organization"].column_name)
        missing = []
        for index, row in enumerate(batch.rows):
            cell = row.get(column)
            number = None if index in batch.refused else numbers.get((type(cell), cell))
            missing.append(None if number in found else number)
        return missing

    def look_up_batch(self, batch):
        """The batch's missing employers (`missing_employers`), and those of them registered
        in another region: those are not added. Keys are drawn for the others here, ahead, as
        for the batch's own rows."""
        missing = self.missing_employers(batch)
        numbers = set(missing) - {None}
        if not numbers:
            return set(), missing
        registered = Organization._base_manager.filter(AnyOf(F("bin"), list(numbers)))
        registered = set(registered.values_list("bin", flat=True))
        # One at a time: the checking thread may be adding to `added` meanwhile.
        added = [number for number in numbers - registered if number not in self.added]
        self.employers().reserve_keys(len(added))
        return registered, missing

    def employers(self):
        """The writer of the employers the file adds, ahead of the quotas naming them, on the
        thread that writes those."""
        if self.employer_writer is None:
            writer = self.batched.writer
            self.employer_writer = BulkWriter(
                Organization, user=writer.user, reason=writer.reason, behind=writer
            )
        return self.employer_writer

    def before_check_batch(self, batch):
        """The batch's employers the registry does not know yet, added at once, before the
        rows that name them are read; a row whose employer cannot be added is refused."""
        known, added = batch.found["organization"], []
        registered, missing = batch.extra
        for index, (row, number) in enumerate(zip(batch.rows, missing, strict=True)):
            if number is None or number in registered or number in known:
                continue
            if number in self.added:
                known[number] = self.added_again(number, row)
                continue
            if self.employer_kind is None:
                self.employer_kind = OrganizationKind.objects.get(code="enterprise")
                self.employer_cleaner = RememberingCleaner(Organization)
            organization = self.new_employer(number, row, self.employer_kind)
            try:
                # Its region and kind are records just read.
                self.employer_cleaner.full_clean(organization, exclude=["region", "kind"])
            except ValidationError as error:
                batch.refused[index] = self.employer_error(error)
                continue
            known[number] = organization
            added.append(organization)
        if added and not self.batched.dry_run:
            self.employers().write(added, [])
        for organization in added:
            self.added[organization.bin] = (organization.pk, identity(organization))
            self.created_organizations.append(str(organization))

    def added_again(self, number, row):
        """The employer this file added, for a later row naming it: a record with its key and
        its identity in the import, so that the row's key is the first row's."""
        pk, key = self.added[number]
        organization = self.new_employer(number, row, self.employer_kind)
        organization.pk = pk
        organization._state.adding = pk is None
        organization.__dict__["_key_in_import"] = key
        return organization

    def complete_instance(self, instance, row, errors, **kwargs):
        """Places as the category computes them; the resolution's number where it differs,
        with the resolution as its reason, and reported."""
        incomplete = instance.headcount is None or instance.percent is None
        if errors or not instance.category_id or incomplete:
            return
        instance.refresh_computed_places()
        if instance.stated_places is None or instance.stated_places == instance.computed_places:
            instance.stated_places = None
            instance.override_reason = ""
            return
        instance.override_reason = _("As stated in akimat resolution № %(number)s of %(date)s.") % {
            "number": instance.resolution_number or "—",
            "date": instance.resolution_date.strftime("%d.%m.%Y")
            if instance.resolution_date
            else "—",
        }
        self.differences.append(
            {
                "line": self.line_of(kwargs.get("row_number", 0)),
                "organization": instance.organization.display_name,
                "stated": instance.stated_places,
                "computed": instance.computed_places,
            }
        )

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        result.differences = getattr(self, "differences", [])
        result.created_organizations = getattr(self, "created_organizations", [])


class ReferenceListWidget(stock_widgets.ManyToManyWidget):
    """Several reference rows in one cell, separated by commas or semicolons."""

    def __init__(self, model, message, **kwargs):
        super().__init__(model, separator=",", field="name_ru", **kwargs)
        self.single = reference(model, message)

    def clean(self, value, row=None, **kwargs):
        if widgets.is_blank(value):
            return self.model.objects.none()
        names = [part.strip() for part in widgets.cell_text(value).replace(";", ",").split(",")]
        found = [self.single.clean(name, row) for name in names if name]
        return self.model.objects.filter(pk__in=[item.pk for item in found])

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return ", ".join(item.name for item in value.all())


class PersonalDataResource(SpreadsheetResource):
    """A resource that masks personal data unless its user may see it: in exports and in an
    import's preview alike, since both render values through the columns' widgets.

    `masked_columns` names each column holding personal data: (field, attribute of the
    column's value holding it, or None for the value itself)."""

    masked_columns = {}

    def __init__(self, personal_data=True, **kwargs):
        super().__init__(**kwargs)
        if not personal_data:
            for name, (field, attribute) in self.masked_columns.items():
                column = self.fields[name]
                column.widget = MaskedWidget(column.widget, field, attribute)


class PersonResource(PersonalDataResource):
    """People keyed on IIN. Exported personal data is masked for users without the right."""

    clean_in_memory = True

    iin = column("iin", gettext_lazy("IIN"), widgets.IdentifierWidget())
    full_name = column("full_name", gettext_lazy("Full name"), widgets.TextWidget())
    birth_date = column("birth_date", gettext_lazy("Birth date"), widgets.DateWidget())
    sex = column("sex", gettext_lazy("Sex"), widgets.ChoiceWidget(Sex))
    disability_group = column(
        "disability_group",
        gettext_lazy("Disability group"),
        widgets.ChoiceWidget(DisabilityGroup, aliases=GROUP_NUMERALS),
    )
    impairment = column(
        "impairment", gettext_lazy("Kind of impairment"), widgets.ChoiceWidget(Impairment)
    )
    social_categories = column(
        "social_categories",
        gettext_lazy("Social categories"),
        ReferenceListWidget(SocialCategory, gettext_lazy("Unknown social category “%(value)s”.")),
    )
    region = column("region", gettext_lazy("Region"), region_widget())
    district = column(
        "district",
        gettext_lazy("District"),
        DistrictWidget(
            District,
            region_widget=region_widget(),
            region_column=gettext_lazy("Region"),
            match_fields=["kato", "name_ru", "name_kk"],
            render_field="name",
            message=gettext_lazy("Unknown district “%(value)s”."),
        ),
    )
    phone = column("phone", gettext_lazy("Phone"), widgets.TextWidget())
    email = column("email", gettext_lazy("E-mail"), widgets.TextWidget())

    masked_columns = {name: (name, None) for name in personal_data.FIELDS}

    # The IIN holds both.
    columns_filled_otherwise = ("birth_date", "sex")
    column_synonyms = {
        "iin": ["ЖСН", "ИИН/ЖСН", "ИИН гражданина"],
        "full_name": ["ФИО", "Ф.И.О.", "Фамилия, имя, отчество", "Аты-жөні", "Т.А.Ә."],
        "birth_date": ["Дата рождения", "Туған күні"],
        "sex": ["Пол", "Жынысы"],
        "disability_group": ["Группа инвалидности", "Мүгедектік тобы", "Группа"],
        "impairment": ["Вид нарушения", "Нозология", "Бұзылу түрі"],
        "social_categories": ["Категория", "Категории населения", "Әлеуметтік санаты"],
        "region": ["Область", "Облыс", "Регион"],
        "district": ["Район", "Аудан"],
        **CONTACT_SYNONYMS,
    }

    class Meta(SpreadsheetResource.Meta):
        model = Person
        import_id_fields = ["iin"]
        fields = [
            "iin",
            "full_name",
            "birth_date",
            "sex",
            "disability_group",
            "impairment",
            "social_categories",
            "region",
            "district",
            "phone",
            "email",
        ]
        export_order = fields

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("region", "district")
            .prefetch_related("social_categories")
        )

    def complete_instance(self, instance, row, errors, **kwargs):
        # Also when another cell is wrong, so "birth date missing" does not hide it.
        instance.fill_from_iin()


class QuotaOfRowWidget(stock_widgets.Widget):
    """The employer's quota of the named category for the year the placement starts."""

    def __init__(self, organization, start_on, **kwargs):
        super().__init__(**kwargs)
        self.organization, self.start_on = organization, start_on
        self.category = quota_category_widget()

    def limit_to(self, user):
        # The employer is read again here, and found among the user's records as in its column.
        self.organization[1].limit_to(user)

    def warm(self):
        self.category.warm()

    def cells(self, value, row):
        """The category, the employer's cell and the start date a row names, or None where
        one of them cannot be read (the columns report their own problems)."""
        (organization_column, _widget), (start_column, start_widget) = (
            self.organization,
            self.start_on,
        )
        category = self.category.clean(value, row)
        try:
            start_on = start_widget.clean(row.get(str(start_column)), row)
        except ValueError:
            return None
        if start_on is None:
            return None
        return category, row.get(str(organization_column)), start_on

    def look_up_batch(self, cells, rows):
        """The employers and their quotas a batch's rows name: two queries."""
        employers = self.organization[1]
        organizations = employers.look_up_batch(
            [row.get(str(self.organization[0])) for row in rows]
        )
        categories, years = set(), set()
        for value, row in zip(cells, rows, strict=True):
            try:
                named = None if widgets.is_blank(value) else self.cells(value, row)
            except ValueError:
                continue
            if named is not None:
                categories.add(named[0].pk)
                years.add(named[2].year)
        quotas = {}
        if organizations and categories:
            found = Quota.objects.filter(
                AnyOf(F("organization_id"), [each.pk for each in organizations.values()]),
                category__in=categories,
                year__in=years,
            ).select_related("category__social_category")
            quotas = {(each.organization_id, each.category_id, each.year): each for each in found}
        return {"organizations": organizations, "quotas": quotas}

    def clean(self, value, row=None, known=None, **kwargs):
        if widgets.is_blank(value):
            return None
        named = self.cells(value, row)
        if named is None:
            return None
        category, cell, start_on = named
        try:
            organization = self.organization[1].clean(
                cell, row, known=None if known is None else known["organizations"]
            )
        except ValueError:
            return None  # reported under its own column
        if known is not None:
            quota = known["quotas"].get((organization.pk, category.pk, start_on.year))
        else:
            quota = Quota.objects.filter(
                organization=organization, category=category, year=start_on.year
            ).first()
        if quota is None:
            raise ValueError(
                _("%(employer)s has no quota of category “%(category)s” for %(year)d.")
                % {
                    "employer": organization.display_name,
                    "category": category,
                    "year": start_on.year,
                }
            )
        return quota

    def render(self, value, obj=None, **kwargs):
        return value.category.name if value else ""


class PlacementResource(PersonalDataResource):
    """Placements keyed on the person's IIN, the employer's BIN and the start date."""

    clean_in_memory = True

    person = column(
        "person",
        gettext_lazy("IIN"),
        widgets.IdentifiedWidget(
            Person,
            "iin",
            missing=gettext_lazy("The IIN is missing."),
            invalid=gettext_lazy("Invalid IIN %(value)s: %(reason)s"),
            unknown=gettext_lazy(
                "No person with IIN %(value)s is registered; import the people first."
            ),
            # What a placement's quota check reads of the person.
            prefetched=["social_categories"],
        ),
    )
    organization = column(
        "organization", gettext_lazy("Employer BIN"), organization_by_bin_widget()
    )
    measure = column(
        "measure",
        gettext_lazy("Employment measure"),
        reference(EmploymentMeasure, gettext_lazy("Unknown employment measure “%(value)s”.")),
    )
    position = column("position", gettext_lazy("Position"), widgets.TextWidget())
    start_on = column("start_on", gettext_lazy("Start date"), widgets.DateWidget())
    end_on = column("end_on", gettext_lazy("End date"), widgets.DateWidget())
    end_reason = column("end_reason", gettext_lazy("Reason for ending"), widgets.TextWidget())
    quota = column(
        "quota",
        gettext_lazy("Quota category"),
        QuotaOfRowWidget(
            organization=(gettext_lazy("Employer BIN"), organization_by_bin_widget()),
            start_on=(gettext_lazy("Start date"), widgets.DateWidget()),
        ),
    )
    person_name = fields.Field(
        attribute=None, column_name=gettext_lazy("Full name"), widget=widgets.TextWidget()
    )
    referral = column("referral", gettext_lazy("Referred by"), widgets.ChoiceWidget(ReferralSource))
    salary = column("salary", gettext_lazy("Monthly salary"), NumberWidget())

    masked_columns = {"person": ("iin", "iin")}

    column_synonyms = {
        "person": ["ИИН", "ЖСН", "ИИН работника", "ИИН трудоустроенного"],
        "organization": ["БИН", "БСН", "БИН работодателя", "Жұмыс берушінің БСН"],
        "measure": ["Мера", "Мера содействия занятости", "Шара", "Қамту шарасы"],
        "position": ["Должность", "Лауазымы", "Профессия"],
        "start_on": ["Дата трудоустройства", "Дата приёма на работу", "Жұмысқа орналасқан күні"],
        "end_on": ["Дата увольнения", "Дата окончания", "Жұмыстан шыққан күні"],
        "person_name": ["ФИО", "Ф.И.О.", "Аты-жөні"],
        "salary": ["Заработная плата", "Зарплата", "Жалақы"],
    }

    class Meta(SpreadsheetResource.Meta):
        model = Placement
        import_id_fields = ["person", "organization", "start_on"]
        fields = [
            "person",
            "person_name",
            "organization",
            "measure",
            "position",
            "start_on",
            "end_on",
            "end_reason",
            "quota",
            "referral",
            "salary",
        ]
        export_order = fields

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("person", "organization", "measure", "quota__category")
        )

    def dehydrate_person_name(self, placement):
        return placement.person.full_name

    def before_import_row(self, row, **kwargs):
        referral = str(self.fields["referral"].column_name)
        if referral in row and widgets.is_blank(row[referral]):
            row[referral] = ReferralSource.EMPLOYMENT_CENTRE

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        # On the batched path, the placements of each person at each employer the file names,
        # by (person, employer): {stored key, or the row's key for a new one: (start, end,
        # position)}, stored ones as read and then as the file's rows change or add them, so
        # each row's overlaps are judged as the row-by-row path judges them.
        self.alongside = {}

    def look_up_batch(self, batch):
        """The stored placements of the batch's people at its employers not read before."""
        pairs = {key[:2] for key in batch.keys if key is not None}
        pairs = [pair for pair in pairs if pair not in self.alongside]
        if not pairs:
            return {}
        stored = Placement.objects.filter(
            AnyOf(F("person_id"), list({person for person, _ in pairs})),
            AnyOf(F("organization_id"), list({organization for _, organization in pairs})),
        ).values_list("pk", "person_id", "organization_id", "start_on", "end_on", "position")
        found = {pair: {} for pair in pairs}
        for pk, person, organization, *rest in stored:
            if (person, organization) in found:
                found[(person, organization)][pk] = tuple(rest)
        return found

    def before_check_batch(self, batch):
        for pair, placements in batch.extra.items():
            self.alongside.setdefault(pair, placements)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        placements = None
        if self.batched is not None:
            placements = self.alongside.get((instance.person_id, instance.organization_id))
        if placements is None:
            super().validate_instance(instance, import_validation_errors, validate_unique)
            return
        own = (
            instance.pk
            if instance.pk is not None
            else (instance.person_id, instance.organization_id, instance.start_on)
        )
        instance._alongside = [each for key, each in placements.items() if key != own]
        super().validate_instance(instance, import_validation_errors, validate_unique)
        placements[own] = (instance.start_on, instance.end_on, instance.position)


class SpecialWorkplaceResource(SpreadsheetResource):
    clean_in_memory = True

    organization = column(
        "organization", gettext_lazy("Employer BIN"), organization_by_bin_widget()
    )
    position = column("position", gettext_lazy("Position"), widgets.TextWidget())
    impairment = column(
        "impairment", gettext_lazy("Adapted for impairment"), widgets.ChoiceWidget(Impairment)
    )
    disability_group = column(
        "disability_group",
        gettext_lazy("Adapted for group"),
        widgets.ChoiceWidget(DisabilityGroup, aliases=GROUP_NUMERALS),
    )
    adaptations = column("adaptations", gettext_lazy("What was adapted"), widgets.TextWidget())
    created_on = column("created_on", gettext_lazy("Created on"), widgets.DateWidget())
    funding = column("funding", gettext_lazy("Funding"), widgets.ChoiceWidget(Funding))
    subsidy_amount = column("subsidy_amount", gettext_lazy("State subsidy, KZT"), NumberWidget())

    column_synonyms = {
        "organization": ["БИН", "БСН", "БИН работодателя"],
        "position": ["Должность", "Рабочее место", "Лауазымы"],
        "created_on": ["Дата создания", "Дата оборудования", "Құрылған күні"],
        "funding": ["Источник финансирования", "Қаржыландыру көзі"],
        "subsidy_amount": ["Сумма субсидии", "Субсидия, тенге", "Субсидия сомасы"],
    }

    class Meta(SpreadsheetResource.Meta):
        model = SpecialWorkplace
        import_id_fields = ["organization", "position", "created_on"]
        fields = [
            "organization",
            "position",
            "impairment",
            "disability_group",
            "adaptations",
            "created_on",
            "funding",
            "subsidy_amount",
        ]
        export_order = fields


SocialCategoryResource = reference_resource(
    SocialCategory, "code", [("code", gettext_lazy("Code")), *NAME_COLUMNS]
)
EmploymentMeasureResource = reference_resource(
    EmploymentMeasure, "code", [("code", gettext_lazy("Code")), *NAME_COLUMNS]
)


class QuotaCategoryResource(SpreadsheetResource):
    """Quota categories as the akimats' rules set them: percentages, thresholds, rounding."""

    code = column("code", gettext_lazy("Code"), widgets.TextWidget())
    name_ru = column("name_ru", gettext_lazy("Name (Russian)"), widgets.TextWidget())
    name_kk = column("name_kk", gettext_lazy("Name (Kazakh)"), widgets.TextWidget())
    social_category = column(
        "social_category",
        gettext_lazy("People it is for"),
        reference(SocialCategory, gettext_lazy("Unknown social category “%(value)s”.")),
    )
    min_percent = column("min_percent", gettext_lazy("Lowest percentage"), NumberWidget())
    max_percent = column("max_percent", gettext_lazy("Highest percentage"), NumberWidget())
    min_headcount = column(
        "min_headcount", gettext_lazy("Lowest list headcount"), widgets.CountWidget()
    )
    excludes_hazardous = column(
        "excludes_hazardous",
        gettext_lazy("Heavy and hazardous workplaces excluded"),
        widgets.YesNoWidget(),
    )
    max_disabled_share = column(
        "max_disabled_share", gettext_lazy("Highest share of disabled staff, %"), NumberWidget()
    )
    rounding = column("rounding", gettext_lazy("Rounding"), widgets.ChoiceWidget(Rounding))

    class Meta(SpreadsheetResource.Meta):
        model = QuotaCategory
        import_id_fields = ["code"]
        fields = [
            "code",
            "name_ru",
            "name_kk",
            "social_category",
            "min_percent",
            "max_percent",
            "min_headcount",
            "excludes_hazardous",
            "max_disabled_share",
            "rounding",
        ]
        export_order = fields
