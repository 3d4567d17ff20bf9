"""The figures on the admin's front page, for the user's regions, in a bounded number of queries."""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone

from memoranda.models import Commitment, Memorandum
from quotas.models import EmploymentMeasure, Placement, Quota
from registry.models import District, Organization, Region, in_regions_of

LIST_LENGTH = 10


def today():
    return timezone.localdate()


@dataclass
class Bar:
    label: str
    places: int
    filled: int
    # The region's or district's id: what a bar is chosen and drilled into by.
    url: str = ""
    # The quota list filtered to the bar's region or district and year.
    changelist: str = ""

    @property
    def percent(self):
        return None if not self.places else round(self.filled * 100 / self.places, 1)

    @property
    def width(self):
        """The filled share as a bar width, capped at 100 %."""
        return min(self.percent or 0, 100)


def month_starts(today, count=12):
    first = today.replace(day=1)
    months = []
    for _ in range(count):
        months.append(first)
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return list(reversed(months))


class Dashboard:
    def __init__(self, user, region_id=None, year=None, on=None):
        self.today = on or today()
        self.user = user
        self.years = self.quota_years()
        self.year = (
            int(year) if str(year).isdigit() and int(year) in self.years else self.today.year
        )
        quotas = in_regions_of(Quota.objects.filter(year=self.year), user).with_compliance(
            Quota.judged_on(self.year, self.today)
        )
        self.by_region = self.fulfilment(quotas, "organization__region")
        self.region = self.pick_region(region_id)
        self.by_district = (
            self.fulfilment(
                quotas.filter(organization__region=self.region), "organization__district"
            )
            if self.region
            else []
        )
        self.totals = Bar(
            "",
            sum(bar.places for bar in self.by_region),
            sum(bar.filled for bar in self.by_region),
        )
        self.months, self.measure_rows, self.month_totals = self.placements_by_month()
        self.expiring = list(
            in_regions_of(Memorandum.objects.all(), user)
            .expiring_within(90, self.today)
            .order_by("valid_until")[:LIST_LENGTH]
        )
        # The most recently due first: what can still be caught up on.
        self.overdue = list(
            in_regions_of(Commitment.objects.all(), user)
            .overdue_to_act_on(self.today)
            .select_related("memorandum", "responsible")
            .order_by("-due_on", "pk")[:LIST_LENGTH]
        )
        self.counts = {
            "organizations": in_regions_of(Organization.objects.all(), user).count(),
            "memoranda_in_force": in_regions_of(Memorandum.objects.all(), user)
            .in_force(self.today)
            .count(),
            "placements_active": in_regions_of(Placement.objects.all(), user)
            .active_on(self.today)
            .count(),
        }

    def quota_years(self):
        """The years with quotas the user may see, and the current one, newest first."""
        years = in_regions_of(Quota.objects.all(), self.user).order_by().values_list("year")
        return sorted({self.today.year, *(year for (year,) in years.distinct())}, reverse=True)

    def quota_list(self, path, key):
        filters = {f"organization__{path}__id__exact": key, "year": self.year}
        if path == "district" and self.region:
            filters["organization__region__id__exact"] = self.region.pk
        return f"{reverse('admin:quotas_quota_changelist')}?{urlencode(filters)}"

    def fulfilment(self, quotas, path):
        rows = (
            quotas.order_by()
            .values(path)
            .annotate(places=Sum("effective_places"), filled=Sum("filled"))
            .values_list(path, "places", "filled")
        )
        model = Region if path.endswith("region") else District
        names = {obj.pk: obj.name for obj in model.objects.filter(pk__in=[r[0] for r in rows])}
        level = path.rpartition("__")[2]
        bars = [
            Bar(
                names.get(key, "—"),
                places or 0,
                filled or 0,
                key,
                self.quota_list(level, key) if key else "",
            )
            for key, places, filled in rows
        ]
        return sorted(bars, key=lambda bar: (bar.percent is None, bar.percent or 0))

    def pick_region(self, region_id):
        keys = [bar.url for bar in self.by_region]
        if region_id and str(region_id).isdigit() and int(region_id) in keys:
            chosen = int(region_id)
        elif keys:
            # The region with the most quota places: the one a national user most likely wants.
            chosen = max(self.by_region, key=lambda bar: bar.places).url
        else:
            return None
        return Region.objects.get(pk=chosen)

    def placements_by_month(self):
        months = month_starts(self.today)
        placements = (
            in_regions_of(Placement.objects.all(), self.user)
            .filter(start_on__gte=months[0], start_on__lte=self.today)
            .annotate(month=TruncMonth("start_on"))
            .order_by()
            .values_list("month", "measure")
            .annotate(count=Count("pk"))
        )
        counts = {}
        for month, measure, count in placements:
            month = month.date() if isinstance(month, datetime.datetime) else month
            counts[(month, measure)] = count
        measures = list(EmploymentMeasure.objects.all())
        rows = []
        for measure in measures:
            values = [counts.get((month, measure.pk), 0) for month in months]
            if any(values):
                rows.append((measure, values))
        totals = [sum(values[i] for _m, values in rows) for i in range(len(months))]
        return months, rows, totals

    def month_columns(self, height=180, step=58):
        """Geometry of the stacked monthly columns, computed here so the SVG stays plain."""
        peak = max(self.month_totals, default=0) or 1
        columns = []
        for index, month in enumerate(self.months):
            top = height
            segments = []
            for measure, values in self.measure_rows:
                if values[index]:
                    size = values[index] * height / peak
                    top -= size
                    segments.append(
                        {"measure": measure, "count": values[index], "y": top, "height": size}
                    )
            columns.append(
                {
                    "x": index * step,
                    "month": month,
                    "total": self.month_totals[index],
                    "label_y": top - 4,
                    "segments": segments,
                }
            )
        return columns
