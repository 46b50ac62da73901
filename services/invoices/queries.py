"""Reading invoices as a customer user: the list, its summary, one invoice in full.

Every function starts from `customer_access`, so no query can reach another customer's rows,
and another customer's invoice answers exactly like a missing one (NotFound).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from data import Customer, Invoice, InvoiceLine, InvoiceStatus, Payment, PaymentStatus, Vendor
from data.types import OPEN_STATUSES
from services.audit.monitor import require_not_throttled
from services.audit.trail import record_audit
from services.audit.vocabulary import AuditAction, AuditOutcome
from services.auth.permissions import Capability, CustomerAccess, customer_access
from services.errors import NotFound
from services.invoices.list_query import InvoiceQuery, SortKey
from services.invoices.status import status_on
from services.principal import Principal

# Each ordering ends in the id, matching an index on (customer_id, …) so pages are read in order
# from the index instead of sorting all of a customer's invoices.
SORT_COLUMNS = {
    SortKey.NUMBER: (col(Invoice.number_key), col(Invoice.id)),
    SortKey.ISSUE_DATE: (col(Invoice.issue_date), col(Invoice.id)),
    SortKey.DUE_DATE: (col(Invoice.due_date), col(Invoice.id)),
    SortKey.AMOUNT: (col(Invoice.total_minor), col(Invoice.id)),
    SortKey.STATUS: (col(Invoice.status), col(Invoice.issue_date), col(Invoice.id)),
    SortKey.VENDOR: (col(Vendor.name), col(Invoice.issue_date), col(Invoice.id)),
    # what the row shows under "Still due": the unpaid rest of an open invoice, nothing otherwise
    SortKey.STILL_DUE: (sa.case((col(Invoice.status).in_(list(OPEN_STATUSES)),
                                 col(Invoice.total_minor) - col(Invoice.amount_paid_minor)), else_=0),
                        col(Invoice.due_date), col(Invoice.id)),
}


@dataclass(frozen=True)
class InvoiceRow:
    """One line of the invoice list."""

    id: int
    number: str
    vendor_name: str
    issue_date: date
    due_date: date
    currency: str
    total_minor: int
    paid_minor: int
    status: InvoiceStatus

    @property
    def due_minor(self) -> int:
        return max(self.total_minor - self.paid_minor, 0) if self.status in OPEN_STATUSES else 0


@dataclass(frozen=True)
class InvoicePage:
    rows: list[InvoiceRow]
    total: int
    page: int
    page_size: int

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class VendorOption:
    code: str
    name: str


def invoice_filter_conditions(access: CustomerAccess, query: InvoiceQuery, today: date, dialect: str
                              ) -> list[sa.ColumnElement[bool]]:
    """The visibility conditions plus the user's filters, as SQL for `dialect`."""
    conditions = access.invoice_conditions()
    date_from, date_to = query.issue_date_range(today)
    if date_from:
        conditions.append(col(Invoice.issue_date) >= date_from)
    if date_to:
        conditions.append(col(Invoice.issue_date) <= date_to)
    if query.vendor_codes:
        codes = [code for code in query.vendor_codes if "\x00" not in code]  # PostgreSQL refuses NUL; no code holds one
        conditions.append(col(Invoice.vendor_id).in_(select(col(Vendor.id)).where(col(Vendor.code).in_(codes)))
                          if codes else sa.false())
    if query.number and "\x00" in query.number:
        conditions.append(sa.false())  # no number holds a NUL byte, and PostgreSQL refuses one in a query
    elif query.number:
        key = query.number.lower()  # number_key is lower-cased: the search is case-insensitive
        if dialect == "sqlite":
            # A range on the binary-collated key uses the index; SQLite's LIKE would not.
            conditions.append(sa.and_(col(Invoice.number_key) >= key, col(Invoice.number_key) < key + "\U0010ffff"))
        else:
            # Collations (e.g. en_US) do not sort U+10FFFF last; LIKE 'key%' is exact everywhere.
            conditions.append(col(Invoice.number_key).startswith(key, autoescape=True))
    if query.statuses:
        conditions.append(sa.or_(*(status_condition(status, today) for status in query.statuses)))
    return conditions


