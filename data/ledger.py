"""Bookkeeping of the ledger import: where each source is, and every event received."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from data.base import metadata  # noqa: F401  (naming convention before any table)
from data.types import InboxStatus, UTCDateTime, enum_column, utcnow


class LedgerCursor(SQLModel, table=True):
    """How far one ledger source has been read, and how its last sync went."""

    __tablename__ = "ledger_cursor"

    source: str = Field(primary_key=True, max_length=64)
    cursor: str | None = Field(default=None, max_length=256)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_event_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=2000)
    last_error_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    consecutive_failures: int = 0
    events_applied: int = Field(default=0, sa_type=sa.BigInteger)


class LedgerInbox(SQLModel, table=True):
    """Every ledger event once (unique per source and event id); bad ones wait in quarantine."""

    __tablename__ = "ledger_inbox"
    __table_args__ = (
        sa.UniqueConstraint("source", "event_id"),
        sa.Index("ix_ledger_inbox_status_received", "status", "received_at"),
        sa.Index("ix_ledger_inbox_flag_received", "flag", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64)
    event_id: str = Field(max_length=128)
    event_type: str | None = Field(default=None, max_length=64)
    status: InboxStatus = Field(sa_type=enum_column(InboxStatus))
    payload: str = Field(sa_type=sa.Text)
    error: str | None = Field(default=None, max_length=2000)
    # Applied, but staff should look (an overpayment): shown in sync health with the note in `error`.
    flag: str | None = Field(default=None, max_length=32)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    applied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
