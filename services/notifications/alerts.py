"""Alerts for users: which they want (new invoice, payment status; in-app and/or e-mail), the
in-app bell, and the notifications created after ledger changes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from data import Customer, Notification, NotificationKind, NotificationPreference, Tier, User, utcnow
from data.db import rows_changed
from data.types import PaymentStatus
from services.invoices.status import STATUS_LABELS
from services.live_events import LiveEvent
from services.principal import Principal

CHOOSABLE = (NotificationKind.NEW_INVOICE, NotificationKind.PAYMENT_STATUS)
KIND_LABELS = {NotificationKind.NEW_INVOICE: "New invoice", NotificationKind.PAYMENT_STATUS: "Payment status change",
               NotificationKind.EXPORT_READY: "Export ready"}
DEFAULT_IN_APP, DEFAULT_EMAIL = True, False


@dataclass(frozen=True)
class Preference:
    kind: NotificationKind
    in_app: bool
    email: bool


def preferences(db: Session, principal: Principal) -> list[Preference]:
    stored = {row.kind: row for row in db.exec(select(NotificationPreference).where(
        col(NotificationPreference.user_id) == principal.user_id)).all()}
    return [Preference(kind, stored[kind].in_app if kind in stored else DEFAULT_IN_APP,
                       stored[kind].email if kind in stored else DEFAULT_EMAIL) for kind in CHOOSABLE]


def set_preference(db: Session, principal: Principal, kind: NotificationKind, *, in_app: bool, email: bool) -> None:
    if kind not in CHOOSABLE:
        raise ValueError(f"{kind} is not a choosable notification")
    row = db.exec(select(NotificationPreference).where(col(NotificationPreference.user_id) == principal.user_id,
                                                       col(NotificationPreference.kind) == kind)).first()
    row = row or NotificationPreference(user_id=principal.user_id, kind=kind)
    row.in_app, row.email = in_app, email
    db.add(row)
    db.flush()


def _money(minor: int, currency: str) -> str:
    from services.money import format_money

    return format_money(minor, currency, "en_US")


def _message(news: LiveEvent, total_minor: int, currency: str) -> tuple[NotificationKind, str, str] | None:
    amount = _money(total_minor, currency)
    if news.kind == "new_invoice":
        return (NotificationKind.NEW_INVOICE, f"New invoice {news.number}",
                f"Invoice {news.number} for {amount} is {STATUS_LABELS[news.status].lower()}.")
    if news.payment_status == PaymentStatus.FAILED:
        return (NotificationKind.PAYMENT_STATUS, f"A payment for invoice {news.number} failed",
                f"Invoice {news.number} ({amount}): {STATUS_LABELS[news.status]}.")
    if news.status != news.old_status:
        return (NotificationKind.PAYMENT_STATUS, f"Invoice {news.number} is now {STATUS_LABELS[news.status].lower()}",
                f"Invoice {news.number} ({amount}): {STATUS_LABELS[news.status]}.")
    return None


def notify_invoice_changes(db: Session, news: Sequence[LiveEvent], amounts: dict[int, tuple[int, str]]) -> int:
    """Create notifications for the users who asked for each kind of change; returns how many.

    Users, preferences and tiers are read once per customer, so a batch of thousands of changes
    costs a few queries, not a few per change.
    """
    by_customer: dict[int, list[LiveEvent]] = defaultdict(list)
    for item in news:
        by_customer[item.customer_id].append(item)
    rows: list[dict] = []
    now = utcnow()
    for customer_id, items in by_customer.items():
        email_allowed = bool(db.exec(select(col(Tier.email_notifications)).join(Customer, col(Customer.tier_id) == col(Tier.id))
                                     .where(col(Customer.id) == customer_id)).first())
        users = db.exec(select(col(User.id)).where(col(User.customer_id) == customer_id, col(User.is_active))).all()
        if not users:
            continue
        stored = {(row.user_id, row.kind): row for row in db.exec(select(NotificationPreference).where(
            col(NotificationPreference.user_id).in_(users))).all()}
        for item in items:
            message = _message(item, *amounts[item.invoice_id])
            if message is None:
                continue
            kind, title, body = message
            for user_id in users:
                preference = stored.get((user_id, kind))  # type: ignore[arg-type]  # ids read back are never None
                in_app = preference.in_app if preference else DEFAULT_IN_APP
                email = (preference.email if preference else DEFAULT_EMAIL) and email_allowed
                if in_app or email:
                    rows.append({"user_id": user_id, "kind": kind, "invoice_id": item.invoice_id, "title": title[:200],
                                 "body": body[:1000], "in_app": in_app, "email_due": email, "email_attempts": 0,
                                 "created_at": now})
    if rows:
        db.execute(sa.insert(Notification), rows)
    return len(rows)


@dataclass(frozen=True)
class NotificationView:
    id: int
    title: str
    body: str
    invoice_id: int | None
    created_at: datetime
    read: bool


def unread_count(db: Session, principal: Principal) -> int:
    return db.exec(select(func.count()).select_from(Notification).where(
        col(Notification.user_id) == principal.user_id, col(Notification.in_app), col(Notification.read_at).is_(None))).one()


def latest_notifications(db: Session, principal: Principal, limit: int = 8) -> list[NotificationView]:
    rows = db.exec(select(Notification).where(col(Notification.user_id) == principal.user_id, col(Notification.in_app))
                   .order_by(col(Notification.created_at).desc(), col(Notification.id).desc()).limit(limit)).all()
    return [NotificationView(row.id, row.title, row.body, row.invoice_id, row.created_at, row.read_at is not None)  # type: ignore[arg-type]
            for row in rows]


def mark_read(db: Session, principal: Principal, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications (all, or the given ones) as read; returns how many changed."""
    statement = sa.update(Notification).where(col(Notification.user_id) == principal.user_id,
                                              col(Notification.read_at).is_(None)).values(read_at=utcnow())
    if ids is not None:
        statement = statement.where(col(Notification.id).in_(list(ids)))
    return rows_changed(db.execute(statement))