def status_condition(status: InvoiceStatus, today: date) -> sa.ColumnElement[bool]:
    """SQL for "shown as `status` on the viewer's `today`" (see `status_on`), index-friendly."""
    is_open = col(Invoice.status).in_(list(OPEN_STATUSES))
    if status == InvoiceStatus.OVERDUE:
        return sa.and_(is_open, col(Invoice.due_date) < today)
    if status == InvoiceStatus.PARTIALLY_PAID:
        return sa.and_(is_open, col(Invoice.due_date) >= today, col(Invoice.amount_paid_minor) > 0)
    if status == InvoiceStatus.ISSUED:
        return sa.and_(is_open, col(Invoice.due_date) >= today, col(Invoice.amount_paid_minor) <= 0)
    return col(Invoice.status) == status


def _row_select():
    """The columns of an `InvoiceRow`, in its order (see `_invoice_row`)."""
    return (select(col(Invoice.id), col(Invoice.number), col(Vendor.name), col(Invoice.issue_date), col(Invoice.due_date), col(Invoice.currency),
                   col(Invoice.total_minor), col(Invoice.amount_paid_minor), col(Invoice.status))
            .join(Vendor, col(Vendor.id) == col(Invoice.vendor_id)))


def _invoice_row(row: sa.Row, today: date) -> InvoiceRow:
    invoice_id, number, vendor_name, issue_date, due_date, currency, total_minor, paid_minor, status = row
    return InvoiceRow(invoice_id, number, vendor_name, issue_date, due_date, currency, total_minor, paid_minor,
                      status_on(status, total_minor=total_minor, paid_minor=paid_minor, due_date=due_date, today=today))


