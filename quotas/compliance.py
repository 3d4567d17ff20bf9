"""The quota-compliance sheet, quotas by employer and month, and the measures report, as
tables that their pages show and their files (`report_files`) hold.

The numbers come from queryset annotations in one query; here they are only grouped, summed and
laid out, so the page, the XLSX and the CSV always show the same table.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from registry.models import District, Organization, Region

from .models import EmploymentMeasure, Placement, Quota, QuotaCategory, month_ends
from .report_files import DECIMAL, INTEGER, TEXT, Column, ReportTable

# The reference measure (fixtures/reference/employment_measures.json) of quota workplaces.
QUOTA_PLACE = "quota_place"


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


class ComplianceSheet(ReportTable):
    """Quotas as of a report date, grouped by region and district, with subtotals and a total.

    Takes quotas already annotated by `with_compliance(report_date)`, as the sheet's filters
    need those annotations to filter on; `for_quotas` annotates plain ones.
    """

    def __init__(self, compliance_queryset, report_date):
        self.report_date = report_date
        years = compliance_queryset.year_compliance(report_date)
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
            year = years[pk]
            region = regions[region_id]
            district = districts[district_id] if district_id else no_district
            if not self.groups or (self.groups[-1].region, self.groups[-1].district) != (
                region,
                district,
            ):
                self.groups.append(
                    DistrictGroup(
                        region,
                        district,
                        totals=Totals(_("Subtotal for %(district)s") % {"district": district}),
                    )
                )
            category = categories[category_id]
            places = Quota.places_from(stated_places, computed_places)
            fulfilment = Quota.fulfilment_of(places, filled)
            year_fulfilment = year.fulfilment(places)
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
                year_mean_filled=year.mean_filled,
                year_fulfilment=None if year_fulfilment is None else round(year_fulfilment, 1),
                stated_differs=Quota.stated_places_differ(stated_places, computed_places),
            )
            self.groups[-1].rows.append(row)
            self.groups[-1].totals.add(row)
            if region not in self.region_totals:
                self.region_totals[region] = Totals(_("Total for %(region)s") % {"region": region})
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
    def columns():
        return [
            Column(_("№"), INTEGER, 5),
            Column(_("BIN"), TEXT, 14),
            Column(_("Organization"), TEXT, 48),
            Column(_("District"), TEXT, 24),
            Column(_("List headcount"), INTEGER, 12),
            Column(_("Excluded"), INTEGER, 12),
            Column(_("Quota, %"), DECIMAL, 9),
            Column(_("Quota places"), INTEGER, 10),
            Column(_("Filled"), INTEGER, 10),
            Column(_("Vacant"), INTEGER, 10),
            Column(_("Fulfilment, %"), DECIMAL, 12),
            Column(_("Year average, %"), DECIMAL, 12),
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
            None,
            None,
            totals.label,
            None,
            totals.headcount,
            totals.excluded,
            None,
            totals.places,
            totals.filled,
            totals.vacant,
            totals.fulfilment,
            totals.year_fulfilment,
        ]

    def lines(self):
        """Every line of the table in order, as ("district" | "row" | "subtotal" | "total", values):
        a district's heading, its quotas, its subtotal; regions' totals and the total last."""
        for group in self.groups:
            yield "district", [None, None, group.district, *[None] * 9]
            for row in group.rows:
                yield "row", self.row_values(row)
            yield "subtotal", self.totals_values(group.totals)
        if len(self.region_totals) > 1:
            for totals in self.region_totals.values():
                yield "subtotal", self.totals_values(totals)
        yield "total", self.totals_values(self.total)

    def file_columns(self):
        """The columns, the organization's as wide as its longest name (within a page)."""
        columns = self.columns()
        longest = max((len(row.organization) for row in self.rows), default=0)
        columns[2].width = min(max(24, longest + 2), 60)
        return columns


