"""The access-pattern monitor: it watches the audit trail as it is written and flags unusual use.

Every invoice view and download, sign-in and refusal is written through `trail.record_audit`,
which hands the new row to `observe`. Three patterns raise an alert (an `AccessAlert` row and a
`monitor.alert` audit row in the same transaction):

- rapid_access: one user opened or downloaded more than N invoices within a minute;
- many_ips: one user's sign-ins came from more than N addresses within an hour;
- repeated_denials: more than N refused accesses within ten minutes.

While an alert is unresolved and its throttle period lasts, the user cannot open, download or
export invoices (`require_not_throttled`); staff see the alerts on the console and can release
them (`services.staff.access_alerts`). Windows are measured from the audited event's time, so the trail alone decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from data import AccessAlert, AuditEvent, utcnow
from services.audit.chain import append_audit_row
from services.audit.vocabulary import AuditAction, AuditOutcome
from services.config.runtime import SETTINGS_INFO
from services.config.settings import Settings
from services.errors import LimitExceeded
from services.principal import Principal

ACCESS_ACTIONS = (AuditAction.INVOICE_VIEW, AuditAction.INVOICE_DOWNLOAD)
THROTTLED_REASON = "throttled"


@dataclass(frozen=True)
class MonitorLimits:
    invoices_per_minute: int = 30
    login_ips_per_hour: int = 4
    denials_per_10_minutes: int = 10
    throttle_minutes: int = 15

    @classmethod
    def from_settings(cls, settings: Settings) -> MonitorLimits:
        return cls(settings.monitor_invoices_per_minute, settings.monitor_login_ips_per_hour,
                   settings.monitor_denials_per_10_minutes, settings.monitor_throttle_minutes)


def limits_for(db: Session) -> MonitorLimits:
    """The limits of the portal whose unit of work `db` is (`Runtime.unit_of_work`). A session made
    outside a runtime (the demo loader writing its history) is judged by the default limits."""
    settings = db.info.get(SETTINGS_INFO)
    return MonitorLimits.from_settings(settings) if isinstance(settings, Settings) else MonitorLimits()


def watches(row: AuditEvent) -> bool:
    """Whether `observe` needs to look at this row (cheap; decided without a query)."""
    if row.user_id is None:
        return False
    if row.outcome == AuditOutcome.DENIED:
        return row.reason != THROTTLED_REASON  # the throttle's own refusals must not escalate it
    return row.outcome == AuditOutcome.SUCCESS and (row.action in ACCESS_ACTIONS or row.action == AuditAction.LOGIN_SUCCESS)


def observe(db: Session, secret_key: str, row: AuditEvent) -> AccessAlert | None:
    """Look at a freshly written audit row; raise an alert if it completes an unusual pattern."""
    if not watches(row):
        return None
    limits = limits_for(db)
    at = row.occurred_at
    recent = sa.and_(col(AuditEvent.user_id) == row.user_id, col(AuditEvent.occurred_at) <= at)
    if row.outcome == AuditOutcome.DENIED:
        count = db.exec(select(func.count()).select_from(AuditEvent).where(
            recent, col(AuditEvent.occurred_at) > at - timedelta(minutes=10), col(AuditEvent.outcome) == AuditOutcome.DENIED,
            sa.or_(col(AuditEvent.reason).is_(None), col(AuditEvent.reason) != THROTTLED_REASON))).one()
        if count > limits.denials_per_10_minutes:
            return _raise(db, secret_key, row, "repeated_denials", f"{count} refused accesses within 10 minutes", limits)
    elif row.action == AuditAction.LOGIN_SUCCESS:
        count = db.exec(select(func.count(sa.distinct(col(AuditEvent.ip)))).where(
            recent, col(AuditEvent.occurred_at) > at - timedelta(hours=1), col(AuditEvent.action) == AuditAction.LOGIN_SUCCESS,
            col(AuditEvent.outcome) == AuditOutcome.SUCCESS)).one()
        if count > limits.login_ips_per_hour:
            return _raise(db, secret_key, row, "many_ips", f"sign-ins from {count} addresses within an hour", limits)
    else:
        count = db.exec(select(func.count()).select_from(AuditEvent).where(
            recent, col(AuditEvent.occurred_at) > at - timedelta(minutes=1), col(AuditEvent.action).in_(ACCESS_ACTIONS),
            col(AuditEvent.outcome) == AuditOutcome.SUCCESS)).one()
        if count > limits.invoices_per_minute:
            return _raise(db, secret_key, row, "rapid_access", f"{count} invoices opened or downloaded within a minute",
                          limits)
    return None


def _raise(db: Session, secret_key: str, row: AuditEvent, kind: str, detail: str,
           limits: MonitorLimits) -> AccessAlert | None:
    # One alert per pattern and throttle period, not one per further click; an alert staff released
    # also covers its period (they judged that burst already).
    current = db.exec(select(col(AccessAlert.id)).where(
        col(AccessAlert.user_id) == row.user_id, col(AccessAlert.kind) == kind,
        col(AccessAlert.throttled_until) > row.occurred_at)).first()
    if current is not None:
        return None
    alert = AccessAlert(user_id=row.user_id, customer_id=row.customer_id, kind=kind, detail=detail,  # type: ignore[arg-type]
                        raised_at=row.occurred_at, throttled_until=row.occurred_at + timedelta(minutes=limits.throttle_minutes))
    db.add(alert)
    db.flush()
    append_audit_row(db, secret_key, AuditAction.MONITOR_ALERT, AuditOutcome.SUCCESS, user_id=row.user_id, customer_id=row.customer_id,
                 session_hash=row.session_hash, object_type="alert", object_id=alert.id, reason=detail,
                 details={"kind": kind, "throttled_until": alert.throttled_until.isoformat(timespec="seconds")},
                 occurred_at=row.occurred_at)
    return alert


def throttled_until(db: Session, user_id: int, now: datetime | None = None) -> datetime | None:
    """The end of the user's current throttle, or None when they are not throttled."""
    return db.exec(select(func.max(col(AccessAlert.throttled_until))).where(
        col(AccessAlert.user_id) == user_id, col(AccessAlert.resolved_at).is_(None),
        col(AccessAlert.throttled_until) > (now or utcnow()))).one()


def require_not_throttled(db: Session, principal: Principal, now: datetime | None = None) -> None:
    """Refuse invoice access (LimitExceeded, code 'throttled') while an alert pauses this user."""
    until = throttled_until(db, principal.user_id, now)
    if until is not None:
        minutes = max(1, int((until - (now or utcnow())).total_seconds() // 60) + 1)
        raise LimitExceeded(f"Unusually many requests came from your account, so opening and downloading invoices "
                            f"is paused for about {minutes} minutes. Contact us if this was you.", code="throttled")
