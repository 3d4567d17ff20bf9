"""Partnership memoranda: parties and signatories, commitments and what was reported."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Least
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from registry.models import (
    DATA_PERMISSIONS,
    Organization,
    Region,
    RegionalQuerySet,
    history,
)
from registry.search import every_word_in, fold, search_words

from .storage import document_storage
from .validators import validate_document

ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=18, decimal_places=2))


def today():
    return timezone.localdate()


def trimmed(value):
    """A decimal without the zeros after the point that say nothing: people, workplaces and
    events are counted in whole numbers (10.00 reads 10), sums of money keep their tiyn."""
    if value is None or value != value.to_integral_value():
        return value
    return value.quantize(Decimal(1))


class MemorandumKind(models.TextChoices):
    COOPERATION = "cooperation", _("cooperation")
    MUTUAL_UNDERSTANDING = "mutual_understanding", _("mutual understanding")
    PARTNERSHIP = "partnership", _("partnership")
    OTHER = "other", _("other")


class MemorandumStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PENDING = "pending", _("signed, not yet in force")
    IN_FORCE = "in_force", _("in force")
    EXPIRED = "expired", _("expired")
    TERMINATED = "terminated", _("terminated")


class MemorandumQuerySet(RegionalQuerySet):
    def search(self, term):
        """Registration number or title in either language, or any party's name or BIN: every
        word typed, in any order, folded as the stored columns are (`registry.search`)."""
        words = search_words(term)
        if not words:
            return self
        parties = Party.objects.filter(
            every_word_in("organization__search_text", words), memorandum=OuterRef("pk")
        )
        return self.filter(every_word_in("search_text", words) | models.Exists(parties))

    def with_status(self, on=None):
        """Annotate `status` as of a day: it follows from the dates, never stored."""
        on = on or today()
        return self.annotate(
            status=Case(
                When(terminated_on__lte=on, then=Value(MemorandumStatus.TERMINATED)),
                When(signed_on__isnull=True, then=Value(MemorandumStatus.DRAFT)),
                When(valid_from__gt=on, then=Value(MemorandumStatus.PENDING)),
                When(
                    Q(valid_until__lt=on) & Q(auto_prolongation=False),
                    then=Value(MemorandumStatus.EXPIRED),
                ),
                default=Value(MemorandumStatus.IN_FORCE),
                output_field=models.CharField(),
            )
        )

    def in_force(self, on=None):
        return self.with_status(on).filter(status=MemorandumStatus.IN_FORCE)

    def expiring_within(self, days, on=None):
        """In force and ending within `days`; one that prolongs itself does not expire."""
        on = on or today()
        return self.in_force(on).filter(
            auto_prolongation=False,
            valid_until__gte=on,
            valid_until__lte=on + datetime.timedelta(days=days),
        )

    def with_overdue_commitments(self, on=None):
        overdue = Commitment.objects.overdue(on).filter(memorandum=OuterRef("pk"))
        return self.filter(models.Exists(overdue))

    def with_fulfilment(self, on=None):
        """Annotate `fulfilment`: the mean of each commitment's fulfilment, in percent."""
        per_commitment = (
            Commitment.objects.with_progress(on)
            .filter(memorandum=OuterRef("pk"))
            .order_by()
            .values("memorandum")
            .annotate(mean=models.Avg("fulfilment"))
            .values("mean")
        )
        return self.annotate(fulfilment=Subquery(per_commitment))

    def short_of_parties(self):
        """Memoranda with fewer parties than a memorandum needs."""
        return self.annotate(party_total=Count("parties")).filter(
            party_total__lt=Memorandum.MIN_PARTIES
        )

    def for_changelist(self, on=None):
        return (
            self.with_status(on)
            .with_fulfilment(on)
            # A subquery, not a join and GROUP BY: only the page's rows are counted.
            .annotate(
                party_count=Coalesce(
                    Subquery(
                        Party.objects.filter(memorandum=OuterRef("pk"))
                        .order_by()
                        .values("memorandum")
                        .annotate(count=Count("pk"))
                        .values("count")
                    ),
                    0,
                )
            )
        )


