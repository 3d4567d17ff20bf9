import posixpath

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404

from registry.models import in_regions_of

from .models import MemorandumDocument
from .validators import CONTENT_TYPES, document_kind

# Seeing a memorandum or its documents is enough to download them (view or change, as the
# admin reads its own permissions).
DOWNLOAD_PERMISSIONS = [
    f"memoranda.{action}_{model}"
    for model in ["memorandumdocument", "memorandum"]
    for action in ["view", "change"]
]


def download_document(request, name):
    """A signed document as an attachment, to a user who may see its memorandum; another
    region's document answers as a missing one."""
    if not any(request.user.has_perm(permission) for permission in DOWNLOAD_PERMISSIONS):
        raise PermissionDenied
    documents = in_regions_of(MemorandumDocument.objects.all(), request.user)
    document = documents.filter(file=name).first()
    if document is None:
        raise Http404
    try:
        file = document.file.storage.open(document.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        file,
        as_attachment=True,
        filename=posixpath.basename(document.file.name),
        # What the file is, not what its name says; anything else is only ever saved to disk.
        content_type=CONTENT_TYPES.get(document_kind(file), "application/octet-stream"),
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