def list_invoices(db: Session, principal: Principal, query: InvoiceQuery, today: date) -> InvoicePage:
    """One page of the user's invoices matching `query`, with the total count."""
    access = customer_access(db, principal, today)
    conditions = invoice_filter_conditions(access, query, today, db.get_bind().dialect.name)
    total = db.exec(select(func.count()).select_from(Invoice).where(*conditions)).one()
    columns = SORT_COLUMNS[query.sort]
    order = [column.desc() if query.descending else column.asc() for column in columns]
    page = min(query.page, max(1, -(-total // query.page_size)))
    statement = (
        _row_select()
        .where(*conditions).order_by(*order).offset((page - 1) * query.page_size).limit(query.page_size)
    )
    rows = [_invoice_row(row, today) for row in db.exec(statement).all()]
    return InvoicePage(rows=rows, total=total, page=page, page_size=query.page_size)


def invoice_rows(db: Session, principal: Principal, invoice_ids: set[int], today: date) -> list[InvoiceRow]:
    """The list rows of these invoices, as far as the user may see them (for live updates)."""
    if not invoice_ids:
        return []
    access = customer_access(db, principal, today)
    statement = (
        _row_select()
        .where(*access.invoice_conditions(), col(Invoice.id).in_(sorted(invoice_ids)))
    )
    return [_invoice_row(row, today) for row in db.exec(statement).all()]


def matching_invoices(db: Session, principal: Principal, query: InvoiceQuery, invoice_ids: set[int],
                      today: date) -> int:
    """How many of these invoices the user's list under `query` shows (live arrivals: only those
    the open list's filters would show are announced)."""
    if not invoice_ids:
        return 0
    access = customer_access(db, principal, today)
    conditions = invoice_filter_conditions(access, query, today, db.get_bind().dialect.name)
    return int(db.exec(select(func.count()).select_from(Invoice).where(
        *conditions, col(Invoice.id).in_(sorted(invoice_ids)))).one())


def vendor_options(db: Session, principal: Principal, today: date) -> list[VendorOption]:
    """Vendors that issued at least one invoice this user can see, for the vendor filter."""
    access = customer_access(db, principal, today)
    vendor_ids = select(col(Invoice.vendor_id)).where(*access.invoice_conditions()).distinct()
    rows = db.exec(select(col(Vendor.code), col(Vendor.name)).where(col(Vendor.id).in_(vendor_ids))
                   .order_by(col(Vendor.name))).all()
    return [VendorOption(code=code, name=name) for code, name in rows]


@dataclass(frozen=True)
class AccountSummary:
    """The dashboard cards; amounts per currency (never added across currencies)."""

    open_by_currency: dict[str, int]
    open_count: int
    overdue_by_currency: dict[str, int]
    overdue_count: int
    paid_this_year_by_currency: dict[str, int]


def account_summary(db: Session, principal: Principal, today: date) -> AccountSummary:
    """The dashboard cards on the viewer's `today`: open and overdue by currency, and what was paid
    since 1 January of their year, in their time zone."""
    access = customer_access(db, principal, today)
    visible = access.invoice_conditions()
    open_by: dict[str, int] = defaultdict(int)
    overdue_by: dict[str, int] = defaultdict(int)
    open_count = overdue_count = 0
    past_due = sa.case((col(Invoice.due_date) < today, True), else_=False)
    rows = db.exec(
        select(col(Invoice.currency), past_due, func.count(), func.sum(col(Invoice.total_minor) - col(Invoice.amount_paid_minor)))
        .where(*visible, col(Invoice.status).in_(list(OPEN_STATUSES)))
        .group_by(col(Invoice.currency), past_due)
    ).all()
    for currency, overdue, count, due in rows:
        open_by[currency] += int(due or 0)
        open_count += count
        if overdue:
            overdue_by[currency] += int(due or 0)
            overdue_count += count
    # The viewer's year: from midnight of 1 January in their time zone.
    year_start = datetime.combine(date(today.year, 1, 1), time(), tzinfo=ZoneInfo(principal.timezone))
    paid_rows = db.exec(
        select(col(Payment.currency), func.sum(col(Payment.amount_minor)))
        .join(Invoice, col(Invoice.id) == col(Payment.invoice_id))
        .where(*visible, col(Payment.status) == PaymentStatus.SUCCEEDED, col(Payment.received_at) >= year_start)
        .group_by(col(Payment.currency))
    ).all()
    return AccountSummary(
        open_by_currency=dict(open_by), open_count=open_count, overdue_by_currency=dict(overdue_by),
        overdue_count=overdue_count, paid_this_year_by_currency={cur: int(total or 0) for cur, total in paid_rows},
    )


@dataclass(frozen=True)
class LineView:
    position: int
    description: str
    quantity: Decimal
    unit: str
    unit_price_minor: int
    tax_rate: Decimal
    net_minor: int
    tax_minor: int
    total_minor: int


@dataclass(frozen=True)
class PaymentView:
    received_at: datetime
    method: str
    amount_minor: int
    status: PaymentStatus
    reference: str


@dataclass(frozen=True)
class PartyView:
    name: str
    address: str
    tax_id: str | None
    email: str | None


@dataclass(frozen=True)
class TimelineEntry:
    at: date
    label: str
    done: bool


@dataclass(frozen=True)
class TaxLine:
    rate: Decimal
    net_minor: int
    tax_minor: int


@dataclass(frozen=True)
class InvoiceDetail:
    """Everything the detail page and the PDF show about one invoice."""

    id: int
    number: str
    status: InvoiceStatus
    currency: str
    issue_date: date
    due_date: date
    terms: str
    notes: str
    vendor: PartyView
    customer: PartyView
    payment_instructions: str
    lines: list[LineView]
    tax_lines: list[TaxLine]
    payments: list[PaymentView]
    subtotal_minor: int
    tax_minor: int
    total_minor: int
    paid_minor: int
    timeline: list[TimelineEntry]
    version: int
    revision: int
    can_download_pdf: bool
    can_ask_support: bool

    @property
    def due_minor(self) -> int:
        return max(self.total_minor - self.paid_minor, 0) if self.status in OPEN_STATUSES else 0


def get_invoice_detail(db: Session, principal: Principal, invoice_id: int, today: date, *, secret_key: str,
                       audit_action: AuditAction | None = AuditAction.INVOICE_VIEW) -> InvoiceDetail:
    """One visible invoice in full, audited as viewed (unless `audit_action` is None: a live
    refresh of a page already open); NotFound when missing or not the user's."""
    access = customer_access(db, principal, today)
    invoice = visible_invoice(db, access, invoice_id)
    if audit_action is not None:
        require_not_throttled(db, principal)
        record_audit(db, secret_key, audit_action, AuditOutcome.SUCCESS, principal=principal, object_type="invoice",
                     object_id=invoice.id)
    return build_invoice_detail(db, invoice, today, can_download_pdf=access.can(Capability.DOWNLOAD_PDF),
                                can_ask_support=access.can(Capability.ASK_SUPPORT))


def visible_invoice(db: Session, access: CustomerAccess, invoice_id: int) -> Invoice:
    """The invoice if this user may see it; NotFound (the same for missing and foreign) otherwise."""
    invoice = db.exec(select(Invoice).where(col(Invoice.id) == invoice_id, *access.invoice_conditions())).first()
    if invoice is None:
        raise NotFound("This invoice does not exist or is not yours to see.")
    return invoice


def build_invoice_detail(db: Session, invoice: Invoice, today: date, *, can_download_pdf: bool = False,
                         can_ask_support: bool = False) -> InvoiceDetail:
    """Everything about one invoice, for the page or the PDF. No access check: callers do that."""
    vendor = db.get(Vendor, invoice.vendor_id)
    customer = db.get(Customer, invoice.customer_id)
    assert vendor is not None and customer is not None and invoice.id is not None
    lines = db.exec(select(InvoiceLine).where(col(InvoiceLine.invoice_id) == invoice.id).order_by(col(InvoiceLine.position))).all()
    payments = db.exec(select(Payment).where(col(Payment.invoice_id) == invoice.id).order_by(col(Payment.received_at))).all()
    return InvoiceDetail(
        id=invoice.id, number=invoice.number, currency=invoice.currency,
        status=status_on(invoice.status, total_minor=invoice.total_minor, paid_minor=invoice.amount_paid_minor,
                         due_date=invoice.due_date, today=today),
        issue_date=invoice.issue_date, due_date=invoice.due_date, terms=invoice.terms, notes=invoice.notes,
        vendor=PartyView(vendor.name, vendor.address, vendor.tax_id, vendor.email),
        customer=PartyView(customer.name, customer.address, customer.tax_id, customer.email),
        payment_instructions=vendor.payment_instructions,
        lines=[LineView(line.position, line.description, line.quantity, line.unit, line.unit_price_minor,
                        line.tax_rate, line.net_minor, line.tax_minor, line.total_minor) for line in lines],
        tax_lines=_tax_summary(lines),
        payments=[PaymentView(p.received_at, p.method.value.replace("_", " "), p.amount_minor, p.status, p.reference)
                  for p in payments],
        subtotal_minor=invoice.subtotal_minor, tax_minor=invoice.tax_minor, total_minor=invoice.total_minor,
        paid_minor=invoice.amount_paid_minor, timeline=_timeline(invoice, payments, today), version=invoice.version,
        revision=invoice.revision,
        can_download_pdf=can_download_pdf, can_ask_support=can_ask_support,
    )


def record_invoice_denial(db: Session, secret_key: str, principal: Principal, invoice_id: str | int,
                          action: AuditAction = AuditAction.INVOICE_VIEW, reason: str = "not_found") -> None:
    """Audit a refused invoice access (in its own unit of work: the refused read rolled back)."""
    record_audit(db, secret_key, action, AuditOutcome.DENIED, principal=principal, object_type="invoice",
                 object_id=str(invoice_id)[:12], reason=reason)


def _tax_summary(lines: Sequence[InvoiceLine]) -> list[TaxLine]:
    by_rate: dict[Decimal, list[int]] = defaultdict(lambda: [0, 0])
    for line in lines:
        by_rate[line.tax_rate][0] += line.net_minor
        by_rate[line.tax_rate][1] += line.tax_minor
    return [TaxLine(rate, net, tax) for rate, (net, tax) in sorted(by_rate.items())]


def _timeline(invoice: Invoice, payments: Sequence[Payment], today: date) -> list[TimelineEntry]:
    entries = [TimelineEntry(invoice.issue_date, "Issued", True)]
    for payment in payments:
        label = {PaymentStatus.SUCCEEDED: "Payment received", PaymentStatus.FAILED: "Payment failed",
                 PaymentStatus.REFUNDED: "Payment refunded", PaymentStatus.PENDING: "Payment pending"}[payment.status]
        entries.append(TimelineEntry(payment.received_at.date(), label, True))
    if invoice.status == InvoiceStatus.VOID:
        entries.append(TimelineEntry(invoice.updated_at.date(), "Voided", True))
    elif invoice.status in OPEN_STATUSES:
        entries.append(TimelineEntry(invoice.due_date, "Overdue since" if invoice.due_date < today else "Due",
                                     invoice.due_date < today))
    elif invoice.status == InvoiceStatus.PAID:
        paid_on = max((p.received_at.date() for p in payments if p.status == PaymentStatus.SUCCEEDED),
                      default=invoice.updated_at.date())
        entries.append(TimelineEntry(paid_on, "Paid in full", True))
    return sorted(entries, key=lambda entry: entry.at)
