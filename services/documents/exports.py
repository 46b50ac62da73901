"""Bulk exports as jobs: checked, audited, then streamed at once or built in the background.
The selection is `export_selection`'s, the writing `archive`'s.

Small exports stream at once; large ones are built in the background into the data folder and
downloaded through a link that works only for the requester, until it expires. Memory stays
bounded: invoices are read in batches and each PDF is written to the archive and dropped.
Tier limits (invoices per archive, archives per hour, one at a time) are checked before any
work, and every invoice in an export is audited before a byte leaves.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, cast

from sqlalchemy.orm import defer
from sqlmodel import Session, col, func, select

from data import ExportJob, ExportStatus, Notification, NotificationKind, utcnow
from services.audit.monitor import require_not_throttled
from services.audit.trail import record_audit
from services.audit.vocabulary import AuditAction, AuditOutcome
from services.auth.permissions import Capability, CustomerAccess, customer_access
from services.config.runtime import Runtime
from services.documents.archive import ChunkWriter, export_steps
from services.documents.export_selection import ExportSelection, count_selection, invoice_ids
from services.errors import InvalidInput, LimitExceeded, NotFound
from services.principal import Principal

log = logging.getLogger(__name__)
MAX_BUILD_ATTEMPTS = 3
KINDS = ("zip", "csv")
# A streamed export still "running" after this long, or from before this process started, will
# never finish: its download broke off or the portal restarted. It must not block the user.
STREAM_ABANDONED_AFTER = timedelta(minutes=15)
INTERRUPTED = "The download was interrupted before it finished; please start the export again."
OUT_OF_SPACE = ("database or disk is full", "No space left on device")


def _check_limits(db: Session, runtime: Runtime, access: CustomerAccess, principal: Principal, count: int) -> None:
    tier = access.tier
    if count == 0:
        raise InvalidInput("No invoices match this selection; there is nothing to export.", "empty")
    if count > tier.max_export_invoices:
        raise LimitExceeded(f"This export holds {count:,} invoices; your plan allows {tier.max_export_invoices:,} "
                            "per archive. Choose a shorter period.", "too_many")
    _fail_abandoned_streams(db, runtime, principal.user_id)
    busy = db.exec(select(func.count()).select_from(ExportJob).where(
        col(ExportJob.user_id) == principal.user_id,
        col(ExportJob.status).in_([ExportStatus.QUEUED, ExportStatus.RUNNING]))).one()
    if busy:
        raise LimitExceeded("Another export of yours is still being prepared; wait until it is ready.", "busy")
    recent = db.exec(select(func.count()).select_from(ExportJob).where(
        col(ExportJob.customer_id) == access.customer.id, col(ExportJob.created_at) > utcnow() - timedelta(hours=1))).one()
    if recent >= tier.exports_per_hour:
        raise LimitExceeded(f"Your plan allows {tier.exports_per_hour} exports an hour; please try again later.",
                            "rate")


def _stream_abandoned(runtime: Runtime, job: ExportJob, now: datetime) -> bool:
    return (job.status == ExportStatus.RUNNING and not job.background
            and job.created_at < max(runtime.started_at, now - STREAM_ABANDONED_AFTER))


def _fail_abandoned_streams(db: Session, runtime: Runtime, user_id: int) -> None:
    now = utcnow()
    for job in db.exec(select(ExportJob).where(col(ExportJob.user_id) == user_id, col(ExportJob.status) == ExportStatus.RUNNING,
                                               col(ExportJob.background).is_(False))).all():
        if _stream_abandoned(runtime, job, now):
            job.status, job.error, job.finished_at = ExportStatus.FAILED, INTERRUPTED, now
            db.add(job)
    db.flush()


def _fail_job(open_session: Callable[[], Session], job_id: int, message: str) -> None:
    """Mark an unfinished job failed with what the user should read. If even that cannot be
    written (the database is full or gone), a background job is built again later and a
    stream is taken for abandoned (see `_stream_abandoned`)."""
    try:
        with open_session() as db:
            job = db.get(ExportJob, job_id)
            if job is not None and job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING):
                job.status, job.error, job.finished_at = ExportStatus.FAILED, message[:500], utcnow()
                db.add(job)
                db.commit()
    except Exception:  # noqa: BLE001 - the original failure is the one to report
        log.exception("export %s could not be marked failed", job_id)


def _failure_message(error: BaseException) -> str:
    """What the requester reads on the Export page (the log has the details)."""
    cause: BaseException | None = error
    for _ in range(5):  # SQLite's "disk is full" may hide behind the failed savepoint rollback it caused
        if cause is None:
            break
        if any(text in str(cause) for text in OUT_OF_SPACE):
            return "The server ran out of storage space while building this archive; please start the export again later."
        cause = cause.__cause__ or cause.__context__
    return f"The archive could not be built ({type(error).__name__}); please start the export again."


@dataclass(frozen=True)
class ExportPreview:
    """What an export of a selection would hold, and the plan's limits, before asking for it."""

    invoice_count: int
    max_invoices: int
    per_hour: int
    immediate_limit: int
    zip_allowed: bool
    csv_allowed: bool


