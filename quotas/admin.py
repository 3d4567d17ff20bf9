from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from config.admin import BaseAdmin, ReferenceAdmin, RegionFilter
from registry.models import Organization

from . import resources
from .forms import PersonForm, QuotaConfirmImportForm, QuotaFileFields, QuotaImportForm
from .models import (
    EmploymentMeasure,
    Person,
    PersonalDataExport,
    Placement,
    Quota,
    QuotaCategory,
    SocialCategory,
    SpecialWorkplace,
)
from .personal_data import PersonalDataAdminMixin, PersonalDataExportMixin


@admin.register(SocialCategory)
class SocialCategoryAdmin(ReferenceAdmin):
    resource_classes = [resources.SocialCategoryResource]


@admin.register(QuotaCategory)
class QuotaCategoryAdmin(ReferenceAdmin):
    resource_classes = [resources.QuotaCategoryResource]
    extra_columns = [
        "min_percent",
        "max_percent",
        "min_headcount",
        "excludes_hazardous",
        "rounding",
    ]


@admin.register(EmploymentMeasure)
class EmploymentMeasureAdmin(ReferenceAdmin):
    resource_classes = [resources.EmploymentMeasureResource]


@admin.register(Quota)
class QuotaAdmin(BaseAdmin):
    resource_classes = [resources.AkimatQuotaResource]
    import_form_class = QuotaImportForm
    confirm_form_class = QuotaConfirmImportForm
    report_links = [
        (_("Quota-compliance sheet"), "report_compliance"),
        (_("Quota fulfilment by employer and month"), "report_employer_months"),
    ]
    list_display = [
        "organization",
        "year",
        "category",
        "headcount",
        "percent",
        "places_display",
        "filled",
        "fulfilment_display",
        "stated_differs_display",
    ]
    list_select_related = ["organization", "category"]
    # All regions from their own small table: "related only" would scan every quota for them.
    list_filter = ["year", "category", ("organization__region", RegionFilter)]
    search_fields = ["organization__bin"]
    search_help_text = _("Employer's BIN or name.")
    autocomplete_fields = ["organization"]
    readonly_fields = ["computed_places", "year_by_month"]
    fieldsets = [
        (None, {"fields": ["organization", "year", "category", "notes"]}),
        (_("Akimat resolution"), {"fields": ["resolution_number", "resolution_date"]}),
        (
            _("Base and places"),
            {
                "fields": [
                    "headcount",
                    "excluded_headcount",
                    "disabled_employees",
                    "percent",
                    "computed_places",
                    "stated_places",
                    "override_reason",
                ]
            },
        ),
        (_("Compliance over the year"), {"fields": ["year_by_month"]}),
    ]

    def lookup_allowed(self, lookup, value, request=None):
        # A district's bar on the front page opens its quotas: a filter with no list of its own.
        return lookup == "organization__district__id__exact" or super().lookup_allowed(
            lookup, value, request
        )

    def get_queryset(self, request):
        # The employer and category are read for each quota's label in an autocomplete.
        queryset = super().get_queryset(request).with_compliance()
        return queryset.select_related("organization", "category")

    def get_import_resource_kwargs(self, request, *args, **kwargs):
        form = kwargs.get("form")
        defaults = {}
        if form is not None and hasattr(form, "cleaned_data"):
            defaults = {name: form.cleaned_data.get(name) for name in QuotaFileFields.FIELDS}
        return {
            **super().get_import_resource_kwargs(request, *args, **kwargs),
            "defaults": defaults,
        }

    def create_import_form(self, request):
        return super().create_import_form(request).limit_to(request.user)

    def create_confirm_form(self, request, import_form=None):
        return super().create_confirm_form(request, import_form).limit_to(request.user)

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is None:
            return initial
        for name in QuotaFileFields.FIELDS:
            value = import_form.cleaned_data.get(name)
            initial[name] = getattr(value, "pk", value)
        return initial

    def get_search_results(self, request, queryset, search_term):
        employers = Organization.objects.search(search_term).values("pk")
        return (queryset.filter(organization__in=employers) if search_term else queryset), False

    @admin.display(description=_("places"), ordering="effective_places")
    def places_display(self, quota):
        return quota.places

    @admin.display(description=_("filled"), ordering="filled")
    def filled(self, quota):
        return quota.filled

    @admin.display(description=_("fulfilment, %"), ordering="fulfilment")
    def fulfilment_display(self, quota):
        return "—" if quota.fulfilment is None else f"{quota.fulfilment:.0f}"

    @admin.display(description=_("differs from computed"), boolean=True)
    def stated_differs_display(self, quota):
        return quota.stated_differs

    @admin.display(description=_("filled places at each month's end"))
    def year_by_month(self, quota):
        if quota.pk is None:
            return "—"
        year = Quota.objects.filter(pk=quota.pk).year_compliance()[quota.pk]
        # A month end still ahead shows a dash.
        months = [*year.months, *["—"] * (12 - len(year.months))]
        fulfilment = year.fulfilment(quota.places)
        average = "—" if fulfilment is None else f"{fulfilment:.1f}"
        return _("%(months)s; average fulfilment over the year: %(average)s %%") % {
            "months": " · ".join(f"{n:02d}: {value}" for n, value in enumerate(months, 1)),
            "average": average,
        }


