from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

# What the file really is, by its first bytes: the extension alone proves nothing.
SIGNATURES = {
    b"%PDF-": "pdf",
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpeg",
}


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
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(8)
    upload.seek(position)
    if not any(head.startswith(signature) for signature in SIGNATURES):
        raise ValidationError(
            _("Only PDF, JPEG and PNG documents are accepted; this file is something else."),
            code="wrong_type",
        )
