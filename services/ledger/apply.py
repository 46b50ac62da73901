"""Apply ledger events exactly once.

Each event is recorded in the inbox under (source, event_id); a second delivery finds it there
and changes nothing. Invoices are upserted by (source, external id) and a version not newer
than the stored one is ignored. An event that does not validate, or that the data refuses,
goes to quarantine with the reason while the rest of the batch proceeds (each event runs in a
savepoint). The source's cursor moves in the same transaction as the rows, so a crash
anywhere leaves either all of a batch or none of it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from pydantic import ValidationError
from sqlmodel import Session, col, func, select

from data import (
    Customer,
    InboxStatus,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LedgerCursor,
    LedgerInbox,
    Payment,
    PaymentStatus,
    Vendor,
    utcnow,
)
from data.db import begin_write
from services.errors import InvalidInput
from services.invoices.status import derive_status
from services.ledger.schema import PAYMENT_STATUS_FOR, EventType, InvoiceIn, LedgerEvent
from services.money import format_money, line_amounts, to_minor

MAX_PAYLOAD_CHARS = 1_000_000


class Rejected(Exception):
    """The event is well-formed but cannot be applied (unknown customer, currency mismatch …)."""


@dataclass(frozen=True)
class Change:
    """What an applied event changed, for the work after commit (PDF, notifications, live push)."""

    invoice_id: int
    customer_id: int
    number: str
    kind: str  # "new_invoice", "invoice_updated" or "payment"
    old_status: InvoiceStatus | None
    new_status: InvoiceStatus
    payment_status: PaymentStatus | None = None


@dataclass
class BatchResult:
    applied: int = 0
    duplicates: int = 0
    older_ignored: int = 0
    quarantined: int = 0
    changes: list[Change] = field(default_factory=list)


def _event_key(raw: object) -> tuple[str, str | None, str]:
    """(event id, type, payload text); events without a usable id get one from their content."""
    try:
        text = json.dumps(raw, sort_keys=True, ensure_ascii=False, allow_nan=True, default=str)
    except (TypeError, ValueError):
        text = repr(raw)
    event_id = raw.get("event_id") if isinstance(raw, dict) else None
    event_type = raw.get("type") if isinstance(raw, dict) else None
    if not isinstance(event_id, str) or not event_id.strip() or len(event_id) > 128:
        event_id = "invalid-" + hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:48]
    return event_id.strip(), event_type if isinstance(event_type, str) else None, text


def _validation_summary(error: ValidationError) -> str:
    parts = [f"{'.'.join(map(str, item['loc'])) or 'event'}: {item['msg']}" for item in error.errors()[:8]]
    return "; ".join(parts)[:2000]


def apply_batch(db: Session, source: str, raw_events: list[object], *, today: date,
                next_cursor: str | None = None) -> BatchResult:
    """Apply a batch in `db`'s transaction (the caller commits) and move the source's cursor."""
    begin_write(db)  # savepoints below must nest inside one transaction
    result = BatchResult()
    lookups = _Lookups(db)
    for raw in raw_events:
        event_id, event_type, text = _event_key(raw)
        if db.exec(select(col(LedgerInbox.id)).where(col(LedgerInbox.source) == source, col(LedgerInbox.event_id) == event_id)).first():
            result.duplicates += 1
            continue

        def inbox_row(event_type_: str, note: str | None, flag: str | None, event_id: str = event_id,
                      text: str = text) -> LedgerInbox:
            return LedgerInbox(source=source, event_id=event_id, event_type=event_type_, status=InboxStatus.APPLIED,
                               payload=text, applied_at=utcnow(), error=note, flag=flag)

        outcome = _try_apply(db, source, raw, text, today, lookups, inbox_row)
        if outcome.reason is not None:
            _quarantine(db, source, event_id, outcome.event_type or event_type, text[:MAX_PAYLOAD_CHARS], outcome.reason)
            result.quarantined += 1
            continue
        result.applied += 1
        result.older_ignored += outcome.older
        if outcome.change is not None:
            result.changes.append(outcome.change)
    _advance_cursor(db, source, result, next_cursor)
    return result


OVERPAYMENT_FLAG = "overpayment"


@dataclass(frozen=True)
class _Outcome:
    change: Change | None = None
    older: bool = False
    event_type: str | None = None
    reason: str | None = None  # set: the event belongs in quarantine, and this is why


def _try_apply(db: Session, source: str, raw: object, text: str, today: date, lookups: _Lookups,
               inbox_row: Callable[[str, str | None, str | None], LedgerInbox]) -> _Outcome:
    """Validate and apply one event in a savepoint together with its inbox row (from `inbox_row`,
    given the event type, a note and a flag for staff); a refusal rolls the savepoint back and says why."""
    if len(text) > MAX_PAYLOAD_CHARS:
        return _Outcome(reason="the event is larger than 1 MB")
    try:
        event = LedgerEvent.model_validate(raw)
    except ValidationError as error:
        return _Outcome(reason=_validation_summary(error))
    event_type = event.type.value
    try:
        with db.begin_nested():
            change, older, overpaid = _apply_event(db, source, event, today, lookups)
            note = "older version ignored" if older else overpaid
            db.add(inbox_row(event_type, note, OVERPAYMENT_FLAG if overpaid else None))
            db.flush()
    except (Rejected, InvalidInput) as error:
        return _Outcome(event_type=event_type, reason=str(error))
    except (sa.exc.IntegrityError, sa.exc.DataError) as error:
        return _Outcome(event_type=event_type, reason=f"refused by the database ({type(error.orig).__name__})")
    except OverflowError:  # a number the schema's bounds should have caught, too large for the database
        return _Outcome(event_type=event_type, reason="a number is too large to store")
    return _Outcome(change, older, event_type)


def replay_quarantined(db: Session, row: LedgerInbox, today: date) -> tuple[Change | None, str | None]:
    """Try a quarantined event again (say, after its customer was created): on success the inbox
    row becomes `replayed`; otherwise it stays in quarantine with the new reason. Returns the
    change (for the work after commit) and the reason it still fails, if it does."""
    begin_write(db)
    try:
        raw = json.loads(row.payload)
    except ValueError:
        return None, row.error or "the stored payload is not JSON"

    def mark_replayed(event_type: str, note: str | None, flag: str | None) -> LedgerInbox:
        row.status, row.event_type, row.applied_at, row.error = InboxStatus.REPLAYED, event_type, utcnow(), note
        row.flag = flag
        return row

    outcome = _try_apply(db, row.source, raw, row.payload, today, _Lookups(db), mark_replayed)
    if outcome.reason is not None:
        db.refresh(row)  # the savepoint's rollback may have left the object half-changed
        row.error = outcome.reason[:2000]
        db.add(row)
        db.flush()
    return outcome.change, outcome.reason


def _quarantine(db: Session, source: str, event_id: str, event_type: str | None, payload: str, reason: str) -> None:
    db.add(LedgerInbox(source=source, event_id=event_id, event_type=(event_type or "")[:64] or None,
                       status=InboxStatus.QUARANTINED, payload=payload, error=reason[:2000]))
    db.flush()


def _advance_cursor(db: Session, source: str, result: BatchResult, next_cursor: str | None) -> None:
    cursor = db.get(LedgerCursor, source) or LedgerCursor(source=source)
    now = utcnow()
    if next_cursor is not None:
        cursor.cursor = next_cursor
    cursor.last_attempt_at = now
    cursor.last_success_at = now
    if result.applied:
        cursor.last_event_at = now
    cursor.events_applied += result.applied
    cursor.consecutive_failures = 0
    db.add(cursor)
    db.flush()


class _Lookups:
    """Customer and vendor ids by reference, read once per batch."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self.customers: dict[str, int | None] = {}
        self.vendors: dict[str, int | None] = {}

    def customer_id(self, ref: str) -> int | None:
        if ref not in self.customers:
            self.customers[ref] = self.db.exec(select(col(Customer.id)).where(col(Customer.ref) == ref)).first()
        return self.customers[ref]

    def vendor_id(self, code: str) -> int | None:
        if code not in self.vendors:
            self.vendors[code] = self.db.exec(select(col(Vendor.id)).where(col(Vendor.code) == code)).first()
        return self.vendors[code]


