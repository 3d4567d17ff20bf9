"""The quota-compliance sheet and the measures report, as tables and as spreadsheet files.

The numbers come from queryset annotations in one query; here they are only grouped, summed and
laid out, so the page, the XLSX and the CSV always show the same table.
"""

import csv
import io
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from config.spreadsheets.formats import escape_formula
from registry.models import District, Organization, Region

from .models import EmploymentMeasure, Placement, Quota, QuotaCategory


def percent(part, whole):
    return None if not whole else round(part * 100 / whole, 1)


@dataclass
class Totals:
    label: str
    headcount: int = 0
    excluded: int = 0
    places: int = 0
    filled: int = 0
    vacant: int = 0
    year_mean_filled: float = 0.0

    def add(self, row):
        # Spelled out: a national sheet adds each of its 100,000 rows to three totals.
        self.headcount += row.headcount
        self.excluded += row.excluded
        self.places += row.places
        self.filled += row.filled
        self.vacant += row.vacant
        self.year_mean_filled += row.year_mean_filled or 0

    @property
    def fulfilment(self):
        return percent(self.filled, self.places)

    @property
    def year_fulfilment(self):
        return percent(self.year_mean_filled, self.places)


@dataclass
class SheetRow:
    number: int
    bin: str
    organization: str
    district: str
    category: str
    headcount: int
    excluded: int
    percent: object
    places: int
    filled: int
    vacant: int
    fulfilment: float | None
    year_mean_filled: float
    year_fulfilment: float | None
    stated_differs: bool


@dataclass
class DistrictGroup:
    region: str
    district: str
    rows: list = field(default_factory=list)
    totals: Totals = None