@admin.register(Person)
class PersonAdmin(PersonalDataAdminMixin, BaseAdmin):
    """IIN, birth date and disability details only for holders of the personal-data permission."""

    resource_classes = [resources.PersonResource]
    list_display = ["full_name", "iin_masked", "birth_date_masked", "sex", "region"]
    list_select_related = ["region"]
    list_filter = [("region", RegionFilter), "sex", "social_categories"]
    search_fields = ["full_name"]
    search_help_text = _("IIN or part of the name.")
    form = PersonForm
    autocomplete_fields = ["region", "district"]
    filter_horizontal = ["social_categories"]
    readonly_fields = ["birth_date", "sex"]
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

    def get_fields(self, request, obj=None):
        # Read from the IIN once it is saved: a new person's form does not ask for them.
        fields = super().get_fields(request, obj)
        if obj is None:
            return [name for name in fields if name not in {"birth_date", "sex"}]
        return fields


@admin.register(SpecialWorkplace)
class SpecialWorkplaceAdmin(BaseAdmin):
    resource_classes = [resources.SpecialWorkplaceResource]
    list_display = [
        "position",
        "organization",
        "impairment",
        "disability_group",
        "created_on",
        "funding",
        "subsidy_amount",
        "occupied_display",
    ]
    list_select_related = ["organization"]
    list_filter = ["impairment", "disability_group", "funding"]
    search_fields = ["position", "organization__search_text"]
    autocomplete_fields = ["organization", "quota"]
    forwarded_fields = {"quota": ["organization"]}

    def get_queryset(self, request):
        return super().get_queryset(request).with_occupancy()

    @admin.display(description=_("occupied"), boolean=True, ordering="occupied")
    def occupied_display(self, workplace):
        return workplace.occupied


@admin.register(Placement)
class PlacementAdmin(PersonalDataExportMixin, BaseAdmin):
    report_links = [(_("People covered by employment measures"), "report_measures")]
    resource_classes = [resources.PlacementResource]
    list_display = ["person", "organization", "measure", "position", "start_on", "end_on", "quota"]
    list_select_related = [
        "person",
        "organization",
        "measure",
        "quota__category",
        "quota__organization",
    ]
    list_filter = [
        "measure",
        "referral",
        ("organization__region", RegionFilter),
    ]
    search_fields = ["person__full_name", "organization__search_text", "position"]
    autocomplete_fields = ["person", "organization", "quota", "special_workplace"]
    # The quota and the special workplace are offered among the chosen employer's.
    forwarded_fields = {"quota": ["organization"], "special_workplace": ["organization"]}
    date_hierarchy = None


@admin.register(PersonalDataExport)
class PersonalDataExportAdmin(admin.ModelAdmin):
    """Administrators only: the audit of who took people's data out of the system."""

    list_display = ["exported_at", "user", "what", "row_count", "unmasked", "filters"]
    list_select_related = ["user"]
    list_filter = ["unmasked", "what"]
    date_hierarchy = "exported_at"

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
