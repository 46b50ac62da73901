"""Alerts for users: which they want (new invoice, payment status; in-app and/or e-mail), the
in-app bell, and the notifications created after ledger changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, func, select

from data import Customer, Notification, NotificationKind, NotificationPreference, Tier, User, utcnow
from data.types import InvoiceStatus, PaymentStatus
from services.invoice_status import STATUS_LABELS
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
        NotificationPreference.user_id == principal.user_id)).all()}
    return [Preference(kind, stored[kind].in_app if kind in stored else DEFAULT_IN_APP,
                       stored[kind].email if kind in stored else DEFAULT_EMAIL) for kind in CHOOSABLE]


def set_preference(db: Session, principal: Principal, kind: NotificationKind, *, in_app: bool, email: bool) -> None:
    if kind not in CHOOSABLE:
        raise ValueError(f"{kind} is not a choosable notification")
    row = db.exec(select(NotificationPreference).where(NotificationPreference.user_id == principal.user_id,
                                                       NotificationPreference.kind == kind)).first()
    row = row or NotificationPreference(user_id=principal.user_id, kind=kind)
    row.in_app, row.email = in_app, email
    db.add(row)
    db.flush()


def _money(minor: int, currency: str) -> str:
    from services.money import format_money

    return format_money(minor, currency, "en_US")


def notify_invoice_change(db: Session, *, customer_id: int, invoice_id: int, number: str, kind: str,
                          status: InvoiceStatus, old_status: InvoiceStatus | None, total_minor: int,
                          currency: str, payment_status: PaymentStatus | None = None) -> int:
    """Create notifications for the customer's users who asked for this kind; returns how many."""
    if kind == "new_invoice":
        notification_kind = NotificationKind.NEW_INVOICE
        title = f"New invoice {number}"
        body = f"Invoice {number} for {_money(total_minor, currency)} is {STATUS_LABELS[status].lower()}."
    elif status != old_status or payment_status == PaymentStatus.FAILED:
        notification_kind = NotificationKind.PAYMENT_STATUS
        title = f"Invoice {number} is now {STATUS_LABELS[status].lower()}"
        if payment_status == PaymentStatus.FAILED:
            title = f"A payment for invoice {number} failed"
        body = f"Invoice {number} ({_money(total_minor, currency)}): {STATUS_LABELS[status]}."
    else:
        return 0
    email_allowed = bool(db.exec(select(Tier.email_notifications).join(Customer, Customer.tier_id == Tier.id)
                                 .where(Customer.id == customer_id)).first())
    users = db.exec(select(User.id).where(User.customer_id == customer_id, User.is_active)).all()
    stored = {row.user_id: row for row in db.exec(select(NotificationPreference).where(
        NotificationPreference.user_id.in_(users), NotificationPreference.kind == notification_kind)).all()}  # type: ignore[attr-defined]
    created = 0
    for user_id in users:
        preference = stored.get(user_id)
        in_app = preference.in_app if preference else DEFAULT_IN_APP
        email = (preference.email if preference else DEFAULT_EMAIL) and email_allowed
        if in_app or email:
            db.add(Notification(user_id=user_id, kind=notification_kind, invoice_id=invoice_id, title=title[:200],
                                body=body[:1000], in_app=in_app, email_due=email))
            created += 1
    db.flush()
    return created


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
        Notification.user_id == principal.user_id, Notification.in_app, Notification.read_at.is_(None))).one()  # type: ignore[union-attr]


def latest_notifications(db: Session, principal: Principal, limit: int = 8) -> list[NotificationView]:
    rows = db.exec(select(Notification).where(Notification.user_id == principal.user_id, Notification.in_app)
                   .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)).all()  # type: ignore[attr-defined,union-attr]
    return [NotificationView(row.id, row.title, row.body, row.invoice_id, row.created_at, row.read_at is not None)  # type: ignore[arg-type]
            for row in rows]


def mark_read(db: Session, principal: Principal, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications (all, or the given ones) as read; returns how many changed."""
    statement = sa.update(Notification).where(Notification.user_id == principal.user_id,  # type: ignore[arg-type]
                                              Notification.read_at.is_(None)).values(read_at=utcnow())  # type: ignore[union-attr]
    if ids is not None:
        statement = statement.where(Notification.id.in_(list(ids)))  # type: ignore[union-attr]
    return db.execute(statement).rowcount
