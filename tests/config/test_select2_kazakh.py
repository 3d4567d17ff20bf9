"""The admin's autocomplete pickers speak Kazakh on Kazakh pages."""

from pathlib import Path

from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.staticfiles import finders
from django.utils import translation

from registry.models import Organization


def test_kazakh_pages_load_select2s_messages_in_kazakh():
    with translation.override("kk"):
        # Made per request, in its language, as the admin's forms make it.
        widget = AutocompleteSelect(Organization._meta.get_field("region"), admin.site)
        scripts = [str(script) for script in widget.media._js]
    assert "admin/js/vendor/select2/i18n/kk.js" in scripts
    found = finders.find("admin/js/vendor/select2/i18n/kk.js")
    assert found and "Іздеу…" in Path(found).read_text(encoding="utf-8")
