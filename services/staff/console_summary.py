"""The staff console's first glance: how many customers and users, and what needs attention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from data import AccessAlert, Customer, InboxStatus, LedgerInbox, SupportRequest, SupportStatus, User, utcnow
from services.auth.permissions import require_staff
from services.principal import Principal


@dataclass(frozen=True)
class ConsoleSummary:
    customers_active: int
    customers_total: int
    users_signed_in_30_days: int
    open_alerts: int
    quarantined_events: int
    open_support_requests: int


def console_summary(db: Session, actor: Principal, now: datetime | None = None) -> ConsoleSummary:
    require_staff(actor)
    now = now or utcnow()

    def count(model: type, *conditions: object) -> int:
        return db.exec(select(func.count()).select_from(model).where(*conditions)).one()  # type: ignore[arg-type]

    return ConsoleSummary(
        customers_active=count(Customer, col(Customer.is_active)),
        customers_total=count(Customer),
        users_signed_in_30_days=count(User, col(User.last_login_at) >= now - timedelta(days=30)),
        open_alerts=count(AccessAlert, col(AccessAlert.resolved_at).is_(None), col(AccessAlert.throttled_until) > now),
        quarantined_events=count(LedgerInbox, col(LedgerInbox.status) == InboxStatus.QUARANTINED),
        open_support_requests=count(SupportRequest, col(SupportRequest.status) == SupportStatus.OPEN),
    )
