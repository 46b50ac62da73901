"""Work done on a schedule (APScheduler in the app's event loop), by one process at a time: every
serving process runs the scheduler, but the jobs do their work only in the process that holds the
background-jobs lease (services.operations.leadership), so several processes never poll or mail twice."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlmodel import Session

from data import utcnow
from services.audit.checkpoints import write_checkpoint
from services.config.runtime import Runtime
from services.demo.billing_engine import DemoLedger
from services.documents.exports import next_queued_export, remove_expired_exports, run_export_job
from services.documents.store import render_missing_documents
from services.ledger.apply import mark_overdue
from services.ledger.pipeline import after_commit
from services.ledger.sources import poll_source
from services.localization.today import today_for
from services.notifications.mailer import send_due_emails
from services.operations.leadership import Leadership

log = logging.getLogger(__name__)
DOCUMENT_BATCH = 5  # ~1.5 s of rendering every 5 s: leaves the event loop and CPU to people


def render_documents_batch(runtime: Runtime, failed: set[tuple[int, int]]) -> int:
    """Render a few invoice PDFs that have none yet (new installs, demo data, new versions);
    `failed` remembers, for this process's life, revisions that would not render."""
    with runtime.unit_of_work() as db:
        return render_missing_documents(db, runtime.settings.document_locale, today_for("UTC"), DOCUMENT_BATCH,
                                        failed)


def build_next_export(runtime: Runtime) -> None:
    """Build the oldest queued background export, if any (a restart resumes unfinished ones)."""
    with Session(runtime.engine) as db:
        job_id = next_queued_export(db)
    if job_id is not None:
        run_export_job(lambda: Session(runtime.engine), runtime, job_id, today_for("UTC"))


def clean_expired_exports(runtime: Runtime) -> None:
    with runtime.unit_of_work() as db:
        remove_expired_exports(db, runtime)


def write_audit_checkpoint(runtime: Runtime) -> None:
    """Pin the audit chain's length and head outside the database (services.audit.checkpoints)."""
    with runtime.unit_of_work() as db:
        write_checkpoint(db, runtime.settings, runtime.secret_key)


def mark_overdue_invoices(runtime: Runtime) -> int:
    """Unpaid invoices past their due date become overdue; open pages and users are told."""
    with runtime.unit_of_work() as db:
        changes = mark_overdue(db, today_for("UTC"))
    after_commit(runtime, changes)
    return len(changes)


def leader_only(leadership: Leadership, job: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a job so it does its work only while this process holds the lease."""
    if inspect.iscoroutinefunction(job):
        @functools.wraps(job)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            return await job(*args, **kwargs) if leadership.is_leader else None
        return run_async

    @functools.wraps(job)
    def run(*args: Any, **kwargs: Any) -> Any:
        return job(*args, **kwargs) if leadership.is_leader else None
    return run


def start_background_jobs(runtime: Runtime, demo_ledger_url: str | None = None
                          ) -> tuple[AsyncIOScheduler, Leadership]:
    """Start the scheduler: sync jobs run in worker threads, async ones on the loop; one instance
    of each at a time, missed runs coalesced; work happens only in the lease holder."""
    leadership = Leadership(runtime.engine, runtime.settings.job_lease_seconds)
    leadership.renew()
    scheduler = AsyncIOScheduler(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30})
    scheduler.add_job(leadership.renew, "interval", seconds=leadership.renew_seconds, id="lease")

    def add(job: Callable[..., Any], **trigger: Any) -> None:
        scheduler.add_job(leader_only(leadership, job), **trigger)

    for source in runtime.settings.ledger_sources:
        add(poll_source, trigger="interval", seconds=runtime.settings.ledger_poll_seconds, args=[runtime, source],
            id=f"poll-{source.name}")
    add(mark_overdue_invoices, trigger="interval", minutes=10, args=[runtime], id="mark-overdue",
        next_run_time=utcnow())
    add(send_due_emails, trigger="interval", seconds=10, args=[runtime], id="send-emails")
    if demo_ledger_url:
        add(DemoLedger(runtime, demo_ledger_url).tick, trigger="interval", seconds=4, id="demo-ledger")
    add(render_documents_batch, trigger="interval", seconds=5, args=[runtime, set()], id="render-documents")
    add(build_next_export, trigger="interval", seconds=2, args=[runtime], id="build-exports")
    add(clean_expired_exports, trigger="interval", minutes=10, args=[runtime], id="clean-exports")
    add(write_audit_checkpoint, trigger="interval", minutes=runtime.settings.audit_checkpoint_minutes,
        args=[runtime], id="audit-checkpoint", next_run_time=utcnow())
    scheduler.start()
    log.info("background jobs started (%s)", "leading" if leadership.is_leader else "standing by")
    return scheduler, leadership
