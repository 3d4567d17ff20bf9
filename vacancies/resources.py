"""Exports of the classifier and the skills dictionary.

Export only: the official lists are loaded by `manage.py load_occupations` and `load_skills`
(vacancies.loaders), which read the НКЗ's own XLSX and XML files, add national positions under
their unit groups and refuse a file with any bad code whole.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources
from import_export import widgets as stock_widgets

from config.spreadsheets import widgets
from config.spreadsheets.pipeline import ImportFileError
from config.spreadsheets.resources import (
    NAME_COLUMNS,
    SpreadsheetResource,
    column,
    reference_resource,
    stated_column,
)
from quotas.models import Person
from quotas.resources import PersonalDataResource, quota_category_widget
from registry.models import District, LegalForm, Organization, OrganizationKind, Region
from registry.models import normalize_for_search as normalize
from registry.widgets import DistrictWidget, organization_by_bin_widget, region_widget

from .models import (
    EducationLevel,
    Experience,
    JobSeeker,
    Language,
    NatureOfWork,
    Occupation,
    OccupationLevel,
    Referral,
    ReferralOutcome,
    Schedule,
    SeekerRegistration,
    SeekerStatus,
    Skill,
    SurveyCampaign,
    SurveyLine,
    SurveyResponse,
    Vacancy,
    VacancySource,
    VacancyStatus,
    parent_code,
)


def text(attribute, header):
    return fields.Field(attribute=attribute, column_name=header, widget=widgets.TextWidget())


class OccupationExportResource(resources.ModelResource):
    """The classifier, one row per group or position, parents before their children."""

    code = text("code", gettext_lazy("Code"))
    level = fields.Field(
        attribute="level",
        column_name=gettext_lazy("Level"),
        widget=widgets.ChoiceWidget(OccupationLevel),
    )
    group = fields.Field(column_name=gettext_lazy("Group code"))
    name_ru = text("name_ru", NAME_COLUMNS[0][1])
    name_kk = text("name_kk", NAME_COLUMNS[1][1])
    title_en = text("title_en", gettext_lazy("ISCO-08 title (English)"))
    names_checked = fields.Field(
        attribute="names_checked",
        column_name=gettext_lazy("Names checked against the НКЗ"),
        widget=widgets.YesNoWidget(),
    )

    class Meta:
        model = Occupation
        fields = ["code", "level", "group", "name_ru", "name_kk", "title_en", "names_checked"]
        export_order = fields

    def dehydrate_group(self, occupation):
        # From the code, as the parent is: no query per row.
        return parent_code(occupation.code) or ""


class SkillExportResource(resources.ModelResource):
    """The skills dictionary, each skill with the codes of its occupations."""

    code = text("code", gettext_lazy("Code"))
    name_ru = text("name_ru", NAME_COLUMNS[0][1])
    name_kk = text("name_kk", NAME_COLUMNS[1][1])
    occupations = fields.Field(column_name=gettext_lazy("Occupation codes"))

    class Meta:
        model = Skill
        fields = ["code", "name_ru", "name_kk", "occupations"]
        export_order = fields

    def export(self, queryset=None, **kwargs):
        queryset = queryset if queryset is not None else Skill.objects.all()
        return super().export(queryset=queryset.prefetch_related("occupations"), **kwargs)

    def dehydrate_occupations(self, skill):
        return ", ".join(occupation.code for occupation in skill.occupations.all())


LanguageResource = reference_resource(
    Language, "code", [("code", gettext_lazy("Code")), *NAME_COLUMNS]
)


# ---------------------------------------------------------------------------------------------
# The vacancy register, job seekers and the staffing-needs survey.
#
# These import row by row (`imports_in_batches = False`): their models' save() does domain work
# the batched writer would skip (a survey line publishes its vacant places into the register, a
# vacancy takes its employer's region and its status from its filled places), and their files
# are a region's survey or register, hundreds or a few thousand rows, not the registry's
# hundreds of thousands.


CODE_LIKE = re.compile(r"^[\d\s\-.]+$")


def code_candidates(value):
    """The codes a cell may mean: as written, and with the leading zero a spreadsheet drops
    from a code typed as a number (the armed forces' groups «0110» read as 110)."""
    number = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    text = widgets.cell_text(value).replace(" ", "").replace("\xa0", "")
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    candidates = [text]
    if (number or text.isdigit()) and len(text) < 4:
        candidates.append("0" + text)
    return candidates


def name_rank(occupation):
    """How fit an occupation is to be the one a name means: a unit group, then a national
    position, then the groups above from the minor one up."""
    digits = len(occupation.code)
    return 0 if digits == 4 else 1 if digits > 4 else 5 - digits


class OccupationWidget(stock_widgets.ForeignKeyWidget):
    """An occupation of the classifier by its code, or, where the code cell is empty, by its
    name in Russian or Kazakh in the row's name column. The classifier is read once."""

    def __init__(self, name_column=None, **kwargs):
        super().__init__(Occupation, field="code", **kwargs)
        self.name_column = name_column
        self.codes = None

    def warm(self):
        if self.codes is not None:
            return
        self.codes, self.names = {}, {}
        for occupation in Occupation.objects.only("pk", "code", "name_ru", "name_kk"):
            self.codes[occupation.code] = occupation
            for name in (occupation.name_ru, occupation.name_kk):
                key = normalize(name or "")
                held = self.names.get(key)
                # A name a group shares with the groups above it and the positions below it
                # ("Офицеры вооруженных сил": 01, 011, 0110) means the unit group.
                if key and (held is None or name_rank(occupation) < name_rank(held)):
                    self.names[key] = occupation

    def clean(self, value, row=None, **kwargs):
        self.warm()
        if widgets.is_blank(value):
            name = (row or {}).get(str(self.name_column)) if self.name_column else None
            if widgets.is_blank(name):
                raise ValueError(_("Give the occupation's code in the classifier, or its name."))
            found = self.names.get(normalize(widgets.cell_text(name)))
            if found is None:
                raise ValueError(
                    _("No occupation named “%(value)s” is in the classifier: give its code (НКЗ).")
                    % {"value": widgets.cell_text(name)}
                )
            return found
        for code in code_candidates(value):
            if code in self.codes:
                return self.codes[code]
        raise ValueError(
            _("No occupation with the code %(value)s is in the classifier (НКЗ).")
            % {"value": code_candidates(value)[0]}
        )

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


class SalaryWidget(stock_widgets.Widget):
    """Whole tenge as staff write them: 150000, 150 000, 150 000,00."""

    reads_cell_only = True

    def clean(self, value, row=None, **kwargs):
        if widgets.is_blank(value):
            return None
        text = widgets.cell_text(value).replace(" ", "").replace("\xa0", "").replace(",", ".")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("“%(value)s” is not a number.") % {"value": text}) from None
        if amount != amount.to_integral_value() or amount < 0:
            raise ValueError(_("“%(value)s” is not a whole number of tenge.") % {"value": text})
        return amount.quantize(Decimal(1))

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return None if kwargs.get("force_native_type") else ""
        return int(value) if kwargs.get("force_native_type") else str(int(value))


