import datetime

import pytest
from django.core.exceptions import ValidationError

from config.dashboard import Dashboard
from quotas.compliance import MeasuresReport
from quotas.models import EmploymentMeasure, Placement, Quota, QuotaCategory
from tests.factories import (
    JobSeekerFactory,
    OrganizationFactory,
    PersonFactory,
    QuotaFactory,
    SurveyCampaignFactory,
    VacancyFactory,
)
from vacancies.models import Referral, ReferralOutcome, SeekerStatus, VacancyStatus

pytestmark = pytest.mark.django_db

HIRED_ON = datetime.date(2026, 4, 1)


def refer(seeker, vacancy):
    referral = Referral(seeker=seeker, vacancy=vacancy, referred_on=datetime.date(2026, 3, 10))
    referral.full_clean()
    referral.save()
    return referral


def test_a_hire_on_a_reserved_place_becomes_a_placement_against_the_quota(superuser):
    quota = QuotaFactory()
    vacancy = VacancyFactory(organization=quota.organization, places=2)
    vacancy.reservations.create(category=QuotaCategory.objects.get(code="disability"), places=1)
    seeker = JobSeekerFactory(person=PersonFactory(disability_group="3"))

    placement = refer(seeker, vacancy).record_outcome(ReferralOutcome.HIRED, HIRED_ON)

    placement = Placement.objects.get(pk=placement.pk)
    assert placement.quota == quota
    assert placement.measure.code == "vacancy"
    assert placement.organization == vacancy.organization
    assert placement.start_on == HIRED_ON
    vacancy.refresh_from_db()
    assert (vacancy.filled_places, vacancy.status) == (1, VacancyStatus.PARTLY_FILLED)
    seeker.refresh_from_db()
    assert seeker.status == SeekerStatus.PLACED
    assert (
        Quota.objects.filter(pk=quota.pk)
        .annotate(filled=Quota.objects.filled_on(HIRED_ON))
        .get()
        .filled
        == 1
    )
    # The measures report counts the hire under "vacancy", and among the quota's people.
    report = MeasuresReport(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    assert {measure.code: people for measure, people in report.rows}["vacancy"] == 1
    assert report.quota_total == 1
    # So does the front page's chart of placements by month and measure.
    front = Dashboard(superuser, on=HIRED_ON)
    assert {measure.code: sum(values) for measure, values in front.measure_rows} == {"vacancy": 1}


def test_a_hire_outside_the_reserved_categories_fills_no_quota():
    quota = QuotaFactory()
    vacancy = VacancyFactory(organization=quota.organization)
    vacancy.reservations.create(category=QuotaCategory.objects.get(code="disability"), places=1)
    seeker = JobSeekerFactory(person=PersonFactory(disability_group="", categories=[]))
    seeker.person.social_categories.clear()

    placement = refer(seeker, vacancy).record_outcome(ReferralOutcome.HIRED, HIRED_ON)

    assert placement.quota is None


def test_the_last_place_filled_fills_the_vacancy_and_no_one_else_is_referred():
    vacancy = VacancyFactory(places=1)
    refer(JobSeekerFactory(), vacancy).record_outcome(ReferralOutcome.HIRED, HIRED_ON)
    vacancy.refresh_from_db()
    assert vacancy.status == VacancyStatus.FILLED

    with pytest.raises(ValidationError) as error:
        refer(JobSeekerFactory(), vacancy)
    assert "vacancy" in error.value.message_dict


def test_a_refusal_by_the_employer_needs_a_reason_and_makes_no_placement():
    referral = refer(JobSeekerFactory(), VacancyFactory())
    with pytest.raises(ValidationError) as error:
        referral.record_outcome(ReferralOutcome.REFUSED_BY_EMPLOYER, HIRED_ON)
    assert "reason" in error.value.message_dict

    referral.refresh_from_db()
    referral.record_outcome(ReferralOutcome.REFUSED_BY_EMPLOYER, HIRED_ON, reason="нет опыта")
    assert Placement.objects.count() == 0
    assert referral.seeker.status == SeekerStatus.ACTIVE


def test_a_recorded_hire_cannot_be_recorded_again():
    referral = refer(JobSeekerFactory(), VacancyFactory())
    referral.record_outcome(ReferralOutcome.HIRED, HIRED_ON)
    with pytest.raises(ValidationError):
        referral.record_outcome(ReferralOutcome.DID_NOT_COME, HIRED_ON)
    assert Placement.objects.count() == 1


def test_a_seeker_referred_to_a_course_is_placed_under_the_course_measure():
    course = EmploymentMeasure.objects.get(code="short_course")
    college = OrganizationFactory()
    referral = Referral(
        seeker=JobSeekerFactory(),
        course=course,
        provider=college,
        referred_on=datetime.date(2026, 3, 10),
    )
    referral.full_clean()
    referral.save()

    placement = referral.record_outcome(ReferralOutcome.HIRED, HIRED_ON)

    assert (placement.measure, placement.organization) == (course, college)


def test_vacant_places_found_by_a_survey_go_into_the_register_once():
    from vacancies.models import Occupation, VacancySource

    employer = OrganizationFactory()
    campaign = SurveyCampaignFactory(
        title="Мониторинг",
        region=employer.region,
        starts_on=datetime.date(2026, 11, 1),
        ends_on=datetime.date(2026, 11, 30),
        run_by=OrganizationFactory(),
    )
    response = campaign.responses.create(
        organization=employer, answered_on=datetime.date(2026, 11, 5)
    )
    line = response.lines.create(
        occupation=Occupation.objects.get(code="8322"), vacant_places=3, planned_hires=5
    )
    vacancy = line.vacancy
    assert (vacancy.source, vacancy.places, vacancy.organization) == (
        VacancySource.SURVEY,
        3,
        employer,
    )
    assert vacancy.opened_on == datetime.date(2026, 11, 5)

    line.vacant_places = 4
    line.save()
    vacancy.refresh_from_db()
    assert vacancy.places == 4
    assert employer.vacancies.count() == 1
    planned_only = response.lines.create(
        occupation=Occupation.objects.get(code="7212"), planned_hires=2
    )
    assert not hasattr(planned_only, "vacancy")
