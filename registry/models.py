"""The organization registry and the reference data it stands on."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from config.reference import (
    DATA_PERMISSIONS,
    Reference,
    ReferenceManager,
    history,
    large_table_history,
)

from .search import LegalFormWords, every_word_in, organization_texts
from .validators import IdentifierConstraint, validate_bin

kato_validator = RegexValidator(r"^\d{9}$", _("A KATO code is 9 digits."))
phone_validator = RegexValidator(
    r"^[\d\s()+\-,;]*$", _("A phone number has digits, spaces, +, -, brackets; commas between.")
)
oked_validator = RegexValidator(
    r"^\d{2}(\.\d{1,2}(\.\d)?)?$", _("An OKED code looks like 10, 10.5, 10.51 or 10.51.0.")
)

_QUOTES = re.compile(r"[«»\"“”„'`‘’]")
_SPACES = re.compile(r"\s+")


def normalize_for_search(text):
    """Fold a cell or header of a spreadsheet so that it matches regardless of case, ё/е,
    quotes and spacing. Searches fold more (Kazakh letters, punctuation): `registry.search`."""
    folded = _QUOTES.sub(" ", (text or "").casefold()).replace("ё", "е")
    return _SPACES.sub(" ", folded).strip()


class RegionQuerySet(models.QuerySet):
    def worked_in_by(self, user):
        """The regions a user works in, offered wherever a region is chosen or filtered on: all
        of them for national staff and superusers, none for a user without a staff profile."""
        region_ids = StaffProfile.region_ids_of(user)
        return self if region_ids is None else self.filter(pk__in=region_ids)


class DistrictQuerySet(models.QuerySet):
    def worked_in_by(self, user):
        """The districts of the regions a user works in."""
        return self.filter(region__in=Region.objects.worked_in_by(user))


class Region(Reference):
    """A top-level administrative unit: one of the regions or cities of republican significance."""

    CODE_FIELD = "kato"

    code = None
    kato = models.CharField(_("KATO code"), max_length=9, unique=True, validators=[kato_validator])

    objects = ReferenceManager.from_queryset(RegionQuerySet)()

    class Meta(Reference.Meta):
        verbose_name = _("region")
        verbose_name_plural = _("regions")


class District(Reference):
    """A district (аудан) or city of regional significance inside a region."""

    class Kind(models.TextChoices):
        DISTRICT = "district", _("district")
        CITY = "city", _("city of regional significance")

    CODE_FIELD = "kato"

    code = None
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="districts", verbose_name=_("region")
    )
    kato = models.CharField(_("KATO code"), max_length=9, unique=True, validators=[kato_validator])
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.DISTRICT)

    objects = ReferenceManager.from_queryset(DistrictQuerySet)()

    class Meta(Reference.Meta):
        ordering = ["region__name_ru", "name_ru"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def natural_key(self):
        return super().natural_key()

    natural_key.dependencies = ["registry.region"]

    def clean(self):
        super().clean()
        if self.region_id and self.kato and not self.kato.startswith(self.region.kato[:2]):
            raise ValidationError(
                {
                    "kato": _("A district's KATO code starts with its region's two digits (%(p)s).")
                    % {"p": self.region.kato[:2]}
                }
            )


class LegalFormManager(ReferenceManager):
    def words(self):
        """The legal forms' names and abbreviations as searches fold them (one query)."""
        return LegalFormWords(self.values_list("abbr_ru", "abbr_kk", "name_ru", "name_kk"))


class LegalForm(Reference):
    """An organizational and legal form (ТОО / ЖШС, АО / АҚ, ...)."""

    code = models.SlugField(_("code"), max_length=16, unique=True)
    abbr_ru = models.CharField(_("abbreviation (Russian)"), max_length=16)
    abbr_kk = models.CharField(_("abbreviation (Kazakh)"), max_length=16)

    objects = LegalFormManager()

    class Meta(Reference.Meta):
        ordering = ["abbr_ru"]
        verbose_name = _("legal form")
        verbose_name_plural = _("legal forms")

    def __str__(self):
        return f"{self.abbreviation} — {self.name}"

    @property
    def abbreviation(self):
        return self.abbr_kk if get_language() == "kk" else self.abbr_ru


class OrganizationKind(Reference):
    """What an organization is to the employment system: employer, akimat, employment centre..."""

    class Meta(Reference.Meta):
        verbose_name = _("organization kind")
        verbose_name_plural = _("organization kinds")


