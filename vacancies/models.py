"""Vacancies and the reference data they stand on: the occupational classifier and skills.

The classifier is НК РК 01-2017 («НКЗ»), built on ISCO-08: four levels of ISCO groups (major,
sub-major, minor, unit) and the national positions under each unit group («4110-9»). Every
row keeps the codes of its minor and unit group, so that matching can compare "same code",
"same unit group" and "same minor group" on plain indexed columns, without walking the tree.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Left
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from config.reference import Reference
from quotas.models import (
    EmploymentMeasure,
    Person,
    Placement,
    Quota,
    QuotaCategory,
    ReferralSource,
    SpecialWorkplace,
    today,
)
from registry.models import (
    DATA_PERMISSIONS,
    District,
    Organization,
    Region,
    RegionalQuerySet,
    StaffProfile,
    history,
)
from registry.search import any_column_holds, fold

# An ISCO group is 1 to 4 digits; a national position is its unit group's 4 digits followed by
# more, with or without hyphens: «4110-9», «41109», «2512-1-003».
OCCUPATION_CODE = r"^\d{1,4}$|^\d{4}-?\d+(-\d+)*$"
occupation_code_validator = RegexValidator(
    OCCUPATION_CODE,
    _(
        "An occupation code is an ISCO-08 group of 1 to 4 digits, or a national position: "
        "its unit group's 4 digits and more, e.g. 4110-9."
    ),
)
skill_code_validator = RegexValidator(
    r"^[\w.\-/]+$", _("A skill code has letters, digits, dots, hyphens or slashes, no spaces.")
)
CODE_LOOKS_LIKE = re.compile(r"^[\d\s\-]+$")


class OccupationLevel(models.TextChoices):
    """Where in the classifier a row stands, by the length of its code."""

    MAJOR = "major", _("major group")
    SUB_MAJOR = "sub_major", _("sub-major group")
    MINOR = "minor", _("minor group")
    UNIT = "unit", _("unit group")
    POSITION = "position", _("national position")

    @classmethod
    def of_code(cls, code):
        digits = len(code or "")
        return {1: cls.MAJOR, 2: cls.SUB_MAJOR, 3: cls.MINOR, 4: cls.UNIT}.get(digits, cls.POSITION)


# The levels in order, and the code length of each ISCO level: a row's parent is its code cut
# to the level above.
LEVELS = list(OccupationLevel)
GROUP_DIGITS = {
    OccupationLevel.MAJOR: 1,
    OccupationLevel.SUB_MAJOR: 2,
    OccupationLevel.MINOR: 3,
    OccupationLevel.UNIT: 4,
}


def parent_code(code):
    """The code of the group a code belongs to: «4110-9» → «4110», «411» → «41», «4» → None."""
    level = OccupationLevel.of_code(code)
    if level == OccupationLevel.MAJOR:
        return None
    if level == OccupationLevel.POSITION:
        return code[:4]
    return code[:-1]


def group_codes(code):
    """The (minor group, unit group) codes a code belongs to; "" where it stands above them."""
    digits = GROUP_DIGITS.get(OccupationLevel.of_code(code), 5)
    return (code[:3] if digits >= 3 else "", code[:4] if digits >= 4 else "")


class Closeness(models.IntegerChoices):
    """How near two occupations are, as matching weighs them: the higher, the nearer."""

    NONE = 0, _("another occupation")
    MINOR_GROUP = 1, _("same minor group")
    UNIT_GROUP = 2, _("same unit group")
    SAME = 3, _("same occupation")


class OccupationQuerySet(models.QuerySet):
    def search(self, term):
        """A code by its beginning («4110» finds the unit group and its positions); names in
        Russian, Kazakh or English by every word typed, in any order and case, with or
        without Kazakh letters."""
        term = (term or "").strip()
        if not term:
            return self
        if CODE_LOOKS_LIKE.match(term):
            return self.filter(code__startswith=term.replace(" ", ""))
        found = self
        for word in fold(term).split():
            found = found.filter(any_column_holds(["name_ru", "name_kk", "title_en"], word))
        return found

    def near(self, code):
        """Occupations in the same minor group as `code`, each annotated with its `closeness`
        to it: one query however many there are, for matching to rank by."""
        minor, unit = group_codes(code)
        if not minor:
            return self.none()
        nearer = [models.When(code=code, then=models.Value(Closeness.SAME))]
        if unit:
            nearer.append(models.When(unit_group=unit, then=models.Value(Closeness.UNIT_GROUP)))
        return self.filter(minor_group=minor).annotate(
            closeness=models.Case(
                *nearer,
                default=models.Value(Closeness.MINOR_GROUP),
                output_field=models.IntegerField(),
            )
        )


class OccupationManager(models.Manager.from_queryset(OccupationQuerySet)):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Occupation(models.Model):
    """A group of ISCO-08 or a national position of the НКЗ under its unit group (reference data).

    The level, the parent and the minor and unit group codes follow from the code, and are set
    from it on save: a row cannot stand under a group its code does not name.
    """

    Level = OccupationLevel

    code = models.CharField(
        _("code"),
        max_length=16,
        unique=True,
        validators=[occupation_code_validator],
        help_text=_(
            "ISCO-08 group (1 to 4 digits) or national position (e.g. 4110-9); the groups "
            "above it follow from the code."
        ),
        error_messages={"unique": _("An occupation with this code is already in the classifier.")},
    )
    # Set from the code on save (blank until then); the level_of_code constraint holds it to it.
    level = models.CharField(_("level"), max_length=16, choices=Level, blank=True, editable=False)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="children",
        verbose_name=_("group"),
    )
    # Matching compares these across tens of thousands of vacancies and seekers: indexed.
    minor_group = models.CharField(
        _("minor group code"), max_length=3, blank=True, editable=False, db_index=True
    )
    unit_group = models.CharField(
        _("unit group code"), max_length=4, blank=True, editable=False, db_index=True
    )
    name_ru = models.CharField(_("name (Russian)"), max_length=500)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=500)
    title_en = models.CharField(_("ISCO-08 title (English)"), max_length=255, blank=True)
    names_checked = models.BooleanField(
        _("names checked against the НКЗ"),
        default=False,
        help_text=_(
            "Set when the Russian and Kazakh names come from the official text of НК РК "
            "01-2017 (loaded from its list); the shipped names are unchecked translations."
        ),
    )
    history = history()

    objects = OccupationManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("occupation")
        verbose_name_plural = _("occupations")
        default_permissions = DATA_PERMISSIONS
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=OCCUPATION_CODE),
                name="%(app_label)s_%(class)s_code_shape",
                violation_error_message=occupation_code_validator.message,
            ),
            models.CheckConstraint(
                condition=(
                    Q(level=OccupationLevel.MAJOR, code__regex=r"^\d$")
                    | Q(level=OccupationLevel.SUB_MAJOR, code__regex=r"^\d{2}$")
                    | Q(level=OccupationLevel.MINOR, code__regex=r"^\d{3}$")
                    | Q(level=OccupationLevel.UNIT, code__regex=r"^\d{4}$")
                    | Q(level=OccupationLevel.POSITION, code__regex=r"^\d{5}|^\d{4}-")
                ),
                name="%(app_label)s_%(class)s_level_of_code",
                violation_error_message=_("The level does not match the length of the code."),
            ),
            models.CheckConstraint(
                condition=Q(level=OccupationLevel.MAJOR, parent__isnull=True)
                | (~Q(level=OccupationLevel.MAJOR) & Q(parent__isnull=False)),
                name="%(app_label)s_%(class)s_parent_below_major",
                violation_error_message=_(
                    "Every occupation but a major group stands under a group."
                ),
            ),
            models.CheckConstraint(
                condition=Q(
                    level__in=[OccupationLevel.MAJOR, OccupationLevel.SUB_MAJOR],
                    minor_group="",
                    unit_group="",
                )
                | Q(level=OccupationLevel.MINOR, minor_group=F("code"), unit_group="")
                | Q(
                    level__in=[OccupationLevel.UNIT, OccupationLevel.POSITION],
                    minor_group=Left("code", 3),
                    unit_group=Left("code", 4),
                ),
                name="%(app_label)s_%(class)s_groups_of_code",
                violation_error_message=_(
                    "The minor and unit group codes are the first 3 and 4 digits of the code."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        self.derive_from_code()
        super().save(*args, **kwargs)

    def natural_key(self):
        return (self.code,)

    @property
    def name(self):
        if get_language() == "kk":
            return self.name_kk or self.name_ru
        return self.name_ru or self.name_kk

    def derive_from_code(self):
        """Level, group codes and parent as the code says (the parent looked up by its code)."""
        self.level = OccupationLevel.of_code(self.code)
        self.minor_group, self.unit_group = group_codes(self.code)
        above = parent_code(self.code)
        if above is None:
            self.parent = None
        elif self.parent is None or self.parent.code != above:
            self.parent = Occupation.objects.filter(code=above).first()

    def clean(self):
        super().clean()
        if not self.code or not re.match(OCCUPATION_CODE, self.code):
            return
        self.derive_from_code()
        above = parent_code(self.code)
        if above is not None and self.parent is None:
            raise ValidationError(
                {
                    "code": _(
                        "The classifier has no group %(group)s for the code %(code)s: load or "
                        "add the group first."
                    )
                    % {"group": above, "code": self.code}
                }
            )

    def closeness(self, other):
        """How near another occupation is to this one: same code, unit group, minor group."""
        if other is None or not self.minor_group or not other.minor_group:
            return Closeness.NONE
        if other.code == self.code:
            return Closeness.SAME
        if self.unit_group and other.unit_group == self.unit_group:
            return Closeness.UNIT_GROUP
        if other.minor_group == self.minor_group:
            return Closeness.MINOR_GROUP
        return Closeness.NONE


class SkillManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Skill(models.Model):
    """A skill from the skills dictionary, linked to the occupations that call for it."""

    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        validators=[skill_code_validator],
        error_messages={"unique": _("A skill with this code is already in the dictionary.")},
    )
    name_ru = models.CharField(_("name (Russian)"), max_length=500)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=500)
    occupations = models.ManyToManyField(
        Occupation, blank=True, related_name="skills", verbose_name=_("occupations")
    )
    history = history(m2m_fields=[occupations])

    objects = SkillManager()

    class Meta:
        ordering = ["name_ru"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        default_permissions = DATA_PERMISSIONS
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[\w.\-/]+$") & ~Q(code=""),
                name="%(app_label)s_%(class)s_code_shape",
                violation_error_message=skill_code_validator.message,
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)

    @property
    def name(self):
        if get_language() == "kk":
            return self.name_kk or self.name_ru
        return self.name_ru or self.name_kk


# ---------------------------------------------------------------------------------------------
# Vacancies, the surveys that find them, job seekers and referrals.


class Language(Reference):
    """A language a vacancy asks for or a job seeker speaks (reference data)."""

    class Meta(Reference.Meta):
        ordering = ["pk"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")


class EducationLevel(models.IntegerChoices):
    """Levels of education in ascending order: a requirement is met by its level or a higher
    one, which is why they are numbers."""

    NONE = 0, _("no formal education")
    SECONDARY = 10, _("general secondary")
    VOCATIONAL = 20, _("technical and vocational")
    POST_SECONDARY = 30, _("post-secondary")
    HIGHER = 40, _("higher")
    POSTGRADUATE = 50, _("postgraduate")


class Schedule(models.TextChoices):
    FULL_TIME = "full_time", _("full time")
    PART_TIME = "part_time", _("part time")
    SHIFTS = "shifts", _("shifts")
    ROTATION = "rotation", _("rotation (вахта)")
    FLEXIBLE = "flexible", _("flexible hours")
    REMOTE = "remote", _("remote")


class NatureOfWork(models.TextChoices):
    PERMANENT = "permanent", _("permanent")
    TEMPORARY = "temporary", _("temporary")
    SEASONAL = "seasonal", _("seasonal")


class VacancySource(models.TextChoices):
    SURVEY = "survey", _("staffing-needs survey")
    EMPLOYER = "employer", _("employer's request")
    EMPLOYMENT_CENTRE = "employment_centre", _("employment centre")
    LABOUR_EXCHANGE = "labour_exchange", _("Electronic Labour Exchange")


class VacancyStatus(models.TextChoices):
    OPEN = "open", _("open")
    PARTLY_FILLED = "partly_filled", _("partly filled")
    FILLED = "filled", _("filled")
    CLOSED = "closed", _("closed")


SALARY = {"max_digits": 12, "decimal_places": 0}
licence_validator = RegexValidator(
    r"^[\sA-Za-z0-9,;/]*$",
    _("Driving licence categories are letters such as B, C, CE, separated by commas."),
)


def licence_categories(text):
    """{"B", "CE"} from «B, CE», «b,ce», «B/CE»: how people write them."""
    return {part.upper() for part in re.split(r"[\s,;/]+", text or "") if part}


def salary_range_constraint():
    return models.CheckConstraint(
        condition=Q(salary_from__isnull=True)
        | Q(salary_to__isnull=True)
        | Q(salary_to__gte=F("salary_from")),
        name="%(app_label)s_%(class)s_salary_range",
        violation_error_message=_("The salary «to» is below the salary «from»."),
    )


def salary_range_errors(salary_from, salary_to):
    if salary_from is not None and salary_to is not None and salary_to < salary_from:
        return {"salary_to": _("The salary «to» is below the salary «from».")}
    return {}


class SurveyCampaignQuerySet(RegionalQuerySet):
    pass


class SurveyCampaign(models.Model):
    """A staffing-needs survey («мониторинг потребности в кадрах») a chamber or an akimat runs
    in a region over a period: employers are asked for their vacancies and planned hires."""

    REGION_LOOKUP = "region"

    title = models.CharField(_("title"), max_length=255)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("region")
    )
    # A survey's own context: "start date" elsewhere is the day a person starts work.
    starts_on = models.DateField(pgettext_lazy("survey", "start date"))
    ends_on = models.DateField(pgettext_lazy("survey", "end date"))
    run_by = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="surveys_run",
        verbose_name=_("run by"),
        help_text=_("The chamber, akimat or centre that runs the survey."),
    )
    notes = models.TextField(_("notes"), blank=True)
    history = history()

    objects = SurveyCampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "title"]
        verbose_name = _("staffing-needs survey")
        verbose_name_plural = _("staffing-needs surveys")
        default_permissions = DATA_PERMISSIONS
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="%(app_label)s_%(class)s_ends_after_start",
                violation_error_message=_("A survey cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.starts_on:%m.%Y})"

    def clean(self):
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("A survey cannot end before it starts.")})


class SurveyResponse(models.Model):
    """One organization's answer to a survey: its headcount, training needs and, in its lines,
    vacancies now and hires planned by occupation."""

    REGION_LOOKUP = "campaign__region"

    campaign = models.ForeignKey(
        SurveyCampaign,
        on_delete=models.CASCADE,
        related_name="responses",
        verbose_name=_("survey"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="survey_responses",
        verbose_name=_("organization"),
    )
    answered_on = models.DateField(_("answered on"))
    respondent = models.CharField(
        _("respondent"), max_length=255, blank=True, help_text=_("Name and position.")
    )
    headcount = models.PositiveIntegerField(_("list headcount"), null=True, blank=True)
    training_needs = models.TextField(_("training needs"), blank=True)
    history = history()

    objects = RegionalQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "organization__name_ru"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        default_permissions = DATA_PERMISSIONS
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organization"],
                name="%(app_label)s_%(class)s_one_per_organization",
                violation_error_message=_("The organization has already answered this survey."),
            ),
        ]

    def __str__(self):
        return f"{self.organization.display_name} — {self.campaign.title}"


class SurveyLine(models.Model):
    """One occupation in a survey response: places vacant now and hires planned for the next
    12 months, with the pay and requirements the employer gave. Vacant places go into the
    vacancy register (`Vacancy.survey_line`)."""

    REGION_LOOKUP = "response__campaign__region"

    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="lines", verbose_name=_("response")
    )
    occupation = models.ForeignKey(
        Occupation,
        on_delete=models.PROTECT,
        related_name="survey_lines",
        verbose_name=_("occupation"),
    )
    clarification = models.CharField(
        _("position as the employer names it"), max_length=255, blank=True
    )
    vacant_places = models.PositiveIntegerField(_("vacant places now"), default=0)
    planned_hires = models.PositiveIntegerField(_("hires planned for 12 months"), default=0)
    salary_from = models.DecimalField(_("salary from, KZT"), null=True, blank=True, **SALARY)
    salary_to = models.DecimalField(_("salary to, KZT"), null=True, blank=True, **SALARY)
    education = models.PositiveSmallIntegerField(
        _("education required"), choices=EducationLevel, null=True, blank=True
    )
    experience_years = models.PositiveSmallIntegerField(
        _("years of experience required"), default=0
    )
    requirements = models.TextField(_("other requirements"), blank=True)
    history = history()

    objects = RegionalQuerySet.as_manager()

    class Meta:
        ordering = ["response", "occupation__code"]
        verbose_name = _("survey line")
        verbose_name_plural = _("survey lines")
        default_permissions = DATA_PERMISSIONS
        constraints = [
            salary_range_constraint(),
            models.CheckConstraint(
                condition=Q(vacant_places__gt=0) | Q(planned_hires__gt=0),
                name="%(app_label)s_%(class)s_says_something",
                violation_error_message=_("A line gives vacant places now or planned hires."),
            ),
            models.UniqueConstraint(
                fields=["response", "occupation", "clarification"],
                name="%(app_label)s_%(class)s_one_per_position",
                violation_error_message=_("This position is already in the response."),
            ),
        ]

    def __str__(self):
        return f"{self.occupation} — {self.response.organization.display_name}"

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            self.publish()

    def clean(self):
        super().clean()
        errors = salary_range_errors(self.salary_from, self.salary_to)
        if not self.vacant_places and not self.planned_hires:
            errors["vacant_places"] = _("A line gives vacant places now or planned hires.")
        if errors:
            raise ValidationError(errors)

    def publish(self):
        """Put the line's vacant places into the vacancy register, with the survey as their
        source; a later answer updates the vacancy's terms. Places already filled are kept:
        a vacancy is never offered for fewer places than it has filled."""
        try:
            vacancy = self.vacancy
        except Vacancy.DoesNotExist:
            if not self.vacant_places:
                return None
            organization = self.response.organization
            vacancy = Vacancy(
                survey_line=self,
                source=VacancySource.SURVEY,
                organization=organization,
                region_id=organization.region_id,
                district_id=organization.district_id,
                opened_on=self.response.answered_on,
            )
        vacancy.occupation_id = self.occupation_id
        vacancy.clarification = self.clarification
        vacancy.places = max(self.vacant_places, vacancy.filled_places, 1)
        vacancy.salary_from, vacancy.salary_to = self.salary_from, self.salary_to
        vacancy.education = self.education
        vacancy.experience_years = self.experience_years
        # An import names its user and file on the line; the vacancy's history says the same.
        for attribute in ("_history_user", "_change_reason"):
            if hasattr(self, attribute):
                setattr(vacancy, attribute, getattr(self, attribute))
        vacancy.save()
        return vacancy


class VacancyQuerySet(RegionalQuerySet):
    def open(self):
        return self.filter(status__in=[VacancyStatus.OPEN, VacancyStatus.PARTLY_FILLED])

    def search(self, term):
        """Words of the position, its clarification or the employer's name, in any order."""
        term = (term or "").strip()
        if not term:
            return self
        found = self
        for word in fold(term).split():
            found = found.filter(
                any_column_holds(
                    [
                        "clarification",
                        "occupation__name_ru",
                        "occupation__name_kk",
                        "organization__search_text",
                    ],
                    word,
                )
                | Q(occupation__code__startswith=word)
            )
        return found


