"""The memorandum's page edits its commitments, and a value reported on each, with it."""

from decimal import Decimal

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from config.forms import ConcurrentEditFormSet, ConcurrentEditInlineForm

from .models import CommitmentReport, Party, today, trimmed

# A new reported value's fields on a commitment's row, by the report field each one fills.
REPORT_FIELDS = {"report_value": "value", "report_on": "reported_on", "report_evidence": "evidence"}


class NumberInput(forms.NumberInput):
    """A stored target or value without its empty decimals: 10, not 10.00."""

    def format_value(self, value):
        if isinstance(value, Decimal):
            value = trimmed(value)
        return super().format_value(value)


def report_field(name, **kwargs):
    model_field = CommitmentReport._meta.get_field(name)
    return model_field.formfield(required=False, help_text="", **kwargs)


class CommitmentInlineForm(ConcurrentEditInlineForm):
    """A commitment's row, with the fields of a value reported towards it."""

    report_value = report_field("value", widget=NumberInput)
    report_on = forms.DateField(
        label=capfirst(CommitmentReport._meta.get_field("reported_on").verbose_name),
        required=False,
        initial=today,
        widget=AdminDateWidget,
    )
    report_evidence = report_field("evidence", widget=forms.Textarea(attrs={"rows": 2, "cols": 40}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.report = None

    def clean(self):
        data = super().clean()
        value = data.get("report_value")
        if value is None:
            if data.get("report_evidence"):
                self.add_error("report_value", _("Give the value achieved."))
            return data
        self.report = CommitmentReport(
            value=value,
            reported_on=data.get("report_on") or today(),
            evidence=data.get("report_evidence", ""),
        )
        try:
            self.report.full_clean(exclude=["commitment"])
        except ValidationError as error:
            fields = {model: form for form, model in REPORT_FIELDS.items()}
            for field, messages in error.message_dict.items():
                self.add_error(fields.get(field), messages)
        return data

    def commitment_changed(self):
        return bool(set(self.changed_data) - set(REPORT_FIELDS))

    def save(self, commit=True):
        if self.instance.pk is not None and not self.commitment_changed():
            # Only a value was reported: the commitment itself is not saved again (and gets
            # no history record that changes nothing).
            commitment = self.instance
        else:
            commitment = super().save(commit)
        if self.report is not None:
            if commit:
                self.save_report(commitment)
            else:
                save_m2m = self.save_m2m

                def save_m2m_and_report():
                    save_m2m()
                    self.save_report(commitment)

                self.save_m2m = save_m2m_and_report
        return commitment

    def save_report(self, commitment):
        self.report.commitment = commitment
        self.report.save()


class CommitmentFormSet(ConcurrentEditFormSet):
    """Commitments of a memorandum: the responsible party is chosen among its parties, those
    on the page included (on the add form none are saved yet)."""

    party_prefix = "parties"

    def add_fields(self, form, index):
        super().add_fields(form, index)
        field = form.fields.get("responsible")
        if field is None:
            return
        if not hasattr(self, "choosable"):
            # What the user may name; the parties are looked up once for all the rows.
            self.choosable = field.queryset
        form.instance.parties_in_form = {organization.pk for organization in self.organizations}
        # A short list of the parties, not a search through the registry; the field still
        # accepts any organization the user may choose, and the row's check says whether it
        # is a party.
        field.widget = forms.Select(
            choices=[("", "---------")] + [(org.pk, str(org)) for org in self.organizations]
        )
        field.help_text = _("One of the memorandum's parties.")

    @cached_property
    def organizations(self):
        """The parties' organizations: those sent with the page, or else those saved."""
        posted = self.posted_party_ids()
        if posted is not None:
            return list(self.choosable.filter(pk__in=posted))
        if self.instance.pk is None:
            return []
        saved = Party.objects.filter(memorandum=self.instance).values("organization_id")
        return list(self.choosable.filter(pk__in=saved))

    def posted_party_ids(self):
        """The organizations of the party rows sent with the form and not deleted; None when
        the form did not send the parties."""
        if not self.is_bound:
            return None
        total = str(self.data.get(f"{self.party_prefix}-TOTAL_FORMS", ""))
        if not total.isdigit():
            return None
        ids = set()
        for index in range(min(int(total), 1000)):
            row = f"{self.party_prefix}-{index}"
            if self.data.get(f"{row}-DELETE"):
                continue
            organization = str(self.data.get(f"{row}-organization", ""))
            if organization.isdigit():
                ids.add(int(organization))
        return ids
