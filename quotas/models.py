"""Job quotas set by akimats, special workplaces, the people placed into jobs, and compliance.

People live here, beside their placements: this app is the only one that needs them, and the
personal data they carry is guarded by this app's permission alone.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.reference import DATA_PERMISSIONS, Reference, history, large_table_history
from registry.models import District, Organization, Region, RegionalQuerySet
from registry.search import every_word_in, fold, search_words
from registry.validators import IdentifierConstraint

from .personal_data import mask_iin
from .validators import FEMALE, MALE, iin_birth_date_and_sex, validate_iin

PERCENT = {"max_digits": 5, "decimal_places": 2}
# Codes of reference rows the law names: the disability category and the associations it spares.
DISABILITY = "disability"
DISABILITY_ASSOCIATION = "disability_association"
MONEY = {"max_digits": 14, "decimal_places": 2}


def plain(number):
    """2.00 -> "2", 2.50 -> "2.5": how people write a percentage."""
    return f"{Decimal(number).normalize():f}"


def today():
    return timezone.localdate()


class Rounding(models.TextChoices):
    HALF_UP = "half_up", _("to nearest, halves up")
    DOWN = "down", _("down")
    UP = "up", _("up")


DECIMAL_ROUNDING = {
    Rounding.HALF_UP: ROUND_HALF_UP,
    Rounding.DOWN: ROUND_FLOOR,
    Rounding.UP: ROUND_CEILING,
}


class SocialCategory(Reference):
    """A social category a person may belong to: disability, NEET youth, released, probation..."""

    class Meta(Reference.Meta):
        verbose_name = _("social category")
        verbose_name_plural = _("social categories")


class QuotaCategory(Reference):
    """A category of people a quota is set for, with its legal range (reference data)."""

    social_category = models.ForeignKey(
        SocialCategory,
        on_delete=models.PROTECT,
        related_name="quota_categories",
        verbose_name=_("people it is for"),
    )
    min_percent = models.DecimalField(_("lowest percentage"), **PERCENT)
    max_percent = models.DecimalField(_("highest percentage"), **PERCENT)
    min_headcount = models.PositiveIntegerField(
        _("smallest list headcount"),
        default=0,
        help_text=_("Employers with fewer staff get no quota of this category."),
    )
    excludes_hazardous = models.BooleanField(
        _("excludes heavy and hazardous work"),
        default=False,
        help_text=_("Workplaces in heavy, harmful or dangerous work are not counted in the base."),
    )
    max_disabled_share = models.DecimalField(
        _("highest share of staff with disabilities, %"),
        null=True,
        blank=True,
        help_text=_("Above it the employer gets no quota of this category."),
        **PERCENT,
    )
    rounding = models.CharField(
        _("rounding of fractional places"),
        max_length=16,
        choices=Rounding,
        default=Rounding.HALF_UP,
    )

    class Meta(Reference.Meta):
        ordering = ["pk"]
        verbose_name = _("quota category")
        verbose_name_plural = _("quota categories")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_percent__gte=0)
                & Q(min_percent__lte=F("max_percent"))
                & Q(max_percent__lte=100),
                name="%(app_label)s_%(class)s_percent_range",
                violation_error_message=_("The range must lie within 0–100 % and not be reversed."),
            ),
        ]

    def clean(self):
        super().clean()
        # The percent_range constraint said as a field's error: its own message, formatted as
        # a constraint's is, cannot carry the "%" it holds.
        low, high = self.min_percent, self.max_percent
        if low is None or high is None or (0 <= low <= high <= 100):
            return
        field = "min_percent" if low < 0 else "max_percent"
        raise ValidationError({field: _("The range must lie within 0–100 % and not be reversed.")})

    @property
    def is_disability(self):
        return self.social_category.code == DISABILITY

    def places_for(self, base, percent):
        """The suggested number of quota places: the base times the percentage, rounded."""
        exact = Decimal(base) * Decimal(percent) / 100
        return int(exact.quantize(Decimal(1), rounding=DECIMAL_ROUNDING[self.rounding]))


class EmploymentMeasure(Reference):
    """An employment measure a placement is made under (reference data)."""

    class Meta(Reference.Meta):
        ordering = ["pk"]
        verbose_name = _("employment measure")
        verbose_name_plural = _("employment measures")


class PlacementQuerySet(RegionalQuerySet):
    def active_on(self, day):
        return self.filter(Q(end_on__isnull=True) | Q(end_on__gte=day), start_on__lte=day)

    def overlapping(self, start_on, end_on):
        """Placements that share at least one day with [start_on, end_on]; open ends run on."""
        condition = Q(end_on__isnull=True) | Q(end_on__gte=start_on)
        if end_on is not None:
            condition &= Q(start_on__lte=end_on)
        return self.filter(condition)


def month_ends(year):
    return [
        datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)
        if month < 12
        else datetime.date(year, 12, 31)
        for month in range(1, 13)
    ]


@dataclass(frozen=True)
class YearCompliance:
    """A quota's filled places at each month end of its year passed by a day, and their mean.

    Compliance is judged over the period, not on one lucky day: the mean runs over the month
    ends that have passed (all twelve for a past year). The one computation of the yearly
    average, for the quota's page, the compliance sheet and the employers' monthly report.
    """

    months: tuple

    @property
    def mean_filled(self):
        """None before the year's first month end."""
        return sum(self.months) / len(self.months) if self.months else None

    def fulfilment(self, places):
        """The mean as a percentage of the quota; none for a quota of no places."""
        mean = self.mean_filled
        return None if mean is None else Quota.fulfilment_of(places, mean)