class LevelWidget(widgets.ChoiceWidget):
    """An IntegerChoices value (the education level) by its label in any language."""

    def __init__(self, choices, **kwargs):
        stock_widgets.Widget.__init__(self, **kwargs)
        self.choices = choices
        self.blank = None
        self.lookup = {}
        for code, label in choices.choices:
            self.lookup[str(code)] = code
            for language in ("ru", "kk", "en"):
                with translation.override(language):
                    self.lookup[normalize(str(label))] = code

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else super().render(value, obj, **kwargs)


class NamesWidget(stock_widgets.ManyToManyWidget):
    """Several reference rows in one cell, separated by semicolons or line breaks (or commas,
    where a part is no name of its own), each by its code or name in either language."""

    def __init__(self, model, message, match_fields=("code", "name_ru", "name_kk"), render=None):
        super().__init__(model, separator=";", field="pk")
        self.single = widgets.ReferenceWidget(
            model, match_fields=list(match_fields), render_field="pk", message=message
        )
        self.render_one = render or (lambda item: item.name)

    def parts(self, value):
        for part in re.split(r"[;\n]+", widgets.cell_text(value)):
            part = part.strip()
            if not part:
                continue
            if self.single.lookup(part, None) is not None:
                yield part
            else:
                yield from (each.strip() for each in part.split(",") if each.strip())

    def clean(self, value, row=None, **kwargs):
        if widgets.is_blank(value):
            return self.model.objects.none()
        found = [self.single.clean(part, row) for part in self.parts(value)]
        return self.model.objects.filter(pk__in=[item.pk for item in found])

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "; ".join(self.render_one(item) for item in value.all())


class CodesWidget(NamesWidget):
    """Occupations in one cell by their codes (or names), rendered as codes."""

    def __init__(self):
        stock_widgets.ManyToManyWidget.__init__(self, Occupation, separator=";", field="pk")
        self.occupation = OccupationWidget(name_column="name")

    def clean(self, value, row=None, **kwargs):
        if widgets.is_blank(value):
            return Occupation.objects.none()
        found = [
            self.one(part.strip())
            for part in re.split(r"[;,\n]+", widgets.cell_text(value))
            if part.strip()
        ]
        return Occupation.objects.filter(pk__in=[item.pk for item in found])

    def one(self, text):
        """The occupation one part of a cell names, by its code or its name."""
        if CODE_LIKE.match(text):
            return self.occupation.clean(text)
        return self.occupation.clean(None, {"name": text})

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else "; ".join(item.code for item in value.all())


def skills_widget():
    return NamesWidget(Skill, gettext_lazy("No skill “%(value)s” is in the skills dictionary."))


def languages_widget():
    return NamesWidget(Language, gettext_lazy("Unknown language “%(value)s”."))


class RowByRowResource(SpreadsheetResource):
    imports_in_batches = False

    def row_key(self, row):
        # A row without a key is a new record, not a repeat of another keyless row.
        key = super().row_key(row)
        if key is not None and all(part in (None, "") for part in key):
            return None
        return key


@dataclass(frozen=True)
class CellRows:
    """Rows of a related table written in one cell as «key: number; …»: a vacancy's places
    reserved per quota category, a seeker's years of experience per occupation."""

    relation: str  # the owner's related name
    owner: str  # the related row's field naming its owner
    key: str  # the related row's key column
    number: str  # the related row's number column
    minimum: int
    example: str
    malformed: str  # said when a part has no key; takes %(example)s
    too_few: str  # said when a number is below the minimum


