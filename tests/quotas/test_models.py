import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from config.spreadsheets.bulk import RememberingCleaner
from quotas.models import Person, Placement, Quota, QuotaCategory, Rounding
from quotas.validators import iin_birth_date_and_sex, validate_iin
from registry.models import OrganizationKind, Region
from tests.factories import (
    OrganizationFactory,
    PersonFactory,
    PlacementFactory,
    QuotaFactory,
    SpecialWorkplaceFactory,
    valid_iin,
)

pytestmark = pytest.mark.django_db
D = datetime.date


def disability():
    return QuotaCategory.objects.get(code="disability")


@pytest.mark.parametrize(
    "base, percent, rounding, places",
    [
        (50, "3", Rounding.HALF_UP, 2),  # 1.5 -> 2: halves go up
        (49, "3", Rounding.HALF_UP, 1),  # 1.47 -> 1
        (83, "3", Rounding.HALF_UP, 2),  # 2.49 -> 2
        (84, "3", Rounding.HALF_UP, 3),  # 2.52 -> 3
        (50, "3", Rounding.DOWN, 1),
        (34, "3", Rounding.UP, 2),  # 1.02 -> 2
        (100, "2", Rounding.UP, 2),  # exact stays exact
        (0, "4", Rounding.HALF_UP, 0),
    ],
)
def test_suggested_places_follow_the_categorys_rounding_at_the_boundaries(
    base, percent, rounding, places
):
    category = disability()
    category.rounding = rounding
    assert category.places_for(base, Decimal(percent)) == places


def test_disability_quota_leaves_hazardous_work_out_of_the_base():
    quota = QuotaFactory(headcount=250, excluded_headcount=50, percent=Decimal(3))
    assert quota.computed_places == 6  # 3 % of 200
    assert quota.places == 6


def test_stated_places_override_and_are_flagged_when_they_differ():
    quota = QuotaFactory(
        headcount=200, percent=Decimal(3), stated_places=5, override_reason="постановление"
    )
    assert (quota.computed_places, quota.places, quota.stated_differs) == (6, 5, True)


def test_stated_places_need_a_reason_in_validation_and_in_the_database():
    with pytest.raises(ValidationError) as error:
        QuotaFactory(stated_places=5)
    assert "override_reason" in error.value.message_dict
    quota = QuotaFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Quota.objects.filter(pk=quota.pk).update(stated_places=5)


def test_percentage_outside_the_legal_range_is_refused_with_the_range():
    with translation.override("en"), pytest.raises(ValidationError) as error:
        QuotaFactory(percent=Decimal("5"))
    assert "2–4" in error.value.message_dict["percent"][0]


def test_disability_quota_is_refused_under_50_staff():
    with pytest.raises(ValidationError) as error:
        QuotaFactory(headcount=49)
    assert "headcount" in error.value.message_dict


def test_disability_quota_is_refused_where_over_20_percent_have_disabilities():
    QuotaFactory(headcount=100, disabled_employees=20)
    with pytest.raises(ValidationError) as error:
        QuotaFactory(headcount=100, disabled_employees=21)
    assert "disabled_employees" in error.value.message_dict


def test_disability_quota_is_refused_for_an_association_of_people_with_disabilities():
    association = OrganizationFactory(
        kind=OrganizationKind.objects.get(code="disability_association")
    )
    with pytest.raises(ValidationError) as error:
        QuotaFactory(organization=association)
    assert "organization" in error.value.message_dict


def test_one_quota_per_employer_category_and_year():
    quota = QuotaFactory()
    with pytest.raises(ValidationError):
        QuotaFactory(organization=quota.organization)
    QuotaFactory(organization=quota.organization, year=2027)


def test_iin_gives_birth_date_and_sex_and_contradictions_are_refused():
    iin = valid_iin(7, D(1990, 5, 17), "female")
    with pytest.raises(ValidationError) as error:
        PersonFactory(iin=iin, birth_date=D(1990, 5, 18), sex="male")
    assert {"birth_date", "sex"} <= set(error.value.message_dict)
    assert PersonFactory(iin=iin, birth_date=D(1990, 5, 17), sex="female").pk


@pytest.mark.parametrize("iin", ["850115300012", "851315300017", "850115900011", "85011530001"])
def test_invalid_iins_are_refused(iin):
    with pytest.raises(ValidationError) as error:
        PersonFactory(iin=iin)
    assert "iin" in error.value.message_dict


def test_placement_cannot_end_before_it_starts():
    with pytest.raises(ValidationError) as error:
        PlacementFactory(start_on=D(2026, 3, 1), end_on=D(2026, 2, 28))
    assert "end_on" in error.value.message_dict
    placement = PlacementFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Placement.objects.filter(pk=placement.pk).update(end_on=D(2020, 1, 1))


