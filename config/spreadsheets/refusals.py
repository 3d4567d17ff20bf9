"""What staff are told when the database refuses an import: what happened, in their language.

The database's own words (English, naming tables and constraints) go to the log, not to the
user. Every import path asks `refusal` here: the batched and the row-by-row resource, the
admin's preview and confirmation, and `manage.py import_spreadsheet`.
"""

import logging
import sqlite3

import psycopg
from django.db import DatabaseError, IntegrityError, InterfaceError
from django.utils.translation import gettext as _
from import_export.results import Error, Result

logger = logging.getLogger(__name__)


class DatabaseRefusal(Exception):
    """An import the database refused; its message is the sentence shown to the user."""


def concurrent_change():
    return _(
        "Another import or edit added or changed the same records at the same moment. "
        "Nothing was written; import the file again."
    )


def busy():
    return _(
        "The database was busy with another import or edit of the same records and stopped "
        "this one. Nothing was written; import the file again in a minute."
    )


def connection_lost():
    return _(
        "The connection to the database was lost during the import. Nothing was written; "
        "import the file again, and tell the administrator if it happens again."
    )


def database_failed():
    return _(
        "The database could not complete the import. Nothing was written; import the file "
        "again later, and tell the administrator if it happens again."
    )


# What PostgreSQL answers when another transaction holds or changed the same rows.
LOCK_CONFLICTS = (
    psycopg.errors.DeadlockDetected,
    psycopg.errors.SerializationFailure,
    psycopg.errors.TransactionRollback,
    psycopg.errors.LockNotAvailable,
)


def causes(error):
    """The error and those it was raised from: Django wraps the driver's own error."""
    chain = []
    while error is not None and len(chain) < 10:
        chain.append(error)
        error = error.__cause__
    return chain


def explain(error):
    """The message for a database error, by its type, or None if it is not one."""
    chain = causes(error)
    for each in chain:
        if isinstance(each, LOCK_CONFLICTS):
            return busy()
        if isinstance(each, IntegrityError | psycopg.IntegrityError | sqlite3.IntegrityError):
            return concurrent_change()
        # "database is locked": another connection holds SQLite's one write lock.
        if isinstance(each, sqlite3.OperationalError) and getattr(
            each, "sqlite_errorcode", 0
        ) & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return busy()
        # A connection that broke has no SQLSTATE; one the server shut has class 08 or 57P.
        if isinstance(each, psycopg.OperationalError) and (
            each.sqlstate is None or each.sqlstate.startswith(("08", "57P"))
        ):
            return connection_lost()
        if isinstance(each, InterfaceError | psycopg.InterfaceError):
            return connection_lost()
    if any(isinstance(each, DatabaseError | psycopg.Error | sqlite3.Error) for each in chain):
        return database_failed()
    return None


def refusal(error):
    """A DatabaseRefusal for the user if the database refused the import, else None.

    The database's own text is logged with its traceback, for the administrator.
    """
    message = explain(error)
    if message is None:
        return None
    logger.warning("The database refused an import: %s", error, exc_info=error)
    return DatabaseRefusal(message)


def refused_result(refused, total_rows=0):
    """An import result that holds nothing but the refusal: nothing was written."""
    result = Result()
    result.total_rows = total_rows
    result.append_base_error(Error(refused))
    result.problems, result.seconds = [], 0.0
    return result