def _apply_event(db: Session, source: str, event: LedgerEvent, today: date,
                 lookups: _Lookups | None = None) -> tuple[Change | None, bool, str | None]:
    """The event's effect: (change, older version ignored, what staff should know of an overpayment)."""
    if event.type in (EventType.INVOICE_ISSUED, EventType.INVOICE_UPDATED):
        assert event.invoice is not None
        return *_upsert_invoice(db, source, event.invoice, today, lookups or _Lookups(db)), None
    if event.type == EventType.INVOICE_VOIDED:
        assert event.invoice is not None
        return *_void_invoice(db, source, event.invoice, today), None
    assert event.payment is not None
    change, overpaid = _apply_payment(db, source, event, today)
    return change, False, overpaid


def _find_invoice(db: Session, source: str, external_id: str) -> Invoice | None:
    return db.exec(select(Invoice).where(col(Invoice.source) == source, col(Invoice.external_id) == external_id)).first()


def _upsert_invoice(db: Session, source: str, data: InvoiceIn, today: date,
                    lookups: _Lookups) -> tuple[Change | None, bool]:
    existing = _find_invoice(db, source, data.external_id)
    if existing is not None and existing.version >= data.version:
        return None, True
    customer_id = lookups.customer_id(data.customer_ref)
    if customer_id is None:
        raise Rejected(f"no customer with reference {data.customer_ref!r}")
    if existing is not None and existing.customer_id != customer_id:
        # Another customer's people would see it, and its own would lose it: a ledger mistake to fix
        # there (void it and issue a new invoice), never to apply silently.
        raise Rejected(f"an update cannot move invoice {data.external_id!r} to another customer "
                       f"({data.customer_ref!r})")
    vendor_id = lookups.vendor_id(data.vendor_code)
    if vendor_id is None:
        raise Rejected(f"no vendor with code {data.vendor_code!r}")
    lines = []
    for position, line in enumerate(data.lines, start=1):
        net, tax, total = line_amounts(line.quantity, to_minor(line.unit_price, data.currency), line.tax_rate)
        lines.append(InvoiceLine(position=position, description=line.description, quantity=line.quantity,
                                 unit=line.unit, unit_price_minor=to_minor(line.unit_price, data.currency),
                                 tax_rate=line.tax_rate, net_minor=net, tax_minor=tax, total_minor=total, invoice_id=0))
    subtotal = sum(line.net_minor for line in lines)
    tax_total = sum(line.tax_minor for line in lines)
    now = utcnow()
    old_status = existing.status if existing else None
    if existing is None:
        invoice = Invoice(source=source, external_id=data.external_id, created_at=now, amount_paid_minor=0,
                          status=InvoiceStatus.ISSUED, revision=1, number=data.number, number_key=data.number.lower(),
                          vendor_id=vendor_id, customer_id=customer_id, issue_date=data.issue_date,
                          due_date=data.due_date, currency=data.currency, subtotal_minor=subtotal, tax_minor=tax_total,
                          total_minor=subtotal + tax_total, version=data.version)
    else:
        invoice = existing
        if invoice.currency != data.currency and _paid(db, invoice) > 0:
            raise Rejected("the currency of an invoice with payments cannot change")
        db.execute(sa.delete(InvoiceLine).where(col(InvoiceLine.invoice_id) == invoice.id))
        invoice.revision += 1
    invoice.number, invoice.number_key = data.number, data.number.lower()
    invoice.vendor_id, invoice.customer_id = vendor_id, customer_id
    invoice.issue_date, invoice.due_date, invoice.currency = data.issue_date, data.due_date, data.currency
    invoice.terms, invoice.notes, invoice.version, invoice.updated_at = data.terms, data.notes, data.version, now
    invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor = subtotal, tax_total, subtotal + tax_total
    if invoice.status != InvoiceStatus.VOID:
        invoice.status = _status(db, invoice, today)
    db.add(invoice)
    db.flush()
    assert invoice.id is not None  # flushed
    for stored_line in lines:
        stored_line.invoice_id = invoice.id
        db.add(stored_line)
    db.flush()
    assert invoice.id is not None
    return Change(invoice.id, customer_id, invoice.number, "new_invoice" if existing is None else "invoice_updated",
                  old_status, invoice.status), False


