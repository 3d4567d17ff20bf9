"""Exports of the classifier and the skills dictionary.

Export only: the official lists are loaded by `manage.py load_occupations` and `load_skills`
(vacancies.loaders), which read the НКЗ's own XLSX and XML files, add national positions under
their unit groups and refuse a file with any bad code whole.
"""

from django.utils.translation import gettext_lazy
from import_export import fields, resources

from config.spreadsheets import widgets
from config.spreadsheets.resources import NAME_COLUMNS, reference_resource

from .models import Language, Occupation, OccupationLevel, Skill, parent_code


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
