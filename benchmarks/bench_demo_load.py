"""Demo data load speed, against raw SQLite writing the very same rows.

    .venv/bin/python -m benchmarks.bench_demo_load --invoices 1000000 --customers 1000

The baseline copies the loaded invoices, lines and payments into an empty, migrated database
with one `INSERT … SELECT` per table through Python's sqlite3: the cost of the storage alone,
with no row generation and no SQLAlchemy.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from datetime import date
from pathlib import Path

from benchmarks.smoke import parse_args
from data.db import create_db_engine
from data.migrate import upgrade_to_head
from services.demo.dataset import load_demo
from services.demo.options import DemoOptions

# The lines `make bench-smoke` expects in the output (benchmarks/smoke.py).
FIGURES = (
    '^invoices [\\d,]+ +lines [\\d,]+ +payments',
    '^portal demo load: ',
    '^raw sqlite3 copy: ',
    '^ratio portal/raw: ',
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=1_000)
    args = parse_args(parser, invoices=300, customers=5)
    with tempfile.TemporaryDirectory() as folder:
        portal_db, baseline_db = Path(folder) / "portal.db", Path(folder) / "baseline.db"
        for path in (portal_db, baseline_db):
            engine = create_db_engine(f"sqlite:///{path}")
            upgrade_to_head(engine)
            engine.dispose()
        engine = create_db_engine(f"sqlite:///{portal_db}")
        started = time.perf_counter()
        summary = load_demo(engine, DemoOptions(customers=args.customers, invoices=args.invoices,
                                                as_of=date(2026, 11, 26)))
        demo_seconds = time.perf_counter() - started
        engine.dispose()
        size_mb = portal_db.stat().st_size / 1e6

        connection = sqlite3.connect(baseline_db)
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(f"ATTACH DATABASE '{portal_db}' AS source")
        started = time.perf_counter()
        with connection:
            for table in ("tier", "vendor", "customer", "user_account", "invoice", "invoice_line", "payment"):
                connection.execute(f"INSERT INTO main.{table} SELECT * FROM source.{table}")  # noqa: S608
        raw_seconds = time.perf_counter() - started
        connection.close()

    rows = summary.invoices + summary.lines + summary.payments
    print(f"invoices {summary.invoices:,}  lines {summary.lines:,}  payments {summary.payments:,}  "
          f"database {size_mb:,.0f} MB")
    print(f"portal demo load: {demo_seconds:8.1f} s  ({rows / demo_seconds:,.0f} rows/s)")
    print(f"raw sqlite3 copy: {raw_seconds:8.1f} s  ({rows / raw_seconds:,.0f} rows/s)")
    print(f"ratio portal/raw: {demo_seconds / raw_seconds:8.1f} x")


if __name__ == "__main__":
    main()