class CellRowsMixin:
    """Columns of `CellRows` (`cell_rows`, by field name; each field without an attribute):
    read with their row, their problems named under their column, a row changed when they
    are, the related rows written after the record. `read_key(name, text, row)` reads a key."""

    cell_rows = {}

    def read_cell(self, name, row):
        """{key id: number} from the row's cell of `name`, or ValueError saying what is wrong."""
        spec = self.cell_rows[name]
        cell = row.get(str(self.fields[name].column_name))
        found = {}
        if widgets.is_blank(cell):
            return found
        for part in re.split(r"[;\n]+", widgets.cell_text(cell)):
            if not part.strip():
                continue
            key, _colon, number = part.rpartition(":")
            if not key.strip():
                raise ValueError(str(spec.malformed) % {"example": spec.example})
            related = self.read_key(name, key.strip(), row)
            count = widgets.CountWidget().clean(number)
            if count is None or count < spec.minimum:
                raise ValueError(str(spec.too_few))
            found[related.pk] = count
        return found

    def complete_instance(self, instance, row, errors, **kwargs):
        super().complete_instance(instance, row, errors, **kwargs)
        instance._cell_rows = {}
        for name in self.cell_rows:
            if str(self.fields[name].column_name) not in row:
                continue
            try:
                instance._cell_rows[name] = self.read_cell(name, row)
            except ValueError as error:
                errors[name] = [str(error)]

    def stored_rows(self, instance, name):
        spec = self.cell_rows[name]
        if instance.pk is None:
            return {}
        return dict(getattr(instance, spec.relation).values_list(spec.key, spec.number))

    def describe_problems(self, result):
        # These columns are no attribute of the record: their problems are keyed by the
        # field's name, and named under their column like any other cell's.
        for name in self.cell_rows:
            self.fields[name].attribute = name
        try:
            return super().describe_problems(result)
        finally:
            for name in self.cell_rows:
                self.fields[name].attribute = None

    def skip_row(self, instance, original, row, import_validation_errors=None):
        for name, wanted in getattr(instance, "_cell_rows", {}).items():
            if self.stored_rows(instance, name) != wanted:
                return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        for name, wanted in getattr(instance, "_cell_rows", {}).items():
            spec = self.cell_rows[name]
            related = getattr(instance, spec.relation)
            stored = {getattr(each, spec.key): each for each in related.all()}
            for key, each in stored.items():
                if key not in wanted:
                    each._history_user = getattr(instance, "_history_user", None)
                    each.delete()
            for key, number in wanted.items():
                each = stored.get(key) or related.model(**{spec.owner: instance, spec.key: key})
                if getattr(each, spec.number) != number:
                    setattr(each, spec.number, number)
                    each._history_user = getattr(instance, "_history_user", None)
                    each.save()


