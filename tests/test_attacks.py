"""A regional account attacking other regions and personal data through the paths the pages
themselves do not show: imports, filters, search, ordering, autocompletes and forged forms.

An Akmola account faces one record of every regional model in Karaganda (tests.test_access's
`region_records`). Every attack must fail the same way a missing record would, and no response
may carry a stored value of the other region's records.
"""

import datetime

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.urls import reverse

from config import roles
from config.spreadsheets.formats import CSV
from memoranda.models import Memorandum, Party
from quotas.models import Person, Placement, Quota, QuotaCategory, SpecialWorkplace
from quotas.resources import PersonResource, PlacementResource
from registry.models import District, Organization, Region
from registry.resources import OrganizationResource
from tests.factories import OrganizationFactory, PersonFactory, PlacementFactory, valid_iin
from tests.test_access import OTHER, OWN, region_records, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    region_records(OWN, "Своя")
    region_records(OTHER, "Чужая")


@pytest.fixture
def karaganda(world):
    """The other region's records, and what must never reach the Akmola account about them."""
    employer = Organization.objects.get(name_ru="ТОО «Чужая»")
    person = Person.objects.get(region__kato=OTHER)
    memorandum = Memorandum.objects.get(number="M-Чужая")
    secrets = [
        employer.region.name_ru,
        employer.name_ru,
        employer.name_kk,
        person.full_name,
        memorandum.title_ru,
        *District.objects.filter(region__kato=OTHER).values_list("name_ru", flat=True)[:5],
    ]
    return employer, person, memorandum, secrets


@pytest.fixture
def editor(client, make_staff):
    """An Akmola registry editor without the personal-data right."""
    user = make_staff("editor", groups=[roles.REGISTRY_EDITOR], regions=[OWN])
    client.force_login(user)
    return user


def upload(client, model, text, **form):
    file = SimpleUploadedFile("file.csv", text.encode())
    return client.post(
        url(model, "import"),
        {"format": "1", "resource": "0", "import_file": file, **form},
        follow=True,
    )


def assert_nothing_leaks(response, secrets):
    page = response.content.decode()
    for secret in secrets:
        assert secret not in page, f"the response shows “{secret}”"


def messages_of(response):
    return [str(problem["message"]) for problem in response.context["result"].problems]


def unique_message(model, field):
    model_field = model._meta.get_field(field)
    return str(model_field.error_messages["unique"])


# Imports: a row naming another region's record by its key.


def test_organization_import_cannot_take_over_another_regions_record(client, editor, karaganda):
    employer, _person, _memorandum, secrets = karaganda
    before = model_to_dict(employer)
    district = District.objects.filter(region__kato=OWN).first()
    text = (
        "BIN,Full name (Russian),Organization kind,Region,District\n"
        f"{employer.bin},ТОО «Захват»,enterprise,Акмолинская область,{district.name_ru}\n"
    )
    response = upload(client, Organization, text)
    assert response.status_code == 200
    assert messages_of(response) == [unique_message(Organization, "bin")]
    assert_nothing_leaks(response, secrets)
    # The confirmation goes the same way, whatever the page offered.
    result = OrganizationResource().import_data(CSV().create_dataset(text.encode()), user=editor)
    assert result.has_validation_errors()
    employer.refresh_from_db()
    assert model_to_dict(employer) == before


def test_organization_import_row_by_row_refuses_the_same(editor, karaganda):
    employer, *_ = karaganda
    text = f"BIN,Full name (Russian),Organization kind,Region\n{employer.bin},X,enterprise,{OWN}\n"
    resource = OrganizationResource()
    resource.imports_in_batches = False
    result = resource.import_data(CSV().create_dataset(text.encode()), user=editor)
    assert [str(p["message"]) for p in result.problems] == [unique_message(Organization, "bin")]
    assert Organization.objects.get(pk=employer.pk).name_ru == "ТОО «Чужая»"