class OkedSectionManager(ReferenceManager):
    def for_oked(self, oked, sections=None):
        """The section whose divisions include the first two digits of an OKED code.

        A bulk import passes `sections` (from `by_division`) once, rather than a query per row.
        """
        if not oked or not oked[:2].isdigit():
            return None
        division = int(oked[:2])
        if sections is not None:
            return sections.get(division)
        return self.filter(first_division__lte=division, last_division__gte=division).first()

    def by_division(self):
        """Every section by each of its divisions (01–99): a lookup table for many rows."""
        return {
            division: section
            for section in self.all()
            for division in range(section.first_division, section.last_division + 1)
        }


class OkedSection(Reference):
    """A section (A–U) of the general classifier of economic activities, with its divisions."""

    code = models.CharField(_("code"), max_length=1, unique=True)
    first_division = models.PositiveSmallIntegerField(_("first division"))
    last_division = models.PositiveSmallIntegerField(_("last division"))

    objects = OkedSectionManager()

    class Meta(Reference.Meta):
        ordering = ["code"]
        verbose_name = _("OKED section")
        verbose_name_plural = _("OKED sections")
        constraints = [
            models.CheckConstraint(
                condition=Q(first_division__lte=models.F("last_division")),
                name="%(app_label)s_%(class)s_division_range",
                violation_error_message=_("The first division cannot follow the last one."),
            ),
        ]

    def __str__(self):
        return f"{self.code} — {self.name}"


class RegionalQuerySet(models.QuerySet):
    """Rows of a model that belongs to regions: the one place that decides who sees which.

    A model says where its region is with REGION_LOOKUP, a path that may cross many-valued
    relations (a memorandum belongs to the regions of all its parties). Every path that reads
    stored records for a user goes through `visible_to`: pages, filters and their choices,
    autocompletes, exports, reports and an import's lookup of the records it will change.
    """

    def visible_to(self, user):
        region_ids = StaffProfile.region_ids_of(user)
        if region_ids is None:
            return self
        lookup = self.model.REGION_LOOKUP
        inside = self.model._base_manager.filter(**{f"{lookup}__in": region_ids}).values("pk")
        return self.filter(pk__in=inside)


# Found organizations in the list's order, by an expression no index serves (sort_name is
# folded already: lower() changes nothing else). The words people search for are mostly the
# first of the name, which is what sort_name starts with: walking the sorting index to the
# first matches would read every name before them (a third of a second at 100,000 rows for
# a name late in the alphabet). The matches are read from the trigram index and sorted.
SEARCH_ORDERING = [Lower("sort_name"), "bin"]


class OrganizationQuerySet(RegionalQuerySet):
    def search(self, term):
        """BIN by exact value or prefix; names in either language by every word typed, in any
        order, any case, with or without Kazakh letters, the legal form in either language."""
        term = (term or "").strip()
        if not term:
            return self
        digits = term.replace(" ", "")
        if digits.isdigit():
            return self.filter(Q(bin__startswith=digits) | Q(search_text__contains=digits))
        words = LegalForm.objects.words().normalize(term).split()
        if not words:
            return self
        return self.filter(every_word_in("search_text", words)).order_by(*SEARCH_ORDERING)


class SizeClass(models.TextChoices):
    """Enterprise size by the Entrepreneurial Code, Art. 24."""

    MICRO = "micro", _("micro")
    SMALL = "small", _("small")
    MEDIUM = "medium", _("medium")
    LARGE = "large", _("large")

    @classmethod
    def by_headcount(cls, headcount):
        """The size class by headcount alone; income can move an enterprise up a class."""
        if headcount <= 15:
            return cls.MICRO
        if headcount <= 100:
            return cls.SMALL
        if headcount <= 250:
            return cls.MEDIUM
        return cls.LARGE


class OrganizationStatus(models.TextChoices):
    # In context: Django's own "active" labels a user account, and must stay apart.
    ACTIVE = "active", pgettext_lazy("organization status", "active")
    LIQUIDATED = "liquidated", _("liquidated")


