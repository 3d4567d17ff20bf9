"""Vacancies and the reference data they stand on: the occupational classifier and skills.

The classifier is НК РК 01-2017 («НКЗ»), built on ISCO-08: four levels of ISCO groups (major,
sub-major, minor, unit) and the national positions under each unit group («4110-9»). Every
row keeps the codes of its minor and unit group, so that matching can compare "same code",
"same unit group" and "same minor group" on plain indexed columns, without walking the tree.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Left
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from registry.models import DATA_PERMISSIONS, history
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
