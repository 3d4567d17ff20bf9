"""Every admin page and every export reads as Russian or Kazakh written by a native speaker.

The catalogue test (test_kazakh.py) finds English that has a translation; this one reads what
is rendered: no Latin-script word outside the identifiers and proper names below may reach a
page or a file, and Django's case-governing phrases must not meet our nominative nouns
(«Выберите организация», «Добавить организация», «99 организации»). The walk reads the admin
site's registry, so a model registered later is covered without edits.
"""

import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import axes
import django
import import_export
import openpyxl
import pytest
import simple_history
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags

from config.spreadsheets.formats import FORMATS
from registry.models import Organization, SizeClass
from tests.factories import OrganizationFactory
from tests.pages import resubmitted
from tests.test_access import region_records

pytestmark = pytest.mark.django_db
LOCALE = Path(__file__).resolve().parent.parent / "locale"
LIBRARIES = [import_export, simple_history, axes]
LANGUAGES = ["ru", "kk"]

# Latin words that are names, not language: the product's name, file formats, the keys Django
# names in its help ("Control", or "Command" on a Mac), the sign-on methods it names, and the
# internationally used name of young people not in employment, education or training.
ALLOWED = {"Jumys", "Control", "Command", "Mac", "LDAP", "Single", "Sign-On", "NEET"}
# Protocol names on the login records' pages.
ALLOWED |= {"IP", "HTTP", "GET", "POST", "SHA"}
# Columns and fields whose values are Latin by nature: reference codes ("too", "other"), an
# occupation's ISCO-08 title as the ILO publishes it (in English), and on the login records'
# pages what a browser says of itself, the formats it accepts, the address it asked for and the
# form it sent.
DATA_COLUMNS = {
    "field-code",
    "field-title_en",
    "field-user_agent",
    "field-http_accept",
    "field-path_info",
    "field-get_data",
    "field-post_data",
}
# The same in exports, by the attribute a column holds.
DATA_ATTRIBUTES = {"code", "title_en"}
FILE_FORMATS = {"xlsx", "xls", "csv", "ods", "pdf"}
# Codes written in Latin letters: OKED sections (A–U), disability groups (I–III).
CODE = re.compile(r"^(?:[A-Z]|[IVX]+)$")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|\b[A-Za-z]\b")
# Data that is Latin by nature: e-mail, addresses, stored files' names and paths, the paths a
# login was tried on, and what axes stores for a header a request did not send ("<unknown>").
NOT_WORDS = re.compile(
    r"\S+@\S+|https?://\S+|[\w./-]+\.(?:xlsx|xls|csv|ods|pdf)\b|(?<!\w)/[\w/.-]*|<unknown>",
    re.I,
)


class Text(HTMLParser):
    """What a reader sees: text nodes and the attributes read out or shown as tooltips."""

    SHOWN_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")

    # Elements without an end tag: they open nothing to skip.
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        # The open elements since a skipped one began (empty when nothing is skipped).
        self.parts, self.skip = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        if self.skip or tag in ("script", "style") or self.skipped(classes):
            if tag not in self.VOID:
                self.skip.append(tag)
            return
        self.parts += [attrs[name] for name in self.SHOWN_ATTRIBUTES if attrs.get(name)]
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    @staticmethod
    def skipped(classes):
        # The language switch names each language in itself ("English") on purpose.
        return "language-switch" in classes or bool(DATA_COLUMNS & classes)

    def handle_endtag(self, tag):
        if self.skip and tag == self.skip[-1]:
            self.skip.pop()

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)

    @classmethod
    def of(cls, html):
        return " ".join(cls.nodes(html))

    @classmethod
    def nodes(cls, html):
        """Each text node and attribute, its spaces collapsed and a trailing colon dropped."""
        parser = cls()
        parser.feed(html)
        parts = (" ".join(part.split()).rstrip(":").strip() for part in parser.parts)
        return [part for part in parts if part]


def latin_words(text, names=()):
    """Latin-script words that are neither allowed, nor codes, nor `names` (logins)."""
    text = NOT_WORDS.sub(" ", text)
    return {
        word
        for word in LATIN_WORD.findall(text)
        if word not in ALLOWED
        and word not in names
        and word.lower() not in FILE_FORMATS
        and not CODE.match(word)
    }


