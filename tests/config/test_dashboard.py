import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.models import Region
from tests.conftest import ALMATY_NOON
from tests.factories import (
    CommitmentFactory,
    OrganizationFactory,
    PlacementFactory,
    QuotaFactory,
    memorandum_with_parties,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_now")]
INDEX = reverse("admin:index")
TODAY = ALMATY_NOON.date()
THIS_YEAR = TODAY.year


def quotas_in(kato, count, filled_each=1):
    region = Region.objects.get(kato=kato)
    for _ in range(count):
        quota = QuotaFactory(
            organization=OrganizationFactory(region=region, district=None),
            year=THIS_YEAR,
            headcount=100,
            percent=Decimal(2),
        )
        for _ in range(filled_each):
            PlacementFactory(quota=quota, organization=quota.organization, start_on=TODAY)


def test_dashboard_shows_fulfilment_by_region_with_its_numbers(admin_client):
    quotas_in("350000000", 3)  # 3 of 6 places filled
    quotas_in("110000000", 1, filled_each=2)  # 2 of 2
    response = admin_client.get(INDEX)
    dashboard = response.context["dashboard"]
    bars = {bar.label: (bar.filled, bar.places, bar.percent) for bar in dashboard.by_region}
    assert bars == {
        "Карагандинская область": (3, 6, 50.0),
        "Акмолинская область": (2, 2, 100.0),
    }
    content = response.content.decode()
    assert "<svg" in content and "3 / 6" in content
    assert dashboard.months[-1] == TODAY.replace(day=1)
    assert sum(dashboard.month_totals) == 5


def test_dashboard_lists_expiring_memoranda_and_overdue_commitments(admin_client):
    today = TODAY
    memorandum, _parties = memorandum_with_parties(
        signed_on=today - datetime.timedelta(days=200),
        valid_until=today + datetime.timedelta(days=40),
    )
    CommitmentFactory(memorandum=memorandum, due_on=today - datetime.timedelta(days=3))
    content = admin_client.get(INDEX).content.decode()
    assert reverse("admin:memoranda_memorandum_change", args=[memorandum.pk]) in content
    assert memorandum.number in content


def test_dashboard_query_count_does_not_grow_with_data(admin_client):
    counts = []
    for batch in (1, 12):
        quotas_in("350000000", batch)
        memorandum_with_parties()
        with CaptureQueriesContext(connection) as queries:
            admin_client.get(INDEX)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 25


def test_dashboard_keeps_to_the_users_regions(client, make_staff):
    quotas_in("350000000", 2)
    quotas_in("110000000", 1)
    staff = make_staff("akmola", ["view_quota", "view_placement"], regions=["110000000"])
    client.force_login(staff)
    dashboard = client.get(INDEX).context["dashboard"]
    assert [bar.label for bar in dashboard.by_region] == ["Акмолинская область"]
