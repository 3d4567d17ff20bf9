import datetime
import io

import pytest
from django.core.management import call_command
from django.db.models import Sum

from quotas.models import Placement, Quota
from registry.models import Organization, Region
from vacancies.models import (
    JobSeeker,
    Referral,
    ReferralOutcome,
    Reservation,
    SeekerRegistration,
    SurveyCampaign,
    SurveyLine,
    SurveyResponse,
    Vacancy,
    VacancySource,
)

pytestmark = pytest.mark.django_db
DEMO_COMMANDS = ["load_demo", "load_demo_memoranda", "load_demo_quotas", "load_demo_vacancies"]
AKMOLA = "110000000"
LABOUR_SURPLUS = ["190000000", "310000000", "610000000", "430000000", "790000000"]
SUPPORT_CITIES = ["710000000", "750000000", "790000000"]
SEED_COMPANIES = ["Гормолзавод", "Тыныс", "КАМАЗ-Инжиниринг", "КАИК", "ЕПК «Степногорск"]


def load_demo():
    for command in DEMO_COMMANDS:
        call_command(command, stdout=io.StringIO())


def counts():
    return tuple(
        model.objects.count()
        for model in (
            Organization,
            SurveyResponse,
            SurveyLine,
            Vacancy,
            Reservation,
            JobSeeker,
            Referral,
            Placement,
        )
    )


# One test: loading the demo takes seconds, and every check below reads the same data.
def test_demo_reproduces_the_akmola_survey_and_the_agencies_and_loading_again_adds_nothing():
    load_demo()
    akmola = Region.objects.get(kato=AKMOLA)

    # Seed 000: the Akmola chamber surveyed 250 companies in November 2018, 2,000 vacant places.
    campaign = SurveyCampaign.objects.get(region=akmola)
    assert (campaign.starts_on, campaign.ends_on) == (
        datetime.date(2018, 11, 1),
        datetime.date(2018, 11, 30),
    )
    assert campaign.run_by.kind.code == "chamber"
    assert campaign.run_by.region == akmola
    responses = campaign.responses.all()
    assert responses.count() == 250
    assert not responses.exclude(organization__region=akmola).exists()
    lines = SurveyLine.objects.filter(response__campaign=campaign)
    assert lines.aggregate(Sum("vacant_places"))["vacant_places__sum"] == 2000
    assert lines.aggregate(Sum("planned_hires"))["planned_hires__sum"] > 0
    from_survey = Vacancy.objects.filter(
        source=VacancySource.SURVEY, survey_line__response__campaign=campaign
    )
    assert from_survey.aggregate(Sum("places"))["places__sum"] == 2000
    assert from_survey.count() == lines.filter(vacant_places__gt=0).count()
    assert not from_survey.exclude(region=akmola).exists()
    for name in SEED_COMPANIES:
        assert responses.filter(organization__name_ru__contains=name).exists(), name
    assert not lines.exclude(occupation__level="unit").exists()

    # «Kásip-kz» recruits in Akmola and from the five labour-surplus regions, who would move.
    kasip = JobSeeker.objects.filter(
        agency__name_ru__contains="Kásip-kz", registered_at=SeekerRegistration.PRIVATE_AGENCY
    )
    assert kasip.filter(person__region=akmola).exists()
    for kato in LABOUR_SURPLUS:
        from_there = kasip.filter(person__region__kato=kato)
        assert from_there.exists(), kato
        assert from_there.filter(regions=akmola).count() == from_there.count(), kato

    # Seed 001: the «Атамекен» support centres in Astana, Almaty and Shymkent.
    centres = JobSeeker.objects.filter(registered_at=SeekerRegistration.SUPPORT_CENTRE)
    assert set(centres.values_list("person__region__kato", flat=True)) == set(SUPPORT_CITIES)
    assert Referral.objects.filter(
        seeker__in=centres, course__code="short_course", outcome=ReferralOutcome.HIRED
    ).exists()

    # Seekers say what they want and what they offer.
    seekers = JobSeeker.objects.all()
    assert not seekers.filter(occupations=None).exists()
    assert not seekers.filter(languages=None).exists()
    assert seekers.filter(skills__isnull=False).exists()
    assert not seekers.filter(experience=None).exists()
    assert not seekers.filter(salary_expected=None).exists()
    assert seekers.exclude(person__disability_group="").exists()

    # Vacancies from employers and the labour exchange reserve places for quota categories,
    # never more places than the vacancy has; hires on them count toward the quotas.
    reserved = Vacancy.objects.filter(
        source__in=[VacancySource.EMPLOYER, VacancySource.LABOUR_EXCHANGE],
        reservations__isnull=False,
    ).distinct()
    assert reserved.filter(region=akmola).exists()
    for vacancy in reserved:
        assert sum(r.places for r in vacancy.reservations.all()) < vacancy.places
    hires = Referral.objects.filter(outcome=ReferralOutcome.HIRED, vacancy__isnull=False)
    assert not hires.filter(placement=None).exists()
    counted = Placement.objects.filter(vacancy_referral__in=hires, quota__isnull=False)
    assert counted.filter(organization__region=akmola).exists()
    quotas = Quota.objects.filter(pk__in=counted.values("quota"))
    filled = quotas.filled_counts(on=datetime.date(2026, 6, 30))
    for quota in quotas:
        assert filled[quota.pk] >= counted.filter(quota=quota).count() > 0
        assert quota.year == 2026

    before = counts()
    load_demo()
    assert counts() == before
