"""Which invoices an export holds: a list query or picked invoices from a form, fixed as the list of
their ids when the export is asked for, then read in batches within the requester's current access."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import parse_qs

from sqlmodel import Session, col, func, select

from data import ExportJob, Invoice, User, Vendor
from services.auth.permissions import CustomerAccess, customer_access
from services.errors import InvalidInput, NotFound
from services.invoices.list_query import InvoiceQuery, parse_invoice_query
from services.invoices.queries import invoice_filter_conditions
from services.invoices.status import STATUS_LABELS
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

    def covers(self, today: date) -> str:
        """What the export holds, in words: "invoices issued in 2025", "3 chosen invoices"."""
        if self.invoice_ids:
            count = len(self.invoice_ids)
            return f"{count} chosen invoice{'s' * (count != 1)}"
        query = self.query or InvoiceQuery()
        start, end = query.issue_date_range(today)
        words = ["invoices issued " + _span_words(start, end) if start or end else "all invoices"]
        if query.vendor_codes:
            words.append("vendor " + ", ".join(query.vendor_codes))
        if query.statuses:
            words.append(", ".join(STATUS_LABELS[status].lower() for status in query.statuses))
        if query.number:
            words.append(f"number {query.number}…")
        return " · ".join(words)

    def file_stem(self, today: date) -> str:
        """The export's file name without extension, named by what it covers: `invoices-2025`,
        `invoices-2026-Q4`, `invoices-2026-11`, `invoices-2026-01-01-to-2026-03-31`,
        `invoices-all`, `invoices-selected-3`; `-filtered` when vendors, statuses or a number
        narrow it further."""
        if self.invoice_ids:
            return f"invoices-selected-{len(self.invoice_ids)}"
        query = self.query or InvoiceQuery()
        start, end = query.issue_date_range(today)
        stem = "invoices-" + (_span_name(start, end) if start or end else "all")
        return stem + ("-filtered" if query.vendor_codes or query.statuses or query.number else "")

    @classmethod
    def from_text(cls, text: str, *, max_ids: int = MAX_SELECTED_IDS) -> ExportSelection:
        """Read a selection back from a form field or a job row (a job's ids may be up to its
        `invoice_count`, more than a form may pick); bad ids are refused."""
        if text.startswith("ids="):
            raw = [part for part in text[4:].split(",") if part]
            if not raw:
                raise InvalidInput("Select at least one invoice to export.", "empty")
            if len(raw) > max_ids or not all(p.isascii() and p.isdigit() and len(p) < 12 for p in raw):
                raise InvalidInput("The selection is not valid; select the invoices again.", "invalid_selection")
            return cls(invoice_ids=tuple(dict.fromkeys(int(part) for part in raw)))
        query = parse_invoice_query(parse_qs(text, keep_blank_values=False))
        if query.problems:
            raise InvalidInput(" ".join(query.problems), "invalid_selection")
        return cls(query=query)


def _whole_span(start: date | None, end: date | None) -> str | None:
    """'2025', '2026-Q4' or '2026-11' when the range is exactly that year, quarter or month."""
    if start is None or end is None or start.day != 1 or (end + timedelta(days=1)).day != 1:
        return None
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if months == 12 and start.month == 1:
        return str(start.year)
    if months == 3 and start.month % 3 == 1:
        return f"{start.year}-Q{start.month // 3 + 1}"
    if months == 1:
        return f"{start.year}-{start.month:02d}"
    return None


def _span_name(start: date | None, end: date | None) -> str:
    if whole := _whole_span(start, end):
        return whole
    return f"{start.isoformat() if start else 'start'}-to-{end.isoformat() if end else 'now'}"


def _span_words(start: date | None, end: date | None) -> str:
    if whole := _whole_span(start, end):
        return f"in {whole}"
    if start and end:
        return f"{start.isoformat()} to {end.isoformat()}"
    return f"from {start.isoformat()}" if start else f"until {end.isoformat()}"  # type: ignore[union-attr]


def selection_conditions(db: Session, access: CustomerAccess, selection: ExportSelection, today: date) -> list:
    if selection.invoice_ids:
        return [*access.invoice_conditions(), col(Invoice.id).in_(selection.invoice_ids)]
    return invoice_filter_conditions(access, selection.query or InvoiceQuery(), today, db.get_bind().dialect.name)


def count_selection(db: Session, access: CustomerAccess, selection: ExportSelection, today: date) -> int:
    return db.exec(select(func.count()).select_from(Invoice).where(*selection_conditions(db, access, selection, today))).one()


def invoice_ids(db: Session, access: CustomerAccess, selection: ExportSelection, today: date) -> list[int]:
    """The selection's invoices as of now, in an export's order (issue date, then id): what a job
    stores as its frozen selection (call after the size limit is checked)."""
    return list(db.exec(select(col(Invoice.id)).where(*selection_conditions(db, access, selection, today))
                        .order_by(col(Invoice.issue_date), col(Invoice.id))).all())  # type: ignore[arg-type]


def invoice_batches(db: Session, access: CustomerAccess, selection: ExportSelection,
                     today: date) -> Iterator[list[tuple[Invoice, str]]]:
    """Invoices with their vendor name, ordered by issue date, a batch at a time."""
    if selection.invoice_ids:
        yield from _batches_of_ids(db, access, selection.invoice_ids)
        return
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


def _batches_of_ids(db: Session, access: CustomerAccess, ids: tuple[int, ...]) -> Iterator[list[tuple[Invoice, str]]]:
    # A job's frozen ids come in export order (`invoice_ids`), so chunks in that order keep it; one
    # chunk at a time also keeps each query within the databases' limits on bound parameters.
    conditions = access.invoice_conditions()  # now: committing and expunging below detach `access`'s rows
    for start in range(0, len(ids), BATCH):
        rows = db.exec(
            select(Invoice, col(Vendor.name)).join(Vendor, col(Vendor.id) == col(Invoice.vendor_id)).where(
                *conditions, col(Invoice.id).in_(ids[start:start + BATCH]))
            .order_by(col(Invoice.issue_date), col(Invoice.id))).all()
        if rows:  # invoices the requester may no longer see are left out
            yield list(rows)
        db.expunge_all()  # keep memory flat across batches


def job_access(db: Session, job: ExportJob, today: date) -> CustomerAccess:
    """The requester's access as of now: a user removed meanwhile gets nothing."""
    user = db.get(User, job.user_id)
    if user is None or user.customer_id != job.customer_id:
        raise NotFound("export owner not found")
    principal = Principal(user_id=user.id, session_id=0, session_hash="", email=user.email,  # type: ignore[arg-type]
                          display_name=user.display_name, role=user.role, customer_id=user.customer_id)
    return customer_access(db, principal, today)

