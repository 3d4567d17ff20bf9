"""The front page as a working place: the year and region chosen, bars that open their quotas,
overdue commitments someone can still act on, and the app pages left without its figures."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from registry.models import Region
from tests.factories import (
    CommitmentFactory,
    OrganizationFactory,
    PlacementFactory,
    QuotaFactory,
    memorandum_with_parties,
)

pytestmark = pytest.mark.django_db
INDEX = reverse("admin:index")
DAY = datetime.date(2026, 9, 15)


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch):
    monkeypatch.setattr("config.dashboard.today", lambda: DAY)
    monkeypatch.setattr("quotas.models.today", lambda: DAY)
    monkeypatch.setattr("memoranda.models.today", lambda: DAY)


def quota_in(kato, year, filled=1):
    region = Region.objects.get(kato=kato)
    quota = QuotaFactory(
        organization=OrganizationFactory(region=region),
        year=year,
        headcount=100,
        percent=Decimal(2),
    )
    for _ in range(filled):
        PlacementFactory(
            quota=quota, organization=quota.organization, start_on=datetime.date(year, 2, 1)
        )
    return quota


def test_a_past_year_is_chosen_and_its_bars_open_the_quotas_they_count(admin_client):
    quota_in("350000000", 2026)
    past = quota_in("350000000", 2025, filled=2)
    quota_in("110000000", 2025)
    karaganda = Region.objects.get(kato="350000000")
    dashboard = admin_client.get(INDEX, {"year": 2025, "region": karaganda.pk}).context["dashboard"]
    assert dashboard.year == 2025 and dashboard.years == [2026, 2025]
    bars = {bar.label: bar for bar in dashboard.by_region}
    karaganda = bars["Карагандинская область"]
    # Filled as at the end of 2025 (placements open-ended since February).
    assert (karaganda.filled, karaganda.places) == (2, 2)
    listed = admin_client.get(karaganda.changelist)
    assert [quota.pk for quota in listed.context["cl"].result_list] == [past.pk]
    district = dashboard.by_district[0]
    assert district.label == str(past.organization.district)
    listed = admin_client.get(district.changelist)
    assert [quota.pk for quota in listed.context["cl"].result_list] == [past.pk]


def test_a_year_without_quotas_falls_back_to_the_current_one(admin_client):
    quota_in("350000000", 2026)
    assert admin_client.get(INDEX, {"year": 1999}).context["dashboard"].year == 2026


def test_the_front_page_uses_two_columns_with_the_registries_beside_the_charts(admin_client):
    quota_in("350000000", 2026)
    content = admin_client.get(INDEX).content.decode()
    columns = content.index('class="dashboard-columns"')
    side = content.index('class="dashboard-side"')
    assert columns < content.index("chart-regions") < side
    assert side < content.index(reverse("admin:registry_organization_changelist"))
    assert 'name="year"' in content and 'name="region"' in content


def test_overdue_commitments_listed_are_those_someone_can_still_act_on(admin_client):
    current, _parties = memorandum_with_parties(
        signed_on=datetime.date(2025, 1, 15), valid_until=datetime.date(2027, 1, 14)
    )
    ended, _parties = memorandum_with_parties(
        signed_on=datetime.date(2019, 1, 15), valid_until=datetime.date(2020, 1, 14)
    )
    acted_on = CommitmentFactory(memorandum=current, due_on=datetime.date(2026, 6, 30))
    CommitmentFactory(memorandum=ended, due_on=datetime.date(2019, 12, 31))
    recent = CommitmentFactory(memorandum=ended, due_on=datetime.date(2026, 8, 1))
    response = admin_client.get(INDEX)
    assert response.context["dashboard"].overdue == [recent, acted_on]
    assert reverse("admin:memoranda_commitment_change", args=[acted_on.pk]) in (
        response.content.decode()
    )


def test_an_apps_page_shows_its_models_without_the_front_pages_figures(admin_client):
    content = admin_client.get(reverse("admin:app_list", args=["registry"])).content.decode()
    assert "dashboard-counts" not in content
    assert reverse("admin:registry_organization_changelist") in content


def test_the_registries_come_first_in_the_list_of_apps(admin_client):
    apps = [app["app_label"] for app in admin_client.get(INDEX).context["app_list"]]
    assert apps[:3] == ["registry", "memoranda", "quotas"]
