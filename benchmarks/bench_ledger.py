"""Ledger events applied per second (one batch of 10,000), against raw sqlite3 writing the same rows.

    .venv/bin/python -m benchmarks.bench_ledger --events 10000

Half the events issue invoices (two lines each), half pay them. The portal validates each event,
checks the inbox, applies it in a savepoint, quarantines nothing here, moves the cursor, commits
once, and then creates notifications. The baseline inserts the same inbox, invoice, line and
payment rows with sqlite3 executemany in one transaction: the storage floor, no checks.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from datetime import date
from pathlib import Path

from benchmarks.smoke import parse_args
from data.migrate import upgrade_to_head
from services.config.runtime import start_runtime
from services.config.settings import Settings
from services.demo.dataset import load_demo
from services.demo.options import DemoOptions
from services.ledger.pipeline import ingest

# The lines `make bench-smoke` expects in the output (benchmarks/smoke.py).
FIGURES = (
    '^portal: [\\d,]+ events applied',
    '^replay of the same batch: ',
    '^raw sqlite3 executemany of the same rows: ',
)


def make_events(count: int) -> list[dict]:
    events = []
    for n in range(count // 2):
        events.append({"event_id": f"b-{n}", "type": "invoice.issued", "occurred_at": "2026-11-26T10:00:00Z",
                       "invoice": {"external_id": f"bench-{n}", "number": f"BENCH-{n:07d}", "customer_ref": "C-000001",
                                   "vendor_code": "NCS", "issue_date": "2026-11-01", "due_date": "2026-12-01",
                                   "currency": "EUR", "version": 1,
                                   "lines": [{"description": "Compute", "quantity": "3", "unit_price": "12.50",
                                              "tax_rate": "19"},
                                             {"description": "Storage", "quantity": "1.5", "unit_price": "4.00",
                                              "tax_rate": "19"}]}})
    for n in range(count - count // 2):
        events.append({"event_id": f"p-{n}", "type": "payment.succeeded", "occurred_at": "2026-11-26T11:00:00Z",
                       "payment": {"external_id": f"bench-pay-{n}", "invoice_external_id": f"bench-{n}",
                                   "amount": "51.77", "currency": "EUR", "received_at": "2026-11-26T11:00:00Z"}})
    return events


def raw_baseline(path: Path, events: list[dict]) -> float:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    start_id = connection.execute("SELECT coalesce(max(id), 0) FROM invoice").fetchone()[0] + 1_000_000
    invoices = [e for e in events if e["type"] == "invoice.issued"]
    payments = [e for e in events if e["type"] != "invoice.issued"]
    started = time.perf_counter()
    with connection:
        connection.executemany(
            "INSERT INTO ledger_inbox (source, event_id, event_type, status, payload, received_at) "
            "VALUES ('raw', ?, ?, 'applied', ?, '2026-11-26 10:00:00')",
            [(e["event_id"], e["type"], json.dumps(e)) for e in events])
        connection.executemany(
            "INSERT INTO invoice (id, source, external_id, number, number_key, vendor_id, customer_id, issue_date, "
            "due_date, currency, subtotal_minor, tax_minor, total_minor, amount_paid_minor, status, terms, notes, "
            "version, revision, created_at, updated_at) VALUES (?, 'raw', ?, ?, ?, 1, 1, '2026-11-01', '2026-12-01', "
            "'EUR', 4350, 827, 5177, 5177, 'paid', '', '', 1, 2, '2026-11-26', '2026-11-26')",
            [(start_id + n, e["invoice"]["external_id"], "RAW" + e["invoice"]["number"],
              "raw" + e["invoice"]["number"].lower()) for n, e in enumerate(invoices)])
        connection.executemany(
            "INSERT INTO invoice_line (invoice_id, position, description, quantity, unit, unit_price_minor, tax_rate, "
            "net_minor, tax_minor, total_minor) VALUES (?, ?, 'x', 1, '', 1, 19, 1, 0, 1)",
            [(start_id + n, position) for n in range(len(invoices)) for position in (1, 2)])
        connection.executemany(
            "INSERT INTO payment (source, external_id, invoice_id, amount_minor, currency, method, status, reference, "
            "received_at, created_at) VALUES ('raw', ?, ?, 5177, 'EUR', 'bank_transfer', 'succeeded', '', "
            "'2026-11-26', '2026-11-26')",
            [(e["payment"]["external_id"], start_id + n) for n, e in enumerate(payments)])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000)
    args = parse_args(parser, events=200)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "portal.db"
        runtime = start_runtime(Settings(data_dir=Path(folder), database_url=f"sqlite:///{path}", secret_key="c" * 40,
                                         _env_file=None))
        upgrade_to_head(runtime.engine)
        load_demo(runtime.engine, DemoOptions(customers=3, invoices=300, as_of=date(2026, 11, 26)))
        events = make_events(args.events)
        started = time.perf_counter()
        result = ingest(runtime, "ledger", events)
        seconds = time.perf_counter() - started
        again_started = time.perf_counter()
        replay = ingest(runtime, "ledger", events)
        replay_seconds = time.perf_counter() - again_started
        raw = raw_baseline(path, events)
    print(f"portal: {result.applied:,} events applied in {seconds:.2f} s = {result.applied / seconds:,.0f} events/s "
          f"(quarantined {result.quarantined}); notifications and live events included")
    print(f"replay of the same batch: {replay.duplicates:,} duplicates skipped in {replay_seconds:.2f} s "
          f"= {replay.duplicates / replay_seconds:,.0f} events/s")
    print(f"raw sqlite3 executemany of the same rows: {raw:.2f} s = {len(events) / raw:,.0f} events/s; "
          f"ratio {seconds / raw:.1f}x")


if __name__ == "__main__":
    main()
