"""Faults with nothing lost: the ledger failing mid-sync (5xx, no answer, kill -9 on PostgreSQL), a
locked database, a full disk, SMTP down or hanging, and a restart in the middle of an export.

Each test breaks one thing, checks that nothing half-done is visible, repairs it, and checks that
the work completes exactly once. (kill -9 on SQLite: tests/test_ledger_crash.py.)
"""

from __future__ import annotations

import asyncio
import errno
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import aiosmtplib
import httpx
import pyotp
import pytest
import sqlalchemy as sa
import time_machine
from aiosmtpd.controller import Controller
from nicegui import core
from nicegui.testing import User as SimUser
from sqlmodel import Session, func, select

import data.db
import services.documents.exports as exports
import services.ledger.sources as sources
from data import (
    AuditEvent,
    Document,
    ExportJob,
    ExportStatus,
    Invoice,
    LedgerCursor,
    LedgerInbox,
    Notification,
    NotificationKind,
    Role,
    utcnow,
)
from services.audit.chain import verify_audit_chain
from services.config.runtime import Runtime
from services.config.settings import LedgerSourceConfig
from services.documents.export_selection import ExportSelection
from services.documents.exports import (
    my_exports,
    next_queued_export,
    run_export_job,
    start_export,
    stream_export,
)
from services.errors import LimitExceeded
from services.ledger.sources import poll_source
from services.notifications.mailer import send_due_emails
from services.operations.background import render_documents_batch
from tests.clock import TODAY
from tests.factories import TEST_SECRET_KEY, Factory, principal_for
from tests.ledger_events import FakeLedger, invoice_event, payment_event
from tests.test_ledger_crash import fingerprint, run_worker
from tests.test_ledger_sources import fake_ledger  # noqa: F401 - its fixture: 5 invoice events
from tests.test_mailer import Inbox, free_port
from tests.web import sign_in

ROOT = Path(__file__).resolve().parent.parent
SECRET = pyotp.random_base32(32)
SMTP_PORT = free_port()


