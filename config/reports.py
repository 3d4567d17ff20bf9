"""The Reports entry: every report a user may open, listed on the front page, in the lists the
reports are drawn from, and on a page of its own."""

from dataclasses import dataclass

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Report:
    title: Promise
    description: Promise
    url_name: str
    # The permission that lets a user see the records the report is made of.
    permission: str

    @property
    def url(self):
        return reverse(f"admin:{self.url_name}")


REPORTS = [
    Report(
        _("Quota-compliance sheet"),
        _("Quota places, filled and vacant, by district, for one category and year."),
        "report_compliance",
        "quotas.view_quota",
    ),
    Report(
        _("Quota fulfilment by employer and month"),
        _("Places filled at each month end of a year, and the employers below their quota."),
        "report_employer_months",
        "quotas.view_quota",
    ),
    Report(
        _("People covered by employment measures"),
        _("People placed within a period, by measure, each counted once in the total."),
        "report_measures",
        "quotas.view_placement",
    ),
    Report(
        _("Staffing-needs survey results"),
        _(
            "Organizations surveyed and with vacancies; vacant places, planned hires and "
            "salaries by occupation group or district."
        ),
        "report_survey",
        "vacancies.view_surveyresponse",
    ),
    Report(
        _("Open vacancies by occupation group"),
        _("A region's open vacancies, their places and free places, by group or district."),
        "report_open_vacancies",
        "vacancies.view_vacancy",
    ),
]


def available_to(user):
    return [report for report in REPORTS if user.has_perm(report.permission)]


def reports_index(request):
    context = {
        **admin.site.each_context(request),
        "title": _("Reports"),
        "reports": available_to(request.user),
    }
    return TemplateResponse(request, "admin/reports/index.html", context)
