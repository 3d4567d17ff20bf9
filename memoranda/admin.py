from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Exists, OuterRef
from django.urls import path
from django.utils import formats
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from config.admin import BaseAdmin, ConcurrentEditInlineMixin, RegionScopedMixin
from config.forms import ConcurrentEditFormSet
from registry.admin import OrganizationAdmin
from registry.models import Region

from . import resources, views
from .forms import CommitmentFormSet, CommitmentInlineForm, NumberInput
from .models import (
    Commitment,
    CommitmentReport,
    CommitmentStatus,
    Memorandum,
    MemorandumDocument,
    MemorandumStatus,
    Party,
    Reminder,
    trimmed,
)


def number(value):
    """A target or a value as people read it: 10, not 10,00; 2,5 stays 2,5."""
    return "—" if value is None else formats.localize(trimmed(value))


class AnnotatedStatusFilter(admin.SimpleListFilter):
    """Filters on the `status` the queryset annotates; subclasses name its TextChoices."""

    title = _("status")
    parameter_name = "status"
    statuses = None

    def lookups(self, request, model_admin):
        return self.statuses.choices

    def queryset(self, request, queryset):
        if self.value() in self.statuses.values:
            return queryset.filter(status=self.value())
        return queryset


class StatusFilter(AnnotatedStatusFilter):
    statuses = MemorandumStatus


class ExpiringFilter(admin.SimpleListFilter):
    """Memoranda ending soon, the soonest first (see `MemorandumAdmin.get_ordering`)."""

    title = _("expiring")
    parameter_name = "expiring_within"
    ORDERING = ["valid_until", "number"]

    def lookups(self, request, model_admin):
        return [("30", _("within 30 days")), ("90", _("within 90 days"))]

    def queryset(self, request, queryset):
        if self.value() in {"30", "90"}:
            expiring = Memorandum.objects.expiring_within(int(self.value())).values("pk")
            return queryset.filter(pk__in=expiring)
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = _("commitments")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("with overdue commitments"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.with_overdue_commitments()
        return queryset


class YearSignedFilter(admin.SimpleListFilter):
    title = _("year signed")
    parameter_name = "signed_year"

    def lookups(self, request, model_admin):
        years = Memorandum.objects.visible_to(request.user).dates("signed_on", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(signed_on__year=int(self.value()))
        return queryset


class PartyRegionFilter(admin.SimpleListFilter):
    """A memorandum belongs to the regions of its parties."""

    title = _("region")
    parameter_name = "party_region"

    def lookups(self, request, model_admin):
        return [
            (str(region.pk), region.name) for region in Region.objects.worked_in_by(request.user)
        ]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            parties = Party.objects.filter(
                memorandum=OuterRef("pk"), organization__region_id=int(self.value())
            )
            return queryset.filter(Exists(parties))
        return queryset


class PartyOrganizationFilter(admin.SimpleListFilter):
    """One party organization, chosen by autocomplete: the registry is too big to list."""

    title = _("party")
    parameter_name = "party"
    template = "admin/memoranda/party_filter.html"

    def lookups(self, request, model_admin):
        # The organization shown as chosen is looked up among those the user may see.
        self.user = request.user
        # The filter renders its own autocomplete; one choice keeps Django showing it.
        return [("", "")]

    def choices(self, changelist):
        selected = None
        if self.value() and self.value().isdigit():
            choosable = Party.objects.organizations_choosable_by(self.user)
            selected = choosable.filter(pk=int(self.value())).first()
        yield {
            "selected": selected,
            "parameter_name": self.parameter_name,
            "reset_query": changelist.get_query_string(remove=[self.parameter_name]),
            "other_params": {
                key: value
                for key, value in changelist.get_filters_params().items()
                if key != self.parameter_name
            },
        }

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            parties = Party.objects.filter(
                memorandum=OuterRef("pk"), organization_id=int(self.value())
            )
            return queryset.filter(Exists(parties))
        return queryset


class PartyFormSet(ConcurrentEditFormSet):
    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
        ]
        Memorandum.validate_party_count(len(kept))


class PartyInline(RegionScopedMixin, ConcurrentEditInlineMixin, admin.TabularInline):
    model = Party
    formset = PartyFormSet
    cross_region_fields = {"organization": Party.objects.organizations_choosable_by}
    extra = 0
    min_num = Memorandum.MIN_PARTIES
    autocomplete_fields = ["organization"]
    fields = ["organization", "role", "signatory_name", "signatory_position", "signed_on"]


class DocumentInline(RegionScopedMixin, ConcurrentEditInlineMixin, admin.TabularInline):
    model = MemorandumDocument
    extra = 0
    fields = ["file", "description", "uploaded_at"]
    readonly_fields = ["uploaded_at"]


class CommitmentProgressMixin:
    """Columns for a queryset annotated by `Commitment.objects.with_progress()`."""

    @admin.display(description=_("target"), ordering="target")
    def target_display(self, commitment):
        return number(commitment.target)

    @admin.display(description=_("achieved"), ordering="achieved")
    def achieved(self, commitment):
        return number(getattr(commitment, "achieved", None))

    @admin.display(description=_("fulfilment, %"), ordering="fulfilment")
    def fulfilment_display(self, commitment):
        fulfilment = getattr(commitment, "fulfilment", None)
        return "—" if fulfilment is None else f"{fulfilment:.0f}"

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, commitment):
        status = getattr(commitment, "status", None)
        return CommitmentStatus(status).label if status else "—"