class VacancyResource(CellRowsMixin, RowByRowResource):
    """The vacancy register. Keyed on the vacancy's number in the register, which an export
    gives: a vacancy has no number of its own outside it, so a row without one is a new
    vacancy, and an exported file imports back onto the same vacancies."""

    id = column("id", gettext_lazy("Vacancy number"), widgets.CountWidget())
    organization = column(
        "organization", gettext_lazy("Employer BIN"), organization_by_bin_widget()
    )
    organization_name = fields.Field(
        attribute=None, column_name=gettext_lazy("Employer"), widget=widgets.TextWidget()
    )
    occupation = column(
        "occupation",
        gettext_lazy("Occupation code"),
        OccupationWidget(name_column=gettext_lazy("Occupation")),
    )
    occupation_name = fields.Field(
        attribute=None, column_name=gettext_lazy("Occupation"), widget=widgets.TextWidget()
    )
    clarification = column(
        "clarification", gettext_lazy("Position as the employer names it"), widgets.TextWidget()
    )
    places = column("places", gettext_lazy("Places"), widgets.CountWidget())
    filled_places = column("filled_places", gettext_lazy("Places filled"), widgets.CountWidget())
    reserved = fields.Field(
        attribute=None,
        column_name=gettext_lazy("Places reserved for quota categories"),
        widget=widgets.TextWidget(),
    )
    salary_from = column("salary_from", gettext_lazy("Salary from, KZT"), SalaryWidget())
    salary_to = column("salary_to", gettext_lazy("Salary to, KZT"), SalaryWidget())
    schedule = column("schedule", gettext_lazy("Schedule"), widgets.ChoiceWidget(Schedule))
    nature = column("nature", gettext_lazy("Nature of work"), widgets.ChoiceWidget(NatureOfWork))
    # The employer's region, unless the vacancy names another.
    region = stated_column("region", gettext_lazy("Region"), region_widget())
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
    settlement = column("settlement", gettext_lazy("Settlement"), widgets.TextWidget())
    education = column("education", gettext_lazy("Education required"), LevelWidget(EducationLevel))
    experience_years = column(
        "experience_years", gettext_lazy("Years of experience required"), widgets.CountWidget()
    )
    required_skills = column("required_skills", gettext_lazy("Must-have skills"), skills_widget())
    desired_skills = column("desired_skills", gettext_lazy("Nice-to-have skills"), skills_widget())
    languages = column("languages", gettext_lazy("Languages required"), languages_widget())
    driving_licence = column(
        "driving_licence", gettext_lazy("Driving licence categories"), widgets.TextWidget()
    )
    duties = column("duties", gettext_lazy("Duties"), widgets.TextWidget())
    source = column("source", gettext_lazy("Source"), widgets.ChoiceWidget(VacancySource))
    status = column("status", gettext_lazy("Status"), widgets.ChoiceWidget(VacancyStatus))
    opened_on = column("opened_on", gettext_lazy("Opened on"), widgets.DateWidget())
    closed_on = column("closed_on", gettext_lazy("Closed on"), widgets.DateWidget())

    column_synonyms = {
        "id": ["№ вакансии", "Номер вакансии", "Вакансия нөмірі"],
        "organization": ["БИН", "БСН", "БИН работодателя", "Жұмыс берушінің БСН"],
        "organization_name": ["Работодатель", "Наименование работодателя", "Жұмыс беруші"],
        "occupation": ["Код НКЗ", "Код профессии", "Код должности", "Мамандық коды", "ҰКЖ коды"],
        "occupation_name": ["Профессия", "Наименование профессии", "Мамандық", "Кәсіп"],
        "clarification": ["Должность", "Наименование должности", "Лауазымы"],
        "places": ["Количество мест", "Количество вакансий", "Орын саны", "Бос орын саны"],
        "salary_from": ["Зарплата от", "Заработная плата от", "Жалақы бастап"],
        "salary_to": ["Зарплата до", "Заработная плата до", "Жалақы дейін"],
        "schedule": ["График работы", "Жұмыс кестесі"],
        "nature": ["Характер работы", "Жұмыс сипаты"],
        "region": ["Область", "Облыс", "Регион"],
        "district": ["Район", "Аудан"],
        "education": ["Образование", "Білімі"],
        "experience_years": ["Стаж", "Стаж работы", "Опыт работы", "Жұмыс өтілі"],
        "languages": ["Знание языков", "Языки", "Тілдер"],
        "driving_licence": ["Водительские права", "Жүргізуші куәлігі"],
    }

    class Meta(RowByRowResource.Meta):
        model = Vacancy
        import_id_fields = ["id"]
        fields = [
            "id",
            "organization",
            "organization_name",
            "occupation",
            "occupation_name",
            "clarification",
            "places",
            "filled_places",
            "reserved",
            "salary_from",
            "salary_to",
            "schedule",
            "nature",
            "region",
            "district",
            "settlement",
            "education",
            "experience_years",
            "required_skills",
            "desired_skills",
            "languages",
            "driving_licence",
            "duties",
            "source",
            "status",
            "opened_on",
            "closed_on",
        ]
        export_order = fields

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("organization", "occupation", "region", "district")
            .prefetch_related(
                "required_skills", "desired_skills", "languages", "reservations__category"
            )
        )

    def dehydrate_organization_name(self, vacancy):
        return vacancy.organization.display_name

    def dehydrate_occupation_name(self, vacancy):
        return vacancy.occupation.name

    def dehydrate_reserved(self, vacancy):
        return "; ".join(
            f"{reservation.category.name}: {reservation.places}"
            for reservation in vacancy.reservations.all()
        )

    cell_rows = {
        "reserved": CellRows(
            relation="reservations",
            owner="vacancy",
            key="category_id",
            number="places",
            minimum=1,
            example="Люди с инвалидностью: 1",
            malformed=gettext_lazy(
                "Write reserved places as «category: places; …», e.g. «%(example)s»."
            ),
            too_few=gettext_lazy("Reserve at least one place."),
        )
    }

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self.categories = quota_category_widget()

    def read_key(self, name, text, row):
        return self.categories.clean(text, row)

    def complete_instance(self, instance, row, errors, **kwargs):
        super().complete_instance(instance, row, errors, **kwargs)
        reserved = sum(instance._cell_rows.get("reserved", {}).values())
        if "reserved" not in errors and reserved > (instance.places or 0):
            errors["reserved"] = [
                _(
                    "%(reserved)s places are reserved for quota categories, more than the "
                    "%(places)s the vacancy offers: reserve fewer, or offer more places."
                )
                % {"reserved": reserved, "places": instance.places}
            ]


