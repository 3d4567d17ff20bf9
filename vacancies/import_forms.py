"""The survey import's form: the survey the file answers, chosen among the user's."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from config.admin import LimitedImportForm, SheetConfirmImportForm

from .models import SurveyCampaign


class SurveyFileFields(forms.Form):
    """A chamber's sheet holds the answers, not the survey: it is chosen on the form, as an
    akimat's table leaves its year and category to the form."""

    campaign = forms.ModelChoiceField(
        SurveyCampaign.objects.all(),
        label=capfirst(_("staffing-needs survey")),
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


class SurveyImportMixin:
    """The survey import on the answers' list: the survey chosen on the form (offered among the
    user's, pre-selected from `?campaign=` when opened from a survey's page) goes to the
    resource, and is carried through the preview to the confirmation."""

    import_form_class = SurveyImportForm
    confirm_form_class = SurveyConfirmImportForm

    def get_import_form_initial(self, request):
        initial = super().get_import_form_initial(request)
        campaign = request.GET.get("campaign", "")
        if campaign.isdigit():
            initial["campaign"] = int(campaign)
        return initial

    def create_import_form(self, request):
        return super().create_import_form(request).limit_to(request.user)

    def create_confirm_form(self, request, import_form=None):
        return super().create_confirm_form(request, import_form).limit_to(request.user)

    def get_import_resource_kwargs(self, request, *args, **kwargs):
        form = kwargs.get("form")
        campaign = getattr(form, "cleaned_data", {}).get("campaign") if form is not None else None
        return {
            **super().get_import_resource_kwargs(request, *args, **kwargs),
            "campaign": campaign,
        }

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            campaign = import_form.cleaned_data.get("campaign")
            initial["campaign"] = getattr(campaign, "pk", campaign)
        return initial
