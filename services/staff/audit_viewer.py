"""Staff reading of the audit trail: filtered pages, CSV export, and the chain check.

Reading the trail is itself audited (who looked for what), through the same append-only chain.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from data import AuditEvent, Customer, User
from services.audit.checkpoints import TrailVerdict, verify_trail
from services.audit.trail import record_audit
from services.audit.vocabulary import AuditAction, AuditOutcome
from services.auth.permissions import require_staff
from services.config.runtime import Runtime
from services.csv_text import csv_document
from services.errors import InvalidInput
from services.principal import Principal
from services.url_params import ParamReader

PAGE_SIZE = 50
CSV_MAX_ROWS = 100_000
CSV_HEADER = ("seq", "occurred_at_utc", "user_id", "user_email", "customer_id", "customer", "action", "outcome",
              "object_type", "object_id", "reason", "ip", "user_agent", "session_hash", "details", "row_hash")


@dataclass(frozen=True)
class AuditFilter:
    """What the staff member looks for; every field optional. Dates are whole days in `timezone`."""

    user: str = ""  # e-mail (or part of it)
    customer_id: int | None = None
    action: str = ""  # exact, or a prefix ending in "." such as "admin."
    outcome: str = ""
    date_from: date | None = None
    date_to: date | None = None
    timezone: str = "UTC"

    def conditions(self, db: Session) -> list[sa.ColumnElement[bool]]:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidInput("The start date is after the end date.")
        zone = ZoneInfo(self.timezone)
        found: list[sa.ColumnElement[bool]] = []
        if needle := self.user.strip().lower():  # e-mails are stored lower-case
            found.append(col(AuditEvent.user_id).in_(
                select(col(User.id)).where(col(User.email).contains(needle, autoescape=True))))
        if self.customer_id is not None:
            found.append(col(AuditEvent.customer_id) == self.customer_id)
        if self.action.strip():
            action = self.action.strip()
            found.append(col(AuditEvent.action).startswith(action) if action.endswith(".")
                         else col(AuditEvent.action) == action)
        if self.outcome:
            found.append(col(AuditEvent.outcome) == self.outcome)
        if self.date_from:
            found.append(col(AuditEvent.occurred_at) >= datetime.combine(self.date_from, time(), zone))
        if self.date_to:
            found.append(col(AuditEvent.occurred_at) < datetime.combine(self.date_to + timedelta(days=1), time(), zone))
        return found


OUTCOMES = (AuditOutcome.SUCCESS, AuditOutcome.FAILURE, AuditOutcome.DENIED)


def parse_audit_filter(params: Mapping[str, str], timezone: str = "UTC") -> tuple[AuditFilter, int | None, list[str]]:
    """Read filters (user, customer, action, outcome, from, to) and the page (`before`) from URL
    parameters; unusable values are dropped and explained in the returned problems."""
    reader = ParamReader(params)
    date_from, date_to = reader.date_range()
    filters = AuditFilter(user=reader.text("user", 320), customer_id=reader.number("customer", "Customer"),
                          action=reader.text("action", 64), outcome=reader.choice("outcome", ("", *OUTCOMES), "", "Outcome"),
                          date_from=date_from, date_to=date_to, timezone=timezone)
    return filters, reader.number("before", "Page position"), reader.problems


def audit_filter_params(filters: AuditFilter) -> dict[str, str]:
    """The URL parameters that `parse_audit_filter` reads back into the same filters."""
    values = {"user": filters.user, "customer": "" if filters.customer_id is None else str(filters.customer_id),
              "action": filters.action, "outcome": filters.outcome,
              "from": filters.date_from.isoformat() if filters.date_from else "",
              "to": filters.date_to.isoformat() if filters.date_to else ""}
    return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class AuditRow:
    """One audit row as staff read it, with who it was about."""

    seq: int
    occurred_at: datetime
    user_id: int | None
    customer_id: int | None
    action: str
    outcome: str
    object_type: str | None
    object_id: str | None
    reason: str | None
    ip: str | None
    user_agent: str | None
    session_hash: str | None
    details: str | None
    row_hash: str
    user_email: str | None
    customer_name: str | None

    @classmethod
    def of(cls, event: AuditEvent, user_email: str | None, customer_name: str | None) -> AuditRow:
        return cls(event.seq, event.occurred_at, event.user_id, event.customer_id, event.action, event.outcome,
                   event.object_type, event.object_id, event.reason, event.ip, event.user_agent, event.session_hash,
                   event.details, event.row_hash, user_email, customer_name)


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    has_more: bool
    filters: AuditFilter = field(default_factory=AuditFilter)

    @property
    def next_before_seq(self) -> int | None:
        """Where the next (older) page starts, if there is one."""
        return self.rows[-1].seq if self.has_more and self.rows else None


def _rows(db: Session, filters: AuditFilter, before_seq: int | None, limit: int) -> list[AuditRow]:
    statement = (select(AuditEvent, col(User.email), col(Customer.name))
                 .join(User, col(User.id) == col(AuditEvent.user_id), isouter=True)
                 .join(Customer, col(Customer.id) == col(AuditEvent.customer_id), isouter=True)
                 .where(*filters.conditions(db)))
    if before_seq is not None:
        statement = statement.where(col(AuditEvent.seq) < before_seq)
    found = db.exec(statement.order_by(col(AuditEvent.seq).desc()).limit(limit)).all()
    return [AuditRow.of(event, email, name) for event, email, name in found]


def search_audit(db: Session, actor: Principal, filters: AuditFilter, before_seq: int | None = None,
                 page_size: int = PAGE_SIZE) -> AuditPage:
    """Newest first, a page at a time (keyset on the chain position, so deep pages stay fast)."""
    require_staff(actor)
    rows = _rows(db, filters, before_seq, page_size + 1)
    return AuditPage(rows[:page_size], len(rows) > page_size, filters)


def audit_actions(db: Session, actor: Principal) -> list[str]:
    """The distinct actions recorded so far, for the filter's choices."""
    require_staff(actor)
    return list(db.exec(select(col(AuditEvent.action)).distinct().order_by(col(AuditEvent.action))).all())


