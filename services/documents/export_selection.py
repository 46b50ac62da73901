"""Which invoices an export holds: a list query or picked invoices, read back from a form or a job,
counted and read in batches within the requester's current access."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs

from sqlmodel import Session, col, func, select

from data import ExportJob, Invoice, User, Vendor
from services.auth.permissions import CustomerAccess, customer_access
from services.errors import InvalidInput, NotFound
from services.invoices.list_query import InvoiceQuery, parse_invoice_query
from services.invoices.queries import invoice_filter_conditions
from services.principal import Principal

BATCH = 200
MAX_SELECTED_IDS = 5_000


@dataclass(frozen=True)
class ExportSelection:
    """What to export: the invoices matching a list query, or explicitly selected ones."""

    query: InvoiceQuery | None = None
    invoice_ids: tuple[int, ...] = ()

    def to_text(self) -> str:
        if self.invoice_ids:
            return "ids=" + ",".join(map(str, self.invoice_ids))
        return (self.query or InvoiceQuery()).to_query_string()

    @classmethod
    def from_text(cls, text: str) -> ExportSelection:
        """Read a selection back from a form field or a job row; bad ids are refused."""
        if text.startswith("ids="):
            raw = [part for part in text[4:].split(",") if part]
            if not raw:
                raise InvalidInput("Select at least one invoice to export.", "empty")
            if len(raw) > MAX_SELECTED_IDS or not all(p.isascii() and p.isdigit() and len(p) < 12 for p in raw):
                raise InvalidInput("The selection is not valid; select the invoices again.", "invalid_selection")
            return cls(invoice_ids=tuple(dict.fromkeys(int(part) for part in raw)))
        query = parse_invoice_query(parse_qs(text, keep_blank_values=False))
        if query.problems:
            raise InvalidInput(" ".join(query.problems), "invalid_selection")
        return cls(query=query)


def selection_conditions(db: Session, access: CustomerAccess, selection: ExportSelection, today: date) -> list:
    if selection.invoice_ids:
        return [*access.invoice_conditions(), col(Invoice.id).in_(selection.invoice_ids)]
    return invoice_filter_conditions(access, selection.query or InvoiceQuery(), today, db.get_bind().dialect.name)


def count_selection(db: Session, access: CustomerAccess, selection: ExportSelection, today: date) -> int:
    return db.exec(select(func.count()).select_from(Invoice).where(*selection_conditions(db, access, selection, today))).one()


def invoice_ids(db: Session, access: CustomerAccess, selection: ExportSelection, today: date) -> Iterator[int]:
    after = 0
    conditions = selection_conditions(db, access, selection, today)
    while True:
        ids = db.exec(select(col(Invoice.id)).where(*conditions, col(Invoice.id) > after).order_by(col(Invoice.id)).limit(BATCH)).all()
        if not ids:
            return
        yield from ids  # type: ignore[misc]
        after = ids[-1]  # type: ignore[assignment]


def invoice_batches(db: Session, access: CustomerAccess, selection: ExportSelection,
                     today: date) -> Iterator[list[tuple[Invoice, str]]]:
    """Invoices with their vendor name, ordered by issue date, a batch at a time."""
    conditions = selection_conditions(db, access, selection, today)
    after: tuple[date, int] = (date.min, 0)
    while True:
        rows = db.exec(
            select(Invoice, col(Vendor.name)).join(Vendor, col(Vendor.id) == col(Invoice.vendor_id)).where(
                *conditions, (col(Invoice.issue_date) > after[0]) | ((col(Invoice.issue_date) == after[0]) & (col(Invoice.id) > after[1])))
            .order_by(col(Invoice.issue_date), col(Invoice.id)).limit(BATCH)).all()
        if not rows:
            return
        yield list(rows)
        last = rows[-1][0]
        after = (last.issue_date, last.id)  # type: ignore[assignment]
        db.expunge_all()  # keep memory flat across batches


def job_access(db: Session, job: ExportJob, today: date) -> CustomerAccess:
    """The requester's access as of now: a user removed meanwhile gets nothing."""
    user = db.get(User, job.user_id)
    if user is None or user.customer_id != job.customer_id:
        raise NotFound("export owner not found")
    principal = Principal(user_id=user.id, session_id=0, session_hash="", email=user.email,  # type: ignore[arg-type]
                          display_name=user.display_name, role=user.role, customer_id=user.customer_id)
    return customer_access(db, principal, today)

