import datetime
import io

import pytest
from django.core.management import call_command
from django.db.models import Sum

from memoranda.models import Memorandum
from quotas.compliance import MeasuresReport
from quotas.models import Placement, Quota, SpecialWorkplace
from registry.models import Organization, Region

pytestmark = pytest.mark.django_db
DEMO_COMMANDS = ["load_demo", "load_demo_memoranda", "load_demo_quotas"]


def load_demo():
    for command in DEMO_COMMANDS:
        call_command(command, stdout=io.StringIO())


def counts():
    return (Organization.objects.count(), Memorandum.objects.count(), Quota.objects.count())


# One test: loading the demo takes seconds, and every check below reads the same data.
def test_demo_reproduces_the_seed_articles_and_loading_again_adds_nothing():
    load_demo()

    assert 2000 <= Organization.objects.count() <= 2100
    for name in ["Гормолзавод", "Тыныс", "КАМАЗ-Инжиниринг", "Филип Моррис", "Kásip-kz"]:
        assert Organization.objects.filter(name_ru__contains=name).exists(), name

    ile = Memorandum.objects.get(number="ИЛЕ-2019/01")
    assert (ile.parties.count(), ile.commitments.count()) == (5, 3)

    # Seed 004, Karaganda region.
    karaganda = Region.objects.get(kato="350000000")
    quotas = Quota.objects.filter(
        organization__region=karaganda, year=2026, category__code="disability"
    )
    assert quotas.values("organization").distinct().count() == 89
    assert sum(quota.places for quota in quotas) == 219
    assert quotas.aggregate(Sum("computed_places"))["computed_places__sum"] == 219
    workplaces = SpecialWorkplace.objects.filter(organization__region=karaganda)
    assert workplaces.filter(impairment="hearing", disability_group="3").count() == 11
    report = MeasuresReport(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), karaganda)
    by_measure = {measure.code: people for measure, people in report.rows}
    assert (
        by_measure["vacancy"],
        by_measure["social_workplace"],
        by_measure["public_works"],
        by_measure["silver_age"],
    ) == (358, 15, 290, 106)
    assert report.total == report.disability_total == 1120
    # The quota places filled are on their own line, within the 358 placed on vacancies.
    filled = Placement.objects.filter(quota__in=quotas).count()
    assert report.quota_total == filled == 170

    before = counts()
    load_demo()
    assert counts() == before