class QuotaQuerySet(RegionalQuerySet):
    def filled_on(self, day):
        """A subquery: placements counted toward the quota that are active on a day."""
        return Coalesce(
            Subquery(
                Placement.objects.active_on(day)
                .filter(quota=OuterRef("pk"))
                .order_by()
                .values("quota")
                .annotate(count=Count("pk"))
                .values("count"),
                output_field=IntegerField(),
            ),
            0,
        )

    def with_compliance(self, on=None):
        """Annotate effective_places, filled, vacant, fulfilment (%) and met as of a day."""
        on = on or today()
        return self.annotate(
            effective_places=Coalesce("stated_places", "computed_places"),
            filled=self.filled_on(on),
        ).annotate(
            vacant=Greatest(F("effective_places") - F("filled"), Value(0)),
            fulfilment=Case(
                When(effective_places=0, then=Value(None)),
                default=F("filled") * Value(100.0) / F("effective_places"),
                output_field=models.FloatField(),
            ),
            met=Case(
                When(filled__gte=F("effective_places"), then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(),
            ),
        )

    def filled_counts(self, on=None):
        """{quota id: placements counted toward it on a day}, as `filled_on`, in one aggregate:
        a sheet of a hundred thousand quotas runs no subquery per quota."""
        on = on or today()
        return dict(
            Placement.objects.active_on(on)
            .filter(quota__in=self.order_by().values("pk"))
            .order_by()
            .values("quota")
            .annotate(count=Count("pk"))
            .values_list("quota", "count")
        )

    def year_compliance(self, on=None):
        """{quota id: its YearCompliance as of a day}.

        One aggregate over the quotas' placements per year present, instead of a subquery per
        quota and month: what a sheet of a hundred thousand quotas needs.
        """
        on = on or today()
        fills = {}
        for year in self.order_by().values_list("year", flat=True).distinct():
            ends = [end for end in month_ends(year) if end <= on]
            quotas = self.filter(year=year).order_by()
            fills.update({pk: [0] * len(ends) for pk in quotas.values_list("pk", flat=True)})
            if not ends:
                continue
            counts = {
                f"month_{index}": Count(
                    "pk",
                    filter=Q(start_on__lte=end) & (Q(end_on__isnull=True) | Q(end_on__gte=end)),
                )
                for index, end in enumerate(ends)
            }
            rows = (
                Placement.objects.filter(quota__in=quotas.values("pk"))
                .order_by()
                .values("quota")
                .annotate(**counts)
            )
            for row in rows:
                fills[row["quota"]] = [row[f"month_{index}"] for index in range(len(ends))]
        return {pk: YearCompliance(tuple(months)) for pk, months in fills.items()}


class Quota(models.Model):
    """A job quota an akimat set for one employer, category and year."""

    REGION_LOOKUP = "organization__region"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="quotas", verbose_name=_("employer")
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    category = models.ForeignKey(
        QuotaCategory, on_delete=models.PROTECT, related_name="quotas", verbose_name=_("category")
    )
    resolution_number = models.CharField(_("akimat resolution №"), max_length=64, blank=True)
    resolution_date = models.DateField(_("akimat resolution date"), null=True, blank=True)
    headcount = models.PositiveIntegerField(_("list headcount"))
    excluded_headcount = models.PositiveIntegerField(
        _("excluded: heavy, harmful, dangerous work"),
        default=0,
        help_text=_("Staff on such workplaces, left out of the base where the category says so."),
    )
    disabled_employees = models.PositiveIntegerField(
        _("employees with disabilities"),
        null=True,
        blank=True,
        help_text=_(
            "Average annual number; above the category's share the employer gets no quota."
        ),
    )
    percent = models.DecimalField(_("quota, %"), **PERCENT)
    computed_places = models.PositiveIntegerField(_("computed places"), editable=False, default=0)
    stated_places = models.PositiveIntegerField(
        _("places stated in the resolution"),
        null=True,
        blank=True,
        help_text=_("Overrides the computed number; give the reason."),
    )
    override_reason = models.TextField(_("reason for the stated number"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    history = large_table_history("organization", "category")

    objects = QuotaQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "organization__name_ru"]
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        default_permissions = DATA_PERMISSIONS
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "category", "year"],
                name="%(app_label)s_%(class)s_one_per_employer_category_year",
                violation_error_message=_(
                    "This employer already has a quota of this category for this year."
                ),
            ),
            models.CheckConstraint(
                condition=Q(excluded_headcount__lte=F("headcount")),
                name="%(app_label)s_%(class)s_excluded_within_headcount",
                violation_error_message=_("More staff are excluded than the headcount."),
            ),
            models.CheckConstraint(
                condition=Q(stated_places__isnull=True) | ~Q(override_reason=""),
                name="%(app_label)s_%(class)s_stated_places_have_a_reason",
                violation_error_message=_("Give the reason for stating a number of places."),
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=100),
                name="%(app_label)s_%(class)s_percent_range",
                violation_error_message=_("A percentage lies within 0–100."),
            ),
        ]

    def __str__(self):
        return f"{self.organization.display_name}: {self.category} {self.year}"

    def save(self, *args, **kwargs):
        self.refresh_derived_fields()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "computed_places"}
        super().save(*args, **kwargs)

    @property
    def choice_label(self):
        """The employer's BIN beside its name: quotas of two employers of one name differ."""
        return _("%(employer)s, BIN %(bin)s: %(category)s, %(year)s") % {
            "employer": self.organization.display_name,
            "bin": self.organization.bin,
            "category": self.category,
            "year": self.year,
        }

    def refresh_derived_fields(self):
        """Fill the columns derived from others; bulk paths call this since they skip save()."""
        self.refresh_computed_places()

    @property
    def base(self):
        """The headcount quota places are counted from."""
        if self.category.excludes_hazardous:
            return self.headcount - self.excluded_headcount
        return self.headcount

    @property
    def places(self):
        return self.places_from(self.stated_places, self.computed_places)

    @property
    def stated_differs(self):
        return self.stated_places_differ(self.stated_places, self.computed_places)

    # The rules behind with_compliance's annotations, for figures read as plain values (a
    # national sheet reads 100,000 quotas without building a model for each).

    @staticmethod
    def places_from(stated_places, computed_places):
        """The akimat's stated number of places wins over the computed one."""
        return computed_places if stated_places is None else stated_places

    @staticmethod
    def stated_places_differ(stated_places, computed_places):
        return stated_places is not None and stated_places != computed_places

    @staticmethod
    def vacancy(places, filled):
        return max(places - filled, 0)

    @staticmethod
    def fulfilment_of(places, filled):
        """Filled places as a percentage of the quota; none for a quota of no places."""
        return None if not places else filled * 100.0 / places

    @staticmethod
    def judged_on(year, day=None):
        """The day a year's quotas are judged on: the day (today) while the year runs, its
        31 December once it is over, so a past year shows as it stood at its end."""
        return min(day or today(), datetime.date(year, 12, 31))

    def refresh_computed_places(self):
        self.computed_places = self.category.places_for(self.base, self.percent)

    def clean(self):
        super().clean()
        if not self.category_id or self.headcount is None or self.percent is None:
            return
        errors = {}
        category = self.category
        if not category.min_percent <= self.percent <= category.max_percent:
            errors["percent"] = _(
                "A quota for %(category)s is %(low)s–%(high)s %% of the headcount."
            ) % {
                "category": category,
                "low": plain(category.min_percent),
                "high": plain(category.max_percent),
            }
        if self.headcount < category.min_headcount:
            errors["headcount"] = _(
                "No quota for %(category)s below a list headcount of %(minimum)d."
            ) % {"category": category, "minimum": category.min_headcount}
        share = category.max_disabled_share
        if (
            share is not None
            and self.disabled_employees
            and self.headcount
            and Decimal(self.disabled_employees) * 100 / self.headcount > share
        ):
            errors["disabled_employees"] = _(
                "People with disabilities are over %(share)s %% of staff: no quota is set."
            ) % {"share": plain(share)}
        if (
            category.is_disability
            and self.organization_id
            and self.organization.kind.code == DISABILITY_ASSOCIATION
        ):
            errors["organization"] = _(
                "Public associations of people with disabilities get no quota of this category."
            )
        if self.excluded_headcount and self.excluded_headcount > self.headcount:
            errors["excluded_headcount"] = _("More staff are excluded than the headcount.")
        if self.stated_places is not None and not self.override_reason.strip():
            errors["override_reason"] = _("Give the reason for stating a number of places.")
        if errors:
            raise ValidationError(errors)


