from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConcurrentEditForm(forms.ModelForm):
    """Refuses to save over a change someone else made after this form was opened.

    The form carries the id of the latest history record it was built from; if the record has
    a newer one by the time it is saved, nothing is written and the message says what changed.
    """

    edit_version = forms.CharField(
        label=_("version of the record"), widget=forms.HiddenInput, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        latest = self.latest_version()
        if latest is not None:
            self.fields["edit_version"].initial = latest.history_id

    def history(self):
        attribute = getattr(self._meta.model._meta, "simple_history_manager_attribute", None)
        if attribute is None or self.instance.pk is None:
            return None
        return getattr(self.instance, attribute)

    def latest_version(self):
        history = self.history()
        return None if history is None else history.order_by("-history_id").first()

    def clean(self):
        data = super().clean()
        seen = (self.data.get(self.add_prefix("edit_version")) or "").strip()
        latest = self.latest_version()
        if not seen.isdigit() or latest is None or latest.history_id == int(seen):
            return data
        opened = self.history().filter(history_id=int(seen)).first()
        changes = latest.diff_against(opened).changes if opened else []
        described = "; ".join(
            f"{self._meta.model._meta.get_field(change.field).verbose_name}: "
            f"{change.old if change.old not in (None, '') else '—'} → "
            f"{change.new if change.new not in (None, '') else '—'}"
            for change in changes
        )
        raise ValidationError(
            _(
                "%(user)s saved this record at %(time)s while you were editing it "
                "(%(changes)s). Nothing of yours was saved: reload the page to see the current "
                "values, then make your changes again."
            )
            % {
                "user": latest.history_user or _("someone"),
                "time": timezone.localtime(latest.history_date).strftime("%d.%m.%Y %H:%M"),
                "changes": described or _("no field values changed"),
            },
            code="stale",
        )
