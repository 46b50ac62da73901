"""What happened and who should hear of it: the audit chain and notifications."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from data.base import metadata  # noqa: F401  (naming convention before any table)
from data.types import NotificationKind, UTCDateTime, enum_column, utcnow


class AuditEvent(SQLModel, table=True):
    """One append-only audit row; `row_hash` chains it to the row before (HMAC)."""

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_customer_time", "customer_id", "occurred_at"),
        sa.Index("ix_audit_event_user_time", "user_id", "occurred_at"),
        sa.Index("ix_audit_event_action_time", "action", "occurred_at"),
        sa.Index("ix_audit_event_object", "object_type", "object_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(sa_type=sa.BigInteger, unique=True, description="position in the hash chain")
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    user_id: int | None = Field(default=None, foreign_key="user_account.id")
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    session_hash: str | None = Field(default=None, max_length=64)
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=512)
    action: str = Field(max_length=64)
    object_type: str | None = Field(default=None, max_length=32)
    object_id: str | None = Field(default=None, max_length=64)
    outcome: str = Field(max_length=16, description="success, failure or denied")
    reason: str | None = Field(default=None, max_length=500)
    details: str | None = Field(default=None, max_length=4000, description="canonical JSON")
    prev_hash: str = Field(max_length=64)
    row_hash: str = Field(max_length=64, unique=True)


class AuditChainHead(SQLModel, table=True):
    """The chain's newest link (one row). Updating it serializes appends; comparing it with the
    newest audit row reveals rows cut off the end."""

    __tablename__ = "audit_chain_head"

    id: int = Field(default=1, primary_key=True)
    last_seq: int = Field(default=0, sa_type=sa.BigInteger)
    last_hash: str = Field(default="0" * 64, max_length=64)


class NotificationPreference(SQLModel, table=True):
    """How one user wants to hear of one kind of event."""

    __tablename__ = "notification_preference"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    kind: NotificationKind = Field(sa_type=enum_column(NotificationKind))
    in_app: bool = True
    email: bool = False


class Notification(SQLModel, table=True):
    """An alert for one user: shown in the bell, optionally e-mailed."""

    __tablename__ = "notification"
    __table_args__ = (
        sa.Index("ix_notification_user_unread", "user_id", "read_at", "created_at"),
        sa.Index("ix_notification_email_due", "email_due", "email_sent_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    kind: NotificationKind = Field(sa_type=enum_column(NotificationKind))
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id", ondelete="CASCADE")
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=1000)
    in_app: bool = True
    email_due: bool = False
    email_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    email_attempts: int = 0
    email_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AccessAlert(SQLModel, table=True):
    """Unusual activity the access monitor noticed; while `throttled_until` lies ahead and nobody
    resolved the alert, the user cannot open, download or export invoices."""

    __tablename__ = "access_alert"
    __table_args__ = (sa.Index("ix_access_alert_user_throttle", "user_id", "throttled_until"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    kind: str = Field(max_length=32, description="rapid_access, many_ips or repeated_denials")
    detail: str = Field(max_length=500)
    raised_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    throttled_until: datetime = Field(sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
