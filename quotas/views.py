"""The department heads' reports: the quota-compliance sheet, quota fulfilment by employer and
month, and people covered by employment measures, as pages and as files to send on.

Each report's page shows what its files hold; the records come through `visible_to` and the
choices through `worked_in_by`, so a report never reads another region's records.
"""

from typing import NamedTuple

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.models import Region, StaffProfile

from .compliance import ComplianceSheet, EmployerMonths, MeasuresReport
from .filtersets import ComplianceState, QuotaComplianceFilterSet
from .forms import EmployerMonthsForm, MeasuresReportForm
from .models import Placement, Quota
from .report_files import Executor

DOWNLOADS = {"xlsx", "csv"}


def model_admin_allowing(request, model):
    """The model's admin, if the user may view its records; reports follow the admin's rights."""
    model_admin = admin.site.get_model_admin(model)
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    return model_admin


def chosen(request):
    """The choices in the URL, or None on a first visit (nothing is computed until then)."""
    data = request.GET.copy()
    data.pop("download", None)
    return data or None


def refuse_forced_choices(form):
    """A choice the form does not offer (another region's id put into the URL) is "not found",
    as that region's records are for this user; other mistakes are shown on the form."""
    if form.is_valid():
        return
    for errors in form.errors.as_data().values():
        if any(error.code == "invalid_choice" for error in errors):
            raise Http404


def remember(request, report, form):
    """The user's choices of places, categories and years, not dates: a report date or period
    brought back a month later would go into the title unnoticed."""
    request.session[f"reports:{report}"] = {
        name: form.data.get(name)
        for name, field in form.fields.items()
        if name in form.data and not isinstance(field, forms.DateField)
    }


def initial_choices(request, report, **defaults):
    """What a report's form shows before the user chooses: their last choices for it, else the
    defaults and, for a user who works in one region, that region."""
    regions = list(Region.objects.worked_in_by(request.user).values_list("pk", flat=True)[:2])
    if len(regions) == 1:
        defaults["region"] = regions[0]
    return {**defaults, **request.session.get(f"reports:{report}", {})}


def place_of(user, region, district=None):
    """The place a report's title names. With no region chosen, the regions the user works in:
    a head of one region gets a file of that region's records, not one titled "all regions".
    A district chosen without its region is named with it."""
    if region is None and district is not None:
        region = district.region
    if region is None:
        if StaffProfile.region_ids_of(user) is None:
            return _("all regions")
        return ", ".join(str(region) for region in Region.objects.worked_in_by(user))
    return f"{region}, {district}" if district else str(region)


def page(request, template, title, context):
    context = {
        **admin.site.each_context(request),
        "title": title,
        "reports_url": reverse("admin:reports"),
        **context,
    }
    return TemplateResponse(request, template, context)


def download(request, model_admin, report_file):
    if not model_admin.has_export_permission(request):
        raise PermissionDenied
    return report_file.response(request.GET["download"])


class Contents(NamedTuple):
    """What a report's choices make: its table (with `file()`), the place and title lines its
    title block names, and its file's name without the extension."""

    table: object
    place: str
    title_lines: list
    file_stem: str


class ReportView:
    """A report's page and its files, the same for every report: the choices' form, first
    filled with the user's last choices; once chosen, the table from the records the user may
    see, shown on the page or downloaded as XLSX or CSV by a user the model's admin lets export.

    A report declares what differs: its name, model, template, title and defaults, its form,
    and the table its choices make (`contents`).
    """

    # The key its choices are remembered under in the session.
    name = ""
    # The records' model: its admin decides who may open the report and download its files.
    model = None
    template = ""
    title = ""
    # What the template calls the table.
    table_name = "report"

    @classmethod
    def as_view(cls):
        def view(request):
            return cls().respond(request)

        view.__doc__ = cls.__doc__
        return view

    def defaults(self):
        """What the form shows on a first visit, unless the user has chosen before."""
        return {}

    def form(self, request, data):
        """The form of the report's choices, bound to `data`, or unbound when it is None."""
        raise NotImplementedError

    def contents(self, request, choices):
        """The report's `Contents` for the form's cleaned choices."""
        raise NotImplementedError

    def respond(self, request):
        model_admin = model_admin_allowing(request, self.model)
        data = chosen(request)
        form = self.form(request, data)
        if data is None:
            form.initial = initial_choices(request, self.name, **self.defaults())
        else:
            refuse_forced_choices(form)
        table = report_file = None
        if form.is_valid():
            remember(request, self.name, form)
            table, place, title_lines, file_stem = self.contents(request, form.cleaned_data)
            report_file = table.file(
                title=str(self.title),
                place=place,
                title_lines=title_lines,
                executor=Executor.of(request.user),
                file_stem=file_stem,
            )
            if request.GET.get("download") in DOWNLOADS:
                return download(request, model_admin, report_file)
        return page(
            request,
            self.template,
            str(self.title),
            {
                "form": form,
                self.table_name: table,
                "file": report_file,
                "query": data.urlencode() if data else "",
                "can_download": model_admin.has_export_permission(request),
            },
        )


