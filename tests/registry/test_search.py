"""Searches and lookups find what people type: any case (SQLite's LIKE folds only ASCII), no
Kazakh letters, words in any order, the legal form in either language; lists sort by the name
without its legal form. On both databases."""

import pytest
from django.contrib import admin
from django.urls import reverse

from registry.models import District, LegalForm, Organization
from registry.search import LegalFormWords, fold, search_words
from tests.config.spreadsheets.test_batched import csv_of
from tests.factories import OrganizationFactory, valid_bin
from tests.parity import assert_same

pytestmark = pytest.mark.django_db


def test_fold_lowers_case_and_reads_kazakh_letters_as_their_russian_look_alikes():
    assert fold("«Көкшетау-Нан» ЖШС") == "кокшетау нан жшс"
    assert fold("ӘӨҮҰҚҒҢҺІ Ёлка") == "аоуукгнхи елка"
    assert fold("  ТОО\t“Береке”  ") == "тоо береке"


def test_legal_forms_from_the_reference_data_fold_to_the_russian_abbreviation():
    words = LegalForm.objects.words()
    assert words.normalize("ЖШС «Береке»") == "тоо береке"
    assert words.normalize("Товарищество с ограниченной ответственностью Береке") == "тоо береке"
    assert words.normalize("Акционерлік қоғам «Алтын»") == "ао алтын"
    assert words.without_form("АО «Береке»") == "береке"
    assert words.without_form("«Береке» ЖШС") == "береке"
    # A name that is nothing but a legal form is still sorted by something.
    assert words.without_form("ТОО") == "тоо"


def test_a_legal_form_added_to_the_reference_data_is_folded_too():
    LegalForm.objects.create(
        code="kt", abbr_ru="КТ", abbr_kk="КС", name_ru="Коммандитное товарищество", name_kk="КС"
    )
    assert search_words("коммандитное товарищество береке", LegalForm.objects.words()) == [
        "кт",
        "береке",
    ]
    assert LegalFormWords([]).normalize("КТ Береке") == "кт береке"


@pytest.fixture
def named():
    return {
        name: OrganizationFactory(name_ru=name, name_kk="", legal_form=None)
        for name in [
            "«Көкшетау Нан» ЖШС",
            "ТОО «Береке-Агро»",
            "АО «Алтын»",
            "Акционерное общество «Береке»",
        ]
    }


@pytest.mark.parametrize(
    "typed, found",
    [
        ("кокшетау нан", ["«Көкшетау Нан» ЖШС"]),
        ("КӨКШЕТАУ", ["«Көкшетау Нан» ЖШС"]),
        ("агро береке", ["ТОО «Береке-Агро»"]),
        ("Береке-Агро", ["ТОО «Береке-Агро»"]),
        ("тоо кокшетау", ["«Көкшетау Нан» ЖШС"]),
        ("ао береке", ["Акционерное общество «Береке»"]),
        ("ақ алтын", ["АО «Алтын»"]),
        ("«береке»", ["ТОО «Береке-Агро»", "Акционерное общество «Береке»"]),
    ],
)
def test_organizations_are_found_by_what_people_type(named, typed, found):
    assert sorted(o.name_ru for o in Organization.objects.search(typed)) == sorted(found)


def test_the_legal_form_chosen_is_searched_as_well_as_the_name():
    organization = OrganizationFactory(name_ru="«Шапағат»", name_kk="")
    assert list(Organization.objects.search("жшс шапагат")) == [organization]


def test_organizations_sort_by_the_name_without_its_legal_form(named):
    assert list(Organization.objects.filter(pk__in=[o.pk for o in named.values()])) == [
        named["АО «Алтын»"],
        named["Акционерное общество «Береке»"],
        named["ТОО «Береке-Агро»"],
        named["«Көкшетау Нан» ЖШС"],
    ]


def test_found_organizations_come_in_the_lists_order_in_a_search_and_its_list(admin_client, named):
    expected = [named["Акционерное общество «Береке»"], named["ТОО «Береке-Агро»"]]
    assert list(Organization.objects.search("береке")) == expected
    listed = admin_client.get(reverse("admin:registry_organization_changelist"), {"q": "береке"})
    assert list(listed.context["cl"].result_list) == expected


