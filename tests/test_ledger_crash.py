"""kill -9 in the middle of a batch, then a restart, leaves the same state as a clean run."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from data import Invoice, InvoiceLine, LedgerCursor, LedgerInbox, Payment, Role
from data.db import create_db_engine
from tests.factories import Factory
from tests.ledger_events import invoice_event, payment_event

ROOT = Path(__file__).resolve().parent.parent


def fingerprint(engine: sa.Engine) -> list:
    with Session(engine) as db:
        return [
            sorted((i.external_id, i.status, i.total_minor, i.amount_paid_minor, i.version, i.revision)
                   for i in db.exec(select(Invoice))),
            sorted((line.invoice_id, line.position, line.total_minor) for line in db.exec(select(InvoiceLine))),
            sorted((p.external_id, p.amount_minor, p.status) for p in db.exec(select(Payment))),
            sorted((row.event_id, row.status) for row in db.exec(select(LedgerInbox))),
            [(c.source, c.events_applied) for c in db.exec(select(LedgerCursor))],
        ]


def run_worker(url: str, batch: Path, die_after: int | None = None) -> int:
    args = [sys.executable, "-m", "tests.ledger_crash_worker", url, str(batch)]
    if die_after is not None:
        args.append(str(die_after))
    return subprocess.run(args, cwd=ROOT, capture_output=True, timeout=120).returncode


def test_kill_9_mid_batch_then_restart_equals_a_clean_run(engine: sa.Engine, session: Session, make: Factory,
                                                          tmp_path: Path) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("copies the SQLite file to compare two runs; PostgreSQL is covered by the same transaction code")
    make.customer(ref="C-100")
    make.vendor(code="NCS")
    make.user(role=Role.OWNER, customer=make.customer(ref="C-101"))
    session.commit()
    events = []
    for n in range(30):
        events.append(invoice_event(f"k{n}", customer_ref="C-100", vendor_code="NCS"))
        events.append(payment_event(f"kp{n}", f"k{n}", "100.00"))
    events.append({"event_id": "broken", "type": "invoice.issued"})
    batch = tmp_path / "batch.json"
    batch.write_text(json.dumps(events))
    database = Path(engine.url.database)  # type: ignore[arg-type]
    engine.dispose()
    clean = tmp_path / "clean.db"
    shutil.copyfile(database, clean)

    assert run_worker(f"sqlite:///{database}", batch, die_after=37) == -signal.SIGKILL
    crashed = create_db_engine(f"sqlite:///{database}")
    assert fingerprint(crashed)[0] == [], "a half-applied batch was committed"
    crashed.dispose()
    assert run_worker(f"sqlite:///{database}", batch) == 0
    assert run_worker(f"sqlite:///{clean}", batch) == 0
    after_restart, clean_run = create_db_engine(f"sqlite:///{database}"), create_db_engine(f"sqlite:///{clean}")
    assert fingerprint(after_restart) == fingerprint(clean_run)
    assert len(fingerprint(clean_run)[0]) == 30