def test_people_import_cannot_take_over_another_regions_person(client, make_staff, karaganda):
    _employer, person, _memorandum, secrets = karaganda
    officer = make_staff("officer", groups=[roles.PERSONAL_DATA_OFFICER], regions=[OWN])
    client.force_login(officer)
    before = model_to_dict(person)
    text = f"IIN,Full name,Region\n{person.iin},Захватов Захват,Акмолинская область\n"
    response = upload(client, Person, text)
    assert response.status_code == 200
    assert messages_of(response) == [unique_message(Person, "iin")]
    assert_nothing_leaks(response, secrets)
    result = PersonResource().import_data(CSV().create_dataset(text.encode()), user=officer)
    assert result.has_validation_errors()
    person.refresh_from_db()
    assert model_to_dict(person) == before


def test_party_import_cannot_join_or_rename_another_regions_memorandum(client, editor, karaganda):
    _employer, _person, memorandum, secrets = karaganda
    own = Organization.objects.filter(region__kato=OWN)
    rows = "".join(
        f"{memorandum.number},Захваченный,cooperation,01.02.2026,{organization.bin}\n"
        for organization in own
    )
    text = "Registration number,Title (Russian),Memorandum kind,Signed on,Party BIN\n" + rows
    response = upload(client, Memorandum, text)
    assert response.status_code == 200
    assert response.context["result"].has_validation_errors()
    assert_nothing_leaks(response, secrets)
    memorandum.refresh_from_db()
    assert memorandum.title_ru != "Захваченный"
    assert not Party.objects.filter(memorandum=memorandum, organization__in=own).exists()
    assert client.get(url(Memorandum, "change", memorandum.pk)).status_code == 404


def test_placement_import_finds_no_person_or_employer_of_another_region(client, editor, karaganda):
    employer, person, _memorandum, secrets = karaganda
    own_employer = Organization.objects.get(name_ru="ТОО «Своя»")
    own_person = Person.objects.get(region__kato=OWN)
    text = (
        "IIN,Employer BIN,Employment measure,Position,Start date\n"
        f"{person.iin},{own_employer.bin},vacancy,оператор,01.03.2026\n"
        f"{own_person.iin},{employer.bin},vacancy,оператор,01.03.2026\n"
    )
    response = upload(client, Placement, text)
    problems = response.context["result"].problems
    unknown = {
        2: PlacementResource.fields["person"].widget.messages["unknown"] % {"value": person.iin},
        3: PlacementResource.fields["organization"].widget.messages["unknown"]
        % {"value": employer.bin},
    }
    assert {(p["line"], str(p["message"])) for p in problems} == {
        (line, str(message)) for line, message in unknown.items()
    }
    assert_nothing_leaks(response, secrets)
    assert not Placement.objects.filter(start_on=datetime.date(2026, 3, 1)).exists()


def test_quota_import_finds_no_employer_of_another_region(client, editor, karaganda):
    employer, _person, _memorandum, secrets = karaganda
    category = QuotaCategory.objects.get(code="disability")
    text = (
        "№,Наименование организации,БИН,Списочная численность работников,Квота %,"
        f"Количество рабочих мест\n1,ТОО «Захват»,{employer.bin},200,3,6\n"
    )
    own = Region.objects.get(kato=OWN)
    form = {"year": 2027, "category": category.pk, "region": own.pk}
    response = upload(client, Quota, text, **form)
    assert response.context["result"].has_validation_errors()
    assert_nothing_leaks(response, secrets)
    assert not Quota.objects.filter(year=2027).exists()
    # Employers missing from the registry are added only in the editor's own regions.
    forced = upload(client, Quota, text, **{**form, "region": employer.region_id})
    assert "region" in forced.context["form"].errors


def test_special_workplace_import_finds_no_employer_of_another_region(client, editor, karaganda):
    employer, _person, _memorandum, secrets = karaganda
    text = (
        "Employer BIN,Position,Adapted for impairment,Created on\n"
        f"{employer.bin},швея,hearing,01.03.2026\n"
    )
    response = upload(client, SpecialWorkplace, text)
    assert response.context["result"].has_validation_errors()
    assert_nothing_leaks(response, secrets)
    assert not SpecialWorkplace.objects.filter(created_on=datetime.date(2026, 3, 1)).exists()


# Lists, filters and autocompletes.


