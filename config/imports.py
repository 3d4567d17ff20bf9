"""Imports as runs: each file's preview and write done by a worker process (or by the command in
the foreground) through one function, `execute`, while the import's page follows its progress.

What a run does while the import's transaction is open is kept in the "imports" cache (see
settings.CACHES), not in the database: on SQLite that transaction holds the only writer, and
on PostgreSQL nothing it writes is seen before it commits. The worker writes there the stage,
the rows checked and written and a heartbeat; a request to cancel is written there by the page
and read by the worker at each batch. The outcome goes to the run's row once the transaction
is over.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.core.mail import send_mail
from django.db import DatabaseError, OperationalError
from django.http import HttpRequest, QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import get_language, ngettext, override
from django.utils.translation import gettext as _

from registry.models import StaffProfile

from .models import ColumnMapping, ImportRun
from .spreadsheets.formats import SpreadsheetError
from .spreadsheets.mapping import fitting, found_columns, mapping_needed
from .spreadsheets.pipeline import ImportFileError
from .spreadsheets.refusals import refusal
from .spreadsheets.uploads import discard_upload, read_upload, take_upload

logger = logging.getLogger(__name__)

State = ImportRun.State
# How often a working run says it is alive, whatever a batch takes.
HEARTBEAT_SECONDS = 5
# Progress is written at most this often (the row-by-row path reports every row).
REPORT_SECONDS = 0.5
# Kept well beyond any import; a finished run's figures are in its row.
KEPT_SECONDS = 7 * 24 * 3600
# States in which no worker has the run.
IDLE = (State.WAITING, State.MAPPING, State.PREVIEWED)
# How many rows of a preview are kept with the run, as the preview shows them.
PREVIEW_ROWS = 100


class ImportCancelled(Exception):
    """Raised inside the import's transaction when the user cancelled it: it rolls back."""


def cache():
    return caches["imports"]


class Progress:
    """A run's live state: {stage, checked, written, total, since, heartbeat}, and its cancel
    flag, under keys of their own so that neither side overwrites the other's."""

    def __init__(self, run):
        # Named by the run's creation too: a database made afresh (development, tests) numbers
        # its runs from 1 again, and must not find an older run's cancel flag.
        self.key = f"import-run-{run.pk}-{run.created_at.timestamp():.6f}"
        self.cancel_key = f"{self.key}-cancel"

    def read(self):
        return cache().get(self.key) or {}

    def write(self, state):
        cache().set(self.key, state, KEPT_SECONDS)

    def cancel(self, by):
        cache().set(self.cancel_key, str(by), KEPT_SECONDS)

    def cancelled_by(self):
        """Who cancelled the run, or None."""
        return cache().get(self.cancel_key)


class Reporter:
    """The worker's side of a run's progress: the import's progress callback (which also stops
    the import when the user cancelled it), and a heartbeat from a thread of its own."""

    def __init__(self, run, echo=None):
        self.run, self.echo = run, echo
        self.progress = Progress(run)
        self.lock = threading.Lock()
        self.state = {"stage": State.READING, "checked": 0, "written": 0, "total": 0}
        self.state["since"] = self.state["heartbeat"] = time.time()
        self.reported = 0.0
        self.stopped = threading.Event()
        self.cancelled_by = None

    def __enter__(self):
        self.save()
        self.beat = threading.Thread(target=self.beating, name=f"import-{self.run.pk}", daemon=True)
        self.beat.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.beat.join()

    def beating(self):
        while not self.stopped.wait(HEARTBEAT_SECONDS):
            self.save()

    def save(self):
        with self.lock:
            self.state["heartbeat"] = time.time()
            self.progress.write(dict(self.state))

    def stage(self, stage, total=None):
        with self.lock:
            self.state.update(stage=stage, since=time.time())
            if total is not None:
                self.state["total"] = total
        self.save()

    def __call__(self, checked, written, total):
        if self.echo is not None:
            self.echo(checked, written, total)
        now = time.time()
        if now - self.reported < REPORT_SECONDS and checked < total:
            return
        self.reported = now
        with self.lock:
            if self.state["stage"] == State.READING:
                self.state["since"] = now
            # A confirmed import checks and writes batch by batch: its stage is the writing.
            self.state["stage"] = State.WRITING if self.run.confirmed else State.CHECKING
            self.state.update(checked=checked, written=written, total=total)
        self.save()
        self.cancelled_by = self.progress.cancelled_by()
        if self.cancelled_by is not None:
            raise ImportCancelled