class ComplianceSheetView(ReportView):
    name = "compliance"
    model = Quota
    template = "admin/reports/compliance.html"
    title = gettext_lazy("Quota-compliance sheet")
    table_name = "sheet"

    def defaults(self):
        return {"year": timezone.localdate().year}

    def form(self, request, data):
        self.filterset = QuotaComplianceFilterSet(
            data, queryset=Quota.objects.visible_to(request.user), request=request
        )
        return self.filterset.form

    def contents(self, request, choices):
        sheet = ComplianceSheet(self.filterset.qs, self.filterset.report_date_value)
        title_lines = [
            (_("Category"), choices["category"]),
            (_("Year"), choices["year"]),
            (_("Report date"), sheet.report_date.strftime("%d.%m.%Y")),
        ]
        if choices.get("organization_kind"):
            title_lines.append((_("Organization kind"), choices["organization_kind"]))
        if choices.get("state"):
            states = dict(ComplianceState.CHOICES)
            title_lines.append((_("Compliance"), states[choices["state"]]))
        place = place_of(request.user, choices.get("region"), choices.get("district"))
        file_stem = f"{_('Quota sheet')} — {place} — {choices['year']}"
        return Contents(sheet, place, title_lines, file_stem)


class EmployerMonthsView(ReportView):
    name = "employer_months"
    model = Quota
    template = "admin/reports/employer_months.html"
    title = gettext_lazy("Quota fulfilment by employer and month")

    def defaults(self):
        return {"year": timezone.localdate().year}

    def form(self, request, data):
        return EmployerMonthsForm(data, user=request.user)

    def contents(self, request, choices):
        year = choices["year"]
        on = Quota.judged_on(year)
        quotas = Quota.objects.visible_to(request.user).filter(
            organization__region=choices["region"], year=year, category=choices["category"]
        )
        report = EmployerMonths(quotas, year, on)
        if choices.get("months_below"):
            report.below_for(choices["months_below"])
        title_lines = [
            (_("Category"), choices["category"]),
            (_("Year"), year),
            (_("Report date"), on.strftime("%d.%m.%Y")),
        ]
        if choices.get("months_below"):
            title_lines.append((_("Months below quota, at least"), choices["months_below"]))
        place = place_of(request.user, choices["region"])
        return Contents(report, place, title_lines, f"{_('Quotas by month')} — {place} — {year}")


class MeasuresReportView(ReportView):
    name = "measures"
    model = Placement
    template = "admin/reports/measures.html"
    title = gettext_lazy("People covered by employment measures")

    def form(self, request, data):
        return MeasuresReportForm(data, user=request.user)

    def contents(self, request, choices):
        placements = Placement.objects.visible_to(request.user)
        report = MeasuresReport(choices["start"], choices["end"], choices.get("region"), placements)
        period = f"{choices['start']:%d.%m.%Y} – {choices['end']:%d.%m.%Y}"
        place = place_of(request.user, choices.get("region"))
        file_stem = f"{_('Coverage by measures')} — {place} — {period.replace(' ', '')}"
        return Contents(report, place, [(_("Period"), period)], file_stem)


compliance_sheet = ComplianceSheetView.as_view()
employer_months = EmployerMonthsView.as_view()
measures_report = MeasuresReportView.as_view()