class Vacancy(models.Model):
    """A vacant position at an employer, with how many places it offers, how many of them are
    reserved for quota categories, and what it asks of a candidate."""

    REGION_LOOKUP = "region"
    Status = VacancyStatus
    Source = VacancySource

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="vacancies", verbose_name=_("employer")
    )
    occupation = models.ForeignKey(
        Occupation,
        on_delete=models.PROTECT,
        related_name="vacancies",
        verbose_name=_("occupation"),
        help_text=_("The position's code in the national classifier (НКЗ)."),
    )
    clarification = models.CharField(
        _("position as the employer names it"), max_length=255, blank=True
    )
    places = models.PositiveIntegerField(_("places"), default=1)
    filled_places = models.PositiveIntegerField(
        _("places filled"),
        default=0,
        help_text=_("Counted from hires recorded on referrals; may be corrected by hand."),
    )
    quota = models.ForeignKey(
        Quota,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="vacancies",
        verbose_name=_("quota it offers"),
    )
    special_workplace = models.ForeignKey(
        SpecialWorkplace,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="vacancies",
        verbose_name=_("special workplace it offers"),
    )
    salary_from = models.DecimalField(_("salary from, KZT"), null=True, blank=True, **SALARY)
    salary_to = models.DecimalField(_("salary to, KZT"), null=True, blank=True, **SALARY)
    schedule = models.CharField(
        _("schedule"), max_length=16, choices=Schedule, default=Schedule.FULL_TIME
    )
    nature = models.CharField(
        _("nature of work"), max_length=16, choices=NatureOfWork, default=NatureOfWork.PERMANENT
    )
    # The region is the employer's unless the place of work is elsewhere (a branch, a rotation
    # site): it decides who sees the vacancy and how near a seeker is.
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        blank=True,
        related_name="vacancies",
        verbose_name=_("region"),
        help_text=_("Left empty: the employer's region."),
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vacancies",
        verbose_name=_("district"),
    )
    settlement = models.CharField(_("settlement"), max_length=255, blank=True)
    education = models.PositiveSmallIntegerField(
        _("education required"), choices=EducationLevel, null=True, blank=True
    )
    experience_years = models.PositiveSmallIntegerField(
        _("years of experience required"), default=0
    )
    required_skills = models.ManyToManyField(
        Skill,
        blank=True,
        related_name="required_by",
        verbose_name=_("must-have skills"),
    )
    desired_skills = models.ManyToManyField(
        Skill,
        blank=True,
        related_name="desired_by",
        verbose_name=_("nice-to-have skills"),
    )
    languages = models.ManyToManyField(
        Language, blank=True, related_name="vacancies", verbose_name=_("languages required")
    )
    driving_licence = models.CharField(
        _("driving licence categories required"),
        max_length=32,
        blank=True,
        validators=[licence_validator],
    )
    duties = models.TextField(_("duties"), blank=True)
    source = models.CharField(
        _("source"), max_length=24, choices=VacancySource, default=VacancySource.EMPLOYER
    )
    survey_line = models.OneToOneField(
        SurveyLine,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="vacancy",
        verbose_name=_("survey line"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=VacancyStatus, default=VacancyStatus.OPEN
    )
    opened_on = models.DateField(_("opened on"), default=today)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    history = history(m2m_fields=[required_skills, desired_skills, languages])

    objects = VacancyQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "pk"]
        verbose_name = _("vacancy")
        verbose_name_plural = _("vacancies")
        default_permissions = DATA_PERMISSIONS
        indexes = [models.Index(fields=["region", "status"], name="vacancies_vacancy_open")]
        constraints = [
            salary_range_constraint(),
            models.CheckConstraint(
                condition=Q(places__gt=0),
                name="%(app_label)s_%(class)s_has_places",
                violation_error_message=_("A vacancy offers at least one place."),
            ),
            models.CheckConstraint(
                condition=Q(filled_places__lte=F("places")),
                name="%(app_label)s_%(class)s_not_overfilled",
                violation_error_message=_("More places are filled than the vacancy offers."),
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="%(app_label)s_%(class)s_closes_after_opening",
                violation_error_message=_("A vacancy cannot close before it opens."),
            ),
            models.CheckConstraint(
                condition=~Q(source=VacancySource.SURVEY) | Q(survey_line__isnull=False),
                name="%(app_label)s_%(class)s_survey_has_line",
                violation_error_message=_("A vacancy from a survey names the survey's line."),
            ),
        ]

    def __str__(self):
        return f"{self.position} — {self.organization.display_name}"

    def save(self, *args, **kwargs):
        if not self.region_id and self.organization_id:
            self.region_id = self.organization.region_id
        self.refresh_status()
        super().save(*args, **kwargs)

    @property
    def position(self):
        return self.clarification or self.occupation.name

    @property
    def free_places(self):
        return max(self.places - self.filled_places, 0)

    def refresh_status(self):
        """Open, partly filled or filled as the filled places say; a closed vacancy stays
        closed until reopened by hand."""
        if self.status == VacancyStatus.CLOSED:
            self.closed_on = self.closed_on or today()
            return
        self.closed_on = None
        if self.filled_places >= self.places:
            self.status = VacancyStatus.FILLED
        elif self.filled_places:
            self.status = VacancyStatus.PARTLY_FILLED
        else:
            self.status = VacancyStatus.OPEN

    def clean(self):
        super().clean()
        errors = salary_range_errors(self.salary_from, self.salary_to)
        if None not in (self.places, self.filled_places) and self.filled_places > self.places:
            errors["filled_places"] = _("More places are filled than the vacancy offers.")
        if self.organization_id:
            if self.quota_id and self.quota.organization_id != self.organization_id:
                errors["quota"] = _("The quota belongs to another employer.")
            if (
                self.special_workplace_id
                and self.special_workplace.organization_id != self.organization_id
            ):
                errors["special_workplace"] = _(
                    "The special workplace belongs to another employer."
                )
            if not self.region_id:
                self.region_id = self.organization.region_id
        if self.district_id and self.region_id and self.district.region_id != self.region_id:
            errors["district"] = _("The district is not in the vacancy's region.")
        if self.closed_on and self.opened_on and self.closed_on < self.opened_on:
            errors["closed_on"] = _("A vacancy cannot close before it opens.")
        if errors:
            raise ValidationError(errors)


