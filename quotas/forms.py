import datetime

from django import forms
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.admin import LimitedImportForm, SheetConfirmImportForm
from config.forms import ConcurrentEditForm
from registry.models import Region

from .models import QuotaCategory


def year_start():
    return datetime.date(timezone.localdate().year, 1, 1)


class MeasuresReportForm(forms.Form):
    start = forms.DateField(label=_("from"), initial=year_start, widget=AdminDateWidget)
    end = forms.DateField(label=_("to"), initial=timezone.localdate, widget=AdminDateWidget)
    region = forms.ModelChoiceField(Region.objects.all(), label=_("region"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Another region is not offered, and one forced into the URL is refused.
        self.fields["region"].queryset = Region.objects.worked_in_by(user)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError(_("The period ends before it starts."))
        return data


class EmployerMonthsForm(forms.Form):
    """One region, year and category: the akimat's quotas month by month."""

    region = forms.ModelChoiceField(Region.objects.all(), label=_("region"))
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    category = forms.ModelChoiceField(QuotaCategory.objects.all(), label=_("category"))
    months_below = forms.IntegerField(
        label=_("months below quota, at least"),
        min_value=0,
        max_value=12,
        required=False,
        help_text=_("Empty shows every employer."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.worked_in_by(user)


class QuotaFileFields(forms.Form):
    """What an akimat's table leaves to its resolution's heading: year, category, number, date."""

    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100, required=False)
    category = forms.ModelChoiceField(
        QuotaCategory.objects.all(), label=_("quota category"), required=False
    )
    resolution_number = forms.CharField(label=_("akimat resolution №"), required=False)
    resolution_date = forms.DateField(label=_("akimat resolution date"), required=False)
    region = forms.ModelChoiceField(
        Region.objects.all(),
        label=_("region of employers not yet registered"),
        required=False,
        help_text=_("Employers missing from the registry are added in this region."),
    )

    FIELDS = ["year", "category", "resolution_number", "resolution_date", "region"]

    def limit_to(self, user):
        """Employers are added only in the regions the importing user works in."""
        self.fields["region"].queryset = Region.objects.worked_in_by(user)
        return self


class QuotaImportForm(QuotaFileFields, LimitedImportForm):
    pass


class QuotaConfirmImportForm(QuotaFileFields, SheetConfirmImportForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in QuotaFileFields.FIELDS:
            self.fields[name].widget = forms.HiddenInput()


class PersonForm(ConcurrentEditForm):
    """A person's form: birth date and sex are not asked for, they are read from the IIN."""

    def clean(self):
        data = super().clean()
        # Read again from the IIN as the form leaves it (the model fills them when empty),
        # so a corrected IIN brings its own birth date and sex.
        self.instance.birth_date, self.instance.sex = None, ""
        return data
