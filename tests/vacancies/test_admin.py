import csv
import io

import pytest
from django.urls import reverse

from config import roles
from vacancies.models import Occupation, OccupationLevel, Skill

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:vacancies_occupation_changelist"


@pytest.fixture
def editor(client, make_staff):
    client.force_login(make_staff("editor", groups=[roles.REGISTRY_EDITOR], regions=["110000000"]))
    return client


def listed(client, **query):
    response = client.get(reverse(CHANGELIST), {"all": "", **query} if "p" not in query else query)
    assert response.status_code == 200
    return [occupation.code for occupation in response.context["cl"].result_list]


def test_occupations_are_filtered_by_level_and_group(editor):
    assert len(listed(editor, level=OccupationLevel.MAJOR)) == 10
    assert listed(editor, level=OccupationLevel.SUB_MAJOR, major="4") == ["41", "42", "43", "44"]
    units = listed(editor, level=OccupationLevel.UNIT, major="4", sub_major="41")
    assert units == ["4110", "4120", "4131", "4132"]
    # The sub-major groups are offered once a major group is chosen, and only its own.
    page = editor.get(reverse(CHANGELIST), {"major": "4"}).content.decode()
    assert "?major=4&amp;sub_major=41" in page and "sub_major=51" not in page


def test_occupations_are_found_by_code_start_and_by_cyrillic_words_in_any_case(editor):
    Occupation.objects.create(code="4110-9", name_ru="Делопроизводитель", name_kk="Іс жүргізуші")
    assert listed(editor, q="4110") == ["4110", "4110-9"]
    assert listed(editor, q="ДЕЛОПРОИЗВОДИТЕЛЬ") == ["4110-9"]
    # Kazakh letters, or the Russian look-alikes people type for them.
    for typed in ["іс ЖҮРГІЗУШІ", "ис жургизуши"]:
        found = listed(editor, q=typed)
        assert "4110-9" in found and "4110" not in found


def test_the_list_costs_the_same_queries_for_ten_rows_and_for_all(
    editor, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        assert len(listed(editor, level=OccupationLevel.MAJOR)) == 10
    with django_assert_max_num_queries(12):
        assert len(listed(editor, p="3")) == 50


def test_skills_pick_occupations_through_autocomplete(editor):
    answer = editor.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "vacancies",
            "model_name": "skill",
            "field_name": "occupations",
            "term": "сварщ",
        },
    )
    assert answer.status_code == 200
    found = [result["text"] for result in answer.json()["results"]]
    assert "7212 Сварщики и газорезчики" in found
    assert all("сварщ" in text.casefold() for text in found) and len(found) == 2


def test_a_registry_editor_adds_a_national_position_under_its_unit_group(editor):
    response = editor.post(
        reverse("admin:vacancies_occupation_add"),
        {"code": "7212-3", "name_ru": "Электросварщик", "name_kk": "Электр дәнекерлеуші"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    welder = Occupation.objects.get(code="7212-3")
    assert (welder.parent.code, welder.minor_group, welder.level) == ("7212", "721", "position")
    assert welder.history.get().history_user.username == "editor"


def test_a_position_under_a_missing_group_is_refused_on_the_form(editor):
    response = editor.post(
        reverse("admin:vacancies_occupation_add"),
        {"code": "7299-1", "name_ru": "Сварщик", "name_kk": "Дәнекерлеуші"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["code"] == [
        "В классификаторе нет группы 7299 для кода 7299-1: сначала загрузите или добавьте группу."
    ]
    assert not Occupation.objects.filter(code="7299-1").exists()


def test_a_department_head_reads_the_classifier_but_changes_nothing(client, make_staff):
    client.force_login(make_staff("head", groups=[roles.DEPARTMENT_HEAD], national=True))
    assert client.get(reverse(CHANGELIST)).status_code == 200
    assert client.get(reverse("admin:vacancies_occupation_add")).status_code == 403
    skill = Skill.objects.create(code="1", name_ru="Сварка", name_kk="Дәнекерлеу")
    assert (
        client.post(
            reverse("admin:vacancies_skill_change", args=[skill.pk]),
            {"code": "1", "name_ru": "Пайка", "name_kk": "Дәнекерлеу"},
        ).status_code
        == 403
    )
    assert Skill.objects.get(pk=skill.pk).name_ru == "Сварка"


def test_the_classifier_exports_with_each_groups_parent_code(editor):
    url = reverse("admin:vacancies_occupation_export")
    form = editor.get(url).context["form"]
    data = {"format": "1", "resource": "0"}
    data.update(
        {
            name: "on"
            for name, field in form.fields.items()
            if getattr(field, "is_selectable_field", False)
        }
    )
    rows = list(csv.reader(io.StringIO(editor.post(url, data).content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Код",
        "Уровень",
        "Код группы",
        "Наименование (рус.)",
        "Наименование (каз.)",
        "Наименование по МСКЗ-08 (на английском)",
        "Наименования сверены с НКЗ",
    ]
    by_code = {row[0]: row for row in rows[1:]}
    assert len(by_code) == 619
    assert by_code["7212"][1:3] == ["начальная группа", "721"]
    assert by_code["7212"][5:] == ["Welders and flamecutters", "нет"]
