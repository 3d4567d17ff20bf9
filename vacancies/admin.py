from django import forms
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Exists, F, Func, IntegerField, OuterRef, Subquery
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import formats
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from config.admin import (
    BaseAdmin,
    ConcurrentEditInlineMixin,
    ReferenceAdmin,
    RegionFilter,
    RegionScopedMixin,
)
from config.forms import ConcurrentEditFormSet
from config.history import REASON_FIELD, ChangeReasonForm
from config.language import WithoutLinkRowsMixin
from quotas.models import EmploymentMeasure, Person
from quotas.personal_data import FIELDS as PERSONAL_FIELDS
from quotas.personal_data import PersonalDataExportMixin, mask, shows_personal_data
from registry.models import District, Region

from . import resources
from .import_forms import SurveyImportMixin
from .models import (
    VACANCY_MEASURE,
    Experience,
    JobSeeker,
    Language,
    Occupation,
    OccupationLevel,
    Referral,
    Reservation,
    Skill,
    SurveyCampaign,
    SurveyLine,
    SurveyResponse,
    Vacancy,
)


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


# ---------------------------------------------------------------------------------------------
# Vacancies, the surveys that find them, job seekers and referrals.


class OccupationGroupFilter(MajorGroupFilter):
    """A vacancy's position by the major group of the classifier it falls in."""

    title = _("occupation group")
    parameter_name = "occupation_major"

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(occupation__code__startswith=self.value())
        return queryset


def amount(value):
    return number_format(value, force_grouping=True)


def salary_range(salary_from, salary_to):
    """«150 000 – 200 000», «from 150 000», «up to 200 000», or a dash when not given."""
    if salary_from is not None and salary_to is not None:
        return f"{amount(salary_from)} – {amount(salary_to)}"
    if salary_from is not None:
        return _("from %(amount)s") % {"amount": amount(salary_from)}
    if salary_to is not None:
        return _("up to %(amount)s") % {"amount": amount(salary_to)}
    return "—"


class Total(Subquery):
    """SUM or COUNT of a column of related rows, for each row of a list: in a subquery, so two
    totals over different joins do not multiply each other, and 0 where there are none."""

    def __init__(self, queryset, column, function="SUM"):
        rows = queryset.order_by().annotate(total=Func(F(column), function=function))
        super().__init__(rows.values("total")[:1], output_field=IntegerField())


def total(queryset, column, function="SUM"):
    return Coalesce(Total(queryset, column, function), 0)


@admin.register(Language)
class LanguageAdmin(WithoutLinkRowsMixin, ReferenceAdmin):
    resource_classes = [resources.LanguageResource]


class ResponseInline(RegionScopedMixin, admin.TabularInline):
    """A survey's responses, each with what it found; a response's lines are entered on its
    own page."""

    model = SurveyResponse
    extra = 0
    show_change_link = True
    can_delete = False
    fields = ["organization", "answered_on", "headcount", "vacant_places", "planned_hires"]
    readonly_fields = fields

    def get_queryset(self, request):
        lines = SurveyLine.objects.filter(response=OuterRef("pk"))
        return (
            super()
            .get_queryset(request)
            # Each row is named by its employer and survey.
            .select_related("organization", "campaign")
            .annotate(vacant=total(lines, "vacant_places"), planned=total(lines, "planned_hires"))
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("vacant places now"))
    def vacant_places(self, response):
        return response.vacant

    @admin.display(description=_("hires planned for 12 months"))
    def planned_hires(self, response):
        return response.planned


