"""What customers come for: vendors, invoices, their lines, payments, PDFs and questions.

Money is stored as integer minor units (cents) next to the ISO currency code; never float.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from data.base import metadata  # noqa: F401  (naming convention before any table)
from data.types import (
    ExportStatus,
    InvoiceStatus,
    PaymentMethod,
    PaymentStatus,
    SupportStatus,
    UTCDateTime,
    enum_column,
    utcnow,
)

DEFAULT_SOURCE = "default"


class Vendor(SQLModel, table=True):
    """The issuing business unit named on an invoice."""

    __tablename__ = "vendor"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    address: str = Field(default="", max_length=1000)
    country: str | None = Field(default=None, max_length=2)
    tax_id: str | None = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=320)
    payment_instructions: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Invoice(SQLModel, table=True):
    """An issued invoice as the ledger last described it (highest version wins)."""

    __tablename__ = "invoice"
    __table_args__ = (
        sa.UniqueConstraint("source", "external_id"),
        sa.UniqueConstraint("vendor_id", "number"),
        # The dashboard's access paths: every query starts with the customer.
        sa.Index("ix_invoice_customer_issue_date", "customer_id", "issue_date", "id"),
        sa.Index("ix_invoice_customer_number", "customer_id", "number_key"),
        sa.Index("ix_invoice_customer_vendor_date", "customer_id", "vendor_id", "issue_date"),
        sa.Index("ix_invoice_customer_status", "customer_id", "status", "issue_date"),
        sa.Index("ix_invoice_customer_due_date", "customer_id", "due_date"),
        sa.Index("ix_invoice_customer_amount", "customer_id", "total_minor"),
        sa.CheckConstraint("total_minor = subtotal_minor + tax_minor", name="total_is_sum"),
        sa.CheckConstraint("subtotal_minor >= 0 AND tax_minor >= 0", name="amounts_not_negative"),
        sa.CheckConstraint("amount_paid_minor >= 0", name="paid_not_negative"),
        sa.CheckConstraint("due_date >= issue_date", name="due_after_issue"),
        sa.CheckConstraint("length(currency) = 3", name="currency_iso"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(default=DEFAULT_SOURCE, max_length=64)
    external_id: str = Field(max_length=128)
    number: str = Field(max_length=64)
    number_key: str = Field(max_length=64, description="lower-cased number for prefix search")
    vendor_id: int = Field(foreign_key="vendor.id")
    customer_id: int = Field(foreign_key="customer.id")
    issue_date: date
    due_date: date
    currency: str = Field(max_length=3)
    subtotal_minor: int = Field(sa_type=sa.BigInteger)
    tax_minor: int = Field(sa_type=sa.BigInteger)
    total_minor: int = Field(sa_type=sa.BigInteger)
    amount_paid_minor: int = Field(default=0, sa_type=sa.BigInteger)
    status: InvoiceStatus = Field(sa_type=enum_column(InvoiceStatus))
    terms: str = Field(default="", max_length=500)
    notes: str = Field(default="", max_length=2000)
    version: int = Field(default=1, description="the ledger's version; a higher one replaces the invoice")
    revision: int = Field(default=1, sa_column_kwargs={"server_default": "1"},
                          description="ours: +1 on every change (new version, payment); each has its own PDF")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InvoiceLine(SQLModel, table=True):
    """One line item. Amounts in the invoice's currency, minor units."""

    __tablename__ = "invoice_line"
    __table_args__ = (
        sa.UniqueConstraint("invoice_id", "position"),
        sa.CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        sa.CheckConstraint("tax_rate >= 0 AND tax_rate <= 100", name="tax_rate_percent"),
        sa.CheckConstraint("total_minor = net_minor + tax_minor", name="total_is_sum"),
    )

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", ondelete="CASCADE")
    position: int
    description: str = Field(max_length=1000)
    quantity: Decimal = Field(max_digits=14, decimal_places=3)
    unit: str = Field(default="", max_length=16)
    unit_price_minor: int = Field(sa_type=sa.BigInteger)
    tax_rate: Decimal = Field(max_digits=6, decimal_places=3, description="percent")
    net_minor: int = Field(sa_type=sa.BigInteger)
    tax_minor: int = Field(sa_type=sa.BigInteger)
    total_minor: int = Field(sa_type=sa.BigInteger)


class Payment(SQLModel, table=True):
    """A payment (or its failure or refund) recorded against one invoice."""

    __tablename__ = "payment"
    __table_args__ = (
        sa.UniqueConstraint("source", "external_id"),
        sa.Index("ix_payment_invoice_received", "invoice_id", "received_at"),
        sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(default=DEFAULT_SOURCE, max_length=64)
    external_id: str = Field(max_length=128)
    invoice_id: int = Field(foreign_key="invoice.id", ondelete="CASCADE")
    amount_minor: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    method: PaymentMethod = Field(sa_type=enum_column(PaymentMethod))
    status: PaymentStatus = Field(sa_type=enum_column(PaymentStatus))
    reference: str = Field(default="", max_length=200)
    received_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Document(SQLModel, table=True):
    """The rendered PDF of one invoice revision, with its SHA-256 for proof of authenticity."""

    __tablename__ = "document"
    __table_args__ = (sa.UniqueConstraint("invoice_id", "revision"),)

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", ondelete="CASCADE")
    revision: int
    sha256: str = Field(max_length=64, index=True)
    size_bytes: int
    content: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SupportRequest(SQLModel, table=True):
    """A customer's question, usually about one invoice: the ticket the portal should make rarer."""

    __tablename__ = "support_request"
    __table_args__ = (sa.Index("ix_support_request_customer_created", "customer_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    user_id: int | None = Field(default=None, foreign_key="user_account.id")
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id")
    subject: str = Field(max_length=200)
    message: str = Field(max_length=5000)
    status: SupportStatus = Field(default=SupportStatus.OPEN, sa_type=enum_column(SupportStatus))
    channel: str = Field(default="portal", max_length=16, description="portal, email or phone")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ExportJob(SQLModel, table=True):
    """One archive or CSV a user asked for: streamed at once, or built in the background."""

    __tablename__ = "export_job"
    __table_args__ = (
        sa.Index("ix_export_job_user_created", "user_id", "created_at"),
        sa.Index("ix_export_job_status", "status"),
        sa.CheckConstraint("progress >= 0 AND progress <= invoice_count", name="progress_in_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=64, unique=True, description="random; the download link's name")
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    customer_id: int = Field(foreign_key="customer.id")
    kind: str = Field(max_length=8, description="zip or csv")
    background: bool = False
    selection: str = Field(sa_type=sa.Text, description="the invoice ids fixed when it was asked for: ids=1,2,3 "
                                                        "(jobs from before 0012 may hold a list query)")
    invoice_count: int = 0
    progress: int = 0
    status: ExportStatus = Field(sa_type=enum_column(ExportStatus))
    file_name: str = Field(default="", max_length=200)
    covers: str = Field(default="", max_length=500, description="what was asked for, in words")
    size_bytes: int | None = Field(default=None, sa_type=sa.BigInteger)
    error: str | None = Field(default=None, max_length=500)
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"},
                          description="background builds started; a job that keeps killing its process stops")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