class Sex(models.TextChoices):
    MALE = MALE, _("male")
    FEMALE = FEMALE, _("female")


class DisabilityGroup(models.TextChoices):
    I = "1", _("group I")  # noqa: E741 - the group's own name
    II = "2", _("group II")
    III = "3", _("group III")
    CHILD = "child", _("child with disability")


class Impairment(models.TextChoices):
    HEARING = "hearing", _("hearing")
    VISION = "vision", _("vision")
    MUSCULOSKELETAL = "musculoskeletal", _("musculoskeletal")
    MENTAL = "mental", _("mental or intellectual")
    OTHER = "other", _("other")


IIN_LENGTH = 12


class PersonQuerySet(RegionalQuerySet):
    def search(self, term, iin_prefix=True):
        """By IIN or any part of the name, in any case.

        An IIN is found by its first digits, or only whole where `iin_prefix` is False: for a
        user who may not see IINs, a prefix search would reveal one digit by digit. A term with
        a digit in it is an IIN search, so digits never reach the name search either.
        """
        term = (term or "").strip()
        if not term:
            return self
        digits = term.replace(" ", "")
        if any(character.isdigit() for character in digits):
            if not digits.isdigit() or (not iin_prefix and len(digits) != IIN_LENGTH):
                return self.none()
            return self.filter(iin__startswith=digits)
        words = search_words(term)
        return self.filter(every_word_in("search_text", words)) if words else self


