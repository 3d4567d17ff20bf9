"""Size class follows the list headcount unless set by hand, and a disagreement is shown."""

import pytest
from django.urls import reverse

from registry.models import Organization, SizeClass
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_size_class_is_derived_from_the_headcount_and_follows_it():
    organization = OrganizationFactory(headcount=40, size_class="")
    assert organization.size_class == SizeClass.SMALL
    organization.headcount = 300
    organization.save(update_fields=["headcount"])
    organization.refresh_from_db()
    assert organization.size_class == SizeClass.LARGE
    assert not organization.size_class_disagrees


def test_a_size_set_by_hand_is_kept_and_its_disagreement_shown(admin_client):
    # Income can make a 40-person enterprise large: the size stays, with a warning.
    organization = OrganizationFactory(
        headcount=40, size_class=SizeClass.LARGE, size_class_by_hand=True
    )
    assert organization.size_class == SizeClass.LARGE
    assert organization.size_class_disagrees
    url = reverse("admin:registry_organization_change", args=[organization.pk])
    content = admin_client.get(url).content.decode()
    assert "задан вручную, а по списочной численности (40) выходит другой" in content


def test_the_form_refuses_a_size_the_headcount_does_not_give_unless_set_by_hand(admin_client):
    organization = OrganizationFactory(headcount=40)
    url = reverse("admin:registry_organization_change", args=[organization.pk])
    page = admin_client.get(url)
    form = page.context["adminform"].form
    data = {f.html_name: f.value() for f in form if f.value() is not None}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({f.html_name: f.value() for f in management})
        data[f"{inline.formset.prefix}-TOTAL_FORMS"] = 0
        data[f"{inline.formset.prefix}-INITIAL_FORMS"] = 0
    data.update({"size_class": SizeClass.LARGE, "_save": "1"})
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "По списочной численности размер — «малый»" in response.content.decode()
    data["size_class_by_hand"] = "on"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    organization.refresh_from_db()
    assert (organization.size_class, organization.size_class_by_hand) == (SizeClass.LARGE, True)
    assert Organization.objects.get(pk=organization.pk).size_class_disagrees