def test_a_saved_change_of_name_refolds_the_search_text_and_the_sorting_name(named):
    organization = named["АО «Алтын»"]
    organization.name_ru = "ТОО «Өрлеу»"
    organization.save(update_fields=["name_ru"])
    stored = Organization.objects.values("search_text", "sort_name").get(pk=organization.pk)
    assert stored == {"search_text": f"{organization.bin} тоо орлеу", "sort_name": "орлеу"}


def test_an_import_fills_the_search_text_and_the_sorting_name_on_both_paths(superuser):
    from registry.resources import OrganizationResource

    number = valid_bin(9001)
    batched = assert_same(
        OrganizationResource,
        csv_of(
            "BIN,Full name (Russian),Legal form,Organization kind,Region",
            f"{number},«Көкшетау Нан» ЖШС,ТОО,enterprise,350000000",
        ),
        [(Organization, ["bin"])],
        user=superuser,
        file_name="organizations.csv",
    )
    assert batched.report["totals"]["new"] == 1, batched.report
    (stored,) = batched.stored[Organization].values()
    assert (stored["search_text"], stored["sort_name"]) == (
        f"{number} кокшетау нан тоо тоо",
        "кокшетау нан",
    )


def autocomplete(client, field, term, source=("registry", "organization")):
    answer = client.get(
        reverse("admin:autocomplete"),
        {"app_label": source[0], "model_name": source[1], "field_name": field, "term": term},
    )
    assert answer.status_code == 200
    return [result["text"] for result in answer.json()["results"]]


@pytest.mark.parametrize(
    "field, typed, expected",
    [
        ("region", "караг", "Карагандинская область"),
        ("region", "акмол", "Акмолинская область"),
        ("region", "карағанды", "Карагандинская область"),
        ("legal_form", "ао", "АО — Акционерное общество"),
        ("legal_form", "жшс", "ТОО — Товарищество с ограниченной ответственностью"),
        ("kind", "коммерч", "Коммерческое предприятие"),
        ("district", "степног", None),
    ],
)
def test_reference_autocompletes_find_lower_case_cyrillic(admin_client, field, typed, expected):
    found = autocomplete(admin_client, field, typed)
    assert found, f"{field}: nothing for {typed!r}"
    if expected is not None:
        assert expected in found


def test_every_list_with_a_search_finds_a_lower_case_cyrillic_name(admin_client):
    """Each reference list, searched for its first row's Russian name in lower case and
    without Kazakh letters, lists that row."""
    failures = []
    for model, model_admin in admin.site._registry.items():
        if not model_admin.search_fields or not hasattr(model, "name_ru"):
            continue
        row = model._default_manager.exclude(name_ru="").order_by("pk").first()
        if row is None:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        answer = admin_client.get(url, {"q": fold(row.name_ru)})
        if row not in answer.context["cl"].result_list:
            failures.append(f"{model.__name__}: {fold(row.name_ru)!r} does not find {row}")
    assert not failures, "\n".join(failures)


def test_a_district_is_found_by_its_kazakh_name_typed_without_kazakh_letters(admin_client):
    district = District.objects.exclude(name_kk="").order_by("pk").first()
    answer = admin_client.get(
        reverse("admin:registry_district_changelist"), {"q": fold(district.name_kk).upper()}
    )
    assert district in answer.context["cl"].result_list


@pytest.mark.parametrize("count", [5, 60])
def test_a_name_search_costs_the_same_queries_for_few_and_many_organizations(
    admin_client, django_assert_max_num_queries, count
):
    for number in range(count):
        OrganizationFactory(name_ru=f"ТОО «Береке {number}»")
    with django_assert_max_num_queries(12):
        listed = admin_client.get(
            reverse("admin:registry_organization_changelist"), {"q": "береке тоо"}
        )
    assert len(listed.context["cl"].result_list) == min(count, 50)
    with django_assert_max_num_queries(8):
        assert len(autocomplete(admin_client, "organization", "береке", ("quotas", "quota")))
