"""Writing an export: a ZIP of invoice PDFs with manifest.csv (when the tier allows CSV), or the manifest CSV alone, a batch of
invoices at a time into any binary file (a file on disk, or `ChunkWriter` for streaming)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import date
from typing import IO

from sqlmodel import Session, select

from data import Document, ExportJob, Invoice
from services.auth.permissions import Capability
from services.config.runtime import Runtime
from services.csv_text import csv_safe
from services.documents.export_selection import MAX_SELECTED_IDS, ExportSelection, invoice_batches, job_access
from services.documents.store import ensure_document, pdf_filename
from services.invoices.status import STATUS_LABELS
from services.money import to_decimal

MANIFEST_FIELDS = ["number", "vendor", "issue_date", "due_date", "currency", "subtotal", "tax", "total", "paid",
                   "status", "version", "sha256", "file"]


def manifest_row(invoice: Invoice, vendor: str, sha256: str, file: str) -> dict[str, str]:
    money = lambda minor: str(to_decimal(minor, invoice.currency))  # noqa: E731
    return {"number": invoice.number, "vendor": vendor, "issue_date": invoice.issue_date.isoformat(),
            "due_date": invoice.due_date.isoformat(), "currency": invoice.currency,
            "subtotal": money(invoice.subtotal_minor), "tax": money(invoice.tax_minor),
            "total": money(invoice.total_minor), "paid": money(invoice.amount_paid_minor),
            "status": STATUS_LABELS[invoice.status], "version": str(invoice.version), "sha256": sha256, "file": file}


def export_steps(out: IO[bytes], db: Session, runtime: Runtime, job: ExportJob, today: date) -> Iterator[int]:
    """Write the job's ZIP (PDFs + manifest.csv) or CSV to `out`, a batch of invoices at a time,
    yielding how many invoices are done after each batch (the caller drains `out` or saves progress)."""
    principal_access = job_access(db, job, today)
    # One rule for the invoice data as CSV: a tier without CSV exports gets ZIPs of PDFs only.
    with_manifest = principal_access.can(Capability.EXPORT_CSV)
    # The ids frozen when the export was asked for (jobs from before that was so hold a query).
    selection = ExportSelection.from_text(job.selection, max_ids=max(job.invoice_count, MAX_SELECTED_IDS))
    manifest = io.StringIO()
    writer = csv.DictWriter(manifest, fieldnames=MANIFEST_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    archive = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) if job.kind == "zip" else None
    used_names: set[str] = set()
    done = 0
    try:
        for batch in invoice_batches(db, principal_access, selection, today):
            for invoice, vendor in batch:
                sha256 = ""
                name = ""
                if archive is not None:
                    stored = ensure_document(db, invoice, runtime.settings.document_locale, today, commit=True)
                    name = _unique(pdf_filename(vendor, invoice.number), used_names)
                    archive.writestr(name, stored.content)
                    sha256 = stored.sha256
                else:
                    sha256 = db.exec(select(Document.sha256).where(Document.invoice_id == invoice.id,
                                                                   Document.revision == invoice.revision)).first() or ""
                writer.writerow({key: csv_safe(value) for key, value in manifest_row(invoice, vendor, sha256, name).items()})
                done += 1
            if archive is None:
                out.write(manifest.getvalue().encode("utf-8"))
                manifest.seek(0)
                manifest.truncate()
            db.commit()  # end the batch's read; each new PDF was committed on its own (ensure_document)
            yield done
    except BaseException:
        if archive is not None:  # a broken-off archive is thrown away, not finished later by the garbage collector
            archive.fp = None
        raise
    if archive is not None:
        if with_manifest:
            archive.writestr("manifest.csv", manifest.getvalue().encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
        archive.close()
    elif manifest.getvalue():
        out.write(manifest.getvalue().encode("utf-8"))


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 2
    while candidate in used:
        candidate = f"{name[:-4]}-{n}.pdf"
        n += 1
    used.add(candidate)
    return candidate


class ChunkWriter:
    """A write-only, non-seekable file that hands out what was written so far (for streaming)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._position = 0

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data