class Reservation(models.Model):
    """Places of a vacancy reserved for a quota category (people with disabilities, youth
    without parental care, ...): a seeker of that category gets them first."""

    vacancy = models.ForeignKey(
        Vacancy, on_delete=models.CASCADE, related_name="reservations", verbose_name=_("vacancy")
    )
    category = models.ForeignKey(
        QuotaCategory,
        on_delete=models.PROTECT,
        related_name="reservations",
        verbose_name=_("quota category"),
    )
    places = models.PositiveIntegerField(_("places reserved"))
    history = history()

    class Meta:
        ordering = ["vacancy", "category"]
        verbose_name = _("reserved places")
        verbose_name_plural = _("reserved places")
        default_permissions = DATA_PERMISSIONS
        constraints = [
            models.CheckConstraint(
                condition=Q(places__gt=0),
                name="%(app_label)s_%(class)s_has_places",
                violation_error_message=_("Reserve at least one place."),
            ),
            models.UniqueConstraint(
                fields=["vacancy", "category"],
                name="%(app_label)s_%(class)s_one_per_category",
                violation_error_message=_("Places for this category are already reserved."),
            ),
        ]

    def __str__(self):
        return f"{self.category}: {self.places}"


class SeekerRegistration(models.TextChoices):
    EMPLOYMENT_CENTRE = "employment_centre", _("employment centre")
    PRIVATE_AGENCY = "private_agency", _("private employment agency")
    SUPPORT_CENTRE = "support_centre", _("entrepreneurs' support centre")