def test_no_list_of_a_regional_model_shows_another_region_in_its_rows_or_filters(
    client, editor, karaganda
):
    employer, *_rest, secrets = karaganda
    karaganda_region = employer.region
    secrets = [*secrets, employer.bin]
    request = RequestFactory().get("/")
    request.user = editor
    for model, model_admin in admin.site._registry.items():
        if not getattr(model, "REGION_LOOKUP", None):
            continue
        if not model_admin.has_view_or_change_permission(request):
            assert client.get(url(model, "changelist")).status_code == 403
            continue
        assert client.get(url(model, "changelist")).status_code == 200
        # Forced filter values: another region, another region's organization as a party. A
        # list answers them with its own rows, its error page, or a refusal of the lookup.
        for query in [
            {"party": employer.pk},
            {"region__id__exact": karaganda_region.pk},
            {"organization__region__id__exact": karaganda_region.pk},
            {"party_region": karaganda_region.pk},
        ]:
            response = client.get(url(model, "changelist"), query, follow=True)
            assert response.status_code in (200, 400), (model, query)
            assert_nothing_leaks(response, secrets)
    assert_nothing_leaks(client.get(reverse("admin:index")), secrets)


def test_region_choices_and_autocompletes_offer_only_the_users_regions(client, editor, world):
    answer = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "registry",
            "model_name": "organization",
            "field_name": "region",
            "term": "",
        },
    )
    assert {row["text"] for row in answer.json()["results"]} == {"Акмолинская область"}


def test_autocompletes_for_sources_without_an_admin_offer_only_the_users_districts(
    client, editor, world
):
    elsewhere = District.objects.filter(region__kato=OTHER).first()
    for source in ["organization", "historicalorganization", "person", "historicalperson"]:
        app_label = "quotas" if "person" in source else "registry"
        answer = client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": app_label,
                "model_name": source,
                "field_name": "district",
                "term": elsewhere.name_ru,
            },
        )
        assert answer.status_code == 200, source
        assert str(elsewhere.pk) not in {row["id"] for row in answer.json()["results"]}, source


def test_a_delete_page_names_no_record_of_another_region(client, make_staff, karaganda):
    employer, *_rest, secrets = karaganda
    administrator = make_staff("boss", groups=[roles.ADMINISTRATOR], regions=[OWN])
    client.force_login(administrator)
    person = Person.objects.get(region__kato=OWN)
    PlacementFactory(person=person, organization=employer, start_on=datetime.date(2020, 1, 1))
    page = client.get(url(Person, "delete", person.pk))
    assert page.status_code == 200
    assert_nothing_leaks(page, [*secrets, employer.bin])
    assert "От него зависят записи регионов, в которых вы не работаете." in page.content.decode()
    client.post(url(Person, "delete", person.pk), {"post": "yes"})
    assert Person.objects.filter(pk=person.pk).exists()


def test_a_forged_form_cannot_put_a_record_into_another_region(client, editor, world):
    other = Region.objects.get(kato=OTHER)
    response = client.post(
        url(Organization, "add"),
        {
            "bin": "100540000008",
            "name_ru": "ТОО «Подлог»",
            "kind": Organization._meta.get_field("kind").related_model.objects.first().pk,
            "region": other.pk,
            "status": "active",
            "memorandum_parties-TOTAL_FORMS": "0",
            "memorandum_parties-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "region" in response.context["adminform"].form.errors
    assert not Organization.objects.filter(bin="100540000008").exists()


def test_party_choices_reach_partners_of_the_users_memoranda_and_no_one_else(editor, karaganda):
    employer, *_ = karaganda
    stranger = OrganizationFactory(region=employer.region, district=None, name_ru="ТОО «Никто»")
    choices = Party.objects.organizations_choosable_by(editor)
    assert not choices.filter(pk=stranger.pk).exists()
    assert not choices.filter(pk=employer.pk).exists()
    # A partner elsewhere of a memorandum the editor sees stays choosable, as on its page.
    Party.objects.create(memorandum=Memorandum.objects.get(number="M-Своя"), organization=employer)
    assert choices.filter(pk=employer.pk).exists()


# Personal data without the right.


@pytest.fixture
def own_person(world):
    return PersonFactory(
        region=Region.objects.get(kato=OWN),
        iin=valid_iin(77, datetime.date(1990, 5, 17)),
        birth_date=datetime.date(1990, 5, 17),
    )


def found(client, model, term):
    return list(client.get(url(model, "changelist"), {"q": term}).context["cl"].result_list)


def test_people_are_not_found_by_iin_prefix_without_the_right(client, editor, own_person):
    for length in range(1, 12):
        assert found(client, Person, own_person.iin[:length]) == [], length
    assert found(client, Person, f"{own_person.full_name[:5]} {own_person.iin[:4]}") == []
    assert found(client, Person, own_person.iin) == [own_person]
    answer = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "quotas",
            "model_name": "placement",
            "field_name": "person",
            "term": own_person.iin[:6],
        },
    )
    assert answer.json()["results"] == []