class Memorandum(models.Model):
    """A signed memorandum between two or more organizations."""

    Kind = MemorandumKind
    Status = MemorandumStatus
    MIN_PARTIES = 2
    # A memorandum belongs to the regions of its parties.
    REGION_LOOKUP = "parties__organization__region"

    number = models.CharField(_("registration number"), max_length=64, unique=True)
    title_ru = models.CharField(_("title (Russian)"), max_length=500, blank=True)
    title_kk = models.CharField(_("title (Kazakh)"), max_length=500, blank=True)
    kind = models.CharField(
        _("kind"), max_length=32, choices=MemorandumKind, default=MemorandumKind.COOPERATION
    )
    subject = models.TextField(_("subject and purpose"), blank=True)
    signed_on = models.DateField(
        _("signed on"), null=True, blank=True, help_text=_("Empty while the memorandum is a draft.")
    )
    signed_settlement = models.CharField(_("place of signing"), max_length=255, blank=True)
    signed_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region of signing"),
    )
    valid_from = models.DateField(
        _("valid from"), null=True, blank=True, help_text=_("Empty means from the signing date.")
    )
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Empty means open-ended.")
    )
    auto_prolongation = models.BooleanField(
        _("prolonged automatically"),
        default=False,
        help_text=_("Stays in force after its end date until terminated."),
    )
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    termination_reason = models.TextField(_("reason for termination"), blank=True)
    programmes = models.TextField(_("programmes and projects"), blank=True)
    curator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="curated_memoranda",
        verbose_name=_("curator"),
        help_text=_("The staff member who follows the memorandum up and receives its reminders."),
    )
    notes = models.TextField(_("notes"), blank=True)
    search_text = models.TextField(_("search text"), editable=False, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = history()

    objects = MemorandumQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_on", "number"]
        verbose_name = _("memorandum")
        verbose_name_plural = _("memoranda")
        default_permissions = DATA_PERMISSIONS
        # The list's default order, read from an index instead of sorting every memorandum.
        indexes = [models.Index(fields=["-signed_on", "number"], name="memoranda_list_order")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(title_ru="") | ~Q(title_kk=""),
                name="%(app_label)s_%(class)s_has_title",
                violation_error_message=_("Give the title in Russian or in Kazakh."),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(signed_on__isnull=True)
                | Q(valid_until__gte=F("signed_on")),
                name="%(app_label)s_%(class)s_ends_after_signing",
                violation_error_message=_("The memorandum cannot end before it was signed."),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="%(app_label)s_%(class)s_ends_after_start",
                violation_error_message=_("The memorandum cannot end before it takes effect."),
            ),
            models.CheckConstraint(
                condition=Q(terminated_on__isnull=True) | Q(signed_on__isnull=False),
                name="%(app_label)s_%(class)s_only_signed_is_terminated",
                violation_error_message=_("Only a signed memorandum can be terminated."),
            ),
        ]

    def __str__(self):
        return f"№ {self.number} {self.title}"

    def save(self, *args, **kwargs):
        self.refresh_derived_fields()
        super().save(*args, **kwargs)

    def refresh_derived_fields(self):
        """Fill the columns derived from others; bulk paths call this since they skip save()."""
        self.fill_defaults()
        self.search_text = fold(f"{self.number} {self.title_ru} {self.title_kk}")

    @classmethod
    def validate_party_count(cls, count):
        if count < cls.MIN_PARTIES:
            raise ValidationError(
                _("A memorandum has at least %(count)d parties."),
                code="too_few_parties",
                params={"count": cls.MIN_PARTIES},
            )

    def fill_defaults(self):
        """A memorandum takes effect on its signing date unless it says otherwise."""
        if self.valid_from is None and self.signed_on is not None:
            self.valid_from = self.signed_on

    @property
    def title(self):
        if get_language() == "kk":
            return self.title_kk or self.title_ru
        return self.title_ru or self.title_kk

    def clean(self):
        super().clean()
        self.fill_defaults()
        errors = {}
        if not self.title_ru.strip() and not self.title_kk.strip():
            errors["title_ru"] = _("Give the title in Russian or in Kazakh.")
        if self.valid_until and self.signed_on and self.valid_until < self.signed_on:
            errors["valid_until"] = _(
                "Valid until (%(until)s) is before the signing date (%(signed)s)."
            ) % {
                "until": self.valid_until.strftime("%d.%m.%Y"),
                "signed": self.signed_on.strftime("%d.%m.%Y"),
            }
        elif self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            errors["valid_until"] = _("Valid until is before valid from.")
        if self.terminated_on and not self.signed_on:
            errors["terminated_on"] = _("Only a signed memorandum can be terminated.")
        if self.terminated_on and not self.termination_reason.strip():
            errors["termination_reason"] = _("Give the reason for termination.")
        if errors:
            raise ValidationError(errors)

    def status_on(self, day=None):
        return Memorandum.objects.with_status(day).values_list("status", flat=True).get(pk=self.pk)

    def related_history(self):
        """Changes to the memorandum's parties, commitments, reports and documents, newest first.

        Each entry has the history `record`, the `kind` of record, and its `changes` as
        (field, old, new) triples.
        """
        records = [
            *Party.history.filter(memorandum_id=self.pk),
            *Commitment.history.filter(memorandum_id=self.pk),
            *CommitmentReport.history.filter(commitment__memorandum_id=self.pk),
            *MemorandumDocument.history.filter(memorandum_id=self.pk),
        ]
        records.sort(key=lambda record: record.history_date, reverse=True)
        entries = []
        for record in records:
            previous = record.prev_record
            changes = []
            if previous is not None:
                changes = [
                    (
                        record.instance._meta.get_field(change.field).verbose_name,
                        change.old,
                        change.new,
                    )
                    for change in record.diff_against(previous).changes
                ]
            entries.append(
                {
                    "record": record,
                    "kind": record.instance._meta.verbose_name,
                    "changes": changes,
                }
            )
        return entries