class JobSeekerResource(CellRowsMixin, PersonalDataResource, RowByRowResource):
    """Job seekers keyed on the person's IIN: the person must be registered already (people
    come through their own import, with their personal data). What the seeker wants and what
    they offer, each list in one cell; experience as «occupation code: years; …»."""

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
        ),
    )
    person_name = fields.Field(
        attribute=None, column_name=gettext_lazy("Full name"), widget=widgets.TextWidget()
    )
    registered_at = column(
        "registered_at", gettext_lazy("Registered at"), widgets.ChoiceWidget(SeekerRegistration)
    )
    registered_on = column("registered_on", gettext_lazy("Registered on"), widgets.DateWidget())
    status = column("status", gettext_lazy("Status"), widgets.ChoiceWidget(SeekerStatus))
    occupations = column("occupations", gettext_lazy("Positions wanted (codes)"), CodesWidget())
    districts = column(
        "districts",
        gettext_lazy("Districts they would work in"),
        NamesWidget(
            District,
            gettext_lazy("Unknown district “%(value)s”."),
            match_fields=("kato", "name_ru", "name_kk"),
        ),
    )
    regions = column(
        "regions",
        gettext_lazy("Other regions they would move to"),
        NamesWidget(
            Region,
            gettext_lazy(
                "Unknown region “%(value)s”: give its KATO code or its name in Russian or Kazakh."
            ),
            match_fields=("kato", "name_ru", "name_kk"),
        ),
    )
    salary_expected = column(
        "salary_expected", gettext_lazy("Salary expected, KZT"), SalaryWidget()
    )
    schedule = column("schedule", gettext_lazy("Schedule wanted"), widgets.ChoiceWidget(Schedule))
    education = column("education", gettext_lazy("Education"), LevelWidget(EducationLevel))
    experience = fields.Field(
        attribute=None,
        column_name=gettext_lazy("Experience, years by occupation"),
        widget=widgets.TextWidget(),
    )
    skills = column("skills", gettext_lazy("Skills"), skills_widget())
    languages = column("languages", gettext_lazy("Languages"), languages_widget())
    driving_licence = column(
        "driving_licence", gettext_lazy("Driving licence categories"), widgets.TextWidget()
    )
    notes = column("notes", gettext_lazy("Notes"), widgets.TextWidget())

    masked_columns = {"person": ("iin", "iin")}

    column_synonyms = {
        "person": ["ИИН", "ЖСН", "ИИН соискателя", "ИИН безработного"],
        "person_name": ["ФИО", "Ф.И.О.", "Аты-жөні"],
        "occupations": ["Желаемая профессия", "Желаемые профессии", "Қалаған мамандығы"],
        "salary_expected": ["Ожидаемая зарплата", "Күтілетін жалақы"],
        "education": ["Образование", "Білімі"],
        "experience": ["Опыт работы", "Стаж по профессии", "Жұмыс тәжірибесі"],
        "languages": ["Знание языков", "Языки", "Тілдер"],
        "driving_licence": ["Водительские права", "Жүргізуші куәлігі"],
    }

    class Meta(RowByRowResource.Meta):
        model = JobSeeker
        import_id_fields = ["person"]
        fields = [
            "person",
            "person_name",
            "registered_at",
            "registered_on",
            "status",
            "occupations",
            "districts",
            "regions",
            "salary_expected",
            "schedule",
            "education",
            "experience",
            "skills",
            "languages",
            "driving_licence",
            "notes",
        ]
        export_order = fields

    cell_rows = {
        "experience": CellRows(
            relation="experience",
            owner="seeker",
            key="occupation_id",
            number="years",
            minimum=0,
            example="7231: 3; 8332: 1",
            malformed=gettext_lazy(
                "Write experience as «occupation code: years; …», e.g. «%(example)s»."
            ),
            too_few=gettext_lazy("Give the years of experience as a whole number."),
        )
    }

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("person")
            .prefetch_related(
                "occupations",
                "districts",
                "regions",
                "skills",
                "languages",
                Prefetch("experience", queryset=Experience.objects.select_related("occupation")),
            )
        )

    def read_key(self, name, text, row):
        return self.fields["occupations"].widget.one(text)

    def dehydrate_person_name(self, seeker):
        return seeker.person.full_name

    def dehydrate_experience(self, seeker):
        return "; ".join(f"{row.occupation.code}: {row.years}" for row in seeker.experience.all())


