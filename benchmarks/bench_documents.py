"""PDF rendering, stored-PDF downloads and archive building, each against a raw baseline.

    .venv/bin/python -m benchmarks.bench_documents

- render: `render_invoice_pdf` (detail → Jinja2 → xhtml2pdf) for 20 and 200 lines, against
  xhtml2pdf alone on the already rendered HTML.
- cached download: `download_invoice_pdf` (access check, stored PDF, audit row) against a raw
  sqlite3 SELECT of the same blob.
- archive: the background export path (`export_steps` into a file) for 1,000 and 10,000
  invoices, against raw sqlite3 + zipfile writing the same stored PDFs; each run in a child
  process so its peak RSS is its own. PDFs are stored beforehand (rendering 10,000 would measure
  the renderer again), so this measures reading, zipping, manifest and progress.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import resource
import sqlite3
import statistics
import tempfile
import threading
import time
import zipfile
from datetime import date, datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select
from xhtml2pdf import pisa

from benchmarks.smoke import parse_args
from data import Document, ExportJob, ExportStatus, Invoice, Role, User
from data.db import create_db_engine
from data.migrate import upgrade_to_head
from services.config.runtime import start_runtime
from services.config.settings import Settings
from services.demo.dataset import load_demo
from services.demo.options import DemoOptions
from services.documents.archive import export_steps
from services.documents.downloads import download_invoice_pdf
from services.documents.export_selection import ExportSelection
from services.documents.render import _POLICY, HERE, MAX_PDF_LINES, invoice_html, link_callback, render_invoice_pdf
from services.invoices.list_query import InvoiceQuery
from services.invoices.queries import build_invoice_detail
from services.localization.formatting import Formatter
from services.principal import Principal

AS_OF = date(2026, 11, 26)

# The lines `make bench-smoke` expects in the output (benchmarks/smoke.py).
FIGURES = (
    '^render +20 lines +p50',
    '^render 200 lines +p50',
    '^cached download +p50',
    '^archive +20 invoices .* raw sqlite3\\+zipfile',
)


def timed(function, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    return sorted(samples)[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]


def detail_with_lines(db: Session, lines: int):  # type: ignore[no-untyped-def]
    invoice = db.exec(select(Invoice)).first()
    assert invoice is not None
    detail = build_invoice_detail(db, invoice, AS_OF)
    template = detail.lines[0]
    from dataclasses import replace

    return replace(detail, lines=[replace(template, position=n + 1, description=f"{template.description} #{n + 1}")
                                  for n in range(lines)])


def bench_render(db: Session, repeat: int) -> None:
    fmt = Formatter()
    render_invoice_pdf(detail_with_lines(db, 3), fmt)  # load fonts once
    for lines in (20, 200):
        detail = detail_with_lines(db, lines)
        html = invoice_html(detail, fmt)
        ours = timed(lambda detail=detail: render_invoice_pdf(detail, fmt), repeat)
        raw = timed(lambda html=html: pisa.CreatePDF(html, dest=io.BytesIO(), link_callback=link_callback,
                                           resource_policy=_POLICY, path=str(HERE / "invoice.html")), repeat)
        print(f"render {lines:>3} lines   p50 {statistics.median(ours):7.1f} ms  p95 {p95(ours):7.1f} ms   "
              f"raw xhtml2pdf p50 {statistics.median(raw):7.1f} ms   ratio {statistics.median(ours) / statistics.median(raw):.2f}x")
    bench_render_beside_a_long_one(db, fmt, repeat)


def bench_render_beside_a_long_one(db: Session, fmt: Formatter, repeat: int) -> None:
    """A 2,000-line invoice (the PDF lists its first MAX_PDF_LINES) renders in one worker while
    20-line invoices render in the other: they no longer queue behind it."""
    long_detail, short_detail = detail_with_lines(db, 2000), detail_with_lines(db, 20)
    started = time.perf_counter()
    long_render = threading.Thread(target=render_invoice_pdf, args=(long_detail, fmt))
    long_render.start()
    beside = timed(lambda: render_invoice_pdf(short_detail, fmt), max(repeat // 2, 1))
    long_render.join()
    long_seconds = time.perf_counter() - started
    alone = timed(lambda: render_invoice_pdf(short_detail, fmt), max(repeat // 2, 1))
    print(f"render 2,000 lines (PDF lists {MAX_PDF_LINES}) {long_seconds:5.1f} s; meanwhile 20 lines p50 "
          f"{statistics.median(beside):7.1f} ms   alone p50 {statistics.median(alone):7.1f} ms")


def bench_download(engine: sa.Engine, path: Path, runtime, repeat: int) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as db:
        owner = db.exec(select(User).where(User.role == Role.OWNER)).first()
        assert owner is not None
        invoice = db.exec(select(Invoice).where(Invoice.customer_id == owner.customer_id)).first()
        assert invoice is not None
    principal = Principal(user_id=owner.id, session_id=0, session_hash="0" * 64, email=owner.email,  # type: ignore[arg-type]
                          display_name="", role=owner.role, customer_id=owner.customer_id)

    def ours() -> None:
        with runtime.session() as db:  # carries the settings the access monitor reads its limits from
            download_invoice_pdf(db, runtime, principal, invoice.id, AS_OF)  # type: ignore[arg-type]
            db.commit()

    ours()  # renders and stores it once
    raw_connection = sqlite3.connect(path)
    samples = timed(ours, repeat)
    raw = timed(lambda: raw_connection.execute("SELECT content FROM document WHERE invoice_id = ? AND revision = ?",
                                               (invoice.id, invoice.revision)).fetchone(), repeat)
    print(f"cached download     p50 {statistics.median(samples):7.2f} ms  p95 {p95(samples):7.2f} ms   "
          f"raw SELECT p50 {statistics.median(raw):7.3f} ms   (access check + audit row + blob)")


def _archive_child(kind: str, database: str, data_dir: str, job_id: int, queue) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    target = Path(data_dir) / f"{kind}.zip"
    if kind == "portal":
        settings = Settings(data_dir=Path(data_dir), database_url=f"sqlite:///{database}", secret_key="b" * 40,
                            _env_file=None)
        runtime = start_runtime(settings)
        with Session(runtime.engine) as db, target.open("wb") as out:
            job = db.get(ExportJob, job_id)
            for _done in export_steps(out, db, runtime, job, AS_OF):  # type: ignore[arg-type]
                pass
    else:
        connection = sqlite3.connect(database)
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
            rows = connection.execute("SELECT i.number, d.content FROM invoice i JOIN document d ON d.invoice_id = i.id "
                                      "AND d.revision = i.revision WHERE i.customer_id = 1 ORDER BY i.issue_date, i.id")
            for number, content in rows:
                archive.writestr(f"{number}.pdf", content)
    seconds = time.perf_counter() - started
    queue.put((seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, target.stat().st_size / 1e6))


def bench_archives(sizes: list[int], folder: Path) -> None:
    for size in sizes:
        path = folder / f"archive-{size}.db"
        engine = create_db_engine(f"sqlite:///{path}")
        upgrade_to_head(engine)
        load_demo(engine, DemoOptions(customers=1, invoices=size, as_of=AS_OF))
        with Session(engine) as db:
            sample = db.exec(select(Invoice)).first()
            pdf = render_invoice_pdf(build_invoice_detail(db, sample, AS_OF), Formatter())  # type: ignore[arg-type]
            owner = db.exec(select(User).where(User.role == Role.OWNER)).first()
            assert owner is not None
            job = ExportJob(public_id=f"bench{size}", user_id=owner.id, customer_id=owner.customer_id,  # type: ignore[arg-type]
                            kind="zip", background=True, selection=ExportSelection(query=InvoiceQuery()).to_text(),
                            invoice_count=size, status=ExportStatus.RUNNING)
            db.add(job)
            db.commit()
            job_id = job.id
        with engine.begin() as connection:  # every version gets a stored PDF (the same bytes)
            connection.execute(sa.insert(Document), [
                {"invoice_id": invoice_id, "revision": revision, "sha256": f"{invoice_id:064d}", "size_bytes": len(pdf),
                 "content": pdf, "created_at": datetime.now(timezone.utc)}
                for invoice_id, revision in connection.execute(sa.select(Invoice.id, Invoice.revision)).all()])
        engine.dispose()
        results = {}
        for kind in ("portal", "raw"):
            queue: multiprocessing.Queue = multiprocessing.Queue()
            child = multiprocessing.Process(target=_archive_child, args=(kind, str(path), str(folder), job_id, queue))
            child.start()
            child.join()
            results[kind] = queue.get()
        (ours, our_rss, our_mb), (raw, raw_rss, _raw_mb) = results["portal"], results["raw"]
        print(f"archive {size:>6,} invoices  {ours:6.1f} s  peak RSS {our_rss:6.0f} MB  ({our_mb:,.0f} MB zip)   "
              f"raw sqlite3+zipfile {raw:5.1f} s  peak RSS {raw_rss:6.0f} MB   ratio {ours / raw:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--archive-sizes", default="1000,10000")
    args = parse_args(parser, repeat=2, archive_sizes="20")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = folder / "portal.db"
        # 150 downloads a minute would trip the access monitor, which then refuses them: it still
        # watches every download here, just never pauses the benchmark's user.
        settings = Settings(data_dir=folder, database_url=f"sqlite:///{path}", secret_key="a" * 40, _env_file=None,
                            monitor_invoices_per_minute=1_000_000)
        runtime = start_runtime(settings)
        upgrade_to_head(runtime.engine)
        load_demo(runtime.engine, DemoOptions(customers=3, invoices=60, as_of=AS_OF))
        with Session(runtime.engine) as db:
            bench_render(db, args.repeat)
        bench_download(runtime.engine, path, runtime, args.repeat * 10)
        bench_archives([int(size) for size in args.archive_sizes.split(",")], folder)


if __name__ == "__main__":
    main()
