"""Invoice list latency at the service layer, against the very same SQL through raw sqlite3.

    .venv/bin/python -m benchmarks.bench_invoice_list --invoices 1000000 --customers 1000

Loads the demo (or reuses `--database FILE` if it already holds demo data), takes the heaviest
customer (the demo gives the first one about 2 % of all invoices), and for each filter and sort
times `list_invoices` (a new session each call, as a page does) and a replay of the statements it
ran, captured from the driver, through Python's sqlite3. Prints p50/p95 per scenario, the ratio,
and the query plan of the page query.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, func, select

from benchmarks.smoke import parse_args
from data import Invoice, InvoiceStatus, Role, User, Vendor
from data.db import create_db_engine
from data.migrate import upgrade_to_head
from services.demo.dataset import database_has_customers, load_demo
from services.demo.options import DemoOptions
from services.invoices.list_query import InvoiceQuery, Period, SortKey
from services.invoices.queries import list_invoices
from services.principal import Principal

AS_OF = date(2026, 11, 26)

# The lines `make bench-smoke` expects in the output (benchmarks/smoke.py).
FIGURES = (
    '^database: [\\d,]+ invoices',
    '^default: newest first +\\d',
    '^all filters +\\d',
)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def scenarios(vendor_code: str, number_prefix: str, exact_number: str) -> list[tuple[str, InvoiceQuery]]:
    return [
        ("default: newest first", InvoiceQuery()),
        ("sort number asc", InvoiceQuery(sort=SortKey.NUMBER, descending=False)),
        ("sort due date desc", InvoiceQuery(sort=SortKey.DUE_DATE)),
        ("sort amount desc", InvoiceQuery(sort=SortKey.AMOUNT)),
        ("sort status asc", InvoiceQuery(sort=SortKey.STATUS, descending=False)),
        ("period this year", InvoiceQuery(period=Period.THIS_YEAR)),
        ("period last month", InvoiceQuery(period=Period.LAST_MONTH)),
        ("custom range 3 months", InvoiceQuery(period=Period.CUSTOM, date_from=date(2025, 4, 1),
                                               date_to=date(2025, 6, 30))),
        ("vendor", InvoiceQuery(vendor_codes=(vendor_code,))),
        ("vendor + this year", InvoiceQuery(vendor_codes=(vendor_code,), period=Period.THIS_YEAR)),
        ("number prefix", InvoiceQuery(number=number_prefix)),
        ("number exact", InvoiceQuery(number=exact_number)),
        ("status overdue", InvoiceQuery(statuses=(InvoiceStatus.OVERDUE,))),
        ("status paid, amount sort", InvoiceQuery(statuses=(InvoiceStatus.PAID,), sort=SortKey.AMOUNT)),
        ("page 40 of default", InvoiceQuery(page=40)),
        ("100 per page", InvoiceQuery(page_size=100)),
        ("all filters", InvoiceQuery(vendor_codes=(vendor_code,), period=Period.THIS_YEAR, number=number_prefix[:4],
                                     statuses=(InvoiceStatus.PAID, InvoiceStatus.ISSUED))),
    ]


def capture_statements(engine: sa.Engine, run: Callable[[], object]) -> list[tuple[str, tuple]]:
    captured: list[tuple[str, tuple]] = []

    def listener(_conn, _cursor, statement, parameters, _context, _executemany):  # type: ignore[no-untyped-def]
        captured.append((statement, tuple(parameters)))

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        run()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return captured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--database", type=Path, help="reuse this SQLite file (loaded with demo data if empty)")
    parser.add_argument("--repeat", type=int, default=60)
    args = parse_args(parser, invoices=3000, customers=10, repeat=3)
    folder = tempfile.TemporaryDirectory()
    path = args.database or Path(folder.name) / "portal.db"
    engine = create_db_engine(f"sqlite:///{path.resolve()}")
    upgrade_to_head(engine)
    with Session(engine) as db:
        empty = not database_has_customers(db)
    if empty:
        started = time.perf_counter()
        load_demo(engine, DemoOptions(customers=args.customers, invoices=args.invoices, as_of=AS_OF))
        print(f"loaded {args.invoices:,} invoices in {time.perf_counter() - started:.0f} s")
    with Session(engine) as db:
        total = db.exec(select(func.count()).select_from(Invoice)).one()
        # The largest customer with an owner to sign in as (the demo gives owners to some customers only).
        owned = select(User.customer_id).where(User.role == Role.OWNER)
        customer_id, count = db.exec(select(Invoice.customer_id, func.count())
                                     .where(Invoice.customer_id.in_(owned))  # type: ignore[union-attr]
                                     .group_by(Invoice.customer_id).order_by(func.count().desc()).limit(1)).one()
        owner = db.exec(select(User).where(User.customer_id == customer_id, User.role == Role.OWNER)).first()
        vendor_code = db.exec(select(Vendor.code).order_by(Vendor.id)).first()
        sample = db.exec(select(Invoice.number).where(Invoice.customer_id == customer_id).limit(1)).one()
    assert owner is not None and owner.id is not None and vendor_code is not None
    principal = Principal(user_id=owner.id, session_id=0, session_hash="0" * 64, email=owner.email,
                          display_name="", role=owner.role, customer_id=customer_id)
    print(f"database: {total:,} invoices; customer {customer_id} holds {count:,}; {args.repeat} runs per scenario")
    print(f"{'scenario':<28}{'rows':>7}{'p50 ms':>9}{'p95 ms':>9}{'raw p50':>9}{'raw p95':>9}{'ratio':>7}  plan")
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA journal_mode=WAL")
    for name, query in scenarios(vendor_code, sample[:10], sample):
        def run(q: InvoiceQuery = query) -> object:
            with Session(engine) as db:
                return list_invoices(db, principal, q, AS_OF)

        page = run()  # warm the cache
        statements = capture_statements(engine, run)
        service, baseline = [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            run()
            service.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            for sql, parameters in statements:
                raw.execute(sql, parameters).fetchall()
            baseline.append((time.perf_counter() - started) * 1000)
        page_sql, page_parameters = statements[-1]
        plan = " | ".join(row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {page_sql}", page_parameters))
        p50, p95 = statistics.median(service), percentile(service, 0.95)
        r50, r95 = statistics.median(baseline), percentile(baseline, 0.95)
        print(f"{name:<28}{page.total:>7}{p50:>9.2f}{p95:>9.2f}{r50:>9.2f}{r95:>9.2f}{p50 / r50:>6.1f}x  {plan}")


if __name__ == "__main__":
    main()