def test_people_are_found_by_iin_prefix_with_the_right(client, make_staff, own_person):
    officer = make_staff("officer", groups=[roles.PERSONAL_DATA_OFFICER], regions=[OWN])
    client.force_login(officer)
    assert found(client, Person, own_person.iin[:6]) == [own_person]


def test_the_masked_columns_cannot_be_sorted(client, editor, own_person):
    PersonFactory(region=own_person.region)
    column = Person._meta.get_field("iin")
    page = client.get(url(Person, "changelist"), {"o": "1"})
    header = page.content.decode().split("column-iin_masked", 1)[0].rsplit("<th", 1)[1]
    assert "sortable" not in header
    assert column.name not in str(page.context["cl"].queryset.query.order_by)


@pytest.mark.parametrize(
    "lookup",
    [
        "iin__startswith",
        "iin__gt",
        "iin__regex",
        "birth_date",
        "birth_date__year",
        "disability_group__exact",
        "impairment__exact",
        "search_text__contains",
    ],
)
def test_personal_fields_cannot_be_filtered_on_in_the_url_without_the_right(
    client, editor, own_person, lookup
):
    value = {
        "iin": own_person.iin[:6],
        "birth_date": "1990-05-17",
        "disability_group": "3",
        "impairment": "hearing",
        "search_text": own_person.iin[:6],
    }[lookup.split("__")[0]]
    if lookup == "birth_date__year":
        value = "1990"
    response = client.get(url(Person, "changelist"), {lookup: value})
    assert response.status_code == 400
    export = client.post(f"{url(Person, 'export')}?{lookup}={value}", {"format": "1"})
    assert own_person.full_name not in export.content.decode("utf-8-sig", "replace")


def test_an_editor_cannot_import_people(client, editor):
    assert client.get(url(Person, "import")).status_code == 403


def test_the_placement_import_preview_masks_iins(client, editor, own_person):
    employer = Organization.objects.get(name_ru="ТОО «Своя»")
    PlacementFactory(person=own_person, organization=employer, start_on=datetime.date(2026, 4, 1))
    text = (
        "IIN,Employer BIN,Employment measure,Position,Start date\n"
        f"{own_person.iin},{employer.bin},vacancy,сварщик,01.04.2026\n"
    )
    response = upload(client, Placement, text)
    assert response.context["result"].totals["update"] == 1
    page = response.content.decode()
    assert own_person.iin not in page
    assert f"{own_person.iin[:4]}******{own_person.iin[-2:]}" in page


def test_a_people_export_without_the_right_masks_every_personal_field():
    iin = valid_iin(78, datetime.date(1990, 5, 17))
    person = PersonFactory(iin=iin, birth_date=datetime.date(1990, 5, 17))
    healthy = PersonFactory(disability_group="", impairment="")
    masked = PersonResource(personal_data=False)
    rows = masked.export(queryset=Person.objects.filter(pk__in=[person.pk, healthy.pk])).dict
    exported = next(row for row in rows if person.full_name in row.values())
    assert iin not in exported.values()
    assert "17.05.1990" not in exported.values()
    assert exported[str(PersonResource.fields["iin"].column_name)] == f"{iin[:4]}******{iin[-2:]}"
    # Whether a person has a disability group at all is a disability detail too.
    columns = [
        str(PersonResource.fields[name].column_name) for name in ("disability_group", "impairment")
    ]
    assert {row[column] for row in rows for column in columns} == {"••••"}