def _void_invoice(db: Session, source: str, data: InvoiceIn, today: date) -> tuple[Change | None, bool]:
    invoice = _find_invoice(db, source, data.external_id)
    if invoice is None:
        raise Rejected(f"no invoice {data.external_id!r} from {source!r} to void")
    if invoice.version > data.version:
        return None, True
    if invoice.version == data.version:
        raise Rejected(f"a void must raise the version (the invoice is at version {invoice.version})")
    old_status = invoice.status
    invoice.status = InvoiceStatus.VOID
    invoice.version = data.version
    invoice.revision += 1
    invoice.updated_at = utcnow()
    db.add(invoice)
    db.flush()
    assert invoice.id is not None
    return Change(invoice.id, invoice.customer_id, invoice.number, "invoice_updated", old_status, invoice.status), False


def _paid(db: Session, invoice: Invoice) -> int:
    return int(db.exec(select(func.coalesce(func.sum(col(Payment.amount_minor)), 0)).where(
        col(Payment.invoice_id) == invoice.id, col(Payment.status) == PaymentStatus.SUCCEEDED)).one())


def _status(db: Session, invoice: Invoice, today: date) -> InvoiceStatus:
    paid = _paid(db, invoice) if invoice.id is not None else 0
    refunded = invoice.id is not None and paid == 0 and db.exec(select(col(Payment.id)).where(
        col(Payment.invoice_id) == invoice.id, col(Payment.status) == PaymentStatus.REFUNDED)).first() is not None
    invoice.amount_paid_minor = paid
    return derive_status(total_minor=invoice.total_minor, paid_minor=paid, due_date=invoice.due_date, today=today,
                         refunded=refunded)