# Who a placement says referred the person, by where the seeker registered.
REFERRAL_SOURCE = {
    SeekerRegistration.EMPLOYMENT_CENTRE: ReferralSource.EMPLOYMENT_CENTRE,
    SeekerRegistration.PRIVATE_AGENCY: ReferralSource.PRIVATE_AGENCY,
    SeekerRegistration.SUPPORT_CENTRE: ReferralSource.CHAMBER,
}


class SeekerStatus(models.TextChoices):
    ACTIVE = "active", _("looking for work")
    PLACED = "placed", _("placed")
    WITHDRAWN = "withdrawn", _("withdrawn")


class JobSeekerQuerySet(RegionalQuerySet):
    def visible_to(self, user):
        """A seeker is seen in the region they live in and in every region they would move to
        for work: staff there look for people for their vacancies."""
        region_ids = StaffProfile.region_ids_of(user)
        if region_ids is None:
            return self
        inside = JobSeeker._base_manager.filter(
            Q(person__region__in=region_ids) | Q(regions__in=region_ids)
        ).values("pk")
        return self.filter(pk__in=inside)

    def active(self):
        return self.filter(status=SeekerStatus.ACTIVE)

    def unjudged(self):
        """Seekers with neither a position wanted nor experience: nothing to match them on."""
        wanted = JobSeeker.occupations.through.objects.filter(jobseeker_id=OuterRef("pk"))
        worked = Experience.objects.filter(seeker_id=OuterRef("pk"))
        return self.exclude(Exists(wanted)).exclude(Exists(worked))


