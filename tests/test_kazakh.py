"""The admin in Kazakh: no page may show a string that has a Kazakh translation in English.

Every project string and every Django or library string the project translates is known by its
English msgid; a text node on a page that equals one of them was left untranslated.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib import admin
from django.urls import reverse

from quotas.models import QuotaCategory
from registry.models import Region
from tests.test_access import region_records

pytestmark = pytest.mark.django_db
LOCALE = Path(__file__).resolve().parent.parent / "locale"
CATALOGUES = [LOCALE / "kk/LC_MESSAGES/django.po", LOCALE / "vendor/kk/LC_MESSAGES/django.po"]


def english_msgids():
    """msgids whose Kazakh differs from them, read from the .po files without extra tools."""
    found = set()
    for catalogue in CATALOGUES:
        entry = {}
        for line in [*catalogue.read_text(encoding="utf-8").splitlines(), ""]:
            if not line.strip():
                if entry.get("msgid") and entry.get("msgstr") and entry["msgid"] != entry["msgstr"]:
                    found.add(entry["msgid"])
                entry, key = {}, None
                continue
            if line.startswith(("msgid ", "msgstr ", "msgstr[0] ")):
                key = line.split(" ", 1)[0].split("[")[0]
                entry[key] = line.split(" ", 1)[1].strip()[1:-1]
            elif line.startswith('"') and key:
                entry[key] += line.strip()[1:-1]
    # Placeholders and single short tokens say nothing about the language of a page.
    return {
        text.replace('\\"', '"')
        for text in found
        if "%" not in text and "{" not in text and any(c.isalpha() for c in text) and len(text) > 3
    }


class TextNodes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.nodes, self.skip, self.stack = [], 0, []

    def handle_starttag(self, tag, attrs):
        # Scripts are not text; a reference table's code column is data ("other" is a code).
        if tag in ("script", "style", "title") or dict(attrs).get("class") == "field-code":
            self.stack.append(tag)
            self.skip += 1

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
            self.skip -= 1

    def handle_data(self, data):
        text = " ".join(data.split()).rstrip(":").strip()
        if text and not self.skip:
            self.nodes.append(text)


def untranslated(html, msgids):
    # The language switch names each language in itself ("English", "Русский") on purpose.
    html = re.sub(r'<form class="language-switch".*?</form>', "", html, flags=re.S)
    parser = TextNodes()
    parser.feed(html)
    return sorted({node for node in parser.nodes if node in msgids})


@pytest.fixture
def kazakh_admin(admin_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    region_records("350000000", "Біздің")
    admin_client.post(reverse("set_language"), {"language": "kk", "next": "/admin/"})
    return admin_client


def test_every_admin_page_reads_in_kazakh(kazakh_admin):
    msgids = english_msgids()
    assert len(msgids) > 500, "the catalogues were not read"
    disability = QuotaCategory.objects.get(code="disability").pk
    own = Region.objects.get(kato="350000000").pk
    pages = [
        reverse("admin:index"),
        reverse("admin:reports"),
        reverse("admin:report_compliance") + f"?year=2026&category={disability}",
        reverse("admin:report_employer_months") + f"?year=2026&category={disability}&region={own}",
        reverse("admin:report_measures") + "?start=01.01.2026&end=31.12.2026",
    ]
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append(reverse(f"{prefix}_changelist"))
        if model_admin.has_add_permission(type("R", (), {"user": kazakh_admin_user()})()):
            pages.append(reverse(f"{prefix}_add"))
        obj = model._default_manager.first()
        if obj is not None:
            pages.append(reverse(f"{prefix}_change", args=[obj.pk]))
            pages.append(reverse(f"{prefix}_history", args=[obj.pk]))
        if getattr(model_admin, "get_import_resource_classes", None) and (
            model_admin.get_import_resource_classes(None)
        ):
            pages.append(reverse(f"{prefix}_import"))
    found = {}
    for page in pages:
        response = kazakh_admin.get(page)
        assert response.status_code == 200, page
        english = untranslated(response.content.decode(), msgids)
        if english:
            found[page] = english
    assert not found, "\n".join(f"{page}: {words}" for page, words in found.items())


def kazakh_admin_user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="root")
