"""Reports on vacancies: a staffing-needs survey's results, and a region's open vacancies, by
occupation group or district, on the page and as XLSX and CSV (quotas.views.ReportView).

Records come through `visible_to` and choices through the user's regions; each report reads
its rows in a fixed number of queries whatever the survey's size.
"""

from statistics import median

from django import forms
from django.db.models import Count, F, Sum
from django.db.models.functions import Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quotas.report_files import INTEGER, TEXT, Column, ReportTable
from quotas.views import Contents, ReportView, place_of
from registry.models import District, Region

from .models import Occupation, SurveyCampaign, SurveyLine, SurveyResponse, Vacancy

MAJOR, SUB_MAJOR, DISTRICT = "major", "sub_major", "district"
OCCUPATION_GROUPS = [
    (MAJOR, gettext_lazy("occupation major group")),
    (SUB_MAJOR, gettext_lazy("occupation sub-major group")),
]
# Digits of the code that name each group.
GROUP_DIGITS = {MAJOR: 1, SUB_MAJOR: 2}


def group_labels(by, keys):
    """{key: label} for the groups or districts a report counts: one query."""
    keys = [key for key in keys if key not in (None, "")]
    if by == DISTRICT:
        return {pk: district.name for pk, district in District.objects.in_bulk(keys).items()}
    return {
        occupation.code: f"{occupation.code} {occupation.name}"
        for occupation in Occupation.objects.filter(code__in=keys)
    }


def group_key(by, prefix):
    """The expression a line or vacancy is grouped by; `prefix` leads to its occupation and
    its organization."""
    if by == DISTRICT:
        return F(f"{prefix['organization']}__district_id")
    return Substr(f"{prefix['occupation']}__code", 1, GROUP_DIGITS[by])


def whole(value):
    return None if value is None else int(value)


class SurveyResults(ReportTable):
    """A survey's answers: organizations surveyed and with vacancies, and by group the vacant
    places, the hires planned for 12 months and the salaries offered (lowest, median,
    highest of "from" and of "to")."""

    def __init__(self, campaign, by, lines):
        self.by = by
        lines = lines.filter(response__campaign=campaign).order_by()
        self.surveyed = SurveyResponse.objects.filter(campaign=campaign).count()
        values = lines.annotate(
            group=group_key(
                by, {"organization": "response__organization", "occupation": "occupation"}
            )
        ).values_list(
            "group",
            "response__organization_id",
            "vacant_places",
            "planned_hires",
            "salary_from",
            "salary_to",
        )
        groups, with_vacancies = {}, set()
        for group, organization, vacant, planned, salary_from, salary_to in values:
            each = groups.setdefault(
                group, {"organizations": set(), "vacant": 0, "planned": 0, "from": [], "to": []}
            )
            if vacant:
                each["organizations"].add(organization)
                with_vacancies.add(organization)
            each["vacant"] += vacant
            each["planned"] += planned
            if salary_from is not None:
                each["from"].append(salary_from)
            if salary_to is not None:
                each["to"].append(salary_to)
        self.with_vacancies = len(with_vacancies)
        labels = group_labels(by, groups)
        unnamed = _("district not given") if by == DISTRICT else "—"
        self.rows = sorted(
            ((labels.get(key, unnamed), each) for key, each in groups.items()),
            key=lambda row: (row[0] == unnamed, row[0]),
        )
        self.total = {
            "organizations": with_vacancies,
            "vacant": sum(each["vacant"] for each in groups.values()),
            "planned": sum(each["planned"] for each in groups.values()),
            "from": [value for each in groups.values() for value in each["from"]],
            "to": [value for each in groups.values() for value in each["to"]],
        }

    def columns(self):
        first = _("District") if self.by == DISTRICT else _("Occupation group")
        return [
            Column(first, TEXT, 44),
            Column(_("Organizations with vacancies"), INTEGER, 14),
            Column(_("Vacant places now"), INTEGER, 12),
            Column(_("Hires planned for 12 months"), INTEGER, 12),
            Column(_("Salary from: lowest"), INTEGER, 12),
            Column(_("Salary from: median"), INTEGER, 12),
            Column(_("Salary from: highest"), INTEGER, 12),
            Column(_("Salary to: lowest"), INTEGER, 12),
            Column(_("Salary to: median"), INTEGER, 12),
            Column(_("Salary to: highest"), INTEGER, 12),
        ]

    @staticmethod
    def figures(each):
        def spread(values):
            if not values:
                return [None, None, None]
            return [whole(min(values)), whole(median(values)), whole(max(values))]

        return [
            len(each["organizations"]),
            each["vacant"],
            each["planned"],
            *spread(each["from"]),
            *spread(each["to"]),
        ]

    def lines(self):
        for label, each in self.rows:
            yield "row", [label, *self.figures(each)]
        yield "total", [_("Total"), *self.figures(self.total)]