class CommitmentInline(
    RegionScopedMixin, ConcurrentEditInlineMixin, CommitmentProgressMixin, admin.StackedInline
):
    """Commitments on the memorandum's page, from its add form on, each with a value to report
    towards it; earlier reported values are listed, and corrected on the commitment's page."""

    model = Commitment
    form = CommitmentInlineForm
    formset = CommitmentFormSet
    extra = 0
    show_change_link = True
    # The responsible party is one of the memorandum's parties, wherever it is registered.
    cross_region_fields = {"responsible": Party.objects.organizations_choosable_by}
    fieldsets = [
        (None, {"fields": ["responsible", "text", ("indicator", "unit"), ("target", "due_on")]}),
        (
            _("Progress"),
            {"fields": [("achieved", "fulfilment_display", "status_display"), "reports_display"]},
        ),
        (_("New reported value"), {"fields": [("report_value", "report_on"), "report_evidence"]}),
    ]
    readonly_fields = ["achieved", "fulfilment_display", "status_display", "reports_display"]
    # A row of the table, not a page: a short box keeps the inline within the form's width.
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})},
        models.DecimalField: {"widget": NumberInput},
    }

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_progress()
            .select_related("responsible__legal_form")
            .prefetch_related("reports")
        )

    @admin.display(description=_("reported values"))
    def reports_display(self, commitment):
        if commitment.pk is None:
            return "—"
        reports = commitment.reports.all()
        if not reports:
            return "—"
        return format_html_join(", ", "{}", ((str(report),) for report in reports))


class ReminderInline(RegionScopedMixin, admin.TabularInline):
    model = Reminder
    extra = 0
    can_delete = False
    fields = ["kind", "commitment", "recipient", "sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Memorandum)
class MemorandumAdmin(BaseAdmin):
    resource_classes = [resources.PartyResource, resources.MemorandumExportResource]
    list_display = [
        "number",
        "title_display",
        "signed_on",
        "valid_until",
        "status_display",
        "party_count",
        "fulfilment_display",
        "curator",
    ]
    list_display_links = ["number", "title_display"]
    list_select_related = ["curator"]
    list_filter = [
        StatusFilter,
        "kind",
        PartyRegionFilter,
        YearSignedFilter,
        PartyOrganizationFilter,
        ExpiringFilter,
        OverdueFilter,
    ]
    search_fields = ["number"]
    search_help_text = _("Registration number, title, or a party's name or BIN.")
    # Curators are chosen from a short list of active staff: editors may not browse users.
    autocomplete_fields = ["signed_region"]
    # Where a memorandum was signed says nothing about whose it is: any region may be named.
    cross_region_fields = {"signed_region": lambda user: Region.objects.all()}
    readonly_fields = ["status_display", "fulfilment_display"]
    object_history_template = "admin/memoranda/memorandum/object_history.html"
    fieldsets = [
        (None, {"fields": ["number", "kind", "title_ru", "title_kk", "subject", "programmes"]}),
        (
            _("Signing and term"),
            {
                "fields": [
                    "signed_on",
                    "signed_settlement",
                    "signed_region",
                    "valid_from",
                    "valid_until",
                    "auto_prolongation",
                ]
            },
        ),
        (_("Follow-up"), {"fields": ["curator", "status_display", "fulfilment_display", "notes"]}),
        (_("Termination"), {"fields": ["terminated_on", "termination_reason"]}),
    ]

    class Media:
        css = {
            "all": [
                "admin/css/vendor/select2/select2.css",
                "admin/css/autocomplete.css",
                "memoranda/memorandum.css",
            ]
        }
        js = [
            "admin/js/vendor/jquery/jquery.js",
            "admin/js/vendor/select2/select2.full.js",
            "admin/js/jquery.init.js",
            "admin/js/autocomplete.js",
            "memoranda/memorandum.js",
        ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "curator":
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_inlines(self, request, obj):
        # Parties before commitments: they are saved first, and a commitment names one of them.
        if obj is None:
            return [PartyInline, CommitmentInline, DocumentInline]
        return [PartyInline, CommitmentInline, DocumentInline, ReminderInline]

    def get_changeform_initial_data(self, request):
        # Whoever registers a memorandum usually follows it up.
        return {"curator": request.user.pk, **super().get_changeform_initial_data(request)}

    def get_ordering(self, request):
        if request.GET.get(ExpiringFilter.parameter_name) in {"30", "90"}:
            return ExpiringFilter.ORDERING
        return super().get_ordering(request)

    def get_queryset(self, request):
        return super().get_queryset(request).for_changelist()

    def get_urls(self):
        # Signed documents are served by the application only (nothing serves media); before
        # the defaults, or the admin's catch-all object URL would swallow it.
        return [
            path(
                "documents/<path:name>",
                self.admin_site.admin_view(views.download_document),
                name="memoranda_memorandumdocument_download",
            ),
            *super().get_urls(),
        ]

    def get_search_results(self, request, queryset, search_term):
        return queryset.search(search_term), False

    @admin.display(description=_("title"), ordering="title_ru")
    def title_display(self, memorandum):
        return memorandum.title

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, memorandum):
        status = getattr(memorandum, "status", None)
        return MemorandumStatus(status).label if status else "—"

    @admin.display(description=_("parties"), ordering="party_count")
    def party_count(self, memorandum):
        return memorandum.party_count

    @admin.display(description=_("fulfilment, %"), ordering="fulfilment")
    def fulfilment_display(self, memorandum):
        fulfilment = getattr(memorandum, "fulfilment", None)
        return "—" if fulfilment is None else f"{fulfilment:.0f}"

    def history_view(self, request, object_id, extra_context=None):
        memorandum = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "related_history": memorandum.related_history() if memorandum else [],
        }
        return super().history_view(request, object_id, extra_context=extra_context)


