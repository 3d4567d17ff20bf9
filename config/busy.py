"""What a user sees when SQLite's one writer is held by an import: a page saying so, not a 500.

An import writes in one transaction, which on SQLite holds the database's only writer until it
commits. A save meanwhile waits for SQLite's busy timeout (settings: JUMYS_SQLITE_BUSY_SECONDS)
and then fails with "database is locked". PostgreSQL has no such lock.
"""

import sys

from django.db import OperationalError
from django.template.response import TemplateResponse
from django.views import defaults

# Retry-After: an import of a large file holds the writer for a minute or more.
RETRY_SECONDS = 60


def is_busy(error):
    return isinstance(error, OperationalError) and "database is locked" in str(error)


def busy_page(request):
    response = TemplateResponse(request, "database_busy.html", status=503)
    response["Retry-After"] = str(RETRY_SECONDS)
    return response.render()


class DatabaseBusyMiddleware:
    """A page's work refused by a locked database answers with the busy page, whatever DEBUG
    says (the development server runs on SQLite)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return busy_page(request) if is_busy(exception) else None


def server_error(request):
    """Django's 500 page, or the busy page when a lock failed the request outside its view
    (a session saved as the response went out)."""
    if is_busy(sys.exc_info()[1]):
        return busy_page(request)
    return defaults.server_error(request)
