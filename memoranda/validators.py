import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError

# What the file really is, by its first bytes: the extension alone proves nothing.
SIGNATURES = {
    b"%PDF-": "pdf",
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpeg",
}
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}
EXTENSIONS = {"pdf": "pdf", "png": "png", "jpg": "jpeg", "jpeg": "jpeg"}
IMAGE_FORMATS = {"png": "PNG", "jpeg": "JPEG"}


def document_kind(file):
    """What a file is by its first bytes: "pdf", "png", "jpeg", or None for anything else."""
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(8)
    file.seek(position)
    return next((kind for sign, kind in SIGNATURES.items() if head.startswith(sign)), None)


def validate_document(upload):
    if upload.size > settings.DOCUMENT_MAX_FILE_SIZE:
        raise ValidationError(
            _("The file is %(size)s; documents up to %(limit)s are accepted.")
            % {
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(settings.DOCUMENT_MAX_FILE_SIZE),
            },
            code="too_large",
        )
    kind = document_kind(upload)
    if kind is None:
        raise ValidationError(
            _("Only PDF, JPEG and PNG documents are accepted; this file is something else."),
            code="wrong_type",
        )
    if getattr(upload, "_committed", False):
        # A stored document was read in full when it was uploaded; re-reading every document
        # from storage each time its memorandum is saved would prove nothing new.
        return
    extension = upload.name.rsplit(".", 1)[-1].lower()
    expected = EXTENSIONS.get(extension)
    # An extension of no accepted type is refused by the field's FileExtensionValidator.
    if expected is not None and expected != kind:
        raise ValidationError(
            _("The file's name ends in .%(extension)s, but it is a %(kind)s file.")
            % {"extension": extension, "kind": kind.upper()},
            code="wrong_extension",
        )
    position = upload.tell()
    try:
        if kind == "pdf":
            check_pdf(upload)
        else:
            check_image(upload, kind)
    finally:
        upload.seek(position)


def check_pdf(upload):
    """The file must open as a PDF with at least one page, not merely start like one."""
    upload.seek(0)
    try:
        pages = len(PdfReader(upload).pages)
    except FileNotDecryptedError:
        raise ValidationError(
            _("The PDF is protected by a password; upload it without one."), code="encrypted"
        ) from None
    except Exception:
        # A malformed file can fail anywhere in the parser; whatever fails, it is no PDF.
        pages = 0
    if pages < 1:
        raise ValidationError(
            _("The file starts like a PDF but is not a readable PDF document."), code="bad_pdf"
        )


def check_image(upload, kind):
    """The file must open and verify as the image its first bytes claim, within Pillow's
    limit on pixels: a small file can unpack into gigabytes (a decompression bomb)."""
    upload.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(upload, formats=[IMAGE_FORMATS[kind]]) as image:
                image.verify()
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise ValidationError(
                _("The image has too many pixels; scan it at a lower resolution."),
                code="too_many_pixels",
            ) from None
        except Exception:
            # As for PDFs: any failure to read it means it is not the image it claims to be.
            raise ValidationError(
                _("The file starts like a %(kind)s image but is not a readable image.")
                % {"kind": kind.upper()},
                code="bad_image",
            ) from None