class CommitmentStatusFilter(AnnotatedStatusFilter):
    statuses = CommitmentStatus


class ReportInline(RegionScopedMixin, ConcurrentEditInlineMixin, admin.TabularInline):
    model = CommitmentReport
    extra = 1
    fields = ["reported_on", "value", "evidence"]
    formfield_overrides = {models.DecimalField: {"widget": NumberInput}}


@admin.register(Commitment)
class CommitmentAdmin(CommitmentProgressMixin, BaseAdmin):
    resource_classes = [resources.CommitmentExportResource]
    list_display = [
        "text_summary",
        "memorandum_number",
        "responsible",
        "target_display",
        "achieved",
        "fulfilment_display",
        "due_on",
        "status_display",
    ]
    list_select_related = ["memorandum", "responsible"]
    list_filter = [CommitmentStatusFilter, "indicator"]
    search_fields = ["memorandum__number", "text"]
    autocomplete_fields = ["memorandum", "responsible"]
    # As on the memorandum's page: the responsible party may be a partner in another region.
    cross_region_fields = {"responsible": Party.objects.organizations_choosable_by}
    formfield_overrides = {models.DecimalField: {"widget": NumberInput}}
    inlines = [ReportInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_progress()

    @admin.display(description=_("registration number"), ordering="memorandum__number")
    def memorandum_number(self, commitment):
        return commitment.memorandum.number

    @admin.display(description=_("commitment"))
    def text_summary(self, commitment):
        return commitment.text[:80]


@admin.register(Reminder)
class ReminderAdmin(RegionScopedMixin, admin.ModelAdmin):
    list_display = ["sent_at", "kind", "memorandum", "commitment", "recipient"]
    list_select_related = ["memorandum", "commitment", "recipient"]
    list_filter = ["kind"]
    date_hierarchy = "sent_at"
    # The key that makes each event go out once is machinery ("overdue:12:2026-01-31").
    exclude = ["event"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrganizationMemorandaInline(RegionScopedMixin, admin.TabularInline):
    """On an organization's page: every memorandum it is party to."""

    model = Party
    fk_name = "organization"
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name = _("memorandum")
    verbose_name_plural = _("memoranda this organization is party to")
    fields = ["memorandum", "role", "signatory_name", "signed_on"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # Each row's form reads its organization: one join, not a query per memorandum.
        return super().get_queryset(request).select_related("memorandum", "organization")


# The registry does not know about memoranda; this app adds its view of an organization.
OrganizationAdmin.inlines = [*OrganizationAdmin.inlines, OrganizationMemorandaInline]
