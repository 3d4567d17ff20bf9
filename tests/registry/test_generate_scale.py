import io

import pytest
from django.core.management import call_command

from quotas.models import Person, Placement, Quota
from registry.models import Organization
from registry.validators import identifier_error

pytestmark = pytest.mark.django_db


def test_generates_valid_rows_with_history_deterministically():
    out = io.StringIO()
    arguments = [
        "--organizations",
        "300",
        "--quotas",
        "40",
        "--persons",
        "50",
        "--placements",
        "50",
    ]
    call_command("generate_scale", *arguments, stdout=out, stderr=io.StringIO())
    assert Organization.objects.count() == 300
    assert Organization.history.count() == 300
    assert Quota.objects.count() == Quota.history.count() == 40
    assert Person.objects.count() == Person.history.count() == 50
    assert Placement.objects.count() == Placement.history.count() == 50
    assert not any(
        identifier_error(bin_) for bin_ in Organization.objects.values_list("bin", flat=True)
    )
    assert not any(identifier_error(iin) for iin in Person.objects.values_list("iin", flat=True))
    assert Organization.objects.values("region").distinct().count() == 20
    for quota in Quota.objects.select_related("category", "organization__kind")[:10]:
        quota.full_clean()
    assert "rows/s" in out.getvalue()