def plural_category(number):
    """Russian plural forms: 1 организация, 2 организации, 5 организаций."""
    if number % 10 == 1 and number % 100 != 11:
        return "one"
    if 2 <= number % 10 <= 4 and not 12 <= number % 100 <= 14:
        return "few"
    return "many"


def bad_russian(text):
    """Django's phrases that govern a case, given our nouns in the nominative, and numerals
    whose noun has the wrong form: the nominative singular fits only 1, 21, …; the nominative
    plural only 2–4, 22–24, …"""
    found = set()
    for model in admin.site._registry:
        singular = str(model._meta.verbose_name)
        plural = str(model._meta.verbose_name_plural)
        for noun in {singular, plural, singular.capitalize(), plural.capitalize()}:
            for pattern in (
                f"Выберите {noun} для",
                f"Добавить {noun}",
                f"Добавить еще один {noun}",
                f"Добавить ещё один {noun}",
                f"Удалить выбранные {noun}",
            ):
                if pattern in text:
                    found.add(pattern)
        counted = rf"(?<![\d.:/-])(\d{{1,6}})\s+({re.escape(singular)}|{re.escape(plural)})\b"
        for number, noun in re.findall(counted, text):
            fits = "one" if noun == singular else "few"
            if plural_category(int(number)) != fits:
                found.add(f"{number} {noun}")
    return found


def bad_filter_titles(html):
    """«По регион»: a list filter's title put after a preposition that needs another case."""
    return set(re.findall(r"<summary>\s*(По [^<]*?)\s*</summary>", html))


def bad_kazakh(text):
    """A plural noun left in the nominative before a verb that takes the accusative
    («Таңдалған ұйымдар өшіру»), and quotes around a name that brings its own («««…» АҚ»»)."""
    found = {pattern for pattern in ("«««", "»»»") if pattern in text}
    for model in admin.site._registry:
        plural = str(model._meta.verbose_name_plural)
        found |= set(re.findall(rf"Таңдалған {re.escape(plural)} [а-яәіңғүұқөһ]+", text))
    return found


def admin_urls(client):
    """Every page of every registered model the client's user may open, the index and each
    app's index."""
    user = client.user
    request = type("Request", (), {"user": user, "GET": {}, "method": "GET"})()
    shown = {
        model: model_admin
        for model, model_admin in admin.site._registry.items()
        if model_admin.has_module_permission(request)
        and model_admin.has_view_or_change_permission(request)
    }
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    for app_label in {model._meta.app_label for model in shown}:
        urls.append(reverse("admin:app_list", args=[app_label]))
    for model, model_admin in shown.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(reverse(f"{prefix}_changelist"))
        if model_admin.has_add_permission(request):
            urls.append(reverse(f"{prefix}_add"))
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            urls.append(reverse(f"{prefix}_change", args=[obj.pk]))
            urls.append(reverse(f"{prefix}_history", args=[obj.pk]))
            if model_admin.has_delete_permission(request, obj):
                urls.append(reverse(f"{prefix}_delete", args=[obj.pk]))
            history = getattr(obj, "history", None)
            if history is not None and hasattr(model_admin, "history_form_view"):
                version = history.order_by("history_id").first()
                if version is not None:
                    urls.append(
                        reverse(f"{prefix}_simple_history", args=[obj.pk, version.history_id])
                    )
        for view in ("import", "export"):
            allowed = getattr(model_admin, f"has_{view}_permission", None)
            if allowed is not None and allowed(request):
                urls.append(reverse(f"{prefix}_{view}"))
    return urls


@pytest.fixture
def records(settings, tmp_path, superuser):
    settings.MEDIA_ROOT = tmp_path
    # The user page shows no password hash (its algorithm and salt are not words).
    superuser.set_unusable_password()
    superuser.save()
    employer = region_records("350000000", "Біздің")
    # A failed login leaves the records the login attempts' pages list.
    Client().post(reverse("admin:login"), {"username": superuser.username, "password": "wrong"})
    # A change of a choice and of a link: the history shows both as people read them.
    employer.size_class = SizeClass.LARGE
    employer.save()
    employer.size_class = SizeClass.SMALL
    employer.curator = superuser
    employer.save()
    return employer


@pytest.fixture(params=LANGUAGES)
def reader(request, records, client, superuser):
    return signed_in(client, superuser, request.param)


