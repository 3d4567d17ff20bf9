"""Every admin URL of every registered model, for every role, own region versus another.

The walk reads the admin site's registry, so a model registered later is covered without edits;
it fails if the fixture below has no record of it, which says to add one.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import reverse

from config import roles
from config.models import ColumnMapping, ImportRun
from memoranda.models import CommitmentReport, MemorandumDocument, Reminder
from quotas.models import PersonalDataExport, QuotaCategory
from registry.models import Organization, Region, in_regions_of
from registry.resources import OrganizationResource
from tests.factories import (
    CommitmentFactory,
    JobSeekerFactory,
    MemorandumFactory,
    OrganizationFactory,
    PartyFactory,
    PersonFactory,
    PlacementFactory,
    QuotaFactory,
    SpecialWorkplaceFactory,
    SurveyCampaignFactory,
    VacancyFactory,
)
from vacancies.models import (
    Language,
    Occupation,
    Referral,
    Skill,
    SurveyLine,
    SurveyResponse,
)

pytestmark = pytest.mark.django_db
OWN, OTHER = "110000000", "350000000"  # Akmola, Karaganda


def region_records(kato, tag):
    """One record of every regional model in a region."""
    region = Region.objects.get(kato=kato)
    employer = OrganizationFactory(region=region, district=None, name_ru=f"ТОО «{tag}»")
    partner = OrganizationFactory(region=region, district=None)
    memorandum = MemorandumFactory(number=f"M-{tag}")
    PartyFactory(memorandum=memorandum, organization=employer)
    PartyFactory(memorandum=memorandum, organization=partner)
    commitment = CommitmentFactory(memorandum=memorandum, responsible=employer)
    CommitmentReport.objects.create(commitment=commitment, value=Decimal(1))
    MemorandumDocument.objects.create(
        memorandum=memorandum, file=SimpleUploadedFile(f"{tag}.pdf", b"%PDF-1.7 signed")
    )
    Reminder.objects.create(kind="overdue", event=f"overdue:{tag}", memorandum=memorandum)
    quota = QuotaFactory(organization=employer)
    person = PersonFactory(region=region)
    SpecialWorkplaceFactory(organization=employer)
    PlacementFactory(person=person, organization=employer, quota=quota)
    # Reference data of no region, but none is shipped: the dictionary's entries come from a file.
    skill = Skill.objects.create(
        code=f"{kato[:2]}-1", name_ru=f"Навык «{tag}»", name_kk=f"«{tag}» дағдысы"
    )
    skill.occupations.add(Occupation.objects.get(code="7212"))
    vacancy_records(region, employer, partner, person, quota, skill, tag)
    return employer


def vacancy_records(region, employer, partner, person, quota, skill, tag):
    """A survey that found a vacancy, a vacancy with reserved places, a seeker referred to it."""
    welder = Occupation.objects.get(code="7212")
    survey = SurveyCampaignFactory(
        title=f"Опрос «{tag}»", region=region, ends_on=datetime.date(2026, 3, 31), run_by=partner
    )
    response = SurveyResponse.objects.create(
        campaign=survey, organization=employer, answered_on=datetime.date(2026, 3, 10)
    )
    SurveyLine.objects.create(
        response=response, occupation=welder, vacant_places=2, planned_hires=3
    )
    vacancy = VacancyFactory(organization=employer, occupation=welder, quota=quota)
    vacancy.reservations.create(category=quota.category, places=1)
    vacancy.required_skills.add(skill)
    vacancy.languages.add(Language.objects.get(code="kk"))
    seeker = JobSeekerFactory(person=person)
    seeker.experience.create(occupation=welder, years=3)
    Referral.objects.create(seeker=seeker, vacancy=vacancy, referred_on=datetime.date(2026, 3, 15))


@pytest.fixture
def world(settings, tmp_path, superuser):
    settings.MEDIA_ROOT = tmp_path
    region_records(OWN, "Своя")
    region_records(OTHER, "Чужая")
    # A good login then a failed one leave the records the lockout admin lists (in this
    # order: a success clears earlier failures).
    visitor = Client()
    login = reverse("admin:login")
    visitor.post(login, {"username": superuser.username, "password": "x"})
    visitor.post(login, {"username": superuser.username, "password": "wrong"})
    PersonalDataExport.objects.create(user=superuser, what="people", row_count=1, unmasked=False)
    ColumnMapping.objects.remember(
        OrganizationResource, ["БИН", "Куратор"], {"Куратор": ""}, {"kind": "enterprise"}, superuser
    )
    finished_import(superuser)


def finished_import(user):
    """An import the user ran: only they and administrators see it."""
    return ImportRun.objects.create(
        user=user, model="registry.organization", file_name="register.xlsx", state="done"
    )


def request_for(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def own_and_other(model, user):
    records = model._default_manager.order_by("pk")
    own = in_regions_of(records, user).first()
    other = records.exclude(pk__in=in_regions_of(records, user).values("pk")).first()
    assert own is not None, f"add a {model.__name__} to region_records() in {__file__}"
    if getattr(model, "REGION_LOOKUP", None):
        assert other is not None, f"add a {model.__name__} of another region to the fixture"
    return own, other


def autocomplete_sources(model):
    """Every (admin model, field) whose form picks a `model` through autocomplete."""
    for source, source_admin in admin.site._registry.items():
        for name in getattr(source_admin, "autocomplete_fields", ()):
            if source._meta.get_field(name).related_model is model:
                yield source, name


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def expected(allowed):
    return 200 if allowed else 403


ROLE_NAMES = [roles.REGISTRY_EDITOR, roles.DEPARTMENT_HEAD, roles.PERSONAL_DATA_OFFICER]


@pytest.mark.parametrize("role", [*ROLE_NAMES, roles.ADMINISTRATOR, None])
def test_every_admin_url_answers_by_role_and_region(client, make_staff, world, role):
    user = make_staff("staff", groups=[role] if role else [], regions=[OWN])
    finished_import(user)
    client.force_login(user)
    request = request_for(user)
    failures = []

    def check(link, want):
        got = client.get(link).status_code
        if got != want:
            failures.append(f"{link}: {got}, expected {want}")

    for model, model_admin in admin.site._registry.items():
        own, other = own_and_other(model, user)
        can_view = model_admin.has_view_or_change_permission(request)
        check(url(model, "changelist"), expected(can_view))
        check(url(model, "add"), expected(model_admin.has_add_permission(request)))
        check(url(model, "change", own.pk), expected(can_view))
        check(
            url(model, "delete", own.pk), expected(model_admin.has_delete_permission(request, own))
        )
        check(url(model, "history", own.pk), expected(can_view))
        for view, permission in [
            ("import", "has_import_permission"),
            ("export", "has_export_permission"),
        ]:
            if hasattr(model_admin, permission):
                check(url(model, view), expected(getattr(model_admin, permission)(request)))
        for source, field in autocomplete_sources(model):
            answer = client.get(
                reverse("admin:autocomplete"),
                {
                    "app_label": source._meta.app_label,
                    "model_name": source._meta.model_name,
                    "field_name": field,
                    "term": "",
                },
            )
            want = expected(can_view)
            if answer.status_code != want:
                failures.append(
                    f"autocomplete of {model.__name__}: {answer.status_code}, expected {want}"
                )
            elif (
                answer.status_code == 200
                and other is not None
                and str(other.pk) in {r["id"] for r in answer.json()["results"]}
            ):
                failures.append(f"autocomplete of {model.__name__} offers another region's record")
        if other is not None:
            for view in ["change", "delete", "history"]:
                check(url(model, view, other.pk), 404)
            if can_view:
                listed = client.get(url(model, "changelist"), {"all": ""}).context["cl"].result_list
                if other in listed:
                    failures.append(f"{model.__name__} list shows another region's record")
    assert not failures, "\n".join(failures)


def test_akmola_editor_cannot_reach_a_karaganda_organization_by_any_path(client, make_staff, world):
    editor = make_staff("editor", groups=[roles.REGISTRY_EDITOR], regions=[OWN])
    client.force_login(editor)
    karaganda = Organization.objects.get(name_ru="ТОО «Чужая»")
    assert client.get(url(Organization, "change", karaganda.pk)).status_code == 404
    assert client.get(url(Organization, "history", karaganda.pk)).status_code == 404
    listed = client.get(url(Organization, "changelist"), {"q": karaganda.bin}).context["cl"]
    assert list(listed.result_list) == []
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "quotas",
            "model_name": "quota",
            "field_name": "organization",
            "term": "Чужая",
        },
    )
    assert autocomplete.status_code == 200 and autocomplete.json()["results"] == []
    export = client.post(url(Organization, "export"), {"format": "1", "resource": "0"})
    assert karaganda.bin not in export.content.decode("utf-8-sig")
    sheet = client.get(
        reverse("admin:report_compliance"),
        {"year": 2026, "category": QuotaCategory.objects.get(code="disability").pk},
    )
    assert sheet.status_code == 200 and karaganda.bin not in sheet.content.decode()


def test_import_refuses_rows_of_another_region_with_a_message(client, make_staff, world):
    editor = make_staff("editor", groups=[roles.REGISTRY_EDITOR], regions=[OWN])
    client.force_login(editor)
    bin_ = "100540000008"
    text = (
        f"BIN,Full name (Russian),Organization kind,Region\n{bin_},ТОО «Тест»,enterprise,{OTHER}\n"
    )
    response = client.post(
        url(Organization, "import"),
        {"format": "1", "resource": "0", "import_file": SimpleUploadedFile("x.csv", text.encode())},
        follow=True,
    )
    assert response.status_code == 200
    problems = response.context["result"].problems
    assert any("Карагандинская область" in str(p["message"]) for p in problems)
    assert not Organization.objects.filter(bin=bin_).exists()


def test_roles_are_groups_with_the_expected_rights():
    editor = Group.objects.get(name=roles.REGISTRY_EDITOR).permissions.values_list(
        "codename", flat=True
    )
    head = Group.objects.get(name=roles.DEPARTMENT_HEAD).permissions.values_list(
        "codename", flat=True
    )
    officer = Group.objects.get(name=roles.PERSONAL_DATA_OFFICER).permissions.values_list(
        "codename", flat=True
    )
    assert {"change_organization", "import_organization", "add_placement"} <= set(editor)
    assert "delete_organization" not in editor and "view_personal_data" not in editor
    assert {"view_quota", "export_quota"} <= set(head)
    assert not any(code.startswith(("add_", "change_", "delete_")) for code in head)
    assert "view_personal_data" in officer


def test_role_sync_is_rerunnable():
    from django.apps import apps

    before = {g.name: g.permissions.count() for g in Group.objects.all()}
    roles.sync_roles(apps)
    assert {g.name: g.permissions.count() for g in Group.objects.all()} == before