class ComplianceSheet:
    """Quotas as of a report date, grouped by region and district, with subtotals and a total.

    Takes quotas already annotated by `with_compliance(report_date)`, as the sheet's filters
    need those annotations to filter on; `for_quotas` annotates plain ones.
    """

    def __init__(self, compliance_queryset, report_date):
        self.report_date = report_date
        fills = compliance_queryset.month_end_fills(report_date)
        # Plain values, read in chunks: a national sheet's 100,000 quotas are never models,
        # and the compliance annotations the sheet does not show are not computed.
        quotas = compliance_queryset.order_by(
            "organization__region__name_ru",
            "organization__district__name_ru",
            "organization__name_ru",
            "category_id",
        ).values_list(
            "pk",
            "organization__bin",
            "organization__short_name",
            "organization__name_ru",
            "organization__name_kk",
            "organization__region_id",
            "organization__district_id",
            "category_id",
            "headcount",
            "excluded_headcount",
            "percent",
            "stated_places",
            "computed_places",
        )
        filled_counts = compliance_queryset.filled_counts(report_date)
        regions = {region.pk: region.name for region in Region.objects.all()}
        districts = {district.pk: district.name for district in District.objects.all()}
        categories = {category.pk: category for category in QuotaCategory.objects.all()}
        category_names = {pk: str(category) for pk, category in categories.items()}
        language = get_language()
        self.groups = []
        self.total = Totals(_("Total"))
        self.region_totals = {}
        no_district = _("no district")
        for number, values in enumerate(quotas.iterator(chunk_size=5000), start=1):
            (
                pk,
                bin_,
                short_name,
                name_ru,
                name_kk,
                region_id,
                district_id,
                category_id,
                headcount,
                excluded_headcount,
                quota_percent,
                stated_places,
                computed_places,
            ) = values
            filled = filled_counts.get(pk, 0)
            months = fills.get(pk) or []
            year_mean_filled = sum(months) / len(months) if months else None
            region = regions[region_id]
            district = districts[district_id] if district_id else no_district
            if not self.groups or (self.groups[-1].region, self.groups[-1].district) != (
                region,
                district,
            ):
                self.groups.append(
                    DistrictGroup(region, district, totals=Totals(f"{_('Subtotal')}: {district}"))
                )
            category = categories[category_id]
            places = Quota.places_from(stated_places, computed_places)
            fulfilment = Quota.fulfilment_of(places, filled)
            year_fulfilment = (
                None if year_mean_filled is None else Quota.fulfilment_of(places, year_mean_filled)
            )
            row = SheetRow(
                number=number,
                bin=bin_,
                organization=Organization.name_for_display(short_name, name_ru, name_kk, language),
                district=district,
                category=category_names[category_id],
                headcount=headcount,
                excluded=excluded_headcount if category.excludes_hazardous else 0,
                percent=quota_percent,
                places=places,
                filled=filled,
                vacant=Quota.vacancy(places, filled),
                fulfilment=None if fulfilment is None else round(fulfilment, 1),
                year_mean_filled=year_mean_filled,
                year_fulfilment=None if year_fulfilment is None else round(year_fulfilment, 1),
                stated_differs=Quota.stated_places_differ(stated_places, computed_places),
            )
            self.groups[-1].rows.append(row)
            self.groups[-1].totals.add(row)
            if region not in self.region_totals:
                self.region_totals[region] = Totals(f"{_('Total')}: {region}")
            self.region_totals[region].add(row)
            self.total.add(row)

    @classmethod
    def for_quotas(cls, queryset, report_date=None):
        report_date = report_date or timezone.localdate()
        return cls(queryset.with_compliance(report_date), report_date)

    @property
    def rows(self):
        return [row for group in self.groups for row in group.rows]

    @staticmethod
    def headers():
        return [
            _("№"),
            _("BIN"),
            _("Organization"),
            _("District"),
            _("List headcount"),
            _("Excluded"),
            _("Quota, %"),
            _("Quota places"),
            _("Filled"),
            _("Vacant"),
            _("Fulfilment, %"),
            _("Year average, %"),
        ]

    @staticmethod
    def row_values(row):
        return [
            row.number,
            row.bin,
            row.organization,
            row.district,
            row.headcount,
            row.excluded,
            float(row.percent),
            row.places,
            row.filled,
            row.vacant,
            row.fulfilment,
            row.year_fulfilment,
        ]

    @staticmethod
    def totals_values(totals):
        return [
            "",
            "",
            totals.label,
            "",
            totals.headcount,
            totals.excluded,
            "",
            totals.places,
            totals.filled,
            totals.vacant,
            totals.fulfilment,
            totals.year_fulfilment,
        ]

    def lines(self):
        """Every line of the table in order: ("row" | "subtotal" | "total", values)."""
        for group in self.groups:
            for row in group.rows:
                yield "row", self.row_values(row)
            yield "subtotal", self.totals_values(group.totals)
        if len(self.region_totals) > 1:
            for totals in self.region_totals.values():
                yield "subtotal", self.totals_values(totals)
        yield "total", self.totals_values(self.total)

    def to_csv(self, title_lines):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        for label, value in title_lines:
            writer.writerow([escape_formula(label), escape_formula(value)])
        writer.writerow([])
        writer.writerow(self.headers())
        for _kind, values in self.lines():
            writer.writerow(["" if v is None else escape_formula(v) for v in values])
        return buffer.getvalue().encode("utf-8-sig")

    def to_xlsx(self, title, title_lines):
        """A print-ready workbook, streamed row by row: memory does not grow with the sheet.

        XlsxWriter in constant-memory mode writes each row as it comes, about twice as fast
        as openpyxl for a national sheet's million cells; no text is ever read as a formula
        or a link.
        """
        import xlsxwriter

        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(
            buffer,
            {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
        )
        sheet = book.add_worksheet(_("Compliance")[:31])
        boxed = {"border": 1, "border_color": "#999999"}
        title_format = book.add_format({"bold": True, "font_size": 14})
        total_format = book.add_format({**boxed, "bold": True, "bg_color": "#E8EEF4"})
        header_format = book.add_format(
            {**boxed, "bold": True, "bg_color": "#E8EEF4", "text_wrap": True, "align": "center"}
            | {"valign": "vcenter"}
        )
        for index, width in enumerate([5, 14, 48, 24, 12, 12, 9, 10, 10, 10, 12, 12]):
            sheet.set_column(index, index, width)
        header_row = len(title_lines) + 2
        sheet.freeze_panes(header_row + 1, 0)
        sheet.repeat_rows(header_row)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.set_footer("&C&P / &N")
        # Rows of data carry no format (a national sheet has a million cells): the printed
        # grid comes from the page setup ("don't hide gridlines" also prints them).
        sheet.hide_gridlines(0)

        sheet.write_string(0, 0, title, title_format)
        for row, (label, value) in enumerate(title_lines, start=1):
            sheet.write_string(row, 0, str(label))
            sheet.write_string(row, 1, str(value))
        sheet.write_row(header_row, 0, [str(header) for header in self.headers()], header_format)
        for row, (kind, values) in enumerate(self.lines(), start=header_row + 1):
            sheet.write_row(row, 0, values, None if kind == "row" else total_format)
        book.close()
        return buffer.getvalue()


class MeasuresReport:
    """People covered by each employment measure within a period; a person counts once in all."""

    def __init__(self, start, end, region=None, placements=None):
        self.start, self.end, self.region = start, end, region
        placements = (placements if placements is not None else Placement.objects).overlapping(
            start, end
        )
        if region is not None:
            placements = placements.filter(organization__region=region)
        counts = dict(
            placements.order_by()
            .values("measure")
            .annotate(people=Count("person", distinct=True))
            .values_list("measure", "people")
        )
        self.rows = [
            (measure, counts.get(measure.pk, 0)) for measure in EmploymentMeasure.objects.all()
        ]
        self.total = placements.aggregate(people=Count("person", distinct=True))["people"]
        self.disability_total = placements.filter(
            Q(person__social_categories__code="disability")
        ).aggregate(people=Count("person", distinct=True))["people"]