class JobSeeker(models.Model):
    """A person looking for work: what they want (positions, places, pay, hours) kept apart
    from what they offer (education, experience, skills, languages). Identity, social
    categories and disability group are the person's."""

    REGION_LOOKUP = "person__region"
    Status = SeekerStatus

    person = models.OneToOneField(
        Person, on_delete=models.PROTECT, related_name="job_seeker", verbose_name=_("person")
    )
    registered_at = models.CharField(
        _("registered at"),
        max_length=24,
        choices=SeekerRegistration,
        default=SeekerRegistration.EMPLOYMENT_CENTRE,
    )
    agency = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="job_seekers",
        verbose_name=_("centre or agency"),
    )
    registered_on = models.DateField(_("registered on"), default=today)
    status = models.CharField(
        _("status"), max_length=16, choices=SeekerStatus, default=SeekerStatus.ACTIVE
    )
    # Wants.
    occupations = models.ManyToManyField(
        Occupation,
        blank=True,
        related_name="wanted_by",
        verbose_name=_("positions wanted"),
    )
    districts = models.ManyToManyField(
        District,
        blank=True,
        related_name="job_seekers",
        verbose_name=_("districts they would work in"),
        help_text=_("Empty: anywhere in the regions they would work in."),
    )
    regions = models.ManyToManyField(
        Region,
        blank=True,
        related_name="job_seekers",
        verbose_name=_("other regions they would move to"),
        help_text=_(
            "The person's own region is always included; a region named here shows the seeker "
            "to that region's staff."
        ),
    )
    salary_expected = models.DecimalField(
        _("salary expected, KZT"), null=True, blank=True, **SALARY
    )
    schedule = models.CharField(
        _("schedule wanted"),
        max_length=16,
        choices=Schedule,
        blank=True,
        help_text=_("Empty: any."),
    )
    # Offers.
    education = models.PositiveSmallIntegerField(
        _("education"), choices=EducationLevel, null=True, blank=True
    )
    skills = models.ManyToManyField(
        Skill, blank=True, related_name="job_seekers", verbose_name=_("skills")
    )
    languages = models.ManyToManyField(
        Language, blank=True, related_name="job_seekers", verbose_name=_("languages")
    )
    driving_licence = models.CharField(
        _("driving licence categories"), max_length=32, blank=True, validators=[licence_validator]
    )
    notes = models.TextField(_("notes"), blank=True)
    history = history(m2m_fields=[occupations, districts, regions, skills, languages])

    objects = JobSeekerQuerySet.as_manager()

    class Meta:
        ordering = ["-registered_on", "pk"]
        verbose_name = _("job seeker")
        verbose_name_plural = _("job seekers")
        default_permissions = DATA_PERMISSIONS

    def __str__(self):
        return str(self.person.choice_label)