def preview_export(db: Session, runtime: Runtime, principal: Principal, selection: ExportSelection,
                   today: date) -> ExportPreview:
    access = customer_access(db, principal, today)
    return ExportPreview(count_selection(db, access, selection, today), access.tier.max_export_invoices,
                         access.tier.exports_per_hour, runtime.settings.export_immediate_limit,
                         access.can(Capability.EXPORT), access.can(Capability.EXPORT_CSV))


def start_export(db: Session, runtime: Runtime, principal: Principal, selection: ExportSelection, kind: str,
                 today: date) -> ExportJob:
    """Check rights and limits, audit every invoice, and record the export.

    The returned job is `background` when the export is larger than the immediate limit (a
    worker builds it); otherwise the caller streams it now with `stream_export`.
    """
    if kind not in KINDS:
        raise InvalidInput("Choose a ZIP archive or a CSV file.", "invalid_kind")
    access = customer_access(db, principal, today)
    access.require(Capability.EXPORT if kind == "zip" else Capability.EXPORT_CSV)
    require_not_throttled(db, principal)
    _check_limits(db, runtime, access, principal, count_selection(db, access, selection, today))
    # The export holds exactly the invoices counted and audited now, whenever it is built: invoices
    # that arrive or change status meanwhile, or another "today" (the worker's UTC day, a new year),
    # must not change what the export list promises.
    ids = invoice_ids(db, access, selection, today)
    if not ids:  # gone since the count; an empty id list would read back as "every invoice"
        raise InvalidInput("No invoices match this selection; there is nothing to export.", "empty")
    background = kind == "zip" and len(ids) > runtime.settings.export_immediate_limit
    job = ExportJob(public_id=secrets.token_urlsafe(24), user_id=principal.user_id, customer_id=access.customer.id,  # type: ignore[arg-type]
                    kind=kind, background=background, selection=ExportSelection(invoice_ids=tuple(ids)).to_text(),
                    invoice_count=len(ids), status=ExportStatus.QUEUED if background else ExportStatus.RUNNING,
                    file_name=f"{selection.file_stem(today)}.{kind}", covers=selection.covers(today))
    db.add(job)
    db.flush()
    for invoice_id in ids:
        record_audit(db, runtime.secret_key, AuditAction.INVOICE_EXPORT, AuditOutcome.SUCCESS, principal=principal, object_type="invoice",
                     object_id=invoice_id, details={"export": job.id, "kind": kind})
    return job


def stream_export(open_session: Callable[[], Session], runtime: Runtime, job_id: int, today: date) -> Iterator[bytes]:
    """Yield an immediate job's file in pieces while it is written (never whole in memory). If the
    stream breaks off (an error, or the browser went away), the job is marked failed."""
    buffer = ChunkWriter()
    finished = False
    try:
        with open_session() as db:
            job = db.get(ExportJob, job_id)
            assert job is not None
            # ChunkWriter has what the ZIP and CSV writers use of a binary file: write, tell, flush.
            for _done in export_steps(cast(IO[bytes], buffer), db, runtime, job, today):
                if piece := buffer.take():
                    yield piece
            if piece := buffer.take():
                yield piece
            job = db.get(ExportJob, job_id)
            assert job is not None
            job.status = ExportStatus.READY
            job.progress = job.invoice_count
            job.finished_at = utcnow()
            db.add(job)
            db.commit()
            finished = True
    finally:
        if not finished:
            _fail_job(open_session, job_id, INTERRUPTED)


def export_folder(runtime: Runtime) -> Path:
    folder = runtime.settings.data_dir / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def export_path(runtime: Runtime, job: ExportJob) -> Path:
    return export_folder(runtime) / f"{job.public_id}.{job.kind}"


