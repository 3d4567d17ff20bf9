import django_filters
from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import District, OrganizationKind, Region

from .models import Quota, QuotaCategory


def regions_of_request(request):
    return Region.objects.worked_in_by(request.user) if request else Region.objects.none()


def districts_of_request(request):
    return District.objects.worked_in_by(request.user) if request else District.objects.none()


class ComplianceState:
    MET = "met"
    NOT_MET = "not_met"
    NO_PLACEMENTS = "no_placements"
    CHOICES = [
        (MET, _("met")),
        (NOT_MET, _("not met")),
        (NO_PLACEMENTS, _("no placements")),
    ]


class YearFilter(django_filters.NumberFilter):
    """A whole year: a decimal one ("2026.5", "1e5") would find 2026's quotas or none under a
    title that names it."""

    field_class = forms.IntegerField


class QuotaComplianceFilterSet(django_filters.FilterSet):
    """The filters of the quota-compliance sheet; the report date sets what "filled" means."""

    report_date = django_filters.DateFilter(
        label=_("report date"),
        method="keep",
        help_text=_("Empty means today."),
        widget=AdminDateWidget(attrs={"size": 10, "placeholder": _("dd.mm.yyyy")}),
    )
    # The years a quota may have (Quota.year).
    year = YearFilter(label=_("year"), required=True, min_value=2000, max_value=2100)
    region = django_filters.ModelChoiceFilter(
        field_name="organization__region", queryset=regions_of_request, label=_("region")
    )
    district = django_filters.ModelChoiceFilter(
        field_name="organization__district", queryset=districts_of_request, label=_("district")
    )
    # One category at a time: places for people with disabilities and for people released
    # from prison are never added together.
    category = django_filters.ModelChoiceFilter(
        queryset=QuotaCategory.objects.all(), label=_("category"), required=True
    )
    organization_kind = django_filters.ModelChoiceFilter(
        field_name="organization__kind",
        queryset=OrganizationKind.objects.all(),
        label=_("organization kind"),
    )
    state = django_filters.ChoiceFilter(
        choices=ComplianceState.CHOICES, method="filter_state", label=_("compliance")
    )

    class Meta:
        model = Quota
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the districts of the chosen region, once one is chosen.
        region = self.data.get("region") if self.data else None
        if region and str(region).isdigit():
            districts = self.filters["district"]
            districts.queryset = districts.get_queryset(self.request).filter(region_id=region)

    @property
    def report_date_value(self):
        if self.is_valid():
            return self.form.cleaned_data.get("report_date") or timezone.localdate()
        return timezone.localdate()

    def filter_queryset(self, queryset):
        # "filled" and "met" exist only as of a date, so annotate before filtering on them.
        return super().filter_queryset(queryset.with_compliance(self.report_date_value))

    def keep(self, queryset, name, value):
        return queryset

    def filter_state(self, queryset, name, value):
        if value == ComplianceState.MET:
            return queryset.filter(met=True)
        if value == ComplianceState.NOT_MET:
            return queryset.filter(met=False)
        if value == ComplianceState.NO_PLACEMENTS:
            return queryset.filter(filled=0)
        return queryset