class Person(models.Model):
    """A person placed into work: personal data, shown in full only with its own permission."""

    REGION_LOOKUP = "region"

    iin = models.CharField(
        _("IIN"),
        max_length=12,
        unique=True,
        validators=[validate_iin],
        error_messages={"unique": _("A person with this IIN is already registered.")},
    )
    full_name = models.CharField(_("full name"), max_length=255)
    # Read from the IIN, which holds both: never asked for (`fill_from_iin`).
    birth_date = models.DateField(_("birth date"), help_text=_("Read from the IIN."))
    sex = models.CharField(_("sex"), max_length=8, choices=Sex, help_text=_("Read from the IIN."))
    disability_group = models.CharField(
        _("disability group"),
        max_length=8,
        choices=DisabilityGroup,
        blank=True,
        help_text=_(
            "A group puts the person in the disability category for quotas: it need not be "
            "ticked among the social categories."
        ),
    )
    impairment = models.CharField(
        _("kind of impairment"), max_length=16, choices=Impairment, blank=True
    )
    social_categories = models.ManyToManyField(
        SocialCategory, blank=True, related_name="people", verbose_name=_("social categories")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="people", verbose_name=_("region")
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("district"),
    )
    phone = models.CharField(_("phone"), max_length=64, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    search_text = models.TextField(_("search text"), editable=False, default="")
    history = large_table_history("iin", "region", "district", m2m_fields=[social_categories])

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        default_permissions = DATA_PERMISSIONS
        permissions = [("view_personal_data", _("Can see IIN, birth date and disability details"))]
        constraints = [
            IdentifierConstraint(
                field="iin",
                name="%(app_label)s_%(class)s_iin_valid",
                violation_error_message=_("Invalid IIN: wrong length, characters or check digit."),
            ),
        ]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        self.refresh_derived_fields()
        super().save(*args, **kwargs)

    @property
    def choice_label(self):
        """The birth year and the IIN's last digits beside the name: five «Ахметов Ерлан» are
        told apart without showing an IIN (its masked form shows as much)."""
        return _("%(name)s, born %(year)s, IIN …%(tail)s") % {
            "name": self.full_name,
            "year": self.birth_date.year if self.birth_date else "—",
            "tail": mask_iin(self.iin)[-2:],
        }

    def refresh_derived_fields(self):
        """Fill the columns derived from others; bulk paths call this since they skip save()."""
        self.fill_from_iin()
        self.search_text = fold(f"{self.full_name} {self.iin}")

    def clean_fields(self, exclude=None):
        self.fill_before_cleaning()
        super().clean_fields(exclude)

    def fill_before_cleaning(self):
        """What is filled before the fields are checked, by clean_fields and by a bulk import
        that checks the fields its own way: birth date and sex, which are not asked for."""
        self.fill_from_iin()

    def clean(self):
        super().clean()
        if not self.iin or validate_iin_quietly(self.iin) is not None:
            return
        birth_date, sex = iin_birth_date_and_sex(self.iin)
        errors = {}
        if self.birth_date and self.birth_date != birth_date:
            errors["birth_date"] = _("The IIN says the person was born on %(date)s.") % {
                "date": birth_date.strftime("%d.%m.%Y")
            }
        if self.sex and self.sex != sex:
            errors["sex"] = _("The IIN says the person is %(sex)s.") % {"sex": Sex(sex).label}
        if self.district_id and self.region_id and self.district.region_id != self.region_id:
            errors["district"] = _("The district is not in the chosen region.")
        if errors:
            raise ValidationError(errors)

    def fill_from_iin(self):
        """Birth date and sex left empty are read from a valid IIN."""
        if self.iin and validate_iin_quietly(self.iin) is None:
            birth_date, sex = iin_birth_date_and_sex(self.iin)
            self.birth_date = self.birth_date or birth_date
            self.sex = self.sex or sex

    def belongs_to(self, social_category):
        """Whether the person is in a social category: a disability group puts a person in the
        disability category whether or not it is ticked."""
        if social_category.code == DISABILITY and self.disability_group:
            return True
        # Through all(): categories read with the person (an import's batch) cost no query.
        return any(each.pk == social_category.pk for each in self.social_categories.all())


def validate_iin_quietly(value):
    try:
        validate_iin(value)
    except ValidationError as error:
        return error
    return None


class Funding(models.TextChoices):
    EMPLOYER = "employer", _("employer")
    STATE = "state", _("state subsidy")
    MIXED = "mixed", _("employer and state subsidy")


class SpecialWorkplaceQuerySet(RegionalQuerySet):
    def with_occupancy(self, on=None):
        on = on or today()
        active = Placement.objects.active_on(on).filter(special_workplace=OuterRef("pk"))
        return self.annotate(occupied=models.Exists(active))


class SpecialWorkplace(models.Model):
    """A workplace equipped for a person's abilities, kept for at least twelve months."""

    REGION_LOOKUP = "organization__region"

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="special_workplaces",
        verbose_name=_("employer"),
    )
    position = models.CharField(_("position"), max_length=255)
    impairment = models.CharField(_("adapted for impairment"), max_length=16, choices=Impairment)
    disability_group = models.CharField(
        _("adapted for group"), max_length=8, choices=DisabilityGroup, blank=True
    )
    adaptations = models.TextField(_("what was adapted"), blank=True)
    created_on = models.DateField(_("created on"))
    funding = models.CharField(
        _("funding"), max_length=16, choices=Funding, default=Funding.EMPLOYER
    )
    subsidy_amount = models.DecimalField(
        _("state subsidy, KZT"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        **MONEY,
    )
    quota = models.ForeignKey(
        Quota,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="special_workplaces",
        verbose_name=_("quota it serves"),
    )
    history = history()

    objects = SpecialWorkplaceQuerySet.as_manager()

    class Meta:
        ordering = ["organization__name_ru", "position"]
        verbose_name = _("special workplace")
        verbose_name_plural = _("special workplaces")
        default_permissions = DATA_PERMISSIONS
        constraints = [
            models.CheckConstraint(
                condition=Q(subsidy_amount__isnull=True) | Q(subsidy_amount__gte=0),
                name="%(app_label)s_%(class)s_subsidy_not_negative",
                violation_error_message=_("A subsidy cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.position} — {self.organization.display_name}"

    def clean(self):
        super().clean()
        errors = {}
        if (
            self.quota_id
            and self.organization_id
            and self.quota.organization_id != self.organization_id
        ):
            errors["quota"] = _("The quota belongs to another employer.")
        if self.funding == Funding.EMPLOYER and self.subsidy_amount:
            errors["subsidy_amount"] = _("A workplace funded by the employer has no state subsidy.")
        if errors:
            raise ValidationError(errors)


class ReferralSource(models.TextChoices):
    CHAMBER = "chamber", _("chamber of entrepreneurs")
    EMPLOYMENT_CENTRE = "employment_centre", _("employment centre")
    PRIVATE_AGENCY = "private_agency", _("private employment agency")
    SELF = "self", _("the person themselves")


class Placement(models.Model):
    """A person placed into a job at an employer under an employment measure."""

    REGION_LOOKUP = "organization__region"

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="placements", verbose_name=_("person")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="placements",
        verbose_name=_("employer"),
    )
    measure = models.ForeignKey(
        EmploymentMeasure,
        on_delete=models.PROTECT,
        related_name="placements",
        verbose_name=_("employment measure"),
    )
    position = models.CharField(_("position"), max_length=255, blank=True)
    start_on = models.DateField(_("start date"))
    end_on = models.DateField(_("end date"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=255, blank=True)
    quota = models.ForeignKey(
        Quota,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="placements",
        verbose_name=_("quota it fills"),
    )
    special_workplace = models.ForeignKey(
        SpecialWorkplace,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="placements",
        verbose_name=_("special workplace"),
    )
    referral = models.CharField(
        _("referred by"),
        max_length=32,
        choices=ReferralSource,
        default=ReferralSource.EMPLOYMENT_CENTRE,
    )
    salary = models.DecimalField(
        _("monthly salary, KZT"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        **MONEY,
    )
    history = large_table_history("person", "organization", "measure", "quota", "special_workplace")

    objects = PlacementQuerySet.as_manager()

    class Meta:
        ordering = ["-start_on", "pk"]
        # The changelist's default order: the first page is read from the index, not a sort.
        indexes = [models.Index(fields=["-start_on", "id"], name="quotas_placement_list_order")]
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        default_permissions = DATA_PERMISSIONS
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=F("start_on")),
                name="%(app_label)s_%(class)s_ends_after_start",
                violation_error_message=_("A placement cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(salary__isnull=True) | Q(salary__gte=0),
                name="%(app_label)s_%(class)s_salary_not_negative",
                violation_error_message=_("A salary cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.person} — {self.organization.display_name} ({self.start_on:%d.%m.%Y})"

    def clean(self):
        super().clean()
        errors = {}
        if self.start_on and self.end_on and self.end_on < self.start_on:
            errors["end_on"] = _("The end date (%(end)s) is before the start date (%(start)s).") % {
                "end": self.end_on.strftime("%d.%m.%Y"),
                "start": self.start_on.strftime("%d.%m.%Y"),
            }
        elif self.start_on:
            errors.update(self.overlap_errors())
        if self.quota_id and self.organization_id:
            if self.quota.organization_id != self.organization_id:
                errors["quota"] = _("The quota belongs to another employer.")
            elif self.person_id and not self.person.belongs_to(self.quota.category.social_category):
                errors["quota"] = _(
                    "The person is not in the category of this quota (%(category)s)."
                ) % {"category": self.quota.category}
        if (
            self.special_workplace_id
            and self.organization_id
            and self.special_workplace.organization_id != self.organization_id
        ):
            errors["special_workplace"] = _("The special workplace belongs to another employer.")
        if errors:
            raise ValidationError(errors)

    def overlap_errors(self):
        errors = {}
        if self.person_id and self.organization_id:
            clash = [
                (start_on, position)
                for start_on, end_on, position in self.placements_alongside()
                if (end_on is None or end_on >= self.start_on)
                and (self.end_on is None or start_on <= self.end_on)
            ]
            if clash:
                start_on, position = min(clash)
                errors["start_on"] = _(
                    "The person already works at this employer from %(start)s (%(position)s)."
                ) % {"start": start_on.strftime("%d.%m.%Y"), "position": position or "—"}
        if self.special_workplace_id:
            taken = (
                Placement.objects.exclude(pk=self.pk)
                .overlapping(self.start_on, self.end_on)
                .filter(special_workplace_id=self.special_workplace_id)
                .first()
            )
            if taken:
                errors["special_workplace"] = _(
                    "The special workplace is occupied by %(person)s from %(start)s."
                ) % {"person": taken.person, "start": taken.start_on.strftime("%d.%m.%Y")}
        return errors

    def placements_alongside(self):
        """(start, end, position) of the person's other placements at the same employer: as a
        batched import knows them (`_alongside`, with the rows of its file before this one),
        or as stored."""
        known = getattr(self, "_alongside", None)
        if known is not None:
            return known
        return (
            Placement.objects.exclude(pk=self.pk)
            .filter(person_id=self.person_id, organization_id=self.organization_id)
            .values_list("start_on", "end_on", "position")
        )


class PersonalDataExport(models.Model):
    """A record that someone exported people's data: who, when, what, with which filters."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="personal_data_exports",
        verbose_name=_("user"),
    )
    exported_at = models.DateTimeField(_("exported at"), default=timezone.now)
    what = models.CharField(_("what"), max_length=64)
    filters = models.TextField(_("filters"), blank=True)
    row_count = models.PositiveIntegerField(_("rows"))
    unmasked = models.BooleanField(
        _("with IIN, birth date and disability"),
        help_text=_("Whether the file held personal data in full or masked."),
    )

    class Meta:
        ordering = ["-exported_at"]
        verbose_name = _("export of personal data")
        verbose_name_plural = _("exports of personal data")
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.user} · {self.what} · {self.exported_at:%d.%m.%Y %H:%M}"