@admin.register(SurveyCampaign)
class SurveyCampaignAdmin(BaseAdmin):
    resource_classes = [resources.SurveyCampaignExportResource]
    list_display = [
        "title",
        "region",
        "starts_on",
        "ends_on",
        "run_by",
        "responses_count",
        "vacant_places",
        "planned_hires",
    ]
    list_select_related = ["region", "run_by"]
    list_filter = [("region", RegionFilter)]
    search_fields = ["title"]
    autocomplete_fields = ["run_by"]
    fields = ["title", "region", "starts_on", "ends_on", "run_by", "notes"]
    inlines = [ResponseInline]

    def get_queryset(self, request):
        responses = SurveyResponse.objects.filter(campaign=OuterRef("pk"))
        lines = SurveyLine.objects.filter(response__campaign=OuterRef("pk"))
        return (
            super()
            .get_queryset(request)
            .annotate(
                responses_total=total(responses, "pk", "COUNT"),
                vacant=total(lines, "vacant_places"),
                planned=total(lines, "planned_hires"),
            )
        )

    @admin.display(description=_("responses"), ordering="responses_total")
    def responses_count(self, campaign):
        return campaign.responses_total

    @admin.display(description=_("vacant places now"), ordering="vacant")
    def vacant_places(self, campaign):
        return campaign.vacant

    @admin.display(description=_("hires planned for 12 months"), ordering="planned")
    def planned_hires(self, campaign):
        return campaign.planned


class SurveyLineInline(RegionScopedMixin, ConcurrentEditInlineMixin, admin.TabularInline):
    """Vacant places now and hires planned by occupation; saving a line with vacant places
    puts them into the vacancy register (`SurveyLine.publish`)."""

    model = SurveyLine
    extra = 0
    autocomplete_fields = ["occupation"]
    fields = [
        "occupation",
        "clarification",
        "vacant_places",
        "planned_hires",
        "salary_from",
        "salary_to",
        "education",
        "experience_years",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("occupation")


@admin.register(SurveyResponse)
class SurveyResponseAdmin(SurveyImportMixin, BaseAdmin):
    # A chamber's sheet: one row per organization and occupation, into the survey chosen.
    resource_classes = [resources.SurveyLineResource]
    list_display = [
        "organization",
        "campaign",
        "answered_on",
        "headcount",
        "vacant_places",
        "planned_hires",
    ]
    list_select_related = ["organization", "campaign"]
    list_filter = [("campaign__region", RegionFilter)]
    search_fields = ["organization__search_text", "campaign__title"]
    search_help_text = _("Employer's BIN or name, or the survey's title.")
    autocomplete_fields = ["campaign", "organization"]
    fields = [
        "campaign",
        "organization",
        "answered_on",
        "respondent",
        "headcount",
        "training_needs",
    ]
    inlines = [SurveyLineInline]

    def get_queryset(self, request):
        lines = SurveyLine.objects.filter(response=OuterRef("pk"))
        return (
            super()
            .get_queryset(request)
            .annotate(vacant=total(lines, "vacant_places"), planned=total(lines, "planned_hires"))
        )

    @admin.display(description=_("vacant places now"), ordering="vacant")
    def vacant_places(self, response):
        return response.vacant

    @admin.display(description=_("hires planned for 12 months"), ordering="planned")
    def planned_hires(self, response):
        return response.planned


class ReservationFormSet(ConcurrentEditFormSet):
    def clean(self):
        super().clean()
        # The vacancy as its own form was just cleaned: the places posted with these rows.
        places = self.instance.places
        reserved = sum(
            form.cleaned_data.get("places") or 0
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
        )
        if places is not None and reserved > places:
            raise ValidationError(
                _(
                    "%(reserved)s places are reserved for quota categories, more than the "
                    "%(places)s the vacancy offers: reserve fewer, or offer more places."
                ),
                params={"reserved": reserved, "places": places},
            )


class ReservationInline(RegionScopedMixin, ConcurrentEditInlineMixin, admin.TabularInline):
    model = Reservation
    formset = ReservationFormSet
    extra = 0
    fields = ["category", "places"]


@admin.register(Vacancy)
class VacancyAdmin(WithoutLinkRowsMixin, BaseAdmin):
    resource_classes = [resources.VacancyResource]
    list_display = [
        "position_display",
        "organization",
        "places_display",
        "salary_display",
        "status",
        "opened_on",
    ]
    list_select_related = ["organization", "occupation"]
    list_filter = [
        "status",
        "source",
        ("region", RegionFilter),
        "schedule",
        "nature",
        OccupationGroupFilter,
        "education",
    ]
    # Searched by `Vacancy.objects.search`: words of the position or the employer's name.
    search_fields = ["clarification"]
    search_help_text = _(
        "Words of the position or of the employer's name, in any order, or the start of the "
        "occupation's code."
    )
    autocomplete_fields = [
        "organization",
        "occupation",
        "quota",
        "special_workplace",
        "district",
        "required_skills",
        "desired_skills",
        "languages",
    ]
    # The quota and the special workplace are offered among the chosen employer's; the
    # district among the chosen region's.
    forwarded_fields = {
        "quota": ["organization"],
        "special_workplace": ["organization"],
        "district": ["region"],
    }
    readonly_fields = ["survey_line"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "organization",
                    "occupation",
                    "clarification",
                    "places",
                    "filled_places",
                    "status",
                    "opened_on",
                    "closed_on",
                ]
            },
        ),
        (
            _("Place and terms"),
            {
                "fields": [
                    "region",
                    "district",
                    "settlement",
                    "salary_from",
                    "salary_to",
                    "schedule",
                    "nature",
                    "duties",
                ]
            },
        ),
        (
            _("Requirements"),
            {
                "fields": [
                    "education",
                    "experience_years",
                    "required_skills",
                    "desired_skills",
                    "languages",
                    "driving_licence",
                ]
            },
        ),
        (
            _("Quotas and source"),
            {"fields": ["quota", "special_workplace", "source", "survey_line"]},
        ),
    ]
    inlines = [ReservationInline]

    @admin.display(description=_("position"), ordering="occupation__code")
    def position_display(self, vacancy):
        return vacancy.position

    @admin.display(description=_("filled / places"), ordering="places")
    def places_display(self, vacancy):
        return f"{vacancy.filled_places} / {vacancy.places}"

    @admin.display(description=_("salary, KZT"), ordering="salary_from")
    def salary_display(self, vacancy):
        return salary_range(vacancy.salary_from, vacancy.salary_to)


