"""Work the serving process does on a schedule (APScheduler in the app's event loop)."""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from sqlmodel import Session

from data import utcnow
from services.documents.exports import next_queued_export, remove_expired_exports, run_export_job
from services.documents.store import render_missing_documents
from services.ledger.apply import mark_overdue
from services.ledger.demo_engine import DemoLedger
from services.ledger.pipeline import after_commit
from services.ledger.sources import poll_source
from services.mailer import send_due_emails
from services.runtime import current_runtime, unit_of_work
from services.time import today_for

log = logging.getLogger(__name__)
DOCUMENT_BATCH = 5  # ~1.5 s of rendering every 5 s: leaves the event loop and CPU to people


def render_documents_batch() -> int:
    """Render a few invoice PDFs that have none yet (new installs, demo data, new versions)."""
    runtime = current_runtime()
    with unit_of_work() as db:
        return render_missing_documents(db, runtime.settings.document_locale, today_for("UTC"), DOCUMENT_BATCH)


def build_next_export() -> None:
    """Build the oldest queued background export, if any (a restart resumes unfinished ones)."""
    runtime = current_runtime()
    with Session(runtime.engine) as db:
        job_id = next_queued_export(db)
    if job_id is not None:
        run_export_job(lambda: Session(runtime.engine), runtime, job_id, today_for("UTC"))


def clean_expired_exports() -> None:
    with unit_of_work() as db:
        remove_expired_exports(db, current_runtime())


def mark_overdue_invoices() -> int:
    """Unpaid invoices past their due date become overdue; open pages and users are told."""
    with unit_of_work() as db:
        changes = mark_overdue(db, today_for("UTC"))
    after_commit(changes)
    return len(changes)


async def send_emails() -> None:
    await send_due_emails(current_runtime())


def start_background_jobs(demo_ledger_url: str | None = None) -> AsyncIOScheduler:
    """Start the scheduler: sync jobs run in worker threads, async ones on the loop; one instance
    of each at a time, missed runs coalesced."""
    runtime = current_runtime()
    scheduler = AsyncIOScheduler(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30})
    for source in runtime.settings.ledger_sources:
        scheduler.add_job(poll_source, "interval", seconds=runtime.settings.ledger_poll_seconds,
                          args=[runtime, source], id=f"poll-{source.name}")
    scheduler.add_job(mark_overdue_invoices, "interval", hours=1, id="mark-overdue", next_run_time=utcnow())
    scheduler.add_job(send_emails, "interval", seconds=10, id="send-emails")
    if demo_ledger_url:
        scheduler.add_job(DemoLedger(runtime, demo_ledger_url).tick, "interval", seconds=4, id="demo-ledger")
    scheduler.add_job(render_documents_batch, "interval", seconds=5, id="render-documents")
    scheduler.add_job(build_next_export, "interval", seconds=2, id="build-exports")
    scheduler.add_job(clean_expired_exports, "interval", minutes=10, id="clean-exports")
    scheduler.start()
    log.info("background jobs started")
    return scheduler
