import pytest
from django.contrib import admin
from django.urls import reverse

from registry.models import (
    District,
    LegalForm,
    OkedSection,
    Organization,
    OrganizationKind,
    Region,
)
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

REGISTRY_MODELS = [Region, District, LegalForm, OrganizationKind, OkedSection, Organization]


def url(model, view, *args):
    return reverse(f"admin:registry_{model._meta.model_name}_{view}", args=args)


def any_object(model):
    if model is Organization:
        return OrganizationFactory()
    return model.objects.first()


@pytest.mark.parametrize("model", REGISTRY_MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("view", ["changelist", "add", "import", "export"])
def test_list_level_pages_answer(admin_client, model, view):
    OrganizationFactory()
    response = admin_client.get(url(model, view))
    assert response.status_code == 200


@pytest.mark.parametrize("model", REGISTRY_MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("view", ["change", "history", "delete"])
def test_object_pages_answer(admin_client, model, view):
    obj = any_object(model)
    response = admin_client.get(url(model, view, obj.pk))
    assert response.status_code == 200


def test_organization_change_form_shows_fieldsets(admin_client):
    organization = OrganizationFactory()
    response = admin_client.get(
        url(Organization, "change", organization.pk), HTTP_ACCEPT_LANGUAGE="en"
    )
    content = response.content.decode()
    for legend in ["Identification", "Location", "Activity and size", "Contacts"]:
        assert legend in content


@pytest.mark.parametrize(
    "term_of",
    [lambda o: o.bin, lambda o: o.bin[:11], lambda o: "ОРГАНИЗАЦИЯ 4242", lambda o: "ұйым 4242"],
)
def test_changelist_search_by_bin_and_name_in_either_language(admin_client, term_of):
    wanted = OrganizationFactory(name_ru="ТОО «Организация 4242»", name_kk="«Ұйым 4242» ЖШС")
    other = OrganizationFactory()
    response = admin_client.get(url(Organization, "changelist"), {"q": term_of(wanted)})
    results = list(response.context["cl"].result_list)
    assert wanted in results
    assert other not in results


@pytest.mark.parametrize(
    "params_of",
    [
        lambda o: {"region__id__exact": o.region_id},
        lambda o: {"region__id__exact": o.region_id, "district": o.district_id},
        lambda o: {"kind__id__exact": o.kind_id},
        lambda o: {"legal_form__id__exact": o.legal_form_id},
        lambda o: {"size_class__exact": "large"},
        lambda o: {"status__exact": "active"},
        lambda o: {"oked_section__id__exact": o.oked_section_id},
    ],
    ids=["region", "district", "kind", "legal_form", "size", "status", "industry"],
)
def test_each_filter_narrows_the_changelist(admin_client, params_of):
    wanted = OrganizationFactory(headcount=300, oked="10.51")
    other = OrganizationFactory(
        headcount=40,
        region=Region.objects.get(kato="110000000"),
        kind=OrganizationKind.objects.get(code="ngo"),
        legal_form=LegalForm.objects.get(code="oo"),
        status=Organization.Status.LIQUIDATED,
        liquidated_on="2025-01-01",
        oked="85.32",
    )
    response = admin_client.get(url(Organization, "changelist"), params_of(wanted))
    assert response.status_code == 200
    results = list(response.context["cl"].result_list)
    assert wanted in results
    assert other not in results


def test_district_filter_lists_only_districts_of_the_chosen_region(admin_client):
    OrganizationFactory()
    karaganda = Region.objects.get(kato="350000000")
    abai = District.objects.get(region=karaganda, name_ru="Абайский район")
    ile = District.objects.get(name_ru="Илийский район")
    response = admin_client.get(
        url(Organization, "changelist"), {"region__id__exact": karaganda.pk}
    )
    content = response.content.decode()
    assert f"district={abai.pk}" in content
    assert f"district={ile.pk}" not in content
    response = admin_client.get(url(Organization, "changelist"))
    assert f"district={abai.pk}" not in response.content.decode()


def test_no_list_filter_lists_organizations(admin_client):
    model_admin = admin.site._registry[Organization]
    for list_filter in model_admin.list_filter:
        if isinstance(list_filter, tuple):
            list_filter = list_filter[0]
        name = list_filter if isinstance(list_filter, str) else list_filter.parameter_name
        field = Organization._meta.get_field(name)
        assert not (field.is_relation and field.related_model is Organization)


@pytest.mark.parametrize("rows", [10, 200])
def test_changelist_query_count_does_not_grow_with_rows(
    admin_client, django_assert_max_num_queries, rows
):
    OrganizationFactory.create_batch(rows)
    # The changelist budget at national scale: ten queries whatever the rows.
    with django_assert_max_num_queries(10):
        response = admin_client.get(url(Organization, "changelist"), {"all": ""})
    assert response.status_code == 200


def test_changelist_query_count_is_the_same_for_10_and_200_rows(
    admin_client, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    # Both lists span several pages; a deep page costs what the first one does.
    for rows, page in [(60, "1"), (190, "5")]:
        OrganizationFactory.create_batch(rows)
        with CaptureQueriesContext(connection) as queries:
            admin_client.get(url(Organization, "changelist"), {"o": "1", "p": page})
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 10


def test_history_shows_who_changed_which_field(admin_client, superuser):
    organization = OrganizationFactory(headcount=100)
    response = admin_client.post(
        url(Organization, "change", organization.pk),
        {
            **{
                f: getattr(organization, f) or ""
                for f in [
                    "bin",
                    "name_ru",
                    "name_kk",
                    "short_name",
                    "settlement",
                    "address",
                    "oked",
                    "size_class",
                    "contact_person",
                    "phone",
                    "email",
                    "notes",
                ]
            },
            "legal_form": organization.legal_form_id,
            "kind": organization.kind_id,
            "region": organization.region_id,
            "district": organization.district_id,
            "headcount": 175,
            "headcount_date": "",
            "status": "active",
            "liquidated_on": "",
            # Other apps add read-only inlines to the organization page.
            "memorandum_parties-TOTAL_FORMS": "0",
            "memorandum_parties-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    latest = organization.history.first()
    assert latest.history_user == superuser
    response = admin_client.get(
        url(Organization, "history", organization.pk), HTTP_ACCEPT_LANGUAGE="en"
    )
    content = response.content.decode()
    assert "175" in content and "100" in content
    assert superuser.username in content


def test_history_can_revert_to_an_earlier_version(admin_client):
    # Both headcounts of a medium enterprise: the size stays, the headcount alone changes.
    organization = OrganizationFactory(headcount=110)
    organization.headcount = 240
    organization.save()
    earliest = organization.history.earliest()
    response = admin_client.get(
        reverse(
            "admin:registry_organization_simple_history",
            args=[organization.pk, earliest.history_id],
        )
    )
    assert response.status_code == 200
    # What restoring changes, read-only: the values, not a form to edit them in.
    [row] = response.context["changed_rows"]
    assert (row["now"], row["then"]) == ("240", "110")
    assert 'name="headcount"' not in response.content.decode()


def test_admin_in_kazakh_shows_kazakh_labels(admin_client):
    organization = OrganizationFactory()
    admin_client.post(reverse("set_language"), {"language": "kk", "next": "/admin/"})
    response = admin_client.get(url(Organization, "change", organization.pk))
    content = response.content.decode()
    assert "Ұйымдар" in content or "ұйым" in content
    assert "БСН" in content
    response = admin_client.get(url(Organization, "changelist"))
    assert "Облыс" in response.content.decode()


def test_dates_are_shown_as_dd_mm_yyyy_in_every_language(admin_client):
    organization = OrganizationFactory(headcount_date="2026-01-31")
    for language in ["ru", "kk", "en"]:
        admin_client.post(reverse("set_language"), {"language": language, "next": "/admin/"})
        response = admin_client.get(url(Organization, "change", organization.pk))
        assert 'value="31.01.2026"' in response.content.decode()


def test_admin_index_names_the_apps_in_kazakh(admin_client):
    admin_client.post(reverse("set_language"), {"language": "kk", "next": "/admin/"})
    content = admin_client.get(reverse("admin:index")).content.decode()
    assert "Ұйымдар тізілімі" in content
    assert "Registry" not in content


def form_data(organization, **changes):
    data = {
        **{
            name: getattr(organization, name) or ""
            for name in [
                *["bin", "name_ru", "name_kk", "short_name", "settlement", "address"],
                *["oked", "size_class", "contact_person", "phone", "email", "notes"],
            ]
        },
        "legal_form": organization.legal_form_id,
        "kind": organization.kind_id,
        "region": organization.region_id,
        "district": organization.district_id,
        "headcount": organization.headcount,
        "headcount_date": "",
        "status": "active",
        "liquidated_on": "",
        "memorandum_parties-TOTAL_FORMS": "0",
        "memorandum_parties-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


def test_second_save_on_a_stale_form_is_refused_and_says_what_changed(client, make_staff):
    organization = OrganizationFactory(headcount=100)
    first, second = (
        make_staff(name, ["view_organization", "change_organization"], regions=["350000000"])
        for name in ("first", "second")
    )
    change = url(Organization, "change", organization.pk)
    client.force_login(first)
    version = client.get(change).context["adminform"].form["edit_version"].value()
    assert (
        client.post(
            change, form_data(organization, headcount=150, edit_version=version)
        ).status_code
        == 302
    )
    client.force_login(second)
    response = client.post(
        change,
        form_data(organization, notes="моя правка", edit_version=version),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    errors = str(response.context["adminform"].form.non_field_errors())
    assert "first" in errors and "100 → 150" in errors
    organization.refresh_from_db()
    assert (organization.headcount, organization.notes) == (150, "")
    fresh = client.get(change).context["adminform"].form["edit_version"].value()
    response = client.post(change, form_data(organization, notes="моя правка", edit_version=fresh))
    assert response.status_code == 302


def test_a_deep_page_lists_the_same_rows_in_the_same_order_as_a_slice(admin_client):
    OrganizationFactory.create_batch(120)
    response = admin_client.get(url(Organization, "changelist"), {"p": "2"})
    changelist = response.context["cl"]
    expected = list(changelist.queryset.values_list("pk", flat=True)[50:100])
    assert [organization.pk for organization in changelist.result_list] == expected