class MeasuresReport(ReportTable):
    """People covered by each employment measure within a period; a person counts once in all.

    Placements against a quota are counted on a line of their own, whatever measure they were
    made under (a quota place is usually filled through a vacancy): the line the akimat asks
    for beside the quota places filled.
    """

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
            (measure, counts.get(measure.pk, 0))
            for measure in EmploymentMeasure.objects.exclude(code=QUOTA_PLACE)
        ]
        totals = placements.aggregate(
            people=Count("person", distinct=True),
            disabled=Count(
                "person", distinct=True, filter=Q(person__social_categories__code="disability")
            ),
            against_quota=Count(
                "person",
                distinct=True,
                filter=Q(quota__isnull=False) | Q(measure__code=QUOTA_PLACE),
            ),
        )
        self.total = totals["people"]
        self.disability_total = totals["disabled"]
        self.quota_total = totals["against_quota"]

    @staticmethod
    def columns():
        return [Column(_("Employment measure"), TEXT, 60), Column(_("People"), INTEGER, 14)]

    def lines(self):
        for measure, people in self.rows:
            yield "row", [str(measure), people]
        yield "subtotal", [_("On quota workplaces (placements against a quota)"), self.quota_total]
        yield "total", [_("People covered, each counted once"), self.total]
        yield "subtotal", [_("of them people with disabilities"), self.disability_total]


class EmployerMonths(ReportTable):
    """Each employer's quota places and the places filled at every month end of a year, the
    vacancies at the last month end passed, and how many month ends found the quota unmet:
    the employers an akimat is told about."""

    def __init__(self, quotas, year, on):
        self.year, self.on = year, on
        self.month_ends = [end for end in month_ends(year) if end <= on]
        years = quotas.year_compliance(on)
        values = quotas.order_by(
            "organization__district__name_ru", "organization__name_ru", "pk"
        ).values_list(
            "pk",
            "organization__bin",
            "organization__short_name",
            "organization__name_ru",
            "organization__name_kk",
            "organization__district_id",
            "stated_places",
            "computed_places",
        )
        districts = {district.pk: district.name for district in District.objects.all()}
        language = get_language()
        self.rows = []
        self.total_places = 0
        self.total_months = [0] * len(self.month_ends)
        for number, row in enumerate(values, start=1):
            pk, bin_, short_name, name_ru, name_kk, district_id, stated, computed = row
            places = Quota.places_from(stated, computed)
            months = list(years[pk].months)
            last = months[-1] if months else 0
            self.rows.append(
                {
                    "number": number,
                    "bin": bin_,
                    "organization": Organization.name_for_display(
                        short_name, name_ru, name_kk, language
                    ),
                    "district": districts.get(district_id, _("no district")),
                    "places": places,
                    "months": months,
                    "vacant": Quota.vacancy(places, last),
                    "months_below": sum(filled < places for filled in months),
                }
            )
            self.total_places += places
            self.total_months = [a + b for a, b in zip(self.total_months, months, strict=True)]

    def below_for(self, months):
        """Only the employers below their quota at `months` month ends or more."""
        self.rows = [row for row in self.rows if row["months_below"] >= months]
        self.total_places = sum(row["places"] for row in self.rows)
        self.total_months = [
            sum(row["months"][index] for row in self.rows) for index in range(len(self.month_ends))
        ]
        return self

    def columns(self):
        longest = max((len(row["organization"]) for row in self.rows), default=0)
        return [
            Column(_("№"), INTEGER, 5),
            Column(_("BIN"), TEXT, 14),
            Column(_("Organization"), TEXT, min(max(24, longest + 2), 50)),
            Column(_("District"), TEXT, 20),
            Column(_("Quota places"), INTEGER, 9),
            *[Column(end.strftime("%d.%m"), INTEGER, 7) for end in self.month_ends],
            Column(_("Vacant"), INTEGER, 9),
            Column(_("Months below quota"), INTEGER, 11),
        ]

    def lines(self):
        for row in self.rows:
            yield (
                "row",
                [
                    row["number"],
                    row["bin"],
                    row["organization"],
                    row["district"],
                    row["places"],
                    *row["months"],
                    row["vacant"],
                    row["months_below"],
                ],
            )
        yield (
            "total",
            [
                None,
                None,
                _("Total"),
                None,
                self.total_places,
                *self.total_months,
                sum(row["vacant"] for row in self.rows),
                None,
            ],
        )
