"""Signed documents: served only through the admin to those who may see their memorandum, and
accepted only when they really are the PDF or image they claim to be."""

import importlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse
from django.urls import Resolver404, resolve, reverse
from PIL import Image
from pypdf import PdfWriter

from config import roles
from memoranda.models import Memorandum, MemorandumDocument
from registry.models import Organization
from tests.factories import OrganizationFactory, image_bytes, pdf_bytes
from tests.test_access import OTHER, OWN, region_records

pytestmark = pytest.mark.django_db

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    region_records(OWN, "Своя")
    region_records(OTHER, "Чужая")


def document_of(number):
    return MemorandumDocument.objects.get(memorandum__number=number)


def download(client, document):
    return client.get(document.file.url)


@pytest.mark.parametrize("role", [roles.REGISTRY_EDITOR, roles.DEPARTMENT_HEAD])
def test_a_document_of_the_users_region_downloads_as_an_attachment(client, make_staff, world, role):
    client.force_login(make_staff("staff", groups=[role], regions=[OWN]))
    response = download(client, document_of("M-Своя"))
    assert response.status_code == 200
    assert isinstance(response, FileResponse)
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    # The stored name is Cyrillic: it travels as RFC 5987's filename*.
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%D0%A1%D0%B2%D0%BE%D1%8F.pdf"
    )
    assert b"".join(response.streaming_content) == b"%PDF-1.7 signed"


def test_another_regions_document_answers_like_a_missing_one(client, make_staff, world):
    client.force_login(make_staff("editor", groups=[roles.REGISTRY_EDITOR], regions=[OWN]))
    other = download(client, document_of("M-Чужая"))
    missing = client.get(
        reverse("admin:memoranda_memorandumdocument_download", args=["memoranda/none.pdf"])
    )
    assert other.status_code == missing.status_code == 404
    assert other.content == missing.content


@pytest.mark.parametrize("groups", [[], [roles.PERSONAL_DATA_OFFICER]])
def test_staff_who_may_not_see_memoranda_are_refused(client, make_staff, world, groups):
    client.force_login(make_staff("staff", groups=groups, regions=[OWN]))
    assert download(client, document_of("M-Своя")).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login(client, world):
    response = download(client, document_of("M-Своя"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_content_type_is_what_the_file_is_not_what_its_name_says(admin_client, world):
    memorandum = Memorandum.objects.get(number="M-Своя")
    document = MemorandumDocument.objects.create(
        memorandum=memorandum, file=SimpleUploadedFile("scan.pdf", image_bytes("PNG"))
    )
    assert download(admin_client, document)["Content-Type"] == "image/png"


def test_a_document_whose_file_is_gone_answers_not_found(admin_client, world):
    document = document_of("M-Своя")
    document.file.storage.delete(document.file.name)
    assert download(admin_client, document).status_code == 404


def test_nothing_serves_the_media_folder_even_in_development(settings, world):
    # The URLs are built once, when the URL module is imported: import it again under DEBUG.
    name = document_of("M-Своя").file.name
    settings.DEBUG = True
    try:
        urls = importlib.reload(importlib.import_module("config.urls"))
        with pytest.raises(Resolver404):
            resolve(f"/{settings.MEDIA_URL.lstrip('/')}{name}", urlconf=urls)
    finally:
        settings.DEBUG = False
        importlib.reload(urls)


def test_the_memorandum_page_links_its_documents_to_the_download_view(admin_client, world):
    document = document_of("M-Своя")
    response = admin_client.get(
        reverse("admin:memoranda_memorandum_change", args=[document.memorandum_id])
    )
    content = response.content.decode()
    link = reverse("admin:memoranda_memorandumdocument_download", args=[document.file.name])
    assert document.file.url == link
    assert f'href="{link}"' in content
    assert "/media/" not in content
    assert download(admin_client, document).status_code == 200


def pdf_with_user_password():
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="secret", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def cleaned(name, content):
    memorandum = Memorandum.objects.get(number="M-Своя")
    MemorandumDocument(memorandum=memorandum, file=SimpleUploadedFile(name, content)).full_clean()


def refusal(name, content):
    with pytest.raises(ValidationError) as error:
        cleaned(name, content)
    return error.value.error_dict["file"][0]


@pytest.mark.parametrize(
    "name, content, code",
    [
        ("scan.pdf", b"%PDF-1.7\n" + HTML, "bad_pdf"),
        ("scan.png", PNG_SIGNATURE + HTML, "bad_image"),
        ("scan.jpg", b"\xff\xd8\xff\xe0" + HTML, "bad_image"),
        ("scan.pdf", pdf_bytes(pages=0), "bad_pdf"),
        ("scan.pdf", pdf_with_user_password(), "encrypted"),
        ("scan.jpg", image_bytes("PNG"), "wrong_extension"),
        ("scan.png", image_bytes("JPEG"), "wrong_extension"),
        ("scan.png", pdf_bytes(), "wrong_extension"),
    ],
)
def test_a_file_that_only_starts_like_a_document_is_refused(world, name, content, code):
    assert refusal(name, content).code == code


@pytest.mark.parametrize("pixels", [12 * 12, 20 * 20])
def test_an_image_over_pillows_pixel_limit_is_refused_not_just_warned_about(
    world, monkeypatch, pixels
):
    # 144 pixels is over the limit (a warning from Pillow), 400 over twice the limit (an error).
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    side = int(pixels**0.5)
    assert refusal("scan.png", image_bytes("PNG", (side, side))).code == "too_many_pixels"


def test_real_documents_are_accepted(world):
    cleaned("Меморандум.pdf", pdf_bytes(pages=2))
    cleaned("scan.PNG", image_bytes("PNG"))
    cleaned("scan.jpeg", image_bytes("JPEG"))


def test_a_polyglot_upload_is_refused_in_the_form_in_russian_and_nothing_is_stored(
    admin_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    first, second = OrganizationFactory(), OrganizationFactory()
    response = admin_client.post(
        reverse("admin:memoranda_memorandum_add"),
        {
            "number": "Т-1",
            "kind": "cooperation",
            "title_ru": "Тест",
            "parties-TOTAL_FORMS": "2",
            "parties-INITIAL_FORMS": "0",
            "parties-0-organization": first.pk,
            "parties-0-role": "party",
            "parties-1-organization": second.pk,
            "parties-1-role": "party",
            "documents-TOTAL_FORMS": "1",
            "documents-INITIAL_FORMS": "0",
            "documents-0-file": SimpleUploadedFile("scan.png", PNG_SIGNATURE + HTML),
        },
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.status_code == 200
    assert "не читается как изображение" in response.content.decode()
    assert not Memorandum.objects.exists()
    assert not MemorandumDocument.objects.exists()
    assert not any(tmp_path.rglob("*.*"))
    assert Organization.objects.count() == 2
