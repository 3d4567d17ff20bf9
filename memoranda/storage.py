from django.core.files.storage import FileSystemStorage
from django.urls import reverse


class DocumentStorage(FileSystemStorage):
    """The media storage, with every link to a file pointing at the admin's download view:
    signed documents are served only to users who may see their memorandum, never publicly."""

    def url(self, name):
        return reverse("admin:memoranda_memorandumdocument_download", args=[name])


def document_storage():
    # A callable keeps the storage's settings (MEDIA_ROOT) out of the migrations.
    return DocumentStorage()
