from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from config.admin import BaseAdmin
from config.language import WithoutLinkRowsMixin

from . import resources
from .models import Occupation, OccupationLevel, Skill


class MajorGroupFilter(admin.SimpleListFilter):
    """The ten major groups: the classifier's first cut, and a bounded list."""

    title = _("major group")
    parameter_name = "major"

    def lookups(self, request, model_admin):
        return [
            (group.code, str(group))
            for group in Occupation.objects.filter(level=OccupationLevel.MAJOR)
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(code__startswith=self.value())
        return queryset


class SubMajorGroupFilter(admin.SimpleListFilter):
    """The sub-major groups of the major group chosen: never all of them at once."""

    title = _("sub-major group")
    parameter_name = "sub_major"

    def lookups(self, request, model_admin):
        major = request.GET.get(MajorGroupFilter.parameter_name)
        if not major:
            return []
        return [
            (group.code, str(group))
            for group in Occupation.objects.filter(
                level=OccupationLevel.SUB_MAJOR, code__startswith=major
            )
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(code__startswith=self.value())
        return queryset


@admin.register(Occupation)
class OccupationAdmin(WithoutLinkRowsMixin, BaseAdmin):
    resource_classes = [resources.OccupationExportResource]
    list_display = ["code", "name_ru", "name_kk", "level", "names_checked"]
    list_display_links = ["code", "name_ru"]
    list_filter = ["level", MajorGroupFilter, SubMajorGroupFilter, "names_checked"]
    search_fields = ["code", "name_ru", "name_kk", "title_en"]
    search_help_text = _(
        "The code or its first digits (4110 finds the unit group and its positions), or words "
        "of the name in Russian, Kazakh or English, in any order and case."
    )
    readonly_fields = ["level", "parent", "minor_group", "unit_group"]
    fieldsets = [
        (None, {"fields": ["code", "name_ru", "name_kk", "title_en", "names_checked"]}),
        (
            _("Place in the classifier"),
            {"fields": ["level", "parent", "minor_group", "unit_group"]},
        ),
    ]


@admin.register(Skill)
class SkillAdmin(WithoutLinkRowsMixin, BaseAdmin):
    resource_classes = [resources.SkillExportResource]
    list_display = ["code", "name_ru", "name_kk"]
    search_fields = ["code", "name_ru", "name_kk"]
    autocomplete_fields = ["occupations"]
