"""Loading the official classifier and a skills dictionary from the files chambers receive."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from vacancies.models import Occupation, OccupationLevel, Skill

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


def load(command, name, tmp_path=None, text=None):
    path = DATA / name
    if text is not None:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
    out = StringIO()
    with translation.override("ru"):
        call_command(command, str(path), stdout=out)
    return out.getvalue()


def snapshot():
    return list(
        Occupation.objects.order_by("code").values_list(
            "code", "name_ru", "name_kk", "names_checked"
        )
    )


def test_the_official_xlsx_fills_names_and_adds_positions_under_their_unit_groups():
    said = load("load_occupations", "nkz.xlsx")
    unit = Occupation.objects.get(code="4110")
    assert (unit.name_ru, unit.name_kk, unit.names_checked) == (
        "Служащие общего профиля",
        "Жалпы бейіндегі қызметшілер",
        True,
    )
    clerk = Occupation.objects.get(code="4110-9")
    assert clerk.parent == unit and clerk.level == OccupationLevel.POSITION
    assert (clerk.name_ru, clerk.name_kk, clerk.names_checked) == (
        "Делопроизводитель",
        "Іс жүргізуші",
        True,
    )
    programmer = Occupation.objects.get(code="2512-1-003")
    assert (programmer.unit_group, programmer.minor_group) == ("2512", "251")
    # Excel made «0110» the number 110: the armed forces' code gets its zero back.
    assert Occupation.objects.get(code="0110").names_checked
    assert not Occupation.objects.filter(code="110").exists()
    # The title block and the total row are not codes; the rest of the classifier is untouched.
    assert not Occupation.objects.get(code="4120").names_checked
    assert said.strip() == (
        "Занятия: добавлено 2 (национальная позиция: 2), наименования обновлены у 3, "
        "без изменений 0."
    )


def test_loading_the_same_list_again_changes_nothing():
    load("load_occupations", "nkz.xlsx")
    before = snapshot()
    said = load("load_occupations", "nkz.xlsx")
    assert snapshot() == before
    assert "добавлено 0, наименования обновлены у 0, без изменений 5" in said


def test_a_later_list_replaces_the_names_it_gives(tmp_path):
    load("load_occupations", "nkz.xlsx")
    load(
        "load_occupations",
        "renamed.csv",
        tmp_path,
        "Код;Наименование на русском языке;Атауы (қазақ тілінде)\n"
        "4110-9;Делопроизводитель (секретарь);Іс жүргізуші (хатшы)\n",
    )
    clerk = Occupation.objects.get(code="4110-9")
    assert (clerk.name_ru, clerk.name_kk) == (
        "Делопроизводитель (секретарь)",
        "Іс жүргізуші (хатшы)",
    )
    assert clerk.history.count() == 2


def test_the_labour_exchange_xml_is_read_whatever_its_elements_are_called():
    load("load_occupations", "nkz.xml")
    assert Occupation.objects.get(code="4110").names_checked
    assert Occupation.objects.get(code="4110-9").name_kk == "Іс жүргізуші"
    programmer = Occupation.objects.get(code="2512-1-003")
    assert (programmer.name_ru, programmer.name_kk) == ("Программист", "Бағдарламашы")
    assert programmer.parent.code == "2512"


def test_a_file_with_bad_codes_is_refused_line_by_line_and_nothing_is_written():
    before = snapshot()
    with pytest.raises(CommandError) as refused:
        load("load_occupations", "nkz_bad_codes.xlsx")
    message = str(refused.value)
    assert "лист «НКЗ», строка 3: «41A0» — не код занятия" in message
    assert (
        "лист «НКЗ», строка 4: код 9999-1 относится к группе 9999, которой нет ни в "
        "классификаторе, ни в файле." in message
    )
    assert "лист «НКЗ», строка 5: код 4110 уже указан: лист «НКЗ», строка 2." in message
    assert message.endswith("Ничего не записано: исправьте файл и загрузите его снова.")
    # Line 2 was good, and still its names were not written.
    assert snapshot() == before


def test_a_new_position_without_its_kazakh_name_is_refused(tmp_path):
    with pytest.raises(CommandError) as refused:
        load(
            "load_occupations",
            "ru_only.csv",
            tmp_path,
            "Код;Наименование\n4110-9;Делопроизводитель\n",
        )
    assert (
        "строка 2: для нового кода 4110-9 нужно наименование и на русском, и на казахском"
        in str(refused.value)
    )
    assert not Occupation.objects.filter(code="4110-9").exists()


def test_a_russian_only_list_renames_without_marking_the_names_checked(tmp_path):
    load("load_occupations", "ru_only.csv", tmp_path, "Код;Наименование\n4110;Служащие\n")
    unit = Occupation.objects.get(code="4110")
    assert unit.name_ru == "Служащие" and not unit.names_checked


def test_a_file_without_a_code_column_says_what_it_needs(tmp_path):
    with pytest.raises(CommandError) as refused:
        load("load_occupations", "x.csv", tmp_path, "Профессия;Зарплата\nСварщик;300000\n")
    assert "нет заголовка со столбцом кода" in str(refused.value)


def test_a_broken_xml_file_is_refused(tmp_path):
    with pytest.raises(CommandError) as refused:
        load("load_occupations", "x.xml", tmp_path, "<classifier><item code='4110'>")
    assert "XML-файл не читается" in str(refused.value)


def test_an_xml_entity_bomb_is_refused_unread(tmp_path):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<l><item code="4110" name_ru="&b;" name_kk="x"/></l>'
    )
    with pytest.raises(CommandError):
        load("load_occupations", "bomb.xml", tmp_path, bomb)
    assert Occupation.objects.get(code="4110").name_ru == "Офисные служащие общего профиля"


def test_skills_load_with_their_occupations_from_xlsx():
    said = load("load_skills", "skills.xlsx")
    accounting = Skill.objects.get(code="S-001")
    assert accounting.name_kk == "1С:Бухгалтериямен жұмыс"
    assert set(accounting.occupations.values_list("code", flat=True)) == {"2411", "4311"}
    assert not Skill.objects.get(code="S-003").occupations.exists()
    assert said.strip() == "Навыки: добавлено 3, изменено 0, без изменений 0."
    assert load("load_skills", "skills.xlsx").strip() == (
        "Навыки: добавлено 0, изменено 0, без изменений 3."
    )


def test_skills_load_from_xml_and_replace_links_the_file_gives():
    load("load_skills", "skills.xlsx")
    Skill.objects.get(code="S-002").occupations.add(Occupation.objects.get(code="8331"))
    said = load("load_skills", "skills.xml")
    assert set(Skill.objects.get(code="S-002").occupations.values_list("code", flat=True)) == {
        "8332"
    }
    assert "изменено 1, без изменений 1" in said


def test_a_skill_linked_to_an_unknown_occupation_is_refused_and_nothing_written(tmp_path):
    with pytest.raises(CommandError) as refused:
        load(
            "load_skills",
            "skills.csv",
            tmp_path,
            "Код;Наименование (рус.);Наименование (каз.);Коды занятий\n"
            "S-1;Сварка;Дәнекерлеу;7212\n"
            "S-2;Пайка;Дәнекерлеу;7212, 7299\n",
        )
    assert "строка 3: в классификаторе нет занятия 7299." in str(refused.value)
    assert not Skill.objects.exists()


def test_a_code_or_name_longer_than_its_column_is_said_not_failed_by_the_database(tmp_path):
    long_name = "Оператор " * 60
    with pytest.raises(CommandError) as refused:
        load(
            "load_occupations",
            "long.csv",
            tmp_path,
            "Код;Наименование на русском языке;Атауы (қазақ тілінде)\n"
            f"4110-12345678901234;Делопроизводитель;Іс жүргізуші\n"
            f"4110-9;{long_name};Іс жүргізуші\n",
        )
    message = str(refused.value)
    assert "строка 2: поле «код» — 19 символов, а помещается не больше 16." in message
    assert "строка 3: поле «наименование (рус.)» — 539 символов" in message
    assert not Occupation.objects.filter(code__startswith="4110-").exists()
