"""Signed documents are accepted only when they really are the PDF or image they claim to be."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfWriter

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
