"""How an invoice's status follows from its amounts, dates and ledger flags."""

from __future__ import annotations

from datetime import date

from data.types import OPEN_STATUSES, InvoiceStatus

STATUS_LABELS = {
    InvoiceStatus.DRAFT: "Draft", InvoiceStatus.ISSUED: "Open", InvoiceStatus.PARTIALLY_PAID: "Partially paid",
    InvoiceStatus.PAID: "Paid", InvoiceStatus.OVERDUE: "Overdue", InvoiceStatus.VOID: "Void",
    InvoiceStatus.REFUNDED: "Refunded",
}


def derive_status(
    *, total_minor: int, paid_minor: int, due_date: date, today: date, voided: bool = False, refunded: bool = False
) -> InvoiceStatus:
    """The status a customer should see; overdue means unpaid after the due date."""
    if voided:
        return InvoiceStatus.VOID
    if refunded:
        return InvoiceStatus.REFUNDED
    if paid_minor >= total_minor:
        return InvoiceStatus.PAID
    if due_date < today:
        return InvoiceStatus.OVERDUE
    if paid_minor > 0:
        return InvoiceStatus.PARTIALLY_PAID
    return InvoiceStatus.ISSUED


def status_on(status: InvoiceStatus, *, total_minor: int, paid_minor: int, due_date: date, today: date
              ) -> InvoiceStatus:
    """The status as seen on the viewer's `today`: the stored one follows the UTC date (the
    background job marks overdue at UTC midnight), but a person's calendar decides when a due date
    has passed, up to 14 hours earlier or 11 hours later."""
    if status not in OPEN_STATUSES:
        return status
    return derive_status(total_minor=total_minor, paid_minor=paid_minor, due_date=due_date, today=today)
