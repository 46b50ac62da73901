"""Staff's view of the access monitor's alerts: who caused them, and releasing a paused user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from data import AccessAlert, Customer, User, utcnow
from services.audit.trail import record_audit
from services.audit.vocabulary import AuditAction, AuditOutcome
from services.auth.permissions import require_staff
from services.config.runtime import Runtime
from services.errors import NotFound
from services.principal import Principal


@dataclass(frozen=True)
class AlertRow:
    """An access alert as staff see it, with whom it is about."""

    id: int
    kind: str
    detail: str
    raised_at: datetime
    throttled_until: datetime
    resolved_at: datetime | None
    user_email: str
    customer_name: str | None

    def active(self, now: datetime) -> bool:
        return self.resolved_at is None and self.throttled_until > now


def list_alerts(db: Session, actor: Principal, limit: int = 100) -> list[AlertRow]:
    """The newest alerts with who caused them (unresolved and resolved)."""
    require_staff(actor)
    rows = db.exec(select(AccessAlert, col(User.email), col(Customer.name)).join(User, col(User.id) == col(AccessAlert.user_id))
                   .join(Customer, col(Customer.id) == col(AccessAlert.customer_id), isouter=True)
                   .order_by(col(AccessAlert.raised_at).desc(), col(AccessAlert.id).desc()).limit(limit)).all()
    return [AlertRow(alert.id, alert.kind, alert.detail, alert.raised_at, alert.throttled_until,  # type: ignore[arg-type]
                     alert.resolved_at, email, name) for alert, email, name in rows]


def resolve_alert(db: Session, runtime: Runtime, actor: Principal, alert_id: int) -> None:
    """Staff: mark an alert as looked at; its throttle ends now."""
    require_staff(actor)
    alert = db.get(AccessAlert, alert_id)
    if alert is None:
        raise NotFound("No such alert.")
    if alert.resolved_at is None:
        alert.resolved_at = utcnow()
        alert.resolved_by_user_id = actor.user_id
        db.add(alert)
        record_audit(db, runtime.secret_key, AuditAction.MONITOR_RESOLVE, AuditOutcome.SUCCESS, principal=actor,
                     customer_id=alert.customer_id, object_type="alert", object_id=alert_id,
                     details={"user_id": alert.user_id, "kind": alert.kind})