class Experience(models.Model):
    """Years a job seeker has worked in an occupation."""

    seeker = models.ForeignKey(
        JobSeeker, on_delete=models.CASCADE, related_name="experience", verbose_name=_("job seeker")
    )
    occupation = models.ForeignKey(
        Occupation,
        on_delete=models.PROTECT,
        related_name="experience",
        verbose_name=_("occupation"),
    )
    years = models.PositiveSmallIntegerField(_("years"))
    history = history()

    class Meta:
        ordering = ["seeker", "-years"]
        verbose_name = _("experience")
        verbose_name_plural = _("experience")
        default_permissions = DATA_PERMISSIONS
        constraints = [
            models.UniqueConstraint(
                fields=["seeker", "occupation"],
                name="%(app_label)s_%(class)s_one_per_occupation",
                violation_error_message=_("Experience in this occupation is already given."),
            ),
        ]

    def __str__(self):
        return f"{self.occupation}: {self.years}"


# The employment measure a hire on a vacancy is placed under (reference data, by its code).
VACANCY_MEASURE = "vacancy"


class ReferralOutcome(models.TextChoices):
    PENDING = "pending", _("awaiting an answer")
    HIRED = "hired", _("hired or enrolled")
    REFUSED_BY_EMPLOYER = "refused_by_employer", _("refused by the employer")
    REFUSED_BY_SEEKER = "refused_by_seeker", _("refused by the seeker")
    DID_NOT_COME = "did_not_come", _("did not come")