def test_overlapping_placements_of_one_person_at_one_employer_are_refused():
    first = PlacementFactory(start_on=D(2026, 1, 1), end_on=D(2026, 3, 31))
    with pytest.raises(ValidationError) as error:
        PlacementFactory(
            person=first.person, organization=first.organization, start_on=D(2026, 3, 31)
        )
    assert "start_on" in error.value.message_dict
    PlacementFactory(person=first.person, organization=first.organization, start_on=D(2026, 4, 1))


def test_a_special_workplace_holds_one_active_placement():
    workplace = SpecialWorkplaceFactory()
    PlacementFactory(organization=workplace.organization, special_workplace=workplace)
    with pytest.raises(ValidationError) as error:
        PlacementFactory(organization=workplace.organization, special_workplace=workplace)
    assert "special_workplace" in error.value.message_dict


def test_placement_on_a_quota_of_another_employer_is_refused():
    quota = QuotaFactory()
    with pytest.raises(ValidationError) as error:
        PlacementFactory(quota=quota)
    assert "quota" in error.value.message_dict


def test_placement_on_a_quota_of_a_category_the_person_is_not_in_is_refused():
    quota = QuotaFactory()
    outsider = PersonFactory(social_categories=["neet"], disability_group="", impairment="")
    with pytest.raises(ValidationError) as error:
        PlacementFactory(quota=quota, organization=quota.organization, person=outsider)
    assert "quota" in error.value.message_dict


def compliance(quota, day):
    return Quota.objects.with_compliance(day).get(pk=quota.pk)


def test_filled_places_count_placements_active_on_the_report_date():
    quota = QuotaFactory(headcount=100, percent=Decimal(2))  # 2 places
    PlacementFactory(
        quota=quota, organization=quota.organization, start_on=D(2026, 3, 1), end_on=D(2026, 6, 30)
    )
    PlacementFactory(quota=quota, organization=quota.organization, start_on=D(2026, 5, 1))
    assert compliance(quota, D(2026, 2, 28)).filled == 0
    day_one = compliance(quota, D(2026, 3, 1))
    assert (day_one.filled, day_one.vacant, day_one.fulfilment, day_one.met) == (1, 1, 50.0, False)
    both = compliance(quota, D(2026, 6, 30))
    assert (both.filled, both.vacant, both.met) == (2, 0, True)
    assert compliance(quota, D(2026, 7, 1)).filled == 1


def year_compliance(quota, day):
    return Quota.objects.filter(pk=quota.pk).year_compliance(day)[quota.pk]


def test_year_compliance_averages_the_month_ends():
    quota = QuotaFactory(headcount=100, percent=Decimal(2))
    PlacementFactory(quota=quota, organization=quota.organization, start_on=D(2026, 7, 1))
    year = year_compliance(quota, D(2026, 12, 31))
    assert year.months == (0,) * 6 + (1,) * 6
    assert year.mean_filled == pytest.approx(0.5)
    assert year.fulfilment(quota.places) == pytest.approx(25.0)


def test_year_compliance_counts_only_the_month_ends_passed_by_the_report_date():
    quota = QuotaFactory(headcount=100, percent=Decimal(2))
    PlacementFactory(quota=quota, organization=quota.organization, start_on=D(2026, 2, 10))
    year = year_compliance(quota, D(2026, 3, 31))
    assert year.months == (0, 1, 1)
    assert year.mean_filled == pytest.approx(2 / 3)


def test_year_compliance_before_the_first_month_end_has_no_average():
    quota = QuotaFactory(headcount=100, percent=Decimal(2))
    year = year_compliance(quota, D(2026, 1, 30))
    assert (year.months, year.mean_filled, year.fulfilment(quota.places)) == ((), None, None)


def test_a_year_is_judged_today_while_it_runs_and_on_its_31_december_once_over(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: D(2026, 5, 20))
    assert Quota.judged_on(2026) == D(2026, 5, 20)
    assert Quota.judged_on(2025) == D(2025, 12, 31)
    # A year not yet begun is judged today, when nothing of it is filled.
    assert Quota.judged_on(2027) == D(2026, 5, 20)
    assert Quota.judged_on(2024, D(2026, 1, 15)) == D(2024, 12, 31)
    assert Quota.judged_on(2026, D(2026, 1, 15)) == D(2026, 1, 15)


def test_special_workplace_is_occupied_while_a_placement_is_active():
    from quotas.models import SpecialWorkplace

    workplace = SpecialWorkplaceFactory()
    PlacementFactory(
        organization=workplace.organization,
        special_workplace=workplace,
        start_on=D(2026, 2, 1),
        end_on=D(2026, 2, 28),
    )
    assert SpecialWorkplace.objects.with_occupancy(D(2026, 2, 28)).get().occupied
    assert not SpecialWorkplace.objects.with_occupancy(D(2026, 3, 1)).get().occupied


