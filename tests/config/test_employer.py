"""An organization's page shows what the other registries hold about it, with counts and links."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    CommitmentFactory,
    OrganizationFactory,
    PlacementFactory,
    QuotaFactory,
    SpecialWorkplaceFactory,
    memorandum_with_parties,
)

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 9, 15)


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch):
    monkeypatch.setattr("config.employer.today", lambda: DAY)
    monkeypatch.setattr("quotas.models.today", lambda: DAY)
    monkeypatch.setattr("memoranda.models.today", lambda: DAY)


def with_records(employer, count):
    """`count` of each record an employer's page sums up."""
    quota = QuotaFactory(organization=employer, year=DAY.year, headcount=400, percent=Decimal(4))
    QuotaFactory(organization=employer, year=DAY.year - 1)
    for _ in range(count):
        PlacementFactory(organization=employer, quota=quota, start_on=datetime.date(2026, 2, 1))
        SpecialWorkplaceFactory(organization=employer)
        memorandum, _parties = memorandum_with_parties()
        memorandum.parties.create(organization=employer, signatory_name="Ким А.")
        CommitmentFactory(
            memorandum=memorandum, responsible=employer, due_on=datetime.date(2026, 6, 30)
        )


def page_of(client, employer):
    return client.get(reverse("admin:registry_organization_change", args=[employer.pk]))


def test_the_page_counts_quotas_placements_workplaces_memoranda_and_commitments(admin_client):
    employer = OrganizationFactory(headcount=400)
    with_records(employer, 3)
    response = page_of(admin_client, employer)
    picture = response.context["picture"]
    assert [(str(part.title), part.count) for part in picture.parts] == [
        ("Квоты на 2026 год", 1),
        ("Трудоустройства", 3),
        ("Специальные рабочие места", 3),
        ("Меморандумы", 3),
        ("Обязательства", 3),
    ]
    quota = picture.quotas[0]
    assert (quota.effective_places, quota.filled) == (16, 3)
    # Due on 30.06, nothing reported: all three overdue on the fixed day.
    assert picture.parts[4].details[0][1] == 3
    content = response.content.decode()
    for part in picture.parts:
        assert part.url.replace("&", "&amp;") in content


def test_each_count_links_to_a_list_that_shows_as_many(admin_client):
    employer = OrganizationFactory(headcount=400)
    with_records(employer, 2)
    with_records(OrganizationFactory(), 1)  # another employer's records stay out
    picture = page_of(admin_client, employer).context["picture"]
    for part in picture.parts:
        listed = admin_client.get(part.url)
        assert listed.status_code == 200, part.url
        assert listed.context["cl"].result_count == part.count, part.url


def test_the_page_takes_as_many_queries_for_many_related_rows_as_for_few(admin_client):
    counts = []
    for count in (1, 8):
        employer = OrganizationFactory(headcount=400)
        with_records(employer, count)
        with CaptureQueriesContext(connection) as queries:
            assert page_of(admin_client, employer).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_user_without_the_quota_registries_sees_only_what_they_may(client, make_staff):
    employer = OrganizationFactory()
    with_records(employer, 1)
    staff = make_staff("editor", ["view_organization", "change_organization"], national=True)
    client.force_login(staff)
    assert page_of(client, employer).context["picture"].parts == []


def test_a_placement_is_added_from_the_employers_page_with_the_employer_chosen(
    client, admin_client, make_staff
):
    employer = OrganizationFactory()
    page = page_of(admin_client, employer)
    add = f"{reverse('admin:quotas_placement_add')}?organization={employer.pk}"
    assert f'href="{add}"' in page.content.decode()
    form = admin_client.get(add).context["adminform"].form
    assert form.initial["organization"] == str(employer.pk)
    # Only for a user who may add placements.
    viewer = make_staff("viewer", ["view_organization", "view_placement"], national=True)
    client.force_login(viewer)
    assert add not in page_of(client, employer).content.decode()