class Organization(models.Model):
    """A registered legal entity, identified by its BIN: employer, akimat, centre, NGO, college."""

    SizeClass = SizeClass
    Status = OrganizationStatus
    REGION_LOOKUP = "region"

    bin = models.CharField(
        _("BIN"),
        max_length=12,
        unique=True,
        validators=[validate_bin],
        help_text=_("Business identification number: 12 digits, the last one a check digit."),
        error_messages={"unique": _("An organization with this BIN is already registered.")},
    )
    name_ru = models.CharField(_("full name (Russian)"), max_length=500, blank=True)
    name_kk = models.CharField(_("full name (Kazakh)"), max_length=500, blank=True)
    short_name = models.CharField(_("short name"), max_length=255, blank=True)
    legal_form = models.ForeignKey(
        LegalForm,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("legal form"),
    )
    kind = models.ForeignKey(
        OrganizationKind,
        on_delete=models.PROTECT,
        related_name="organizations",
        verbose_name=_("kind"),
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="organizations", verbose_name=_("region")
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("district"),
    )
    settlement = models.CharField(_("settlement"), max_length=255, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    oked = models.CharField(_("OKED code"), max_length=10, blank=True, validators=[oked_validator])
    oked_section = models.ForeignKey(
        OkedSection,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="organizations",
        verbose_name=_("industry (OKED section)"),
    )
    size_class = models.CharField(_("size"), max_length=16, choices=SizeClass, blank=True)
    size_class_by_hand = models.BooleanField(
        _("size set by hand"),
        default=False,
        help_text=_(
            "Keep the size as chosen (income can put an enterprise in a larger class); "
            "otherwise it follows the list headcount."
        ),
    )
    headcount = models.PositiveIntegerField(_("list headcount"), null=True, blank=True)
    headcount_date = models.DateField(_("headcount as of"), null=True, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=64, blank=True, validators=[phone_validator])
    email = models.EmailField(_("e-mail"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.ACTIVE)
    liquidated_on = models.DateField(_("liquidated on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    search_text = models.TextField(_("search text"), editable=False, default="")
    # The name folded, without its legal form: what lists sort by («АО «Береке»» among the Б).
    sort_name = models.CharField(_("name for sorting"), max_length=500, editable=False, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = large_table_history("bin", "legal_form", "kind", "region", "district", "oked_section")

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["sort_name", "bin"]
        # The changelist's default order: the first page is read from the index, not a sort.
        indexes = [models.Index(fields=["sort_name", "bin"], name="registry_org_sort_order")]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        default_permissions = DATA_PERMISSIONS
        constraints = [
            IdentifierConstraint(
                field="bin",
                name="%(app_label)s_%(class)s_bin_valid",
                violation_error_message=_("Invalid BIN: wrong length, characters or check digit."),
            ),
            models.CheckConstraint(
                condition=~Q(name_ru="") | ~Q(name_kk=""),
                name="%(app_label)s_%(class)s_has_name",
                violation_error_message=_("Give the full name in Russian or in Kazakh."),
            ),
            models.CheckConstraint(
                condition=Q(status=OrganizationStatus.ACTIVE, liquidated_on__isnull=True)
                | Q(status=OrganizationStatus.LIQUIDATED, liquidated_on__isnull=False),
                name="%(app_label)s_%(class)s_liquidation_date_with_status",
                violation_error_message=_(
                    "A liquidated organization has a liquidation date; an active one has none."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.display_name} ({self.bin})"

    def save(self, *args, **kwargs):
        self.refresh_derived_fields()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {
                *update_fields,
                "search_text",
                "sort_name",
                "oked_section",
                "size_class",
            }
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        errors = {}
        if not self.name_ru.strip() and not self.name_kk.strip():
            errors["name_ru"] = _("Give the full name in Russian or in Kazakh.")
        if self.district_id and self.region_id and self.district.region_id != self.region_id:
            errors["district"] = _("The district %(district)s is not in the region %(region)s.") % {
                "district": self.district,
                "region": self.region,
            }
        if self.status == self.Status.LIQUIDATED and not self.liquidated_on:
            errors["liquidated_on"] = _("Give the date the organization was liquidated.")
        if self.status != self.Status.LIQUIDATED and self.liquidated_on:
            errors["liquidated_on"] = _("Only a liquidated organization has a liquidation date.")
        if self.oked and not OkedSection.objects.for_oked(self.oked, self.known_sections()):
            errors["oked"] = _("No OKED section covers division %(division)s.") % {
                "division": self.oked[:2]
            }
        if errors:
            raise ValidationError(errors)

    def refresh_derived_fields(self):
        """Fill the columns derived from others; bulk paths call this since they skip save()."""
        self.search_text, self.sort_name = organization_texts(
            self.known_legal_forms(),
            self.bin,
            self.name_ru,
            self.name_kk,
            self.short_name,
            self.legal_form.abbr_ru if self.legal_form else "",
        )
        self.oked_section = OkedSection.objects.for_oked(self.oked, self.known_sections())
        if not self.size_class_by_hand and self.headcount is not None:
            self.size_class = SizeClass.by_headcount(self.headcount)

    def known_legal_forms(self):
        """The legal forms' words a bulk import read once for all its rows, or read now."""
        known = getattr(self, "_legal_forms", None)
        return known if known is not None else LegalForm.objects.words()

    @property
    def size_class_by_headcount(self):
        """The size class the list headcount gives, or "" without a headcount."""
        return "" if self.headcount is None else SizeClass.by_headcount(self.headcount)

    def keep_stated_size_class(self):
        """A size a file states that the headcount does not give was stated on purpose (income
        puts the enterprise in another class): kept as set by hand, and so not overwritten."""
        derived = self.size_class_by_headcount
        if self.size_class and derived and self.size_class != derived:
            self.size_class_by_hand = True

    @property
    def size_class_disagrees(self):
        """A size kept by hand that the headcount does not give: worth a second look, since
        quotas and reports read the size and the headcount alike."""
        derived = self.size_class_by_headcount
        return bool(derived and self.size_class and self.size_class != derived)

    def known_sections(self):
        """OKED sections a bulk import loaded once for all its rows, or None to query."""
        return getattr(self, "_oked_sections", None)

    @property
    def display_name(self):
        return self.name_for_display(self.short_name, self.name_ru, self.name_kk)

    @staticmethod
    def name_for_display(short_name, name_ru, name_kk, language=None):
        if (language or get_language()) == "kk":
            return short_name or name_kk or name_ru
        return short_name or name_ru or name_kk


class StaffProfile(models.Model):
    """What the product knows about a staff member beyond the login: regions, language, and the
    position and phone their reports are signed with."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("user"),
    )
    national = models.BooleanField(
        _("national staff"),
        default=False,
        help_text=_("Works with every region; otherwise only with the regions below."),
    )
    regions = models.ManyToManyField(
        Region, blank=True, related_name="staff", verbose_name=_("regions")
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of the pages and of the e-mails this person gets."),
    )
    # The executor block of every report a staff member downloads names them by these.
    position = models.CharField(_("position"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=64, blank=True)
    history = history(m2m_fields=[regions])

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self):
        return str(self.user)

    @staticmethod
    def language_of(user):
        profile = getattr(user, "staff_profile", None) if user else None
        return profile.language if profile else settings.LANGUAGE_CODE

    @classmethod
    def choose_language(cls, user, language):
        """Keeps a language the user chose in the interface as their setting, giving a user
        without a profile one (which grants no region: that is still given on the user's page).
        """
        if language not in dict(settings.LANGUAGES):
            return
        profile = getattr(user, "staff_profile", None) or cls(user=user)
        if profile.language != language or profile.pk is None:
            profile.language = language
            profile._history_user = user
            profile.save()
            user.staff_profile = profile

    @staticmethod
    def region_ids_of(user):
        """The ids of the regions a user works in, or None for all (superusers, national staff).

        A user without a profile works in no region: access is granted, never assumed.
        """
        if user.is_superuser:
            return None
        profile = getattr(user, "staff_profile", None)
        if profile is None:
            return set()
        if profile.national:
            return None
        if not hasattr(user, "_region_ids"):
            user._region_ids = set(profile.regions.values_list("pk", flat=True))
        return user._region_ids


def in_regions_of(queryset, user):
    """The rows of any queryset a user may see: `visible_to` where the model is regional,
    everything for reference data and other tables no region owns."""
    visible_to = getattr(queryset, "visible_to", None)
    return queryset if visible_to is None else visible_to(user)


def choosable_by(queryset, user):
    """What a form lets a user pick: the records the user may see, and only the regions and
    districts the user works in, so no record is put into another region by any form."""
    worked_in_by = getattr(queryset, "worked_in_by", None)
    return worked_in_by(user) if worked_in_by is not None else in_regions_of(queryset, user)


def row_region_id(instance):
    """The region a single record (e.g. an imported row) is in, following ROW_REGION."""
    path = getattr(type(instance), "ROW_REGION", None) or getattr(
        type(instance), "REGION_LOOKUP", None
    )
    if path is None:
        return None
    target = instance
    for step in path.split("__")[:-1]:
        target = getattr(target, step, None)
        if target is None:
            return None
    return getattr(target, f"{path.split('__')[-1]}_id", None)