@pytest.fixture(params=LANGUAGES)
def viewer(request, records, client, make_staff):
    """A department head in every region: may look at everything, change nothing. Django and
    simple-history title such pages differently ("Select … to view", "View history: …")."""
    views = Permission.objects.filter(codename__startswith="view_").values_list(
        "codename", flat=True
    )
    return signed_in(client, make_staff("viewer", permissions=views, national=True), request.param)


def signed_in(client, user, language):
    client.force_login(user)
    client.post(reverse("set_language"), {"language": language, "next": "/admin/"})
    client.user = user
    client.language = language
    return client


def catalogue(path):
    """A .po file's translated entries, {(context, msgid): msgstr}, read without extra tools."""
    entries, entry, key = {}, {}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry.get("msgid") and entry.get("msgstr"):
                entries[entry.get("msgctxt"), entry["msgid"]] = entry["msgstr"].replace('\\"', '"')
            entry, key = {}, None
        elif line.startswith(("msgctxt ", "msgid ", "msgstr ", "msgstr[0] ")):
            key = line.split(" ", 1)[0].split("[")[0]
            entry[key] = line.split(" ", 1)[1].strip()[1:-1]
        elif line.startswith('"') and key:
            entry[key] += line.strip()[1:-1]
    return entries


def catalogues(language):
    """Every catalogue a page in `language` may take its strings from: the project's, Django's
    and the libraries' (simple-history names its Russian "ru_RU")."""
    packages = [Path(django.__file__).parent, *(Path(m.__file__).parent for m in LIBRARIES)]
    found = {}
    for root in packages:
        for path in root.glob(f"**/locale/{language}*/LC_MESSAGES/django.po"):
            found.update(catalogue(path))
    for path in (LOCALE / "vendor" / language, LOCALE / language):
        found.update(catalogue(path / "LC_MESSAGES/django.po"))
    return found


def russian_fallbacks():
    """Russian texts of strings Kazakh lacks, as whole text nodes: Django shows the default
    language (Russian) for them on a Kazakh page."""
    kazakh = catalogues("kk")
    alike = set(kazakh.values())
    return {
        text
        for key, text in catalogues("ru").items()
        if key not in kazakh
        and text not in alike
        and "%" not in text
        and "{" not in text
        and len(text) > 3
    }


def unreadable_pages(client):
    """Every page the client's user may open, each with what is wrong with its language."""
    logins = set(User.objects.values_list("username", flat=True))
    russian = russian_fallbacks() if client.language == "kk" else set()
    found = {}
    for url in admin_urls(client):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        text = Text.of(html)
        problems = latin_words(text, logins)
        if client.language == "ru":
            problems |= bad_russian(text) | bad_filter_titles(html)
        else:
            problems |= bad_kazakh(text) | (set(Text.nodes(html)) & russian)
        if problems:
            found[url] = sorted(problems)
    return "\n".join(f"{url}: {words}" for url, words in found.items())


def test_every_admin_page_reads_in_the_language_chosen(reader):
    assert not (problems := unreadable_pages(reader)), problems


def test_every_page_a_viewer_sees_reads_in_the_language_chosen(viewer):
    assert not (problems := unreadable_pages(viewer)), problems


def export_text(content, file_format, skipped):
    """The file's text, without the columns named in `skipped` (codes, which are data)."""
    if file_format.get_extension() == "xlsx":
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        rows = [row for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)]
    else:
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    kept = [index for index, header in enumerate(rows[0]) if header not in skipped]
    return " ".join(
        row[index]
        for row in rows
        for index in kept
        if index < len(row) and isinstance(row[index], str)
    )


def attachment_name(response):
    """The file name a browser saves: RFC 6266's filename*, or the plain one."""
    header = response["Content-Disposition"]
    encoded = re.search(r"filename\*=utf-8''([^;]+)", header)
    if encoded:
        return unquote(encoded.group(1))
    return re.search(r'filename="([^"]+)"', header).group(1)