def _apply_payment(db: Session, source: str, event: LedgerEvent, today: date) -> tuple[Change, str | None]:
    """The payment's change, and a note for staff when the invoice is now paid more than its total."""
    data = event.payment
    assert data is not None
    invoice = _find_invoice(db, source, data.invoice_external_id)
    if invoice is None:
        raise Rejected(f"no invoice {data.invoice_external_id!r} from {source!r} for this payment")
    if data.currency != invoice.currency:
        raise Rejected(f"payment in {data.currency} for an invoice in {invoice.currency}")
    if invoice.status == InvoiceStatus.VOID:
        raise Rejected("payment for a void invoice")
    status = PAYMENT_STATUS_FOR[event.type]
    payment = db.exec(select(Payment).where(col(Payment.source) == source, col(Payment.external_id) == data.external_id)).first()
    if payment is None:
        payment = Payment(source=source, external_id=data.external_id, invoice_id=invoice.id,  # type: ignore[arg-type]
                          amount_minor=0, currency=data.currency, method=data.method, status=status,
                          received_at=data.received_at)
    elif payment.invoice_id != invoice.id:
        raise Rejected("this payment already belongs to another invoice")
    payment.amount_minor = to_minor(data.amount, data.currency)
    payment.method, payment.status, payment.reference = data.method, status, data.reference
    payment.received_at = data.received_at
    db.add(payment)
    db.flush()
    old_status = invoice.status
    invoice.status = _status(db, invoice, today)
    invoice.revision += 1
    invoice.updated_at = utcnow()
    db.add(invoice)
    db.flush()
    assert invoice.id is not None
    overpaid = None
    if invoice.amount_paid_minor > invoice.total_minor:
        overpaid = (f"overpaid: {format_money(invoice.amount_paid_minor, invoice.currency)} received for a total "
                    f"of {format_money(invoice.total_minor, invoice.currency)}")
    return Change(invoice.id, invoice.customer_id, invoice.number, "payment", old_status, invoice.status, status), overpaid


def record_source_failure(db: Session, source: str, error: str) -> LedgerCursor:
    """Note a failed poll (the cursor stays where it was); returns the cursor row."""
    cursor = db.get(LedgerCursor, source) or LedgerCursor(source=source)
    now = utcnow()
    cursor.last_attempt_at = now
    cursor.last_error = error[:2000]
    cursor.last_error_at = now
    cursor.consecutive_failures += 1
    db.add(cursor)
    db.flush()
    return cursor


def mark_overdue(db: Session, today: date) -> list[Change]:
    """Invoices whose due date passed become overdue (a daily job); returns the changes."""
    rows = db.exec(select(Invoice).where(col(Invoice.status).in_([InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID]),
                                         col(Invoice.due_date) < today)).all()
    changes = []
    for invoice in rows:
        old = invoice.status
        invoice.status = InvoiceStatus.OVERDUE
        invoice.revision += 1
        db.add(invoice)
        changes.append(Change(invoice.id, invoice.customer_id, invoice.number, "invoice_updated", old,  # type: ignore[arg-type]
                              InvoiceStatus.OVERDUE))
    db.flush()
    return changes