class ReferralQuerySet(RegionalQuerySet):
    def visible_to(self, user):
        """A referral is seen where its seeker is seen or where its vacancy is."""
        region_ids = StaffProfile.region_ids_of(user)
        if region_ids is None:
            return self
        return self.filter(
            Q(seeker__in=JobSeeker.objects.visible_to(user)) | Q(vacancy__region__in=region_ids)
        )


class Referral(models.Model):
    """A job seeker sent to a vacancy, or to a short course when no vacancy suits, and what
    came of it. A hire becomes a placement, which the quota sheet and reports count."""

    REGION_LOOKUP = "seeker__person__region"
    Outcome = ReferralOutcome

    seeker = models.ForeignKey(
        JobSeeker, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("job seeker")
    )
    vacancy = models.ForeignKey(
        Vacancy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("vacancy"),
    )
    # A short course instead of a vacancy: the measure and who teaches it.
    course = models.ForeignKey(
        EmploymentMeasure,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("course"),
    )
    provider = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="course_referrals",
        verbose_name=_("course provider"),
    )
    referred_on = models.DateField(_("referred on"), default=today)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("referred by"),
    )
    outcome = models.CharField(
        _("outcome"), max_length=24, choices=ReferralOutcome, default=ReferralOutcome.PENDING
    )
    outcome_on = models.DateField(_("outcome date"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    placement = models.OneToOneField(
        Placement,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="vacancy_referral",
        verbose_name=_("placement"),
    )
    history = history()

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-referred_on", "pk"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        default_permissions = DATA_PERMISSIONS
        constraints = [
            models.CheckConstraint(
                condition=(Q(vacancy__isnull=False) & Q(course__isnull=True))
                | (Q(vacancy__isnull=True) & Q(course__isnull=False) & Q(provider__isnull=False)),
                name="%(app_label)s_%(class)s_vacancy_or_course",
                violation_error_message=_(
                    "A referral is to a vacancy, or to a course with its provider."
                ),
            ),
            models.UniqueConstraint(
                fields=["seeker", "vacancy"],
                condition=Q(vacancy__isnull=False),
                name="%(app_label)s_%(class)s_once_per_vacancy",
                violation_error_message=_("The seeker has already been referred to this vacancy."),
            ),
            models.CheckConstraint(
                condition=Q(outcome=ReferralOutcome.PENDING) | Q(outcome_on__isnull=False),
                name="%(app_label)s_%(class)s_outcome_dated",
                violation_error_message=_("Give the date of the outcome."),
            ),
            models.CheckConstraint(
                condition=Q(outcome_on__isnull=True) | Q(outcome_on__gte=F("referred_on")),
                name="%(app_label)s_%(class)s_outcome_after_referral",
                violation_error_message=_("The outcome cannot come before the referral."),
            ),
        ]

    def __str__(self):
        target = self.vacancy if self.vacancy_id else self.course
        return f"{self.seeker} → {target}"

    def clean(self):
        super().clean()
        errors = {}
        if self.vacancy_id and self.course_id:
            errors["course"] = _("A referral is to a vacancy or to a course, not both.")
        elif not self.vacancy_id and not self.course_id:
            errors["vacancy"] = _("Choose a vacancy, or a course when no vacancy suits.")
        elif self.course_id and not self.provider_id:
            errors["provider"] = _("Name who teaches the course.")
        if self._state.adding and self.seeker_id:
            if self.seeker.status != SeekerStatus.ACTIVE:
                errors["seeker"] = _("The seeker is not looking for work (%(status)s).") % {
                    "status": self.seeker.get_status_display()
                }
            if self.vacancy_id and not self.vacancy.free_places:
                errors["vacancy"] = _("The vacancy has no free places (%(status)s).") % {
                    "status": self.vacancy.get_status_display()
                }
        if self.outcome != ReferralOutcome.PENDING and not self.outcome_on:
            errors["outcome_on"] = _("Give the date of the outcome.")
        if self.outcome_on and self.referred_on and self.outcome_on < self.referred_on:
            errors["outcome_on"] = _("The outcome cannot come before the referral.")
        if self.outcome == ReferralOutcome.REFUSED_BY_EMPLOYER and not self.reason.strip():
            errors["reason"] = _("Give the employer's reason for refusing.")
        if errors:
            raise ValidationError(errors)

    def record_outcome(self, outcome, on, reason="", position=""):
        """Record what came of the referral. A hire makes the placement (measure "vacancy",
        against the employer's quota when the seeker is in a category the vacancy reserved
        places or offers a quota for), fills a place of the vacancy and marks the seeker
        placed; an enrolment on a course makes a placement under the course's measure.

        A hire is final here: to undo it, end or delete the placement. Raises ValidationError
        with the reason, and changes nothing, when the outcome cannot be recorded."""
        if self.placement_id:
            raise ValidationError(
                _("The hire is recorded and made a placement: end or correct the placement.")
            )
        self.outcome, self.outcome_on, self.reason = outcome, on, reason
        self.full_clean(exclude=["seeker", "vacancy"])
        with transaction.atomic():
            if outcome == ReferralOutcome.HIRED:
                self.placement = self.make_placement(on, position)
                if self.vacancy_id:
                    vacancy = Vacancy.objects.select_for_update().get(pk=self.vacancy_id)
                    if not vacancy.free_places:
                        raise ValidationError(_("The vacancy has no free places left."))
                    vacancy.filled_places += 1
                    vacancy.save()
                    self.vacancy = vacancy
                    JobSeeker.objects.filter(pk=self.seeker_id).update(status=SeekerStatus.PLACED)
                    self.seeker.status = SeekerStatus.PLACED
            self.save()
        return self.placement

    def make_placement(self, on, position=""):
        person = self.seeker.person
        if self.vacancy_id:
            vacancy = self.vacancy
            placement = Placement(
                person=person,
                organization_id=vacancy.organization_id,
                measure=EmploymentMeasure.objects.get(code=VACANCY_MEASURE),
                position=position or vacancy.position,
                start_on=on,
                quota=self.quota_filled(on),
                salary=vacancy.salary_from,
            )
            if vacancy.special_workplace_id and person.disability_group:
                placement.special_workplace_id = vacancy.special_workplace_id
        else:
            placement = Placement(
                person=person,
                organization_id=self.provider_id,
                measure_id=self.course_id,
                position=position or str(self.course),
                start_on=on,
            )
        placement.referral = REFERRAL_SOURCE.get(
            self.seeker.registered_at, ReferralSource.EMPLOYMENT_CENTRE
        )
        placement.full_clean()
        placement.save()
        return placement

    def quota_filled(self, on):
        """The employer's quota of the hire's year that the hire counts toward: the vacancy's
        own quota, or one of a category the vacancy reserved places for; only if the person is
        in its category."""
        person, vacancy = self.seeker.person, self.vacancy
        candidates = []
        if vacancy.quota_id:
            candidates.append(vacancy.quota)
        reserved = vacancy.reservations.values_list("category", flat=True)
        candidates += Quota.objects.filter(
            organization_id=vacancy.organization_id, year=on.year, category__in=reserved
        ).select_related("category__social_category")
        for quota in candidates:
            if quota.year == on.year and person.belongs_to(quota.category.social_category):
                return quota
        return None