def test_year_compliance_counts_each_quota_of_each_year_in_one_query_per_year(
    django_assert_num_queries,
):
    quota = QuotaFactory(headcount=100, percent=Decimal(2))
    PlacementFactory(quota=quota, organization=quota.organization, start_on=D(2026, 2, 10))
    PlacementFactory(
        quota=quota, organization=quota.organization, start_on=D(2026, 1, 5), end_on=D(2026, 4, 15)
    )
    empty = QuotaFactory()
    past = QuotaFactory(year=2025)
    quotas = Quota.objects.filter(pk__in=[quota.pk, empty.pk, past.pk])
    # The years present, then per year its quotas and their placements' counts.
    with django_assert_num_queries(5):
        years = quotas.year_compliance(D(2026, 6, 30))
    assert years[quota.pk].months == (1, 2, 2, 1, 1, 1)
    assert years[empty.pk].months == (0,) * 6
    assert years[past.pk].months == (0,) * 12


def year_figures_world():
    """A quota of this year with two placements, an empty one, and one of last year."""
    quota = QuotaFactory(headcount=100, percent=Decimal(2))  # 2 places
    PlacementFactory(quota=quota, organization=quota.organization, start_on=D(2026, 2, 10))
    PlacementFactory(
        quota=quota, organization=quota.organization, start_on=D(2026, 1, 5), end_on=D(2026, 4, 15)
    )
    empty = QuotaFactory()  # 6 places, never filled
    past = QuotaFactory(year=2025, headcount=100, percent=Decimal(2))
    PlacementFactory(quota=past, organization=past.organization, start_on=D(2025, 7, 1))
    return quota, empty, past


def test_the_quota_page_the_sheet_and_the_employer_report_give_the_same_year_figures(monkeypatch):
    # The figures each reader of the yearly average shows, worked out by hand, on 30 June 2026:
    # they stay as they were when the three computations became one.
    from django.contrib import admin

    from quotas.compliance import ComplianceSheet, EmployerMonths

    on = D(2026, 6, 30)
    monkeypatch.setattr("quotas.models.today", lambda: on)
    quota, empty, past = year_figures_world()
    quotas = Quota.objects.filter(pk__in=[quota.pk, empty.pk, past.pk])
    sheet = {
        row.bin: (row.year_mean_filled, row.year_fulfilment)
        for row in ComplianceSheet.for_quotas(quotas, on).rows
    }
    assert sheet[quota.organization.bin] == (pytest.approx(8 / 6), 66.7)
    assert sheet[empty.organization.bin] == (0, 0.0)
    assert sheet[past.organization.bin] == (pytest.approx(0.5), 25.0)
    report = EmployerMonths(Quota.objects.filter(year=2026), 2026, on)
    assert sorted(row["months"] for row in report.rows) == [[0] * 6, [1, 2, 2, 1, 1, 1]]
    page = admin.site.get_model_admin(Quota)
    with translation.override("en"):
        assert page.year_by_month(quota) == (
            "01: 1 · 02: 2 · 03: 2 · 04: 1 · 05: 1 · 06: 1 · 07: — · 08: — · 09: — · 10: — · "
            "11: — · 12: —; average fulfilment over the year: 66.7 %"
        )
        assert page.year_by_month(past).endswith("average fulfilment over the year: 25.0 %")


def test_an_iin_read_before_is_refused_in_the_language_of_the_moment():
    # What a valid IIN reads as is remembered; a refusal is worded anew each time.
    wrong = "850115300012"
    messages = []
    for language in ("ru", "kk", "ru"):
        with translation.override(language), pytest.raises(ValidationError) as error:
            validate_iin(wrong)
        messages.append(error.value.messages[0])
    assert messages[0] == messages[2] != messages[1]
    iin = valid_iin(8, D(1990, 5, 17), "female")
    assert validate_iin(iin) is None and validate_iin(iin) is None
    assert iin_birth_date_and_sex(iin) == (D(1990, 5, 17), "female")


def test_a_bulk_import_checks_people_as_full_clean_does():
    iin = valid_iin(9, D(1990, 5, 17), "female")
    cases = [
        {"iin": iin, "birth_date": None, "sex": ""},
        {"iin": iin, "birth_date": D(1990, 5, 18), "sex": "male"},
        {"iin": "850115300012", "birth_date": None, "sex": ""},
        {"iin": iin, "full_name": "", "email": "not an address"},
    ]
    cleaner = RememberingCleaner(Person)
    assert not cleaner.own_way
    region = Region.objects.get(kato="350000000")
    for values in cases:
        values = {"full_name": "Ахметова Айгуль", "region": region, **values}
        remembering, plain = Person(**values), Person(**values)
        errors = {}
        try:
            plain.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            errors = error.message_dict
        try:
            cleaner.full_clean(remembering)
        except ValidationError as error:
            assert error.message_dict == errors
        else:
            assert errors == {}
        assert (remembering.birth_date, remembering.sex) == (plain.birth_date, plain.sex)
