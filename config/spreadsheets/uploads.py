"""Uploads waiting between an import's preview and its confirmation.

import-export's MediaStorage (`IMPORT_EXPORT_TMP_STORAGE_CLASS`) keeps each one under
`django-import-export/` in the media storage every application server shares, named by a random
hex UUID. The admin takes an upload out when the import is confirmed, removes it at once when
the preview offers no confirmation, and `remove_stale_uploads` removes previews nobody confirmed.
"""

import datetime
import os
import re
import uuid

from django.core.files.storage import storages
from django.utils import timezone

FOLDER = "django-import-export"
# The names MediaStorage gives (uuid4().hex): a confirmation naming anything else reads nothing.
NAME = re.compile(r"[0-9a-f]{32}")
STALE_AFTER = datetime.timedelta(hours=24)


def upload_storage():
    # MediaStorage's own choice: a storage named "import_export" if configured, else the default.
    return (
        storages["import_export"] if "import_export" in storages.backends else storages["default"]
    )


def store_upload(upload):
    """Keeps an uploaded file for its import's worker, streamed in its chunks; its name."""
    name = uuid.uuid4().hex
    upload_storage().save(f"{FOLDER}/{name}", upload)
    return name


def take_upload(name):
    """The previewed upload's bytes, removed from storage as they are taken; None if it is gone.

    Removing is the claim: of two submissions of one confirmation (a double click), only the one
    whose removal succeeds gets the file, so it is imported once.
    """
    if not NAME.fullmatch(name or ""):
        return None
    storage = upload_storage()
    path = f"{FOLDER}/{name}"
    try:
        with storage.open(path, "rb") as upload:
            data = upload.read()
    except FileNotFoundError:
        return None
    return data if remove(storage, path) else None


def read_upload(name):
    """An upload's bytes, left in storage for the confirmation still to come (the mapping
    step reads it to preview it again); None if it is gone."""
    if not NAME.fullmatch(name or ""):
        return None
    try:
        with upload_storage().open(f"{FOLDER}/{name}", "rb") as upload:
            return upload.read()
    except FileNotFoundError:
        return None


def upload_exists(name):
    return bool(NAME.fullmatch(name or "")) and upload_storage().exists(f"{FOLDER}/{name}")


def discard_upload(name):
    """Removes an upload that will not be confirmed: its preview found problems."""
    if name and NAME.fullmatch(name):
        remove(upload_storage(), f"{FOLDER}/{name}")


def remove(storage, path):
    """Removes a stored upload; False if it was gone already."""
    try:
        local = storage.path(path)
    except NotImplementedError:
        # A remote storage deletes without saying whether the file was there.
        storage.delete(path)
        return True
    try:
        os.remove(local)
    except FileNotFoundError:
        return False
    return True


def remove_stale_uploads(older_than=STALE_AFTER, now=None):
    """Removes the uploads stored longer than `older_than` ago; returns how many.

    Their previews were abandoned: sessions end after JUMYS_SESSION_IDLE_MINUTES without
    activity, so no one will confirm them. Only one folder is listed: cheap enough to run at
    every confirmation.
    """
    storage = upload_storage()
    try:
        _folders, names = storage.listdir(FOLDER)
    except FileNotFoundError:
        return 0
    cutoff = (now or timezone.now()) - older_than
    removed = 0
    for name in names:
        path = f"{FOLDER}/{name}"
        try:
            stale = storage.get_modified_time(path) < cutoff
        except FileNotFoundError:
            # Confirmed or removed by another server meanwhile.
            continue
        if stale and remove(storage, path):
            removed += 1
    return removed
