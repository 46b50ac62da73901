"""How the ledger import is doing, for staff: per source the last success, the lag and the last
error, the events waiting in quarantine, and applied events staff should look at (overpayments)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlmodel import Session, col, func, select

from data import InboxStatus, LedgerCursor, LedgerInbox, utcnow
from services.auth.permissions import require_staff
from services.config.settings import Settings
from services.principal import Principal

# A polled source that has not succeeded for this long is called stale even without an error.
STALE_AFTER = timedelta(minutes=5)


class Health(str, Enum):
    HEALTHY = "healthy"
    STALE = "stale"
    FAILING = "failing"
    NEVER = "never synced"
    PUSH = "receiving pushes"


@dataclass(frozen=True)
class SourceHealth:
    name: str
    kind: str  # "http", "sql" or "push"
    health: Health
    last_success_at: datetime | None
    last_event_at: datetime | None
    lag: timedelta | None  # polled: time since the last successful poll; push: since the last event
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    events_applied: int
    quarantined: int


@dataclass(frozen=True)
class QuarantinedEvent:
    id: int
    source: str
    event_id: str
    event_type: str | None
    reason: str | None
    received_at: datetime
    payload_preview: str


@dataclass(frozen=True)
class FlaggedEvent:
    """An event that was applied but needs a person's eye: `note` says why."""

    source: str
    event_id: str
    event_type: str | None
    flag: str
    note: str | None
    received_at: datetime


def flagged_events(db: Session, actor: Principal, limit: int = 100) -> list[FlaggedEvent]:
    """Applied events with a flag (say, a payment above the amount due), newest first."""
    require_staff(actor)
    rows = db.exec(select(LedgerInbox).where(col(LedgerInbox.flag).is_not(None))
                   .order_by(col(LedgerInbox.received_at).desc(), col(LedgerInbox.id).desc()).limit(limit)).all()
    return [FlaggedEvent(row.source, row.event_id, row.event_type, row.flag or "", row.error, row.received_at)
            for row in rows]


def source_health(db: Session, actor: Principal, settings: Settings, now: datetime | None = None) -> list[SourceHealth]:
    """Every configured source plus any source that ever delivered (e.g. pushes), by name."""
    require_staff(actor)
    now = now or utcnow()
    cursors = {cursor.source: cursor for cursor in db.exec(select(LedgerCursor)).all()}
    waiting = dict(db.exec(select(col(LedgerInbox.source), func.count()).where(
        col(LedgerInbox.status) == InboxStatus.QUARANTINED).group_by(col(LedgerInbox.source))).all())
    kinds: dict[str, str] = {source.name: source.kind for source in settings.ledger_sources}
    kinds.setdefault(settings.ledger_push_source, "push")
    names = sorted(set(kinds) | set(cursors) | set(waiting))
    found = []
    for name in names:
        kind = kinds.get(name, "push")
        cursor = cursors.get(name) or LedgerCursor(source=name)
        if kind == "push":
            lag = now - cursor.last_event_at if cursor.last_event_at else None
            health = Health.PUSH if cursor.last_success_at else Health.NEVER
        else:
            lag = now - cursor.last_success_at if cursor.last_success_at else None
            health = (Health.FAILING if cursor.consecutive_failures else Health.NEVER if lag is None
                      else Health.STALE if lag > STALE_AFTER else Health.HEALTHY)
        found.append(SourceHealth(name, kind, health, cursor.last_success_at, cursor.last_event_at, lag,
                                  cursor.last_error, cursor.last_error_at, cursor.consecutive_failures,
                                  cursor.events_applied, waiting.get(name, 0)))
    return found


def quarantined_events(db: Session, actor: Principal, limit: int = 200) -> list[QuarantinedEvent]:
    """Events waiting in quarantine, newest first, with the reason each was refused."""
    require_staff(actor)
    rows = db.exec(select(LedgerInbox).where(col(LedgerInbox.status) == InboxStatus.QUARANTINED)
                   .order_by(col(LedgerInbox.received_at).desc(), col(LedgerInbox.id).desc()).limit(limit)).all()
    return [QuarantinedEvent(row.id, row.source, row.event_id, row.event_type, row.error, row.received_at,  # type: ignore[arg-type]
                             row.payload[:2000]) for row in rows]
