from django.contrib import admin
from django.contrib.admin.views.main import PAGE_VAR, SEARCH_VAR
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.admin import (
    BaseAdmin,
    ConcurrentEditInlineMixin,
    EstimatedCountPaginator,
    ReferenceAdmin,
    RegionFilter,
)
from config.employer import EmployerPicture
from config.history import ChangeReasonForm
from config.language import TranslatedPermissionsMixin, WithoutLinkRowsMixin

from . import resources
from .models import (
    SEARCH_ORDERING,
    District,
    LegalForm,
    OkedSection,
    Organization,
    OrganizationKind,
    Region,
    SizeClass,
    StaffProfile,
)


@admin.register(Region)
class RegionAdmin(ReferenceAdmin):
    resource_classes = [resources.RegionResource]
    code_first = True


@admin.register(District)
class DistrictAdmin(ReferenceAdmin):
    resource_classes = [resources.DistrictResource]
    code_first = True
    extra_columns = ["kind", "region"]
    list_filter = ["region", "kind"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]


@admin.register(LegalForm)
class LegalFormAdmin(ReferenceAdmin):
    resource_classes = [resources.LegalFormResource]
    extra_columns = extra_search_fields = ["abbr_ru", "abbr_kk"]


@admin.register(OrganizationKind)
class OrganizationKindAdmin(ReferenceAdmin):
    resource_classes = [resources.OrganizationKindResource]


@admin.register(OkedSection)
class OkedSectionAdmin(ReferenceAdmin):
    resource_classes = [resources.OkedSectionResource]
    code_first = True
    extra_columns = ["first_division", "last_division"]


class DistrictOfRegionFilter(admin.SimpleListFilter):
    """Districts of the region chosen in the region filter: a bounded list, never all of them."""

    title = _("district")
    parameter_name = "district"
    region_parameter = "region__id__exact"

    def lookups(self, request, model_admin):
        region = request.GET.get(self.region_parameter)
        if not region or not region.isdigit():
            return []
        return [
            (str(d.pk), d.name)
            for d in District.objects.worked_in_by(request.user).filter(region=region)
        ]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(district_id=self.value())
        return queryset


class OrganizationForm(ChangeReasonForm):
    def clean(self):
        cleaned = super().clean()
        chosen, headcount = cleaned.get("size_class"), cleaned.get("headcount")
        if (
            "size_class" in self.changed_data
            and chosen
            and headcount is not None
            and not cleaned.get("size_class_by_hand")
        ):
            derived = SizeClass.by_headcount(headcount)
            if chosen != derived:
                # Saving would put the headcount's size back without a word.
                self.add_error(
                    "size_class",
                    _(
                        "The list headcount gives the size «%(size)s». To keep another size, "
                        "tick «size set by hand»."
                    )
                    % {"size": derived.label},
                )
        return cleaned


@admin.register(Organization)
class OrganizationAdmin(BaseAdmin):
    form = OrganizationForm
    resource_classes = [resources.OrganizationResource]
    list_display = [
        "bin",
        "display_name",
        "legal_form_abbreviation",
        "kind",
        "region",
        "district",
        "headcount",
        "status",
    ]
    list_display_links = ["bin", "display_name"]
    list_select_related = ["legal_form", "kind", "region", "district"]
    list_filter = [
        ("region", RegionFilter),
        DistrictOfRegionFilter,
        "kind",
        "legal_form",
        "size_class",
        "status",
        "oked_section",
    ]
    search_fields = ["bin"]
    search_help_text = _(
        "BIN (all 12 digits or the first ones) or words of the name in Russian or Kazakh, in "
        "any order and case, with or without Kazakh letters."
    )
    autocomplete_fields = ["legal_form", "kind", "region", "district"]
    readonly_fields = ["oked_section", "created_at", "updated_at"]
    fieldsets = [
        (
            _("Identification"),
            {"fields": ["bin", "name_ru", "name_kk", "short_name", "legal_form", "kind"]},
        ),
        (_("Location"), {"fields": ["region", "district", "settlement", "address"]}),
        (
            _("Activity and size"),
            {
                "fields": [
                    "oked",
                    "oked_section",
                    "headcount",
                    "headcount_date",
                    "size_class",
                    "size_class_by_hand",
                ]
            },
        ),
        (_("Contacts"), {"fields": ["contact_person", "phone", "email"]}),
        (_("Status"), {"fields": ["status", "liquidated_on", "notes"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_ordering(self, request):
        # A search's matches in the order `search` gives them (see SEARCH_ORDERING).
        if request.GET.get(SEARCH_VAR):
            return SEARCH_ORDERING
        return super().get_ordering(request)

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        paginator = super().get_paginator(
            request, queryset, per_page, orphans, allow_empty_first_page
        )
        # A search's matches are sorted by SEARCH_ORDERING, which no index serves: the page's
        # query reads every match anyway, and counts them in the same read.
        if request.GET.get(SEARCH_VAR) and isinstance(paginator, EstimatedCountPaginator):
            paginator.count_with_page = True
            page = request.GET.get(PAGE_VAR, "1")
            paginator.requested_page = int(page) if page.isdigit() else 1
        return paginator

    @admin.display(description=_("name"), ordering="sort_name")
    def display_name(self, organization):
        return organization.display_name

    # The abbreviation the column shows, so a narrow column: ОПФ / ҰҚН.
    @admin.display(
        description=pgettext_lazy("short column", "legal form"), ordering="legal_form__abbr_ru"
    )
    def legal_form_abbreviation(self, organization):
        return organization.legal_form.abbreviation if organization.legal_form else ""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        organization = self.get_object(request, object_id)
        if organization is not None:
            extra_context = {
                **(extra_context or {}),
                "picture": EmployerPicture(organization, request.user),
            }
        return super().change_view(request, object_id, form_url, extra_context)


class StaffProfileInline(ConcurrentEditInlineMixin, admin.StackedInline):
    model = StaffProfile
    can_delete = False
    extra = 1
    max_num = 1
    filter_horizontal = ["regions"]


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class StaffUserAdmin(WithoutLinkRowsMixin, TranslatedPermissionsMixin, UserAdmin):
    inlines = [*UserAdmin.inlines, StaffProfileInline]


@admin.register(Group)
class StaffGroupAdmin(WithoutLinkRowsMixin, TranslatedPermissionsMixin, GroupAdmin):
    """Roles, their permissions named in the reader's language."""