class PartyRole(models.TextChoices):
    INITIATOR = "initiator", _("initiator")
    PARTY = "party", _("party")
    PARTNER = "partner", _("partner")


class PartyQuerySet(RegionalQuerySet):
    def organizations_choosable_by(self, user):
        """The organizations a user may name as a party or a responsible party: those of the
        user's regions, and the partners elsewhere of memoranda the user already sees."""
        partners = self.visible_to(user).values("organization_id")
        return Organization.objects.filter(
            Q(pk__in=Organization.objects.visible_to(user).values("pk")) | Q(pk__in=partners)
        )


class Party(models.Model):
    """An organization that signed a memorandum, with the person who signed for it."""

    Role = PartyRole
    REGION_LOOKUP = "memorandum__parties__organization__region"
    # An imported party row is judged by its own organization's region.
    ROW_REGION = "organization__region"

    memorandum = models.ForeignKey(
        Memorandum, on_delete=models.CASCADE, related_name="parties", verbose_name=_("memorandum")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="memorandum_parties",
        verbose_name=_("organization"),
    )
    role = models.CharField(_("role"), max_length=16, choices=PartyRole, default=PartyRole.PARTY)
    signatory_name = models.CharField(_("signatory's full name"), max_length=255, blank=True)
    signatory_position = models.CharField(_("signatory's position"), max_length=255, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    history = history()

    objects = PartyQuerySet.as_manager()

    class Meta:
        ordering = ["memorandum", "pk"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        default_permissions = DATA_PERMISSIONS
        constraints = [
            models.UniqueConstraint(
                fields=["memorandum", "organization"],
                name="%(app_label)s_%(class)s_once_per_memorandum",
                violation_error_message=_(
                    "This organization is already a party to the memorandum."
                ),
            ),
        ]

    def __str__(self):
        return str(self.organization)


class Indicator(models.TextChoices):
    PEOPLE_TRAINED = "people_trained", _("people trained")
    WORKPLACES_CREATED = "workplaces_created", _("workplaces created")
    PEOPLE_EMPLOYED = "people_employed", _("people employed")
    FUNDING = "funding", _("grants or funding, KZT")
    EVENTS_HELD = "events_held", _("events held")
    OTHER = "other", _("other")


class CommitmentStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    FULFILLED = "fulfilled", _("fulfilled")
    OVERDUE = "overdue", _("overdue")


class CommitmentQuerySet(RegionalQuerySet):
    def with_progress(self, on=None):
        """Annotate `achieved` (reports up to the day), `fulfilment` (%, at most 100), `status`."""
        on = on or today()
        achieved = (
            CommitmentReport.objects.filter(commitment=OuterRef("pk"), reported_on__lte=on)
            .order_by()
            .values("commitment")
            .annotate(total=Sum("value"))
            .values("total")
        )
        money = DecimalField(max_digits=18, decimal_places=2)
        return self.annotate(
            achieved=Coalesce(Subquery(achieved, output_field=money), ZERO),
        ).annotate(
            fulfilment=Least(
                F("achieved") * Value(Decimal(100)) / F("target"),
                Value(Decimal(100)),
                output_field=money,
            ),
            status=Case(
                When(achieved__gte=F("target"), then=Value(CommitmentStatus.FULFILLED)),
                When(due_on__lt=on, then=Value(CommitmentStatus.OVERDUE)),
                When(achieved__gt=0, then=Value(CommitmentStatus.IN_PROGRESS)),
                default=Value(CommitmentStatus.PLANNED),
                output_field=models.CharField(),
            ),
        )

    def overdue(self, on=None):
        return self.with_progress(on).filter(status=CommitmentStatus.OVERDUE)

    def overdue_to_act_on(self, on=None, recent_days=90):
        """Overdue commitments someone can still act on: of a memorandum still in force, or
        fallen due within the last `recent_days` (a report may yet be filed). A commitment of a
        memorandum that ran out years ago is history, not work."""
        on = on or today()
        in_force = Memorandum.objects.in_force(on).values("pk")
        return self.overdue(on).filter(
            Q(memorandum__in=in_force) | Q(due_on__gte=on - datetime.timedelta(days=recent_days))
        )


class Commitment(models.Model):
    """What one party undertook in a memorandum, with a measurable target and a due date."""

    Indicator = Indicator
    Status = CommitmentStatus
    REGION_LOOKUP = "memorandum__parties__organization__region"
    ROW_REGION = "responsible__region"

    memorandum = models.ForeignKey(
        Memorandum,
        on_delete=models.CASCADE,
        related_name="commitments",
        verbose_name=_("memorandum"),
    )
    responsible = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="commitments",
        verbose_name=_("responsible party"),
    )
    text = models.TextField(_("commitment"))
    indicator = models.CharField(_("indicator"), max_length=32, choices=Indicator)
    unit = models.CharField(_("unit"), max_length=32, blank=True)
    target = models.DecimalField(
        _("target"),
        max_digits=18,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    due_on = models.DateField(_("due on"))
    history = history()

    objects = CommitmentQuerySet.as_manager()

    # The organizations a form is saving as the memorandum's parties together with this
    # commitment (they are not in the database yet); None: the memorandum's saved parties.
    parties_in_form = None

    class Meta:
        ordering = ["memorandum", "due_on", "pk"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        default_permissions = DATA_PERMISSIONS
        constraints = [
            models.CheckConstraint(
                condition=Q(target__gt=0),
                name="%(app_label)s_%(class)s_target_positive",
                violation_error_message=_("The target must be greater than zero."),
            ),
        ]

    def __str__(self):
        return f"{self.text[:80]} ({self.responsible.display_name})"

    def clean(self):
        super().clean()
        if self.responsible_id and not self.responsible_is_party():
            raise ValidationError(
                {
                    "responsible": _(
                        "The responsible organization is not a party to this memorandum."
                    )
                }
            )

    def responsible_is_party(self):
        if self.parties_in_form is not None:
            return self.responsible_id in self.parties_in_form
        if not self.memorandum_id:
            # A memorandum being added has no saved parties to check against yet.
            return True
        return Party.objects.filter(
            memorandum_id=self.memorandum_id, organization_id=self.responsible_id
        ).exists()

    def progress(self, on=None):
        return Commitment.objects.with_progress(on).get(pk=self.pk)


class CommitmentReport(models.Model):
    """A value achieved towards a commitment, reported on a date; reports add up."""

    REGION_LOOKUP = "commitment__memorandum__parties__organization__region"
    ROW_REGION = "commitment__responsible__region"

    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="reports", verbose_name=_("commitment")
    )
    value = models.DecimalField(
        _("value achieved"),
        max_digits=18,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("What was achieved since the previous report, in the commitment's unit."),
    )
    reported_on = models.DateField(_("reported on"), default=today)
    evidence = models.TextField(_("evidence"), blank=True)
    history = history()

    objects = RegionalQuerySet.as_manager()

    class Meta:
        ordering = ["commitment", "reported_on", "pk"]
        verbose_name = _("reported value")
        verbose_name_plural = _("reported values")
        default_permissions = DATA_PERMISSIONS
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="%(app_label)s_%(class)s_value_not_negative",
                violation_error_message=_("A reported value cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{formats.localize(trimmed(self.value))} ({self.reported_on:%d.%m.%Y})"


class MemorandumDocument(models.Model):
    """A signed scan of the memorandum (PDF or image), kept in the configured file storage."""

    REGION_LOOKUP = "memorandum__parties__organization__region"

    memorandum = models.ForeignKey(
        Memorandum, on_delete=models.CASCADE, related_name="documents", verbose_name=_("memorandum")
    )
    file = models.FileField(
        _("file"),
        upload_to="memoranda/%Y/",
        storage=document_storage,
        validators=[
            FileExtensionValidator(["pdf", "jpg", "jpeg", "png"]),
            validate_document,
        ],
    )
    description = models.CharField(_("description"), max_length=255, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    history = history()

    objects = RegionalQuerySet.as_manager()

    class Meta:
        ordering = ["memorandum", "uploaded_at"]
        verbose_name = _("signed document")
        verbose_name_plural = _("signed documents")
        default_permissions = DATA_PERMISSIONS

    def __str__(self):
        return self.description or self.file.name.rsplit("/", 1)[-1]


class ReminderKind(models.TextChoices):
    EXPIRING_90 = "expiring_90", _("expires within 90 days")
    EXPIRING_30 = "expiring_30", _("expires within 30 days")
    OVERDUE = "overdue", _("commitment overdue")


class ReminderQuerySet(RegionalQuerySet):
    def pending(self, on=None):
        """Reminders due on a day and not yet sent, unsaved, for memoranda that have a curator.

        A memorandum ending within 30 days gets the 30-day reminder only; a commitment gets one
        reminder when it becomes overdue. The event key names the date it is about, so moving
        a memorandum's end date or a commitment's due date makes a new event.
        """
        on = on or today()
        sent = set(self.values_list("event", flat=True))
        pending = []
        expiring = Memorandum.objects.expiring_within(90, on).filter(curator__isnull=False)
        for memorandum in expiring.select_related("curator"):
            within_30 = memorandum.valid_until <= on + datetime.timedelta(days=30)
            kind = ReminderKind.EXPIRING_30 if within_30 else ReminderKind.EXPIRING_90
            event = f"{kind}:{memorandum.pk}:{memorandum.valid_until.isoformat()}"
            if event not in sent:
                pending.append(
                    Reminder(
                        kind=kind, event=event, memorandum=memorandum, recipient=memorandum.curator
                    )
                )
        overdue = (
            Commitment.objects.overdue(on)
            .filter(memorandum__curator__isnull=False)
            .select_related("memorandum__curator", "responsible")
        )
        for commitment in overdue:
            event = f"{ReminderKind.OVERDUE}:{commitment.pk}:{commitment.due_on.isoformat()}"
            if event not in sent:
                pending.append(
                    Reminder(
                        kind=ReminderKind.OVERDUE,
                        event=event,
                        memorandum=commitment.memorandum,
                        commitment=commitment,
                        recipient=commitment.memorandum.curator,
                    )
                )
        return pending


class Reminder(models.Model):
    """A reminder e-mail that went out; its event key makes each event go out once."""

    Kind = ReminderKind
    REGION_LOOKUP = "memorandum__parties__organization__region"

    kind = models.CharField(_("kind"), max_length=16, choices=ReminderKind)
    event = models.CharField(_("event"), max_length=128, unique=True)
    memorandum = models.ForeignKey(
        Memorandum, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("memorandum")
    )
    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("commitment"),
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")

    def __str__(self):
        return f"{self.get_kind_display()} — {self.memorandum.number}"
