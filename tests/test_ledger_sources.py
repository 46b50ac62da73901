"""Polled ledgers (HTTP feed, SQL table) from their cursor, with backoff when they fail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from sqlmodel import Session, func, select

from data import Invoice, LedgerCursor, utcnow
from services.config.runtime import Runtime
from services.config.settings import LedgerSourceConfig
from services.ledger.sources import poll_source
from tests.factories import Factory
from tests.ledger_events import FakeLedger, invoice_event

pytestmark = pytest.mark.dates  # .ci/run runs these again with the host clock moved


@pytest.fixture
def fake_ledger(session: Session, make: Factory) -> Iterator[FakeLedger]:
    make.customer(ref="C-HTTP")
    make.vendor(code="NCS")
    session.commit()
    ledger = FakeLedger([invoice_event(f"h{n}", customer_ref="C-HTTP", vendor_code="NCS") for n in range(5)])
    yield ledger
    ledger.server.shutdown()


def invoices(session: Session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Invoice)).one()


def test_http_source_reads_pages_from_its_cursor(session: Session, runtime: Runtime, fake_ledger: FakeLedger) -> None:
    config = LedgerSourceConfig(name="erp", kind="http", url=fake_ledger.url, token="s3cret", batch_size=2)
    assert [poll_source(runtime, config) for _ in range(4)] == [2, 2, 1, 0]
    assert invoices(session) == 5
    assert fake_ledger.requests[0].get("cursor") is None and fake_ledger.requests[1]["cursor"] == ["2"]
    assert fake_ledger.requests[0]["auth"] == ["Bearer s3cret"]
    assert session.get(LedgerCursor, "erp").cursor == "5"  # type: ignore[union-attr]


def test_failures_back_off_and_are_recorded(session: Session, runtime: Runtime, fake_ledger: FakeLedger) -> None:
    config = LedgerSourceConfig(name="erp", kind="http", url=fake_ledger.url, batch_size=10)
    fake_ledger.fail_with = 503
    assert poll_source(runtime, config) == 0
    cursor = session.get(LedgerCursor, "erp")
    assert cursor is not None and cursor.consecutive_failures == 1 and "HTTP 503" in (cursor.last_error or "")
    asked = len(fake_ledger.requests)
    assert poll_source(runtime, config) == 0 and len(fake_ledger.requests) == asked  # waiting, not asking
    fake_ledger.fail_with = None
    with time_machine.travel(utcnow() + timedelta(seconds=5)):
        assert poll_source(runtime, config) == 5
    session.expire_all()
    assert session.get(LedgerCursor, "erp").consecutive_failures == 0  # type: ignore[union-attr]


def test_an_unreachable_ledger_is_a_recorded_failure(session: Session, runtime: Runtime, fake_ledger: FakeLedger) -> None:
    fake_ledger.server.shutdown()
    fake_ledger.server.server_close()
    config = LedgerSourceConfig(name="gone", kind="http", url=fake_ledger.url)
    assert poll_source(runtime, config) == 0
    assert "ConnectError" in (session.get(LedgerCursor, "gone").last_error or "")  # type: ignore[union-attr]


def test_sql_source_reads_a_table_in_another_database(session: Session, runtime: Runtime, make: Factory,
                                                      tmp_path: Path) -> None:
    make.customer(ref="C-SQL")
    make.vendor(code="NCS")
    session.commit()
    other = sa.create_engine(f"sqlite:///{tmp_path / 'billing.db'}")
    with other.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE ledger_events (seq INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
        for n in range(3):
            connection.exec_driver_sql("INSERT INTO ledger_events (seq, payload) VALUES (?, ?)",
                                       (10 + n, json.dumps(invoice_event(f"s{n}", customer_ref="C-SQL",
                                                                         vendor_code="NCS"))))
        connection.exec_driver_sql("INSERT INTO ledger_events (seq, payload) VALUES (20, 'not json')")
    config = LedgerSourceConfig(name="billing-db", kind="sql", url=f"sqlite:///{tmp_path / 'billing.db'}")
    assert poll_source(runtime, config) == 3
    assert poll_source(runtime, config) == 0
    assert invoices(session) == 3
    assert session.get(LedgerCursor, "billing-db").cursor == "20"  # type: ignore[union-attr]
