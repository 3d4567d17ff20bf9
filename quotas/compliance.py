"""The quota-compliance sheet and the measures report, as tables and as spreadsheet files.

The numbers come from queryset annotations in one query; here they are only grouped, summed and
laid out, so the page, the XLSX and the CSV always show the same table.
"""

import csv
import io
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.formats import escape_formula

from .models import EmploymentMeasure, Placement

NUMBER_COLUMNS = ["headcount", "excluded", "places", "filled", "vacant"]


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
        for name in NUMBER_COLUMNS:
            setattr(self, name, getattr(self, name) + getattr(row, name))
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
        quotas = compliance_queryset.select_related(
            "organization__region", "organization__district", "category"
        ).order_by(
            "organization__region__name_ru",
            "organization__district__name_ru",
            "organization__name_ru",
            "category_id",
        )
        # In chunks: a national sheet's 100,000 quotas are never all in memory as models.
        quotas = quotas.iterator(chunk_size=5000)
        self.groups = []
        self.total = Totals(_("Total"))
        self.region_totals = {}
        for number, quota in enumerate(quotas, start=1):
            months = fills.get(quota.pk) or []
            year_mean_filled = sum(months) / len(months) if months else None
            organization = quota.organization
            region = organization.region.name
            district = organization.district.name if organization.district else _("no district")
            if not self.groups or (self.groups[-1].region, self.groups[-1].district) != (
                region,
                district,
            ):
                self.groups.append(
                    DistrictGroup(region, district, totals=Totals(f"{_('Subtotal')}: {district}"))
                )
            row = SheetRow(
                number=number,
                bin=organization.bin,
                organization=organization.display_name,
                district=district,
                category=str(quota.category),
                headcount=quota.headcount,
                excluded=quota.excluded_headcount if quota.category.excludes_hazardous else 0,
                percent=quota.percent,
                places=quota.places,
                filled=quota.filled,
                vacant=quota.vacant,
                fulfilment=None if quota.fulfilment is None else round(quota.fulfilment, 1),
                year_mean_filled=year_mean_filled,
                year_fulfilment=(
                    None
                    if year_mean_filled is None or not quota.places
                    else round(year_mean_filled * 100 / quota.places, 1)
                ),
                stated_differs=quota.stated_differs,
            )
            self.groups[-1].rows.append(row)
            self.groups[-1].totals.add(row)
            self.region_totals.setdefault(region, Totals(f"{_('Total')}: {region}")).add(row)
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
        """A print-ready workbook, streamed row by row: memory does not grow with the sheet."""
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
        from openpyxl.utils import get_column_letter
        from openpyxl.worksheet.worksheet import Worksheet

        book = Workbook(write_only=True)
        sheet = book.create_sheet(_("Compliance")[:31])
        thin = Side(style="thin", color="999999")
        border = Border(left=thin, right=thin, top=thin, bottom=thin)
        shade = PatternFill("solid", fgColor="E8EEF4")
        centred = Alignment(wrap_text=True, vertical="center", horizontal="center")
        # Named once, a style costs a cell a lookup; set attribute by attribute, it costs hashing
        # a border and a font. Rows of data carry no style at all (a national sheet has a
        # million cells): the printed grid comes from the page setup.
        for name, options in {
            "jumys-title": {"font": Font(bold=True, size=14)},
            "jumys-plain": {},
            "jumys-total": {"border": border, "font": Font(bold=True), "fill": shade},
            "jumys-header": {
                "border": border,
                "font": Font(bold=True),
                "fill": shade,
                "alignment": centred,
            },
        }.items():
            book.add_named_style(NamedStyle(name=name, **options))

        def cell(value, style=None, text=False):
            risky = text and isinstance(value, str) and value.startswith(("=", "+", "-", "@"))
            if style is None and not risky:
                return value
            item = WriteOnlyCell(sheet, value=value)
            if style is not None:
                item.style = style
            if risky:
                # Names and BINs are text, never formulas.
                item.data_type = "s"
                item.quotePrefix = True
            return item

        widths = [5, 14, 48, 24, 12, 12, 9, 10, 10, 10, 12, 12]
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        header_row = len(title_lines) + 3
        sheet.freeze_panes = f"A{header_row + 1}"
        sheet.print_title_rows = f"{header_row}:{header_row}"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.oddFooter.center.text = "&P / &N"
        sheet.print_options.gridLines = True

        sheet.append([cell(title, "jumys-title")])
        for label, value in title_lines:
            sheet.append([cell(label, "jumys-plain"), cell(value, "jumys-plain", text=True)])
        sheet.append([])
        sheet.append([cell(h, "jumys-header") for h in self.headers()])
        for kind, values in self.lines():
            style = None if kind == "row" else "jumys-total"
            sheet.append(
                [cell(value, style, text=index in (1, 2, 3)) for index, value in enumerate(values)]
            )
        buffer = io.BytesIO()
        book.save(buffer)
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
