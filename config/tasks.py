"""Work the worker processes (`manage.py db_worker`) take from the database."""

import gc

from django_tasks import task

from .imports import AdminWork, execute, finish, mail_if_long
from .models import ImportRun
from .spreadsheets.pipeline import ImportFileError


@task()
def run_import(run_id):
    """An import started in the admin: its preview, or its write once confirmed."""
    try:
        import_once(run_id)
    finally:
        # An import leaves about a hundred thousand objects in cycles (its resource and the
        # file's reading refer to each other), which an enabled collector may leave for
        # several imports: a worker grew by 150 MB an import.
        gc.collect()


def import_once(run_id):
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is None or run.state != ImportRun.State.WAITING:
        return
    try:
        work = AdminWork(run)
    except ImportFileError as error:
        # The form no longer holds for its user (a region taken away, say).
        run.details = {"errors": [str(error)]}
        finish(run, ImportRun.State.PROBLEMS)
        return
    # execute() keeps `run` as it leaves the row (still waiting if another worker took it).
    execute(run, work)
    mail_if_long(run)