class ResponseWidget(stock_widgets.Widget):
    """The BIN column of a survey sheet: the answer of that organization to the survey under
    import, which the row's own cells have made or updated before it is read
    (`SurveyLineResource.before_import_row`)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.organizations = organization_by_bin_widget()
        self.campaign = None

    def limit_to(self, user):
        self.organizations.limit_to(user)

    def clean(self, value, row=None, **kwargs):
        organization = self.organizations.clean(value, row)
        response = (
            SurveyResponse.objects.filter(campaign=self.campaign, organization=organization)
            .select_related("organization", "campaign")
            .first()
        )
        if response is None:
            raise ValueError(self.organizations.messages["unknown"] % {"value": value})
        return response

    def render(self, value, obj=None, **kwargs):
        return value.organization.bin if value else ""


# The columns of a survey sheet that describe the organization's answer, not the occupation:
# the same on each of its rows (or in one cell merged down over them).
RESPONSE_COLUMNS = ("respondent", "headcount", "answered_on", "training_needs")


class SurveyLineResource(RowByRowResource):
    """A staffing-needs survey as chambers collect it: one row per organization and occupation
    (BIN, organization, respondent, headcount, occupation code or name, position, vacant
    places now, hires planned for 12 months, pay, requirements, training needs), imported into
    the survey chosen on the import form.

    Each organization's answer is made on its first row and updated from its cells (an empty
    cell leaves the stored value); its lines are matched on occupation and position, and a line
    with vacant places puts them into the vacancy register (`SurveyLine.save`). An organization
    missing from the registry is added, in the survey's region, from its row when the row names
    it, as the akimat's quota table adds employers; a BIN registered outside the user's regions
    is refused as unknown. A cell merged down over an organization's rows counts for each.
    """

    response = column("response", gettext_lazy("BIN"), ResponseWidget())
    organization_name = fields.Field(
        attribute=None, column_name=gettext_lazy("Organization"), widget=widgets.TextWidget()
    )
    respondent = column("response__respondent", gettext_lazy("Respondent"), widgets.TextWidget())
    headcount = column("response__headcount", gettext_lazy("List headcount"), widgets.CountWidget())
    answered_on = column("response__answered_on", gettext_lazy("Answered on"), widgets.DateWidget())
    occupation = column(
        "occupation",
        gettext_lazy("Occupation code"),
        OccupationWidget(name_column=gettext_lazy("Occupation")),
    )
    occupation_name = fields.Field(
        attribute=None, column_name=gettext_lazy("Occupation"), widget=widgets.TextWidget()
    )
    clarification = column(
        "clarification", gettext_lazy("Position as the employer names it"), widgets.TextWidget()
    )
    vacant_places = column(
        "vacant_places", gettext_lazy("Vacant places now"), widgets.CountWidget()
    )
    planned_hires = column(
        "planned_hires", gettext_lazy("Hires planned for 12 months"), widgets.CountWidget()
    )
    salary_from = column("salary_from", gettext_lazy("Salary from, KZT"), SalaryWidget())
    salary_to = column("salary_to", gettext_lazy("Salary to, KZT"), SalaryWidget())
    education = column("education", gettext_lazy("Education required"), LevelWidget(EducationLevel))
    experience_years = column(
        "experience_years", gettext_lazy("Years of experience required"), widgets.CountWidget()
    )
    requirements = column("requirements", gettext_lazy("Requirements"), widgets.TextWidget())
    training_needs = column(
        "response__training_needs", gettext_lazy("Training needs"), widgets.TextWidget()
    )

    column_synonyms = {
        "response": ["БИН", "БСН", "БИН организации", "БИН/ИИН", "Ұйымның БСН"],
        "organization_name": [
            "Наименование организации",
            "Наименование предприятия",
            "Наименование",
            "Организация",
            "Предприятие",
            "Ұйымның атауы",
            "Кәсіпорынның атауы",
        ],
        "respondent": [
            "Респондент",
            "Ответственное лицо",
            "Контактное лицо",
            "ФИО, должность",
            "Жауапты тұлға",
        ],
        "headcount": [
            "Численность",
            "Численность работников",
            "Списочная численность",
            "Списочная численность работников",
            "Қызметкерлер саны",
        ],
        "answered_on": ["Дата заполнения", "Дата ответа", "Толтырылған күні"],
        "occupation": [
            "Код НКЗ",
            "Код профессии",
            "Код по НКЗ",
            "Код должности",
            "Мамандық коды",
            "ҰКЖ коды",
        ],
        "occupation_name": [
            "Профессия",
            "Наименование профессии",
            "Профессия (специальность)",
            "Наименование профессии по НКЗ",
            "Мамандық",
            "Кәсіп",
        ],
        "clarification": ["Должность", "Наименование должности", "Лауазымы"],
        "vacant_places": [
            "Вакантные места",
            "Количество вакантных мест",
            "Вакансии на текущий момент",
            "Текущая потребность",
            "Потребность на текущий момент",
            "Бос жұмыс орындары",
            "Ағымдағы қажеттілік",
        ],
        "planned_hires": [
            "Планируемый набор",
            "Потребность на 12 месяцев",
            "Прогнозная потребность",
            "Перспективная потребность",
            "Потребность на год",
            "Жоспарланған қабылдау",
            "Болжамды қажеттілік",
        ],
        "salary_from": ["Зарплата от", "Заработная плата от", "Жалақы бастап"],
        "salary_to": ["Зарплата до", "Заработная плата до", "Жалақы дейін"],
        "education": ["Образование", "Требуемое образование", "Білімі"],
        "experience_years": ["Стаж", "Стаж работы", "Опыт работы", "Жұмыс өтілі"],
        "requirements": [
            "Требования",
            "Требования к кандидату",
            "Квалификационные требования",
            "Талаптар",
        ],
        "training_needs": [
            "Потребность в обучении",
            "Потребность в переподготовке",
            "Оқытуға қажеттілік",
        ],
    }

    # The occupation may come from the name column alone.
    columns_filled_otherwise = ("occupation",)

    class Meta(RowByRowResource.Meta):
        model = SurveyLine
        # The organization's answer; the line within it is found by occupation and position
        # (get_instance, row_key), either of which a file may lack as a column.
        import_id_fields = ["response"]
        fields = [
            "response",
            "organization_name",
            "respondent",
            "headcount",
            "answered_on",
            "occupation",
            "occupation_name",
            "clarification",
            "vacant_places",
            "planned_hires",
            "salary_from",
            "salary_to",
            "education",
            "experience_years",
            "requirements",
            "training_needs",
        ]
        export_order = fields

    def __init__(self, campaign=None, **kwargs):
        super().__init__(**kwargs)
        # The survey the file answers, from the import form.
        self.campaign = campaign
        self.fields["response"].widget.campaign = campaign

    # Export: one row per line, whichever list it is asked from.

    def get_queryset(self):
        lines = super().get_queryset().select_related("response__organization", "occupation")
        # Bound to a survey, its answers only: what an import into that survey compares with.
        return lines.filter(response__campaign=self.campaign) if self.campaign else lines

    def export(self, queryset=None, **kwargs):
        if queryset is None:
            queryset = self.get_queryset()
        elif queryset.model is SurveyResponse:
            queryset = SurveyLine.objects.filter(response__in=queryset.values("pk"))
        elif queryset.model is SurveyCampaign:
            queryset = SurveyLine.objects.filter(response__campaign__in=queryset.values("pk"))
        queryset = queryset.select_related("response__organization", "occupation").order_by(
            "response__campaign", "response__organization__name_ru", "occupation__code", "pk"
        )
        return super().export(queryset=queryset, **kwargs)

    def dehydrate_organization_name(self, line):
        return line.response.organization.display_name

    def dehydrate_occupation_name(self, line):
        return line.occupation.name

    # Import.

    def before_import(self, dataset, **kwargs):
        if self.campaign is None:
            raise ImportFileError(_("Choose the survey the file's answers belong to."))
        user = kwargs.get("user")
        if (
            user is not None
            and not SurveyCampaign.objects.visible_to(user).filter(pk=self.campaign.pk).exists()
        ):
            raise ImportFileError(
                _("The survey “%(survey)s” is outside the regions you work in.")
                % {"survey": self.campaign}
            )
        super().before_import(dataset, **kwargs)
        code = str(self.fields["occupation"].column_name)
        if code not in dataset.headers:
            # Names only: the occupation is read from the name column.
            dataset.append_col([""] * len(dataset), header=code)
            self.file_columns.add(code)
        self.created_organizations = []
        self.responses_made = 0
        self.responses_changed = 0
        self.response_cells = {}
        self.line_keys = {}
        self.merged_values = self.merged_down()
        self.employer_kind = None

    def merged_down(self):
        """{file line: {column: value}} for the organization's cells merged down over its
        rows: each row reads the merged cell's value."""
        job = self.import_job
        table = getattr(job, "table", None)
        if table is None or not getattr(table, "merged", None) or job.header is None:
            return {}
        shared = {"response", "organization_name", *RESPONSE_COLUMNS}
        columns = {
            position: str(self.fields[name].column_name)
            for position, name in job.columns
            if name in shared
        }
        values = {}
        for first_row, first_col, last_row, last_col in table.merged:
            if first_row <= job.header.last or last_row == first_row:
                continue
            for position in range(first_col, last_col + 1):
                if position not in columns:
                    continue
                cells = table.rows[first_row]
                value = cells[first_col] if first_col < len(cells) else None
                for index in range(first_row + 1, last_row + 1):
                    values.setdefault(table.lines[index], {})[columns[position]] = value
        return values

    def before_import_row(self, row, **kwargs):
        """The row's organization (added if missing and named) and its answer to the survey,
        made or updated from the row's cells, before the line is read."""
        number = kwargs.get("row_number")
        line = self.line_of(number) if number is not None else None
        for header, value in self.merged_values.get(line, {}).items():
            if widgets.is_blank(row.get(header)):
                row[header] = value
        bin_column = str(self.fields["response"].column_name)
        organizations = self.fields["response"].widget.organizations
        try:
            identifier = organizations.number(row.get(bin_column))
        except ValueError as error:
            raise ValidationError({"response": [str(error)]}) from None
        organization = organizations.records().filter(bin=identifier).first()
        if organization is None:
            organization = self.add_organization(identifier, row, **kwargs)
        values, errors = {}, {}
        for name in RESPONSE_COLUMNS:
            field = self.fields[name]
            header = str(field.column_name)
            if header not in row:
                continue
            try:
                value = field.widget.clean(row[header], row)
            except ValueError as error:
                errors[field.attribute] = [str(error)]
                continue
            if value in (None, ""):
                continue
            first = self.response_cells.setdefault((organization.pk, name), (value, line))
            if first[0] != value:
                errors[field.attribute] = [
                    _(
                        "Line %(line)s gives another value for this organization: its rows must "
                        "agree."
                    )
                    % {"line": first[1]}
                ]
            values[name] = value
        if errors:
            raise ValidationError(errors)
        self.save_response(organization, values, row, **kwargs)

    def add_organization(self, identifier, row, **kwargs):
        """An organization the registry lacks, named in the row, added in the survey's region;
        a BIN registered in a region the user does not work in reads as missing."""
        unknown = ValidationError(
            {
                "response": [
                    _(
                        "No organization with BIN %(value)s is registered; give its name in the "
                        "“%(column)s” column to add it with the survey."
                    )
                    % {
                        "value": identifier,
                        "column": self.fields["organization_name"].column_name,
                    }
                ]
            }
        )
        name = widgets.TextWidget().clean(
            row.get(str(self.fields["organization_name"].column_name))
        )
        if not name or Organization._base_manager.filter(bin=identifier).exists():
            raise unknown
        if self.employer_kind is None:
            self.employer_kind = OrganizationKind.objects.get(code="enterprise")
            self.legal_forms = LegalForm.objects.words()
        organization = Organization(
            bin=identifier, name_ru=name, region=self.campaign.region, kind=self.employer_kind
        )
        organization._legal_forms = self.legal_forms
        try:
            organization.full_clean()
        except ValidationError as error:
            raise ValidationError(
                {
                    "response": [
                        f"{key}: {'; '.join(messages)}"
                        for key, messages in error.message_dict.items()
                    ]
                }
            ) from None
        self.before_save_instance(organization, row, **kwargs)
        organization.save()
        self.created_organizations.append(organization)
        return organization

    def answer_day(self):
        """A new answer without a date: today, within the survey's period."""
        day = timezone.localdate()
        return min(max(day, self.campaign.starts_on), self.campaign.ends_on)

    def save_response(self, organization, values, row, **kwargs):
        response = SurveyResponse.objects.filter(
            campaign=self.campaign, organization=organization
        ).first()
        new = response is None
        if new:
            response = SurveyResponse(
                campaign=self.campaign, organization=organization, answered_on=self.answer_day()
            )
        changed = [name for name, value in values.items() if getattr(response, name) != value]
        if not new and not changed:
            return response
        for name in changed:
            setattr(response, name, values[name])
        try:
            response.full_clean()
        except ValidationError as error:
            raise ValidationError(
                {
                    (f"response__{key}" if key in RESPONSE_COLUMNS else "response"): messages
                    for key, messages in error.message_dict.items()
                }
            ) from None
        self.before_save_instance(response, row, **kwargs)
        response.save()
        if new:
            self.responses_made += 1
        else:
            self.responses_changed += 1
        return response

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        # The answer's own columns were written to the answer in before_import_row.
        if field.attribute and field.attribute.startswith("response__"):
            return
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def line_key(self, row):
        """(answer, occupation, position) a row names, or None where a cell cannot be read."""
        try:
            response = self.fields["response"].clean(row)
            occupation = self.fields["occupation"].clean(row)
        except ValueError:
            return None
        clarification = widgets.TextWidget().clean(
            row.get(str(self.fields["clarification"].column_name))
        )
        return (response.pk, occupation.pk, clarification)

    def row_key(self, row):
        return self.line_key(row)

    def get_instance(self, instance_loader, row):
        key = self.line_key(row)
        if key is None:
            return None
        response, occupation, clarification = key
        return (
            SurveyLine.objects.filter(
                response=response, occupation=occupation, clarification=clarification
            )
            .select_related("response__organization", "occupation")
            .first()
        )

    def repeated_key_message(self, first_number):
        return _(
            "Line %(line)d gives the same organization, occupation and position: each row of "
            "the file must be a different line of the survey."
        ) % {"line": self.line_of(first_number)}

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        # Not set when `before_import` refused the file (no survey chosen, another region's).
        result.created_organizations = getattr(self, "created_organizations", [])
        result.responses_made = getattr(self, "responses_made", 0)
        result.responses_changed = getattr(self, "responses_changed", 0)