class SilentServer:
    """Accepts TCP connections and never says a word: a hung ledger or mail server."""

    def __init__(self, port: int = 0) -> None:
        self.listener = socket.create_server(("127.0.0.1", port))
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.connections.append(self.listener.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() above
        self.listener.close()
        for connection in self.connections:
            connection.close()


def count(session: Session, model: type) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


# --- the ledger -------------------------------------------------------------------------------

@pytest.mark.parametrize("outage", ["http-500", "http-502", "no answer"])
def test_a_ledger_outage_mid_sync_backs_off_then_loses_and_repeats_nothing(
    session: Session, runtime: Runtime, fake_ledger: FakeLedger, outage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "HTTP_TIMEOUT", httpx.Timeout(0.3))  # "no answer" gives up after 0.3 s
    source = LedgerSourceConfig(name="erp", kind="http", url=fake_ledger.url, batch_size=2)
    assert poll_source(runtime, source) == 2

    silent = SilentServer()
    try:
        if outage == "no answer":
            failing = source.model_copy(update={"url": f"http://127.0.0.1:{silent.port}/events"})
        else:
            fake_ledger.fail_with, failing = int(outage[-3:]), source
        for _ in range(2):  # the second poll comes within the backoff: it does not ask (no new failure)
            assert poll_source(runtime, failing) == 0
            session.expire_all()
            cursor = session.get(LedgerCursor, "erp")
            assert cursor is not None and cursor.cursor == "2" and cursor.consecutive_failures == 1
        assert ("ReadTimeout" if outage == "no answer" else f"HTTP {outage[-3:]}") in (cursor.last_error or "")
    finally:
        silent.close()

    fake_ledger.fail_with = None
    with time_machine.travel(utcnow() + timedelta(seconds=5)):
        assert [poll_source(runtime, source) for _ in range(3)] == [2, 1, 0]
    assert count(session, Invoice) == 5 and count(session, LedgerInbox) == 5
    assert session.get(LedgerCursor, "erp").cursor == "5"  # type: ignore[union-attr]


def test_kill_9_mid_batch_on_postgresql_commits_nothing_and_a_restart_applies_it_all(
    engine: sa.Engine, session: Session, make: Factory, tmp_path: Path
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite: tests/test_ledger_crash.py")
    make.customer(ref="C-100")
    make.vendor(code="NCS")
    session.commit()
    events = [event for n in range(10) for event in (invoice_event(f"k{n}", customer_ref="C-100", vendor_code="NCS"),
                                                     payment_event(f"kp{n}", f"k{n}", "100.00"))]
    batch = tmp_path / "batch.json"
    batch.write_text(json.dumps(events))
    url = engine.url.render_as_string(hide_password=False)
    assert run_worker(url, batch, die_after=13) == -signal.SIGKILL
    assert fingerprint(engine)[0] == [] and count(session, LedgerInbox) == 0, "a half-applied batch was committed"
    assert run_worker(url, batch) == 0
    invoices, _lines, payments, inbox, cursors = fingerprint(engine)
    assert len(invoices) == len(payments) == 10 and len(inbox) == 20 and cursors == [("ledger", 20)]


# --- a locked database --------------------------------------------------------------------------

@contextmanager
def another_writer(engine: sa.Engine) -> Iterator[None]:
    """Another connection in the middle of a write: SQLite's write lock, or on PostgreSQL the
    audit chain's row lock that every audited action (a download, a page view) needs."""
    with engine.connect() as other:
        if engine.dialect.name == "sqlite":
            other.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            other.exec_driver_sql("SELECT last_seq FROM audit_chain_head WHERE id = 1 FOR UPDATE")
        try:
            yield
        finally:
            other.rollback()


@pytest.fixture
async def signed_in_viewer(user: SimUser, session: Session, make: Factory) -> Invoice:
    invoice = make.invoice(number="LOCK-1")
    make.user(role=Role.VIEWER, customer_id=invoice.customer_id, email="locked@example.com", mfa_secret=SECRET)
    session.commit()
    await sign_in(user.http_client, "locked@example.com", SECRET)
    return invoice


def downloads(session: Session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "invoice.download")).one()


async def test_a_download_waits_for_a_brief_lock_and_then_completes_once(
    user: SimUser, session: Session, engine: sa.Engine, signed_in_viewer: Invoice
) -> None:
    with another_writer(engine):
        request = asyncio.create_task(user.http_client.get(f"/invoices/{signed_in_viewer.id}/pdf"))
        await asyncio.sleep(0.5)
        assert not request.done()  # it waits; it does not fail
    response = await asyncio.wait_for(request, timeout=30)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert downloads(session) == 1 and count(session, Document) == 1
    assert verify_audit_chain(session, TEST_SECRET_KEY).intact


@pytest.mark.expect_error_logs
async def test_a_lock_held_past_the_busy_timeout_is_a_retryable_503_and_loses_nothing(
    user: SimUser, session: Session, engine: sa.Engine, signed_in_viewer: Invoice, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's busy timeout; PostgreSQL waits for row locks (previous test)")
    monkeypatch.setattr(data.db, "SQLITE_BUSY_TIMEOUT_MS", 200)  # instead of 10 s, for new connections
    engine.dispose()
    browser = httpx.AsyncClient(transport=httpx.ASGITransport(core.app, raise_app_exceptions=False),
                                base_url="http://test", cookies=user.http_client.cookies)
    async with browser:
        with another_writer(engine):
            refused = await browser.get(f"/invoices/{signed_in_viewer.id}/pdf")
            refused_page = await browser.get(f"/invoices/{signed_in_viewer.id}")
        assert refused_page.status_code == 503 and "try again" in refused_page.text
        assert downloads(session) == 0 and count(session, Document) == 0  # nothing half-done
        retried = await browser.get(f"/invoices/{signed_in_viewer.id}/pdf")
    assert retried.status_code == 200 and downloads(session) == 1
    assert refused.status_code == 503 and refused.headers.get("retry-after")
    assert "try again" in refused.text


# --- a full disk ----------------------------------------------------------------------------------

class SqliteDisk:
    """The test database on a disk that can fill up: with PRAGMA max_page_count at the file's
    current size, SQLite answers the next page it needs with SQLITE_FULL ("database or disk is
    full"), exactly as when the disk itself is full."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.max_pages: int | None = None
        sa.event.listen(engine, "connect", self._limit)

    def _limit(self, dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        if self.max_pages is not None:
            dbapi_connection.execute(f"PRAGMA max_page_count = {self.max_pages}")

    def fill(self) -> None:
        with self.engine.connect() as connection:
            connection.exec_driver_sql("VACUUM")  # no free pages left inside the file either
            self.max_pages = connection.exec_driver_sql("PRAGMA page_count").scalar_one()
        self.engine.dispose()  # new connections get the limit

    def free(self) -> None:
        self.max_pages = 1_073_741_823  # SQLite's default
        self.engine.dispose()


@contextmanager
def raises_disk_full() -> Iterator[None]:
    """SQLITE_FULL, possibly behind the error it caused: SQLite rolls the whole transaction back
    on a full disk, so a savepoint's rollback then fails with "no such savepoint"."""
    with pytest.raises(sa.exc.OperationalError) as raised:
        yield
    error: BaseException | None = raised.value
    causes = []
    while error is not None:
        causes.append(str(error))
        error = error.__cause__ or error.__context__
    assert any("database or disk is full" in cause for cause in causes), causes


@pytest.fixture
def disk(engine: sa.Engine, session: Session) -> SqliteDisk:
    if engine.dialect.name != "sqlite":
        pytest.skip("a full disk is simulated through SQLite; PostgreSQL's disk is the server's")
    return SqliteDisk(engine)


def test_a_full_disk_rolls_a_ledger_batch_back_whole_and_the_next_poll_applies_it(
    session: Session, runtime: Runtime, make: Factory, disk: SqliteDisk
) -> None:
    make.customer(ref="C-FULL")
    make.vendor(code="NCS")
    session.commit()
    lines = [{"description": f"Line {n} " + "x" * 300, "quantity": "1", "unit_price": "10.00", "tax_rate": "19"}
             for n in range(10)]
    fake = FakeLedger([invoice_event(f"d{n}", customer_ref="C-FULL", vendor_code="NCS", lines=lines)
                       for n in range(20)])
    source = LedgerSourceConfig(name="erp", kind="http", url=fake.url, batch_size=50)
    try:
        disk.fill()
        assert poll_source(runtime, source) == 0  # logged, and recorded for sync health where it fits
        assert count(session, Invoice) == count(session, LedgerInbox) == 0
        session.expire_all()
        cursor = session.get(LedgerCursor, "erp")
        assert cursor is None or cursor.cursor is None  # the cursor did not move: the batch is asked for again
        disk.free()
        if cursor is not None:  # the failure was recorded: it backs off like any failing source; skip the wait
            assert "could not store the events" in (cursor.last_error or "")
            session.execute(sa.update(LedgerCursor).values(last_attempt_at=utcnow() - timedelta(hours=1)))
            session.commit()
        assert poll_source(runtime, source) == 20
    finally:
        fake.server.shutdown()
    assert count(session, Invoice) == count(session, LedgerInbox) == 20
    assert session.get(LedgerCursor, "erp").cursor == "20"  # type: ignore[union-attr]


def test_a_full_disk_stores_no_half_pdf_and_the_next_render_run_stores_them(
    session: Session, runtime: Runtime, make: Factory, disk: SqliteDisk
) -> None:
    for _ in range(3):
        make.invoice()
    session.commit()
    disk.fill()
    with raises_disk_full():
        render_documents_batch(runtime, set())
    assert count(session, Document) == 0
    disk.free()
    assert render_documents_batch(runtime, set()) == 3
    documents = session.exec(select(Document)).all()
    assert len(documents) == 3 and all(doc.content.startswith(b"%PDF") and doc.size_bytes == len(doc.content)
                                       for doc in documents)


@pytest.fixture
def exporter(session: Session, make: Factory):  # type: ignore[no-untyped-def]
    """An owner with 5 invoices (no PDFs rendered yet) whose exports run in the background."""
    customer = make.customer(tier_id=make.tier(max_export_invoices=50, exports_per_hour=20).id)
    vendor = make.vendor(name="Northwind Hardware")
    for n in range(5):
        make.invoice(customer=customer, vendor=vendor, number=f"EXP-{n}", issue_date=date(2026, 10, 1 + n))
    owner = make.user(role=Role.OWNER, customer=customer)
    session.commit()
    return principal_for(owner)


def begin_export(session: Session, runtime: Runtime, principal, kind: str = "zip") -> ExportJob:  # type: ignore[no-untyped-def]
    job = start_export(session, runtime, principal, ExportSelection(), kind, TODAY)
    session.commit()
    return job


def build(runtime: Runtime, job: ExportJob) -> None:
    run_export_job(lambda: Session(runtime.engine), runtime, job.id, TODAY)  # type: ignore[arg-type]


def archive_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        return sorted(archive.namelist())


def exports_folder(runtime: Runtime) -> list[str]:
    folder = runtime.settings.data_dir / "exports"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def assert_failed_then_exported_again(session: Session, runtime: Runtime, exporter, job: ExportJob,  # type: ignore[no-untyped-def]
                                      message: str) -> None:
    """The failed job says why and left no file; the user starts again and gets every invoice."""
    session.expire_all()
    failed = session.get(ExportJob, job.id)
    assert failed is not None and failed.status == ExportStatus.FAILED and message in (failed.error or "")
    assert exports_folder(runtime) == []  # no half-written archive, no .part left behind
    again = begin_export(session, runtime, exporter)
    build(runtime, again)
    session.expire_all()
    assert session.get(ExportJob, again.id).status == ExportStatus.READY  # type: ignore[union-attr]
    assert len(archive_names(exports.export_path(runtime, again))) == 6  # 5 PDFs + manifest.csv


@pytest.mark.settings(export_immediate_limit=2)
def test_a_full_database_fails_a_background_export_cleanly_and_it_can_be_run_again(
    session: Session, runtime: Runtime, exporter, disk: SqliteDisk  # type: ignore[no-untyped-def]
) -> None:
    job = begin_export(session, runtime, exporter)
    disk.fill()
    with raises_disk_full():
        build(runtime, job)
    disk.free()
    assert count(session, Document) == 0
    assert_failed_then_exported_again(session, runtime, exporter, job, "ran out of storage space")


class TinyFilesystem:
    """The data dir on a tmpfs of 16 KB (a real ENOSPC); `grow` makes room."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._mount("-t", "tmpfs", "-o", "size=16k,mode=0700", "tmpfs")

    def _mount(self, *args: str) -> None:
        result = subprocess.run(["mount", *args, str(self.folder)], capture_output=True, text=True, timeout=10)
        if result.returncode != 0:
            pytest.skip(f"mounting a tmpfs needs root (mount said: {result.stderr.strip()}); the database side of a "
                        "full disk is tested through SQLite's max_page_count")

    def grow(self) -> None:
        self._mount("-o", "remount,size=8m")

    def unmount(self) -> None:
        subprocess.run(["umount", "--lazy", str(self.folder)], capture_output=True, timeout=10, check=False)


@pytest.fixture
def full_data_dir(settings) -> Iterator[TinyFilesystem]:  # type: ignore[no-untyped-def]
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root; the database side of a full disk is tested through max_page_count")
    tiny = TinyFilesystem(settings.data_dir)
    yield tiny
    tiny.unmount()


@pytest.mark.settings(export_immediate_limit=2)
def test_a_full_data_dir_fails_a_background_export_cleanly_and_it_can_be_run_again(
    session: Session, runtime: Runtime, exporter, full_data_dir: TinyFilesystem  # type: ignore[no-untyped-def]
) -> None:
    job = begin_export(session, runtime, exporter)
    with pytest.raises(OSError) as raised:
        build(runtime, job)
    assert raised.value.errno == errno.ENOSPC
    full_data_dir.grow()
    assert_failed_then_exported_again(session, runtime, exporter, job, "ran out of storage space")


# --- a restart in the middle of an export --------------------------------------------------------

EXPORT_WORKER = """
import os, signal, sys
from datetime import date
from sqlmodel import Session
import services.documents.export_selection as export_selection
import services.documents.exports as exports
from services.config.runtime import start_runtime
from services.config.settings import Settings

url, data_dir, secret_key, job_id = sys.argv[1:]
runtime = start_runtime(Settings(database_url=url, data_dir=data_dir, secret_key=secret_key, _env_file=None))
export_selection.BATCH = 2
steps = exports.export_steps

def steps_then_die(*args):
    for done in steps(*args):
        yield done  # the caller saves the progress, then asks for more:
        os.kill(os.getpid(), signal.SIGKILL)  # a power cut, no cleanup

exports.export_steps = steps_then_die
exports.run_export_job(lambda: Session(runtime.engine), runtime, int(job_id), date(2026, 11, 26))
"""


@pytest.mark.settings(export_immediate_limit=2)
def test_a_background_export_cut_off_by_kill_9_is_resumed_after_the_restart(
    session: Session, runtime: Runtime, exporter, engine: sa.Engine  # type: ignore[no-untyped-def]
) -> None:
    job = begin_export(session, runtime, exporter)
    died = subprocess.run([sys.executable, "-c", EXPORT_WORKER, engine.url.render_as_string(hide_password=False),
                           str(runtime.settings.data_dir), TEST_SECRET_KEY, str(job.id)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert died.returncode == -signal.SIGKILL, died.stderr
    session.expire_all()
    cut_off = session.get(ExportJob, job.id)
    assert cut_off is not None and (cut_off.status, cut_off.progress) == (ExportStatus.RUNNING, 2)
    assert exports_folder(runtime) == [f"{job.public_id}.part"]

    # After the restart, the background job finds it and builds it again from the start:
    assert next_queued_export(session) == job.id
    build(runtime, job)
    session.expire_all()
    done = session.get(ExportJob, job.id)
    assert done is not None and (done.status, done.progress) == (ExportStatus.READY, 5)
    assert exports_folder(runtime) == [f"{job.public_id}.zip"]
    assert len(archive_names(exports.export_path(runtime, done))) == 6
    assert count(session, Notification) == 1 and session.exec(select(Notification)).one().kind == \
        NotificationKind.EXPORT_READY
    assert next_queued_export(session) is None


def test_an_export_cut_off_at_every_attempt_stops_being_retried(
    session: Session, runtime: Runtime, exporter  # type: ignore[no-untyped-def]
) -> None:
    job = begin_export(session, runtime, exporter)
    # As if it had taken its process down three times: a poison job must not restart forever.
    session.execute(sa.update(ExportJob).where(ExportJob.id == job.id).values(  # type: ignore[arg-type]
        background=True, status=ExportStatus.RUNNING, attempts=exports.MAX_BUILD_ATTEMPTS))
    session.commit()
    assert next_queued_export(session) == job.id
    build(runtime, job)
    session.expire_all()
    given_up = session.get(ExportJob, job.id)
    assert given_up is not None and given_up.status == ExportStatus.FAILED
    assert "could not be built in 3 attempts" in (given_up.error or "")
    assert next_queued_export(session) is None and exports_folder(runtime) == []


def test_a_download_export_cut_off_midway_fails_clearly_and_frees_the_user(
    session: Session, runtime: Runtime, exporter  # type: ignore[no-untyped-def]
) -> None:
    job = begin_export(session, runtime, exporter)
    assert not job.background and job.status == ExportStatus.RUNNING
    stream = stream_export(lambda: Session(runtime.engine), runtime, job.id, TODAY)  # type: ignore[arg-type]
    assert next(stream)
    stream.close()  # the browser went away (or the server stopped the response)
    session.expire_all()
    cut_off = session.get(ExportJob, job.id)
    assert cut_off is not None and cut_off.status == ExportStatus.FAILED
    assert "start the export again" in (cut_off.error or "")
    again = begin_export(session, runtime, exporter)  # not refused as "busy"
    archive = b"".join(stream_export(lambda: Session(runtime.engine), runtime, again.id, TODAY))  # type: ignore[arg-type]
    assert len(zipfile.ZipFile(io.BytesIO(archive)).namelist()) == 6


def test_a_download_export_cut_off_by_a_restart_fails_clearly_and_frees_the_user(
    session: Session, runtime: Runtime, exporter  # type: ignore[no-untyped-def]
) -> None:
    job = begin_export(session, runtime, exporter)  # its response never finishes: the process dies
    with pytest.raises(LimitExceeded, match="still being prepared"):
        begin_export(session, runtime, exporter)  # while it may still be streaming, one at a time
    session.rollback()
    restarted = replace(runtime, started_at=utcnow())  # the portal restarted
    [shown] = my_exports(session, restarted, exporter)
    assert shown.status == ExportStatus.FAILED and "start the export again" in (shown.error or "")
    again = begin_export(session, restarted, exporter)
    assert again.id != job.id
    session.expire_all()
    assert session.get(ExportJob, job.id).status == ExportStatus.FAILED  # type: ignore[union-attr]


# --- SMTP down ----------------------------------------------------------------------------------

@pytest.mark.parametrize("outage", ["refused", "no answer"])
@pytest.mark.settings(smtp_url=f"smtp://127.0.0.1:{SMTP_PORT}?starttls=no")
async def test_alerts_queued_while_smtp_is_down_are_mailed_once_it_is_back(
    session: Session, runtime: Runtime, make: Factory, outage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_send = aiosmtplib.send

    async def send_with_short_timeout(*args, **kwargs):  # type: ignore[no-untyped-def]
        return await real_send(*args, **kwargs | {"timeout": 0.5})  # "no answer" gives up after 0.5 s, not 15

    monkeypatch.setattr(aiosmtplib, "send", send_with_short_timeout)
    owner = make.user(role=Role.OWNER, email="alerts@example.com")
    alert = Notification(user_id=owner.id, kind=NotificationKind.NEW_INVOICE, title="New invoice INV-1",  # type: ignore[arg-type]
                         body="Invoice INV-1 (€10.00) was issued.", in_app=True, email_due=True)
    session.add(alert)
    session.commit()

    silent = SilentServer(SMTP_PORT) if outage == "no answer" else None
    try:
        assert await send_due_emails(runtime) == 0
    finally:
        if silent:
            silent.close()
    session.refresh(alert)
    assert alert.email_attempts == 1 and alert.email_sent_at is None and alert.email_error

    alert.created_at -= timedelta(minutes=2)  # the retry pause has passed
    session.add(alert)
    session.commit()
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=SMTP_PORT)
    server.start()
    try:
        assert await send_due_emails(runtime) == 1
        assert await send_due_emails(runtime) == 0  # sent once, never twice
    finally:
        server.stop()
    assert [message["Subject"] for _to, message in inbox.messages] == ["New invoice INV-1"]
    session.refresh(alert)
    assert alert.email_sent_at is not None and alert.email_error is None
