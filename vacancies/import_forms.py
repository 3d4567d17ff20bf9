"""The survey import's form: the survey the file answers, chosen among the user's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from config.admin import LimitedImportForm, SheetConfirmImportForm

from .models import SurveyCampaign


class SurveyFileFields(forms.Form):
    """A chamber's sheet holds the answers, not the survey: it is chosen on the form, as an
    akimat's table leaves its year and category to the form."""

    campaign = forms.ModelChoiceField(
        SurveyCampaign.objects.all(),
        label=_("staffing-needs survey"),
        help_text=_(
            "The survey the file's answers belong to; organizations missing from the "
            "registry are added in its region."
        ),
    )

    FIELDS = ["campaign"]

    def limit_to(self, user):
        """Only the surveys of the user's regions: another region's cannot be imported into."""
        self.fields["campaign"].queryset = SurveyCampaign.objects.visible_to(user).select_related(
            "region"
        )
        return self


class SurveyImportForm(SurveyFileFields, LimitedImportForm):
    pass


class SurveyConfirmImportForm(SurveyFileFields, SheetConfirmImportForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].widget = forms.HiddenInput()
