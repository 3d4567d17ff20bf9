import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from vacancies.models import Closeness, Occupation, OccupationLevel, Skill

pytestmark = pytest.mark.django_db


def test_the_shipped_classifier_has_every_isco_08_group():
    counts = {
        level: Occupation.objects.filter(level=level).count()
        for level in [
            OccupationLevel.MAJOR,
            OccupationLevel.SUB_MAJOR,
            OccupationLevel.MINOR,
            OccupationLevel.UNIT,
        ]
    }
    assert counts == {
        OccupationLevel.MAJOR: 10,
        OccupationLevel.SUB_MAJOR: 43,
        OccupationLevel.MINOR: 130,
        OccupationLevel.UNIT: 436,
    }


def test_every_shipped_group_stands_under_the_group_its_code_names():
    occupations = {o.code: o for o in Occupation.objects.select_related("parent")}
    for code, occupation in occupations.items():
        assert occupation.level == OccupationLevel.of_code(code)
        if len(code) == 1:
            assert occupation.parent is None
        else:
            assert occupation.parent.code == code[:-1], code
        assert occupation.minor_group == (code[:3] if len(code) >= 3 else "")
        assert occupation.unit_group == (code if len(code) == 4 else "")
        assert occupation.name_ru and occupation.name_kk and occupation.title_en, code
        assert not occupation.names_checked, code
    # Each major group's chain reaches down to unit groups.
    assert {code[0] for code in occupations if len(code) == 4} == set("0123456789")


def test_the_shipped_names_are_the_published_titles():
    assert Occupation.objects.get(code="2512").title_en == "Software developers"
    assert Occupation.objects.get(code="4110").name_ru == "Офисные служащие общего профиля"
    assert Occupation.objects.get(code="0110").parent.code == "011"


def position(code, **names):
    occupation = Occupation(
        code=code, name_ru=names.get("ru", "Позиция"), name_kk=names.get("kk", "Позиция")
    )
    occupation.full_clean()
    occupation.save()
    return occupation


def test_a_national_position_keeps_its_unit_and_minor_group():
    clerk = position("4110-9", ru="Делопроизводитель", kk="Іс жүргізуші")
    assert clerk.level == OccupationLevel.POSITION
    assert clerk.parent == Occupation.objects.get(code="4110")
    assert (clerk.unit_group, clerk.minor_group) == ("4110", "411")
    assert position("41105").unit_group == "4110"


def test_a_position_under_a_group_the_classifier_lacks_is_refused_by_its_code():
    with pytest.raises(ValidationError) as refused:
        position("4190-1")
    assert "4190" in refused.value.message_dict["code"][0]


@pytest.mark.parametrize("code", ["41A0", "4110--9", "", "4110 9", "-4110"])
def test_a_malformed_code_is_refused(code):
    with pytest.raises(ValidationError) as refused:
        position(code)
    assert "code" in refused.value.message_dict


def test_the_database_holds_the_groups_to_the_code():
    clerk = position("4110-9")
    for changes in [{"unit_group": "4120"}, {"minor_group": "412"}, {"level": "unit"}]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Occupation.objects.filter(pk=clerk.pk).update(**changes)
    with pytest.raises(IntegrityError), transaction.atomic():
        Occupation.objects.filter(code="41").update(parent=None)


def test_closeness_says_same_code_unit_group_or_minor_group():
    clerk, typist = position("4110-9"), position("4110-10")
    unit, secretary = Occupation.objects.get(code="4110"), Occupation.objects.get(code="4120")
    accountant = Occupation.objects.get(code="2411")
    assert clerk.closeness(clerk) == Closeness.SAME
    assert clerk.closeness(typist) == Closeness.UNIT_GROUP
    assert clerk.closeness(unit) == Closeness.UNIT_GROUP
    assert clerk.closeness(secretary) == Closeness.NONE  # 411 and 412 are two minor groups
    assert clerk.closeness(accountant) == Closeness.NONE
    data_entry = Occupation.objects.get(code="4132")
    assert Occupation.objects.get(code="4131").closeness(data_entry) == Closeness.MINOR_GROUP


def test_near_ranks_a_minor_group_in_one_query(django_assert_num_queries):
    position("4110-9")
    position("4110-10")
    with django_assert_num_queries(1):
        near = dict(Occupation.objects.near("4110-9").values_list("code", "closeness"))
    assert near == {
        "411": Closeness.MINOR_GROUP,
        "4110": Closeness.UNIT_GROUP,
        "4110-9": Closeness.SAME,
        "4110-10": Closeness.UNIT_GROUP,
    }
    assert not Occupation.objects.near("4").exists()


def test_search_finds_codes_by_their_start_and_names_in_any_case_and_language():
    position("4110-9", ru="Делопроизводитель", kk="Іс жүргізуші")
    assert set(Occupation.objects.search("4110").values_list("code", flat=True)) == {
        "4110",
        "4110-9",
    }
    assert list(Occupation.objects.search("ДЕЛОПРОИЗВОДИТЕЛЬ").values_list("code", flat=True)) == [
        "4110-9"
    ]
    # Kazakh letters typed as their Russian look-alikes.
    assert "4110-9" in Occupation.objects.search("жургизуши").values_list("code", flat=True)
    assert "2512" in Occupation.objects.search("software DEVELOPERS").values_list("code", flat=True)


def test_a_skill_code_has_no_spaces():
    skill = Skill(code="S 1", name_ru="Навык", name_kk="Дағды")
    with pytest.raises(ValidationError) as refused:
        skill.full_clean()
    assert "code" in refused.value.message_dict