class SurveyCampaignExportResource(resources.ModelResource):
    """Staffing-needs surveys, one row each (export only: a survey is entered on its form)."""

    title = text("title", gettext_lazy("Title"))
    region = fields.Field(column_name=gettext_lazy("Region"))
    starts_on = fields.Field("starts_on", gettext_lazy("Start date"), widgets.DateWidget())
    ends_on = fields.Field("ends_on", gettext_lazy("End date"), widgets.DateWidget())
    run_by = fields.Field(column_name=gettext_lazy("Run by"))
    notes = text("notes", gettext_lazy("Notes"))

    class Meta:
        model = SurveyCampaign
        fields = ["title", "region", "starts_on", "ends_on", "run_by", "notes"]
        export_order = fields

    def export(self, queryset=None, **kwargs):
        queryset = queryset if queryset is not None else SurveyCampaign.objects.all()
        return super().export(queryset=queryset.select_related("region", "run_by"), **kwargs)

    def dehydrate_region(self, survey):
        return str(survey.region)

    def dehydrate_run_by(self, survey):
        return survey.run_by.display_name


class ReferralExportResource(resources.ModelResource):
    """Referrals and what came of them, one row each (export only: a referral is made and its
    outcome recorded on its form). The seeker by name only: the IIN is on the seekers' export,
    under the personal-data right."""

    seeker = fields.Field(column_name=gettext_lazy("Job seeker"))
    target = fields.Field(column_name=gettext_lazy("Vacancy or course"))
    employer = fields.Field(column_name=gettext_lazy("Employer or course provider"))
    referred_on = fields.Field("referred_on", gettext_lazy("Referred on"), widgets.DateWidget())
    outcome = fields.Field(column_name=gettext_lazy("Outcome"))
    outcome_on = fields.Field("outcome_on", gettext_lazy("Outcome date"), widgets.DateWidget())
    reason = text("reason", gettext_lazy("Reason"))

    class Meta:
        model = Referral
        fields = ["seeker", "target", "employer", "referred_on", "outcome", "outcome_on", "reason"]
        export_order = fields

    def export(self, queryset=None, **kwargs):
        queryset = queryset if queryset is not None else Referral.objects.all()
        queryset = queryset.select_related(
            "seeker__person", "vacancy__occupation", "vacancy__organization", "course", "provider"
        )
        return super().export(queryset=queryset, **kwargs)

    def dehydrate_seeker(self, referral):
        return referral.seeker.person.full_name

    def dehydrate_target(self, referral):
        return referral.vacancy.position if referral.vacancy_id else str(referral.course)

    def dehydrate_employer(self, referral):
        organization = referral.vacancy.organization if referral.vacancy_id else referral.provider
        return organization.display_name

    def dehydrate_outcome(self, referral):
        # Text, not the lazy label: a workbook cell cannot hold a lazy string.
        return str(ReferralOutcome(referral.outcome).label)
