"""Rendered PDFs, one per invoice version, stored with their SHA-256 and served from storage."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from data import Document, Invoice, InvoiceStatus, Vendor
from data.db import begin_write
from services.documents.render import RenderError, render_invoice_pdf
from services.invoices.queries import build_invoice_detail
from services.localization.formatting import Formatter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredPdf:
    invoice_id: int
    revision: int
    sha256: str
    content: bytes


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def stored_document(db: Session, invoice_id: int, revision: int) -> StoredPdf | None:
    row = db.exec(select(Document).where(col(Document.invoice_id) == invoice_id, col(Document.revision) == revision)).first()
    return None if row is None else StoredPdf(invoice_id, revision, row.sha256, row.content)


def document_hash(db: Session, invoice_id: int, revision: int) -> str | None:
    """The SHA-256 of the stored PDF of that revision, without loading the PDF."""
    return db.exec(select(col(Document.sha256)).where(col(Document.invoice_id) == invoice_id,
                                                 col(Document.revision) == revision)).first()


def ensure_document(db: Session, invoice: Invoice, locale: str, today: date, *, commit: bool = False) -> StoredPdf:
    """The stored PDF of the invoice's current revision, rendered and stored now if missing.

    The insert takes SQLite's write lock until the caller commits; callers that render one PDF
    after another pass `commit=True`, so that the lock is never held over the next render.
    """
    assert invoice.id is not None
    existing = stored_document(db, invoice.id, invoice.revision)
    if existing is not None:
        return existing
    content = render_invoice_pdf(build_invoice_detail(db, invoice, today), Formatter(locale=locale))
    digest = sha256_of(content)
    begin_write(db)  # so the savepoint below nests instead of committing on its own
    try:
        with db.begin_nested():
            db.add(Document(invoice_id=invoice.id, revision=invoice.revision, sha256=digest, size_bytes=len(content),
                            content=content))
        stored: StoredPdf | None = StoredPdf(invoice.id, invoice.revision, digest, content)
    except sa.exc.IntegrityError:  # rendered at the same moment elsewhere: keep the first one
        stored = stored_document(db, invoice.id, invoice.revision)
    assert stored is not None
    if commit:
        db.commit()
    return stored


def render_missing_documents(db: Session, locale: str, today: date, limit: int = 50,
                             failed: set[tuple[int, int]] | None = None) -> int:
    """Render PDFs for up to `limit` issued invoice revisions that have none yet; returns how many.
    A revision that fails to render is logged and added to `failed`, which later calls skip (so
    one bad invoice does not take every batch's time; its download says what went wrong)."""
    failed = failed if failed is not None else set()
    missing = db.exec(
        select(Invoice).outerjoin(Document, sa.and_(col(Document.invoice_id) == col(Invoice.id),
                                                    col(Document.revision) == col(Invoice.revision)))
        .where(col(Document.id).is_(None), col(Invoice.status) != InvoiceStatus.DRAFT,
               # The failed revision only: a newer revision of the same invoice is tried again.
               sa.tuple_(col(Invoice.id), col(Invoice.revision)).not_in(sorted(failed)))
        .order_by(col(Invoice.issue_date).desc()).limit(limit)
    ).all()
    for invoice in missing:
        try:
            ensure_document(db, invoice, locale, today, commit=True)  # no write lock over the next render
        except RenderError as error:
            log.warning("invoice %s revision %s: %s", invoice.id, invoice.revision, error)
            failed.add((invoice.id, invoice.revision))  # type: ignore[arg-type]
    return len(missing)


_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def pdf_filename(vendor_name: str, number: str) -> str:
    """`vendor-number.pdf`, with anything but letters, digits, dot and dash turned into dashes."""
    stem = _UNSAFE.sub("-", f"{vendor_name}-{number}").strip("-.")[:150] or "invoice"
    return f"{stem}.pdf"


def vendor_name(db: Session, vendor_id: int) -> str:
    return db.exec(select(col(Vendor.name)).where(col(Vendor.id) == vendor_id)).one()