class OpenVacancies(ReportTable):
    """A region's open vacancies (open or partly filled) by group: vacancies, their places
    and the places still free."""

    def __init__(self, vacancies, by):
        self.by = by
        counted = (
            vacancies.open()
            .order_by()
            .annotate(
                group=group_key(by, {"organization": "organization", "occupation": "occupation"})
            )
            .values("group")
            .annotate(
                vacancies=Count("pk"),
                places=Sum("places"),
                filled=Sum("filled_places"),
            )
        )
        groups = {row["group"]: row for row in counted}
        labels = group_labels(by, groups)
        unnamed = _("district not given") if by == DISTRICT else "—"
        self.rows = sorted(
            ((labels.get(key, unnamed), row) for key, row in groups.items()),
            key=lambda row: (row[0] == unnamed, row[0]),
        )

    def columns(self):
        first = _("District") if self.by == DISTRICT else _("Occupation group")
        return [
            Column(first, TEXT, 50),
            Column(_("Open vacancies"), INTEGER, 14),
            Column(_("Places"), INTEGER, 12),
            Column(_("Free places"), INTEGER, 12),
        ]

    def lines(self):
        totals = [0, 0, 0]
        for label, row in self.rows:
            figures = [row["vacancies"], row["places"], row["places"] - row["filled"]]
            totals = [total + figure for total, figure in zip(totals, figures, strict=True)]
            yield "row", [label, *figures]
        yield "total", [_("Total"), *totals]


BY_CHOICES = [*OCCUPATION_GROUPS, (DISTRICT, gettext_lazy("district"))]


class SurveyReportForm(forms.Form):
    campaign = forms.ModelChoiceField(
        SurveyCampaign.objects.all(), label=gettext_lazy("staffing-needs survey")
    )
    by = forms.ChoiceField(choices=BY_CHOICES, label=gettext_lazy("counted by"), initial=MAJOR)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = SurveyCampaign.objects.visible_to(user).select_related(
            "region"
        )


class OpenVacanciesForm(forms.Form):
    region = forms.ModelChoiceField(Region.objects.all(), label=gettext_lazy("region"))
    by = forms.ChoiceField(choices=BY_CHOICES, label=gettext_lazy("counted by"), initial=MAJOR)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.worked_in_by(user)


def by_label(by):
    return dict(BY_CHOICES)[by]


class SurveyReportView(ReportView):
    name = "survey"
    model = SurveyResponse
    template = "vacancies/report_groups.html"
    title = gettext_lazy("Staffing-needs survey results")

    def defaults(self):
        return {"by": MAJOR}

    def form(self, request, data):
        return SurveyReportForm(data, user=request.user)

    def contents(self, request, choices):
        campaign, by = choices["campaign"], choices["by"]
        report = SurveyResults(campaign, by, SurveyLine.objects.visible_to(request.user))
        title_lines = [
            (_("Survey"), campaign.title),
            (
                _("Period"),
                f"{campaign.starts_on:%d.%m.%Y} – {campaign.ends_on:%d.%m.%Y}",
            ),
            (_("Organizations surveyed"), report.surveyed),
            (_("of them with vacancies"), report.with_vacancies),
            (_("Counted by"), by_label(by)),
        ]
        place = place_of(request.user, campaign.region)
        file_stem = f"{_('Survey results')} — {place} — {campaign.starts_on:%m.%Y}"
        return Contents(report, place, title_lines, file_stem)


class OpenVacanciesView(ReportView):
    name = "open_vacancies"
    model = Vacancy
    template = "vacancies/report_groups.html"
    title = gettext_lazy("Open vacancies by occupation group")

    def defaults(self):
        return {"by": MAJOR}

    def form(self, request, data):
        return OpenVacanciesForm(data, user=request.user)

    def contents(self, request, choices):
        region, by = choices["region"], choices["by"]
        vacancies = Vacancy.objects.visible_to(request.user).filter(region=region)
        report = OpenVacancies(vacancies, by)
        place = place_of(request.user, region)
        return Contents(
            report,
            place,
            [(_("Counted by"), by_label(by))],
            f"{_('Open vacancies')} — {place}",
        )


survey_report = SurveyReportView.as_view()
open_vacancies_report = OpenVacanciesView.as_view()
