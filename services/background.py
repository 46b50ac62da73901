"""Work the serving process does on a schedule (APScheduler in the app's event loop)."""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from services.documents.store import render_missing_documents
from services.runtime import current_runtime, unit_of_work
from services.time import today_for

log = logging.getLogger(__name__)
DOCUMENT_BATCH = 10


def render_documents_batch() -> int:
    """Render a few invoice PDFs that have none yet (new installs, demo data, new versions)."""
    runtime = current_runtime()
    with unit_of_work() as db:
        return render_missing_documents(db, runtime.settings.document_locale, today_for("UTC"), DOCUMENT_BATCH)


def start_background_jobs() -> AsyncIOScheduler:
    """Start the scheduler; jobs run in worker threads, one instance of each at a time."""
    scheduler = AsyncIOScheduler(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30})
    scheduler.add_job(render_documents_batch, "interval", seconds=3, id="render-documents")
    scheduler.start()
    log.info("background jobs started")
    return scheduler