def run_export_job(open_session: Callable[[], Session], runtime: Runtime, job_id: int, today: date) -> None:
    """Build a background job's file (progress saved as it goes), then notify the requester."""
    with open_session() as db:
        job = db.get(ExportJob, job_id)
        if job is None or job.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING):
            return
        if job.attempts >= MAX_BUILD_ATTEMPTS:  # it was cut off every time (e.g. it took its process down)
            db.rollback()
            _fail_job(open_session, job_id, f"This archive could not be built in {MAX_BUILD_ATTEMPTS} attempts; "
                                             "please choose fewer invoices or ask us for help.")
            return
        job.status = ExportStatus.RUNNING
        job.progress = 0
        job.attempts += 1  # committed before the work: a crash mid-build still counts
        db.add(job)
        db.commit()
        target = export_path(runtime, job)
        partial = target.with_suffix(".part")

        def save_progress(done: int) -> None:
            with open_session() as progress_db:
                row = progress_db.get(ExportJob, job_id)
                if row is not None:
                    row.progress = min(done, row.invoice_count)
                    progress_db.add(row)
                    progress_db.commit()

        done = 0
        try:
            with partial.open("wb") as out:
                for done in export_steps(out, db, runtime, job, today):
                    save_progress(done)
            partial.replace(target)
        except Exception as error:  # noqa: BLE001 - recorded on the job, shown to the user
            partial.unlink(missing_ok=True)
            db.rollback()
            _fail_job(open_session, job_id, _failure_message(error))
            raise
        job = db.get(ExportJob, job_id)
        assert job is not None
        job.status = ExportStatus.READY
        # What the file holds: the frozen selection, less invoices the requester may no longer see.
        job.invoice_count = job.progress = done
        job.size_bytes = target.stat().st_size
        job.finished_at = utcnow()
        job.expires_at = job.finished_at + timedelta(hours=runtime.settings.export_link_hours)
        db.add(job)
        db.add(Notification(user_id=job.user_id, kind=NotificationKind.EXPORT_READY,
                            title=f"Your archive of {job.invoice_count:,} invoices is ready",
                            body="Download it from the Export page before the link expires."))
        db.commit()


@dataclass(frozen=True)
class ExportView:
    public_id: str
    kind: str
    invoice_count: int
    progress: int
    status: ExportStatus
    background: bool
    file_name: str
    created_at: object
    expires_at: object
    size_bytes: int | None
    error: str | None
    covers: str


def my_exports(db: Session, runtime: Runtime, principal: Principal, limit: int = 10) -> list[ExportView]:
    rows = db.exec(select(ExportJob).options(defer(ExportJob.selection))  # type: ignore[arg-type]  # up to 50,000 ids each
                   .where(col(ExportJob.user_id) == principal.user_id)
                   .order_by(col(ExportJob.created_at).desc()).limit(limit)).all()
    now = utcnow()
    views = []
    for job in rows:
        status, error = job.status, job.error
        if job.expires_at and job.expires_at <= now:
            status = ExportStatus.EXPIRED
        elif _stream_abandoned(runtime, job, now):
            status, error = ExportStatus.FAILED, INTERRUPTED
        views.append(ExportView(job.public_id, job.kind, job.invoice_count, job.progress, status, job.background,
                                job.file_name, job.created_at, job.expires_at, job.size_bytes, error,
                                job.covers or job.file_name))
    return views


def export_download(db: Session, runtime: Runtime, principal: Principal, public_id: str) -> tuple[Path, str]:
    """The finished background archive of this user; NotFound when foreign, unknown or expired."""
    job = db.exec(select(ExportJob).where(col(ExportJob.public_id) == public_id[:64])).first()
    if (job is None or job.user_id != principal.user_id or job.status != ExportStatus.READY or not job.background
            or job.expires_at is None or job.expires_at <= utcnow()):
        raise NotFound("This download link is not valid (it may have expired).")
    path = export_path(runtime, job)
    if not path.exists():
        raise NotFound("This download link is not valid (it may have expired).")
    record_audit(db, runtime.secret_key, AuditAction.EXPORT_DOWNLOAD, AuditOutcome.SUCCESS, principal=principal, object_type="export",
                 object_id=job.id)
    return path, job.file_name


def remove_expired_exports(db: Session, runtime: Runtime) -> int:
    """Delete archives whose link expired; returns how many files were removed."""
    removed = 0
    for job in db.exec(select(ExportJob).where(col(ExportJob.status) == ExportStatus.READY,
                                               col(ExportJob.expires_at) <= utcnow())).all():
        export_path(runtime, job).unlink(missing_ok=True)
        job.status = ExportStatus.EXPIRED
        db.add(job)
        removed += 1
    return removed


def iter_file(path: Path, chunk: int = 256 * 1024) -> Iterable[bytes]:
    with path.open("rb") as handle:
        while data := handle.read(chunk):
            yield data


def next_queued_export(db: Session) -> int | None:
    """The oldest background export waiting to be built (or left running by a restart)."""
    return db.exec(select(col(ExportJob.id)).where(col(ExportJob.status).in_([ExportStatus.QUEUED, ExportStatus.RUNNING]),
                                              col(ExportJob.background)).order_by(col(ExportJob.created_at))).first()
