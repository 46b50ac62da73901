"""Column types shared by the tables: UTC-aware timestamps and string-backed enums."""

from __future__ import annotations

import enum
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite has no time zones, so values are stored as naive UTC there and made aware again on
    the way out; PostgreSQL stores `timestamptz`. Naive datetimes are refused on the way in:
    they are a bug waiting to show the wrong hour to somebody.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware UTC datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


def enum_column(enum_type: type[enum.Enum], length: int = 24) -> sa.Enum:
    """A VARCHAR column holding the enum's values, with a CHECK constraint on both databases."""
    return sa.Enum(
        enum_type,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        name=enum_type.__name__.lower(),
        validate_strings=True,
    )


class Role(str, enum.Enum):
    """What a user may do. Customer roles belong to one customer; staff roles to none."""

    OWNER = "owner"
    ACCOUNTANT = "accountant"
    VIEWER = "viewer"
    ADMIN = "admin"
    SUPPORT = "support"

    @property
    def is_staff(self) -> bool:
        return self in STAFF_ROLES


STAFF_ROLES = frozenset({Role.ADMIN, Role.SUPPORT})


class InvoiceStatus(str, enum.Enum):
    """Life cycle of an invoice. Drafts never reach customers; overdue follows from the due date."""

    DRAFT = "draft"
    ISSUED = "issued"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    VOID = "void"
    REFUNDED = "refunded"


# Unpaid and still owed: what the open balance, overdue and unpaid-always-visible rules count.
OPEN_STATUSES = frozenset({InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.OVERDUE})


class PaymentStatus(str, enum.Enum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUNDED = "refunded"


class PaymentMethod(str, enum.Enum):
    BANK_TRANSFER = "bank_transfer"
    CARD = "card"
    DIRECT_DEBIT = "direct_debit"
    CHECK = "check"
    OTHER = "other"


class NotificationKind(str, enum.Enum):
    NEW_INVOICE = "new_invoice"
    PAYMENT_STATUS = "payment_status"
    EXPORT_READY = "export_ready"


class ExportStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"
    EXPIRED = "expired"


class InboxStatus(str, enum.Enum):
    APPLIED = "applied"
    QUARANTINED = "quarantined"
    REPLAYED = "replayed"


class SupportStatus(str, enum.Enum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"