def audit_csv(db: Session, runtime: Runtime, actor: Principal, filters: AuditFilter) -> tuple[str, int]:
    """The filtered trail as CSV (newest first, at most CSV_MAX_ROWS) and its row count; the export
    itself is audited."""
    require_staff(actor)
    rows = _rows(db, filters, None, CSV_MAX_ROWS)
    record_audit(db, runtime.secret_key, AuditAction.AUDIT_EXPORT, AuditOutcome.SUCCESS, principal=actor, object_type="audit",
                 details={"rows": len(rows), "user": filters.user or None, "customer_id": filters.customer_id,
                          "action": filters.action or None, "from": str(filters.date_from or "") or None,
                          "to": str(filters.date_to or "") or None})
    return csv_document(CSV_HEADER, _csv_cells(rows)), len(rows)


def _csv_cells(rows: list[AuditRow]) -> Iterator[tuple[object, ...]]:
    for row in rows:
        yield (row.seq, row.occurred_at.isoformat(timespec="seconds"), row.user_id, row.user_email,
               row.customer_id, row.customer_name, row.action, row.outcome, row.object_type, row.object_id,
               row.reason, row.ip, row.user_agent, row.session_hash, row.details, row.row_hash)


def check_audit_chain(db: Session, runtime: Runtime, actor: Principal) -> TrailVerdict:
    """Staff: verify the whole chain and its checkpoints now (the console's button; the CLI is
    `portal.py audit verify`)."""
    require_staff(actor)
    verdict = verify_trail(db, runtime.settings, runtime.secret_key)
    record_audit(db, runtime.secret_key, AuditAction.AUDIT_VERIFY,
                 AuditOutcome.SUCCESS if verdict.intact else AuditOutcome.FAILURE, principal=actor,
                 object_type="audit", reason=None if verdict.intact else "; ".join(verdict.problems())[:500],
                 details={"rows_checked": verdict.chain.rows_checked})
    return verdict