class WillingToMoveFilter(admin.SimpleListFilter):
    title = _("willing to move")
    parameter_name = "moves"

    def lookups(self, request, model_admin):
        return [("yes", _("to another region")), ("no", _("only in their own region"))]

    def queryset(self, request, queryset):
        elsewhere = Exists(JobSeeker.regions.through.objects.filter(jobseeker=OuterRef("pk")))
        if self.value() == "yes":
            return queryset.filter(elsewhere)
        if self.value() == "no":
            return queryset.filter(~elsewhere)
        return queryset


class ProfileFilter(admin.SimpleListFilter):
    title = _("profile for matching")
    parameter_name = "profile"

    def lookups(self, request, model_admin):
        return [("unjudged", _("neither a position wanted nor experience"))]

    def queryset(self, request, queryset):
        return queryset.unjudged() if self.value() == "unjudged" else queryset


class ExperienceInline(RegionScopedMixin, ConcurrentEditInlineMixin, admin.TabularInline):
    model = Experience
    extra = 0
    autocomplete_fields = ["occupation"]
    fields = ["occupation", "years"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("occupation")


@admin.register(JobSeeker)
class JobSeekerAdmin(PersonalDataExportMixin, WithoutLinkRowsMixin, BaseAdmin):
    """The person's identity (IIN, birth date, disability group) is read from the person and
    masked, as on the people's pages, for users without the personal-data permission."""

    resource_classes = [resources.JobSeekerResource]

    list_display = [
        "full_name",
        "iin_masked",
        "birth_date_masked",
        "region_display",
        "status",
        "registered_at",
        "registered_on",
    ]
    list_select_related = ["person__region"]
    list_filter = [
        "status",
        "registered_at",
        ("person__region", RegionFilter),
        WillingToMoveFilter,
        ProfileFilter,
    ]
    # Searched through `Person.objects.search`: by name, and by IIN as the user may.
    search_fields = ["person__full_name"]
    search_help_text = _("IIN or part of the name.")
    autocomplete_fields = [
        "person",
        "agency",
        "occupations",
        "districts",
        "regions",
        "skills",
        "languages",
    ]
    readonly_fields = [
        "iin_masked",
        "birth_date_masked",
        "disability_masked",
        "iin",
        "birth_date",
        "disability_group",
        "social_categories_display",
    ]
    fieldsets = [
        (
            None,
            {"fields": ["person", "registered_at", "agency", "registered_on", "status"]},
        ),
        (
            _("Identity (from the person)"),
            {
                "fields": [
                    "iin_masked",
                    "birth_date_masked",
                    "disability_masked",
                    "social_categories_display",
                ]
            },
        ),
        (
            _("Wants"),
            {
                "fields": [
                    "occupations",
                    "districts",
                    "regions",
                    "salary_expected",
                    "schedule",
                ]
            },
        ),
        (_("Offers"), {"fields": ["education", "skills", "languages", "driving_licence"]}),
        (None, {"fields": ["notes"]}),
    ]
    inlines = [ExperienceInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person__region")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        # A seeker may name any region to move to, and districts there, not only the
        # regions the user works in: that is what shows them to those regions' staff.
        if db_field.name == "regions":
            field.queryset = Region.objects.all()
        elif db_field.name == "districts":
            field.queryset = District.objects.all()
        return field

    def lookup_allowed(self, lookup, value, request=None):
        # A filter in the URL on the person's personal fields would answer what the list hides.
        parts = lookup.split(LOOKUP_SEP)
        personal = (
            parts[0] == "person"
            and len(parts) > 1
            and parts[1]
            in (
                *PERSONAL_FIELDS,
                "search_text",
            )
        )
        if personal and not (request is not None and shows_personal_data(request.user)):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        people = Person.objects.search(
            search_term, iin_prefix=shows_personal_data(request.user)
        ).values("pk")
        return queryset.filter(person__in=people), False

    def get_list_filter(self, request):
        if shows_personal_data(request.user):
            return [*super().get_list_filter(request), "person__disability_group"]
        return super().get_list_filter(request)

    def get_list_display(self, request):
        return self.unmasked(request, super().get_list_display(request))

    def get_fieldsets(self, request, obj=None):
        return [
            (title, {**options, "fields": self.unmasked(request, options["fields"])})
            for title, options in super().get_fieldsets(request, obj)
        ]

    def unmasked(self, request, names):
        """The identity columns in full for a user with the personal-data right."""
        if not shows_personal_data(request.user):
            return names
        return [self.UNMASKED.get(name, name) for name in names]

    UNMASKED = {
        "iin_masked": "iin",
        "birth_date_masked": "birth_date",
        "disability_masked": "disability_group",
    }

    @admin.display(description=_("full name"), ordering="person__full_name")
    def full_name(self, seeker):
        return seeker.person.full_name

    @admin.display(description=_("region"), ordering="person__region")
    def region_display(self, seeker):
        return seeker.person.region

    @admin.display(description=_("social categories"))
    def social_categories_display(self, seeker):
        if seeker.pk is None:
            return "—"
        return ", ".join(str(category) for category in seeker.person.social_categories.all())

    # No ordering on the masked columns: sorting by them would reveal the IINs' order.
    @admin.display(description=_("IIN"))
    def iin_masked(self, seeker):
        return mask("iin", seeker.person.iin if seeker.pk else "")

    @admin.display(description=_("birth date"))
    def birth_date_masked(self, seeker):
        return mask("birth_date", None)

    @admin.display(description=_("disability group"))
    def disability_masked(self, seeker):
        return mask("disability_group", None)

    @admin.display(description=_("IIN"), ordering="person__iin")
    def iin(self, seeker):
        return seeker.person.iin if seeker.pk else "—"

    @admin.display(description=_("birth date"), ordering="person__birth_date")
    def birth_date(self, seeker):
        return formats.localize(seeker.person.birth_date) if seeker.pk else "—"

    @admin.display(description=_("disability group"))
    def disability_group(self, seeker):
        if seeker.pk is None:
            return "—"
        return seeker.person.get_disability_group_display() or "—"


class ReferralForm(ChangeReasonForm):
    """A referral's form. A change of its outcome is recorded by `Referral.record_outcome`
    while the form is validated, in a savepoint: what it refuses (no free place left, a
    placement the quota rules reject) is shown on the form, and nothing of it is written."""

    OUTCOME_FIELDS = ("outcome", "outcome_on", "reason")

    position = forms.CharField(
        label=capfirst(_("position hired to")),
        required=False,
        max_length=255,
        # As wide as the model's own text fields on the form.
        widget=forms.TextInput(attrs={"class": "vTextField"}),
        help_text=_("For a hire: the position in the placement. Empty: the vacancy's position."),
    )

    recorded = False

    def _post_clean(self):
        super()._post_clean()
        referral = self.instance
        changed = any(name in self.changed_data for name in self.OUTCOME_FIELDS)
        if referral.pk is None or self._errors or not changed:
            return
        referral._change_reason = self.cleaned_data.get(REASON_FIELD) or None
        try:
            with transaction.atomic():
                referral.record_outcome(
                    referral.outcome,
                    referral.outcome_on,
                    referral.reason,
                    self.cleaned_data.get("position", ""),
                )
        except ValidationError as error:
            referral.placement = None
            self.add_refusal(error)
        else:
            self.recorded = True

    def add_refusal(self, error):
        """The errors by the form's fields; those of fields it does not have (the placement's,
        the seeker's) above the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            field = name if name in self.fields else None
            if name == NON_FIELD_ERRORS:
                field = None
            self.add_error(field, messages)


@admin.register(Referral)
class ReferralAdmin(BaseAdmin):
    resource_classes = [resources.ReferralExportResource]
    form = ReferralForm
    list_display = ["seeker", "target_display", "referred_on", "outcome", "outcome_on"]
    list_select_related = [
        "seeker__person",
        "vacancy__organization",
        "vacancy__occupation",
        "course",
        "provider",
    ]
    list_filter = ["outcome", ("seeker__person__region", RegionFilter)]
    search_fields = ["seeker__person__full_name"]
    search_help_text = _("IIN or part of the seeker's name.")
    autocomplete_fields = ["seeker", "vacancy", "provider"]
    date_hierarchy = None
    ADD_FIELDS = ["seeker", "vacancy", "course", "provider", "referred_on"]
    OUTCOME_FIELDS = ["outcome", "outcome_on", "reason"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(self.ADD_FIELDS)
        fields = [*self.ADD_FIELDS, "referred_by", *self.OUTCOME_FIELDS]
        if obj.placement_id:
            return [*fields, "placement_link"]
        return [*fields, "position"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # Who was referred where is settled once the referral is made; a hire is final here
        # (to undo it, end or correct the placement).
        fixed = [*self.ADD_FIELDS, "referred_by"]
        if obj.placement_id:
            return [*fixed, *self.OUTCOME_FIELDS, "placement_link"]
        return fixed

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "course" and field is not None:
            # A course is a measure that teaches: not the hire on a vacancy itself.
            field.queryset = EmploymentMeasure.objects.exclude(code=VACANCY_MEASURE)
        return field

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        people = Person.objects.search(
            search_term, iin_prefix=shows_personal_data(request.user)
        ).values("pk")
        return queryset.filter(seeker__person__in=people), False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.referred_by = request.user
        # An outcome recorded while the form was validated has saved the referral already.
        if not form.recorded:
            super().save_model(request, obj, form, change)

    @admin.display(description=_("vacancy or course"))
    def target_display(self, referral):
        if referral.vacancy_id:
            return str(referral.vacancy)
        return f"{referral.course} — {referral.provider.display_name}"

    @admin.display(description=_("placement"))
    def placement_link(self, referral):
        if not referral.placement_id:
            return "—"
        url = reverse("admin:quotas_placement_change", args=[referral.placement_id])
        return format_html('<a href="{}">{}</a>', url, referral.placement)