def status(run, now=None):
    """What the import's page shows of a run, as its status view answers it."""
    now = now or time.time()
    live = Progress(run).read() if run.state in ImportRun.WORKING else {}
    stage = live.get("stage", run.state) if run.state in ImportRun.WORKING else run.state
    checked = live.get("checked", run.rows_checked)
    written = live.get("written", run.rows_written)
    total = live.get("total", run.rows_total)
    done = written if run.confirmed else checked
    rate = left = None
    elapsed = now - live.get("since", now)
    if live and done and elapsed > 0:
        rate = done / elapsed
        left = max(total - done, 0) / rate
    numbers = {
        "checked": number_format(checked, force_grouping=True),
        "written": number_format(written, force_grouping=True),
        "total": number_format(total, force_grouping=True),
    }
    if run.confirmed:
        counts = _("%(checked)s of %(total)s rows checked, %(written)s written.") % numbers
    else:
        counts = _("%(checked)s of %(total)s rows checked.") % numbers
    speed = ""
    if rate:
        speed = ngettext(
            "%(rate)s row a second, about %(left)s left.",
            "%(rate)s rows a second, about %(left)s left.",
            round(rate),
        ) % {"rate": number_format(round(rate), force_grouping=True), "left": duration(left)}
    # Each is shown as a sentence of its own, the states' labels (lower case in lists and
    # filters) too.
    return {
        "counts": capfirst(counts) if total else "",
        "speed": capfirst(speed),
        "state": run.state,
        "state_label": capfirst(str(ImportRun.State(run.state).label)),
        "stage": stage,
        "stage_label": capfirst(str(ImportRun.State(stage).label)),
        "confirmed": run.confirmed,
        "active": run.state in ImportRun.ACTIVE,
        "checked": checked,
        "written": written,
        "total": total,
        "percent": min(100, done * 100 // total) if total else 0,
        "rate": round(rate) if rate else None,
        "seconds_left": round(left) if left is not None else None,
        "failure": run.failure,
    }


def duration(seconds):
    minutes, seconds = divmod(round(seconds), 60)
    if minutes:
        return _("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": seconds}
    return _("%(seconds)d s") % {"seconds": seconds}


def fail_stale(runs=None):
    """Marks failed the runs whose worker went silent: killed, or its machine down. Nothing of
    them was written (their transaction died with the worker), and no worker runs them again."""
    runs = (ImportRun.objects.all() if runs is None else runs).under_way()
    cutoff = time.time() - settings.IMPORT_STALE_SECONDS
    for run in runs.only("pk", "state", "started_at", "created_at"):
        heard = Progress(run).read().get("heartbeat")
        if heard is None and run.started_at is not None:
            heard = run.started_at.timestamp()
        if heard is None or heard >= cutoff:
            continue
        try:
            stopped = ImportRun.objects.filter(pk=run.pk, state__in=ImportRun.WORKING).update(
                state=State.FAILED,
                finished_at=timezone.now(),
                failure=_(
                    "The worker processing this import stopped (it was stopped or its machine "
                    "restarted) before the import was finished. Nothing was written. Upload "
                    "the file again to import it."
                ),
            )
        except OperationalError:
            # SQLite's writer is busy with another import: the next look settles it.
            continue
        if stopped:
            logger.warning("Import run %s: its worker went silent; marked failed.", run.pk)
            discard_upload(ImportRun.objects.get(pk=run.pk).upload_name)


def cancelled_sentence(by):
    return _("Cancelled by %(user)s. Nothing was written.") % {"user": by}


def cancel(run, user):
    """Asks a run to stop: one no worker has stops at once, a working one at its next batch,
    before anything is committed. False if it was past cancelling.

    The request is written where the worker reads it whatever holds the database (on SQLite
    the worker's transaction holds its only writer), then settled in the run's row if it can
    be now."""
    if run.state not in ImportRun.CANCELLABLE:
        return False
    Progress(run).cancel(user)
    settle(run)
    return True


def settle(run):
    """A run cancelled while no worker had it is marked so; one a worker has, by the worker."""
    if run.state not in IDLE:
        return
    by = Progress(run).cancelled_by()
    if by is None:
        return
    try:
        stopped = ImportRun.objects.filter(pk=run.pk, state__in=IDLE).update(
            state=State.CANCELLED, finished_at=timezone.now(), failure=cancelled_sentence(by)
        )
    except OperationalError:
        # SQLite's writer is busy with another import: the flag stands, and the worker, a
        # confirmation or the next look at the page settles it.
        return
    if stopped:
        discard_upload(run.upload_name)
        run.refresh_from_db()


class AdminWork:
    """A run started in the admin, as the worker redoes it: the import's ModelAdmin, the form
    its user filled in (checked again, with the user's own choices), and the stored upload."""

    def __init__(self, run):
        from django.apps import apps
        from django.contrib import admin

        self.run = run
        self.admin = admin.site._registry[apps.get_model(run.model)]
        self.request = HttpRequest()
        self.request.method = "POST"
        self.request.user = run.user
        self.request.POST = QueryDict(mutable=True)
        self.request.POST.update(run.form_data)
        self.form = self.admin.create_confirm_form(self.request)
        if not self.form.is_valid():
            raise ImportFileError(
                "; ".join(str(error) for errors in self.form.errors.values() for error in errors)
            )

    def resource(self):
        kwargs = self.admin.get_import_resource_kwargs(self.request, form=self.form)
        return self.admin.choose_import_resource_class(self.form, self.request)(**kwargs)

    def read(self):
        """The upload as a Workbook; the write takes it out of the storage as it reads it, so
        that it is imported once."""
        name = self.run.upload_name
        data = take_upload(name) if self.run.confirmed else read_upload(name)
        if data is None:
            raise ImportFileError(
                _(
                    "This file has already been imported, or its preview expired; upload it "
                    "again to import it."
                )
            )
        file_format = self.admin.get_import_formats()[int(self.form.cleaned_data["format"])]
        return file_format(encoding=self.admin.from_encoding).create_dataset(data)

    def import_kwargs(self):
        kwargs = self.admin.get_import_data_kwargs(request=self.request, form=self.form)
        kwargs.pop("sheet", None)
        return kwargs

    def finished(self, result):
        from import_export.signals import post_import

        if self.run.confirmed and self.run.state == State.DONE:
            post_import.send(sender=None, model=self.admin.model)


class FileWork:
    """A run of a file read already, with resources made by `make_resource`: the command's."""

    def __init__(self, workbook, make_resource):
        self.workbook, self.make_resource = workbook, make_resource

    def read(self):
        return self.workbook

    def resource(self):
        return self.make_resource()

    def import_kwargs(self):
        return {}

    def finished(self, result):
        pass


def execute(run, work, echo=None):
    """Does one run's work in this process: the preview, or the write once confirmed; the
    same for the worker's task and the command. Returns (resource, result), or (None, None)
    when the run was not waiting (cancelled, or taken by another worker)."""
    claimed = ImportRun.objects.filter(pk=run.pk, state=State.WAITING).update(
        state=State.READING, started_at=timezone.now(), finished_at=None, failure=""
    )
    if not claimed:
        return None, None
    run.refresh_from_db()
    # The language of whoever queued the work (the command's: the one active).
    language = run.form_data.get("language") or get_language()
    resource = result = None
    with override(language), Reporter(run, echo) as reporter:
        try:
            reporter.cancelled_by = Progress(run).cancelled_by()
            if reporter.cancelled_by is not None:
                raise ImportCancelled
            workbook = work.read()
            reporter.stage(State.WRITING if run.confirmed else State.CHECKING, total=len(workbook))

            def attempt(mapping, values):
                resource = work.resource()
                result = resource.import_data(
                    workbook,
                    dry_run=not run.confirmed,
                    raise_errors=False,
                    file_name=run.file_name,
                    user=run.user,
                    sheet=run.sheet or None,
                    mapping=mapping,
                    values=values,
                    progress=reporter,
                    **work.import_kwargs(),
                )
                return resource, result

            resource, result = attempt(run.mapping, run.values)
            needed = mapping_needed(result)
            if needed is not None and not run.mapping and not run.values:
                # The mapping a user confirmed for files with these headers.
                saved = ColumnMapping.objects.for_file(type(resource), needed.job.header.names)
                if saved is not None:
                    run.mapping, run.values = fitting(saved, resource, needed.job.header.names)
                    run.column_mapping = saved
                    resource, result = attempt(run.mapping, run.values)
            record(run, resource, result)
        except ImportCancelled:
            finish(run, State.CANCELLED, cancelled_sentence(reporter.cancelled_by))
        except (SpreadsheetError, ImportFileError) as error:
            run.details = {"errors": [str(error)]}
            finish(run, State.PROBLEMS)
        except DatabaseError as error:
            # Refused as the import's transaction committed (a key checked at commit, a lost
            # connection), after the resource had done its part.
            finish(run, State.FAILED, str(refusal(error)))
        except Exception:
            logger.exception("Import run %s failed", run.pk)
            finish(
                run,
                State.FAILED,
                _("The import stopped on an unexpected error. Nothing was written."),
            )
        if reporter.cancelled_by is not None and run.state != State.CANCELLED:
            # Cancelled on the row-by-row path, where the import reports the stop as an error.
            finish(run, State.CANCELLED, cancelled_sentence(reporter.cancelled_by))
    if run.state not in (State.PREVIEWED, State.MAPPING):
        # Nothing will follow: the upload goes now.
        discard_upload(run.upload_name)
    work.finished(result)
    return resource, result


def finish(run, state, failure=""):
    run.state, run.failure = state, failure
    run.finished_at = timezone.now()
    if run.started_at:
        run.seconds = (run.finished_at - run.started_at).total_seconds()
    run.save()


def mail_if_long(run):
    """E-mails the user who started a run its outcome, once the worker took
    IMPORT_MAIL_AFTER_SECONDS or longer over it and it waits for them or is over: whoever
    uploads a large file need not keep its page open. A cancelled run is not mailed (someone
    stopped it), nor one its user has no address for. Mail the server does not take is logged;
    the import stays as it is."""
    after = settings.IMPORT_MAIL_AFTER_SECONDS
    user = run.user
    if (
        not after
        or run.seconds < after
        or run.state in (*ImportRun.ACTIVE, State.CANCELLED)
        or user is None
        or not user.email
    ):
        return
    with override(StaffProfile.language_of(user)):
        subject = _("Import of %(file)s: %(state)s") % {
            "file": run.file_name,
            "state": run.get_state_display(),
        }
        body = render_to_string(
            "admin/import_export/import_mail.txt",
            {
                "recipient": user,
                "run": run,
                "State": State,
                "link": settings.SITE_URL.rstrip("/")
                + reverse("admin:config_importrun_change", args=[run.pk]),
                "duration": duration(run.seconds),
                # Grouped as the language writes them: «100 000».
                "counts": {
                    name: number_format(getattr(run, name), force_grouping=True)
                    for name in ("rows_total", "new", "updated", "unchanged", "errors")
                },
            },
        )
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except OSError as error:  # SMTP errors, refused connections and timeouts alike
        logger.error(
            "Import run %s: its outcome was not mailed to %s: %s", run.pk, user.email, error
        )


def record(run, resource, result):
    """The run's outcome from the import's result: totals, problems, the preview's rows."""
    totals = result.totals
    file = getattr(result, "file", {}) or {}
    run.rows_total = result.total_rows or 0
    run.rows_checked = run.rows_total
    run.new, run.updated, run.unchanged = totals["new"], totals["update"], totals["skip"]
    # All the invalid rows: a large file's result keeps the problems of the first ones only.
    run.errors = max(totals["invalid"], len(result.invalid_rows))
    run.skipped = file.get("skipped_blank", 0) + file.get("skipped_total", 0)
    run.problems = [{**problem, "value": str(problem["value"])} for problem in result.problems]
    errors = [str(error.error) for error in result.base_errors]
    errors += [
        _("Line %(line)s: %(error)s") % {"line": resource.line_of(number), "error": error.error}
        for number, row_errors in result.row_errors()
        for error in row_errors
    ]
    created = getattr(result, "created_organizations", [])
    run.details = {
        "file": file,
        "errors": errors,
        "seconds": getattr(result, "seconds", 0.0),
        "headers": [str(header) for header in result.diff_headers],
        "rows": [
            {"type": row.import_type, "diff": [str(cell) for cell in row.diff or []]}
            for row in result.valid_rows()[:PREVIEW_ROWS]
        ],
        # The first of them named, the rest counted: a table adding 100,000 employers would
        # otherwise put every name on the page.
        "created_organizations": [str(organization) for organization in created[:PREVIEW_ROWS]],
        "created_count": len(created),
        "differences": [
            {key: str(value) for key, value in difference.items()}
            for difference in getattr(result, "differences", [])
        ],
    }
    needed = mapping_needed(result)
    job = needed.job if needed is not None else resource.import_job
    if not run.confirmed and job is not None and job.header is not None:
        # The mapping step, shown now or from the preview, is drawn from these.
        run.details["columns"] = found_columns(job)
    if needed is not None:
        run.mapping_chosen = False
        finish(run, State.MAPPING)
        return
    if run.mapping_chosen:
        if bad_values(resource, run):
            # A value given for the whole file is wrong: the user corrects it on the step.
            finish(run, State.MAPPING)
            return
        run.column_mapping = ColumnMapping.objects.remember(
            type(resource), resource.import_job.header.names, run.mapping, run.values, run.user
        )
        run.mapping_chosen = False
    if result.has_errors() or result.has_validation_errors():
        finish(run, State.PROBLEMS)
    elif run.confirmed:
        run.rows_written = run.new + run.updated
        finish(run, State.DONE)
    else:
        # A preview waits for its confirmation; a check with no upload to confirm is over.
        finish(run, State.PREVIEWED if run.upload_name else State.CHECKED)


def bad_values(resource, run):
    columns = {str(resource.fields[name].column_name) for name in run.values}
    return any(problem["column"] in columns for problem in run.problems)


def start(run):
    """Queues a run's work for a worker."""
    from .tasks import run_import

    run_import.enqueue(run.pk)
