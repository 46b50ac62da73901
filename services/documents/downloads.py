"""Downloading one invoice's PDF, and checking whether a PDF is one we issued."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from data import Document, Invoice
from services.audit.monitor import require_not_throttled
from services.audit.trail import record_audit
from services.audit.vocabulary import AuditAction, AuditOutcome
from services.auth.permissions import Capability, customer_access
from services.config.runtime import Runtime
from services.documents.store import ensure_document, pdf_filename, sha256_of, vendor_name
from services.errors import InvalidInput
from services.invoices.queries import visible_invoice
from services.principal import Principal

MAX_VERIFY_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class PdfDownload:
    filename: str
    content: bytes
    sha256: str


def download_invoice_pdf(db: Session, runtime: Runtime, principal: Principal, invoice_id: int,
                         today: date) -> PdfDownload:
    """The stored PDF of a visible invoice (NotFound otherwise), audited as downloaded."""
    access = customer_access(db, principal, today)
    invoice = visible_invoice(db, access, invoice_id)
    access.require(Capability.DOWNLOAD_PDF)
    require_not_throttled(db, principal)
    stored = ensure_document(db, invoice, runtime.settings.document_locale, today)
    record_audit(db, runtime.secret_key, AuditAction.INVOICE_DOWNLOAD, AuditOutcome.SUCCESS, principal=principal,
                 object_type="invoice", object_id=invoice.id, details={"sha256": stored.sha256, "revision": invoice.revision})
    return PdfDownload(pdf_filename(vendor_name(db, invoice.vendor_id), invoice.number), stored.content, stored.sha256)


@dataclass(frozen=True)
class Verification:
    """Whether we issued a document with this hash, and which invoice version it is."""

    sha256: str
    issued: bool
    invoice_id: int | None = None
    number: str | None = None
    vendor: str | None = None
    issue_date: date | None = None
    version: int | None = None
    current: bool = False


def normalize_sha256(text: str) -> str:
    value = text.strip().lower()
    if len(value) != 64 or any(ch not in "0123456789abcdef" for ch in value):
        raise InvalidInput("A SHA-256 hash is 64 characters of 0-9 and a-f.")
    return value


def verify_document(db: Session, runtime: Runtime, principal: Principal, today: date, *, sha256: str | None = None,
                    content: bytes | None = None) -> Verification:
    """Look a PDF (or its hash) up. Only invoices the user may see are confirmed: for anything
    else the answer is the same as for a document we never issued."""
    if content is not None:
        if len(content) > MAX_VERIFY_BYTES:
            raise InvalidInput(f"The file is larger than {MAX_VERIFY_BYTES // (1024 * 1024)} MB; no invoice PDF is.")
        digest = sha256_of(content)
    else:
        digest = normalize_sha256(sha256 or "")
    access = customer_access(db, principal, today)
    row = db.exec(
        select(col(Document.revision), Invoice).join(Invoice, col(Invoice.id) == col(Document.invoice_id))
        .where(col(Document.sha256) == digest, *access.invoice_conditions())
    ).first()
    record_audit(db, runtime.secret_key, AuditAction.DOCUMENT_VERIFY, AuditOutcome.SUCCESS if row else AuditOutcome.FAILURE, principal=principal,
                 object_type="invoice" if row else None, object_id=row[1].id if row else None,
                 details={"sha256": digest})
    if row is None:
        return Verification(sha256=digest, issued=False)
    revision, invoice = row
    return Verification(sha256=digest, issued=True, invoice_id=invoice.id, number=invoice.number,
                        vendor=vendor_name(db, invoice.vendor_id), issue_date=invoice.issue_date, version=invoice.version,
                        current=revision == invoice.revision)