@pytest.mark.parametrize("format_index", [0, 1], ids=["xlsx", "csv"])
def test_every_export_reads_in_the_language_chosen(reader, format_index):
    found = {}
    file_format = FORMATS[format_index]()
    for model, model_admin in admin.site._registry.items():
        if not hasattr(model_admin, "get_export_resource_classes"):
            continue
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        url = reverse(f"{prefix}_export")
        form = reader.get(url).context["form"]
        data = {"format": str(format_index), "resource": "0"}
        data.update(
            {
                name: "on"
                for name, field in form.fields.items()
                if getattr(field, "is_selectable_field", False)
            }
        )
        response = reader.post(url, data)
        assert response.has_header("Content-Disposition"), url
        resource = model_admin.get_export_resource_classes(None)[0]()
        with translation.override(reader.language):
            codes = {
                str(f.column_name)
                for f in resource.fields.values()
                if f.attribute in DATA_ATTRIBUTES
            }
        name = attachment_name(response)
        text = export_text(response.content, file_format, codes)
        problems = latin_words(text) | latin_words(name)
        if problems:
            found[model._meta.label] = sorted(problems)
    assert not found, "\n".join(f"{label}: {words}" for label, words in found.items())


ICON_TEXTS = {"ru": {"yes": "да", "no": "нет"}, "kk": {"yes": "иә", "no": "жоқ"}}


def test_yes_no_icons_are_named_in_the_language_chosen(reader):
    """Django wrote the icons' alt as Python's "True" and "False", read out by screen readers
    and shown where the image does not load, on Russian and Kazakh pages alike."""
    page = reader.get(reverse("admin:quotas_quotacategory_changelist")).content.decode()
    icons = re.findall(r'<img src="[^"]*/admin/img/icon-(yes|no)\.svg" alt="([^"]*)"', page)
    # The disability category excludes heavy work; the others do not.
    assert set(icons) == set(ICON_TEXTS[reader.language].items())


SAVED = {
    "ru": "Изменения сохранены: {name} {obj}.",
    "kk": "Өзгерістер сақталды: {name} {obj}.",
}


def test_a_saved_record_is_announced_without_a_gender_or_doubled_quotes(reader):
    """Django's «Организация “ТОО «…»“ был успешно изменен» agreed with no noun and quoted a
    name that brings its own quotes."""
    organization = OrganizationFactory()
    url = reverse("admin:registry_organization_change", args=[organization.pk])
    response = reader.post(url, resubmitted(reader.get(url)))
    assert response.status_code == 302, response.context["adminform"].form.errors
    with translation.override(reader.language):
        expected = SAVED[reader.language].format(
            name=Organization._meta.verbose_name, obj=Organization.objects.get(pk=organization.pk)
        )
    shown = [strip_tags(str(message)) for message in get_messages(response.wsgi_request)]
    assert shown == [expected]


def test_the_delete_button_is_an_action_and_an_import_row_a_noun(reader):
    """The import preview's "Delete" (a row the file would remove) had overridden Django's
    button: the red button read «Удаление»."""
    organization = Organization.objects.first()
    page = reader.get(reverse("admin:registry_organization_change", args=[organization.pk]))
    with translation.override(reader.language):
        button = translation.gettext("Delete")
        row = translation.pgettext("import row", "Delete")
    assert f'class="deletelink">{button}</a>' in page.content.decode()
    assert (button, row) == {"ru": ("Удалить", "Удаление"), "kk": ("Жою", "Жою")}[reader.language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_login_page_reads_in_the_language_chosen(client, language):
    client.post(reverse("set_language"), {"language": language, "next": "/admin/login/"})
    text = Text.of(client.get(reverse("admin:login")).content.decode())
    assert not latin_words(text)


def test_permissions_are_offered_by_name_without_machinery_and_with_inline_records(admin_client):
    """The permission picker lists every permission a role may need, those of records edited
    inline (reported values) included, named in the reader's language; not the task queue's
    nor those of the histories of Django's link tables, which only had English names."""
    group = Group.objects.create(name="Роль")
    page = admin_client.get(reverse("admin:auth_group_change", args=[group.pk]))
    field = page.context["adminform"].form.fields["permissions"]
    codenames = set(field.queryset.values_list("codename", flat=True))
    assert {"add_commitmentreport", "view_historicalorganization"} <= codenames
    machinery = {"add_dbtaskresult", "add_historicalperson_social_categories"}
    assert Permission.objects.filter(codename__in=machinery).count() == len(machinery)
    assert not machinery & codenames
    with translation.override("ru"):
        label = field.label_from_instance(Permission.objects.get(codename="add_organization"))
    assert label == "Реестр организаций | Организации: добавление"
