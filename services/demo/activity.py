"""The demo portal's history of use, so the staff console's operational metrics show something:
sign-ins, dashboard loads and invoice views of the demo's customer users since their company
adopted the portal, and invoice questions that become rarer once it did.

Deterministic for the demo's options and bounded whatever the invoice count: at most
MAX_SESSIONS_PER_CUSTOMER sign-ins per customer with users (about 1,200 audit rows for the
default demo), fewer when a customer has few invoices.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlmodel import Session, col, select

from data import Customer, Invoice, InvoiceStatus, Role, SupportRequest, User
from services.audit.trail import record_audit
from services.audit.vocabulary import AuditAction, AuditOutcome
from services.demo.options import DemoOptions
from services.principal import RequestInfo

MAX_SESSIONS_PER_CUSTOMER = 80
MAX_SUPPORT_CUSTOMERS = 200
HISTORY_DAYS = 400  # invoice questions are made up for invoices issued this far back
UNSEEN_BACKLOG_DAYS = 90  # at adoption, invoices this old are still waiting to be looked at
FRESH = timedelta(days=21)  # an invoice this new is what a user signs in for
FORGOTTEN = timedelta(days=60)  # an invoice unseen this long stays unseen
# Chance that an invoice draws a question: e-mailed or phoned in before the portal, far less after.
QUESTION_CHANCE = {False: 0.07, True: 0.02}
ROLE_WEIGHTS = {Role.OWNER: 5, Role.ACCOUNTANT: 4, Role.VIEWER: 1}
QUESTIONS = ["Could you send this invoice again?", "Which order does this invoice belong to?",
             "The amount differs from our purchase order.", "Has our payment arrived?",
             "Please change the billing address on this invoice."]


@dataclass(order=True)
class _Event:
    occurred_at: datetime
    order: int  # generation order breaks ties, so equal timestamps keep their sequence
    action: AuditAction = field(compare=False)
    user_id: int = field(compare=False)
    customer_id: int = field(compare=False)
    session_hash: str = field(compare=False)
    request: RequestInfo = field(compare=False)
    invoice_id: int | None = field(default=None, compare=False)


def write_demo_activity(engine: sa.Engine, options: DemoOptions, secret_key: str | None = None) -> int:
    """Write the demo's support questions and audit history; returns the number of audit rows.

    Audit rows are signed with `secret_key`, which must be the key of the portal that serves this
    database (rows signed with another key break its chain); without a key, only the support
    questions are written.
    """
    rng = random.Random(f"{options.seed}-activity")  # a stream of its own: the rest of the demo stays as it was
    end = datetime.combine(options.as_of, time.min, tzinfo=timezone.utc)  # nothing on or after "today"
    with Session(engine) as db:
        adopted = dict(db.exec(select(col(Customer.id), col(Customer.portal_adopted_at)).order_by(col(Customer.id))).all())
        users: dict[int, list[tuple[int, Role]]] = {}
        for user_id, customer_id, role in db.exec(select(col(User.id), col(User.customer_id), col(User.role))
                                                  .where(col(User.customer_id).is_not(None)).order_by(col(User.id))):
            users.setdefault(customer_id, []).append((user_id, Role(role)))  # type: ignore[arg-type]  # ids read back are never None
        _add_questions(db, rng, adopted, users, options.as_of, end)  # type: ignore[arg-type]  # ids read back are never None
        events: list[_Event] = []
        if secret_key is not None:
            for customer_id, members in users.items():
                if adopted.get(customer_id) is not None:
                    events += _customer_sessions(db, rng, customer_id, adopted[customer_id], members, end,  # type: ignore[arg-type]
                                                 first_order=len(events))
        # Chronological, through record_audit: every row is chained to the one before.
        for event in sorted(events):
            record_audit(db, secret_key, event.action, AuditOutcome.SUCCESS, user_id=event.user_id,  # type: ignore[arg-type]
                         customer_id=event.customer_id, session_hash=event.session_hash, request=event.request,
                         object_type="invoice" if event.invoice_id else None, object_id=event.invoice_id,
                         details={"method": "totp"} if event.action == AuditAction.LOGIN_SUCCESS else None,
                         occurred_at=event.occurred_at)
        db.commit()
    return len(events)


def _add_questions(db: Session, rng: random.Random, adopted: dict[int, datetime | None],
                   users: dict[int, list[tuple[int, Role]]], as_of: date, end: datetime) -> None:
    """Questions about single invoices: by e-mail or phone before the customer's portal adoption,
    through "Ask about this invoice" (less often) after it."""
    customer_ids = sorted(adopted)[:MAX_SUPPORT_CUSTOMERS]
    rows = []
    for invoice_id, customer_id, number, issue_date in db.exec(
            select(col(Invoice.id), col(Invoice.customer_id), col(Invoice.number), col(Invoice.issue_date))
            .where(col(Invoice.customer_id).in_(customer_ids), col(Invoice.status) != InvoiceStatus.DRAFT,
                   col(Invoice.issue_date) >= as_of - timedelta(days=HISTORY_DAYS))
            .order_by(col(Invoice.id))):
        asked = datetime.combine(issue_date, time(8), tzinfo=timezone.utc) + timedelta(hours=rng.uniform(2, 240))
        adoption = adopted[customer_id]
        through_portal = adoption is not None and asked >= adoption
        if rng.random() >= QUESTION_CHANCE[through_portal] or asked >= end:
            continue
        members = users.get(customer_id, [])
        rows.append({
            "customer_id": customer_id, "invoice_id": invoice_id, "subject": f"Question about invoice {number}",
            "message": rng.choice(QUESTIONS), "created_at": asked,
            "user_id": rng.choice(members)[0] if through_portal and members else None,
            "channel": "portal" if through_portal else rng.choice(("email", "email", "phone")),
            "status": "closed" if asked < end - timedelta(days=5) else "open",
            "closed_at": asked + timedelta(days=rng.randint(1, 4)) if asked < end - timedelta(days=5) else None,
        })
    if rows:
        db.execute(sa.insert(SupportRequest), rows)


def _customer_sessions(db: Session, rng: random.Random, customer_id: int, adopted_at: datetime,
                       members: Sequence[tuple[int, Role]], end: datetime, first_order: int) -> list[_Event]:
    """One customer's sign-ins from its adoption on: each loads the dashboard and opens some of the
    invoices not yet seen (more of them, and faster, as the users get used to the portal)."""
    invoices = db.exec(
        select(col(Invoice.id), col(Invoice.issue_date), col(Invoice.created_at))
        .where(col(Invoice.customer_id) == customer_id, col(Invoice.status) != InvoiceStatus.DRAFT,
               col(Invoice.issue_date) >= (adopted_at - timedelta(days=UNSEEN_BACKLOG_DAYS)).date(),
               col(Invoice.issue_date) < end.date())
    ).all()
    # When each became available (as the metric defines it), oldest first.
    unseen = sorted((max(datetime.combine(issue, time.min, tzinfo=timezone.utc), created), invoice_id)
                    for invoice_id, issue, created in invoices)
    seen: list[int] = []
    window = end - adopted_at
    mean_gap = max(timedelta(days=2), window / min(MAX_SESSIONS_PER_CUSTOMER, max(6, 2 * len(unseen))))
    weights = [ROLE_WEIGHTS.get(role, 1) for _user, role in members]
    ips = {user_id: f"203.0.113.{10 + index}" for index, (user_id, _role) in enumerate(members)}
    events: list[_Event] = []
    started, user_id = adopted_at, members[0][0]  # the first sign-in is the adoption itself
    while started < end:
        progress = (started - adopted_at) / window
        # Newly arrived invoices are opened more and more reliably, older unseen ones now and then,
        # and after a while nobody goes looking for them any more.
        wanted = [invoice_id for since, invoice_id in reversed(unseen)
                  if since <= started and started - since < FORGOTTEN
                  and rng.random() < (0.35 + 0.5 * progress if started - since < FRESH else 0.03)][:4]
        if seen and rng.random() < 0.2:
            wanted.append(rng.choice(seen))  # looking something up again
        session = _Session(user_id, customer_id, f"{rng.getrandbits(256):064x}",
                           RequestInfo(ip=ips[user_id], user_agent="Mozilla/5.0 (demo browser)"), events, first_order)
        last = session.add(started, AuditAction.LOGIN_SUCCESS)
        last = session.add(last + timedelta(seconds=rng.uniform(2, 6)), AuditAction.DASHBOARD_VIEW)
        for index, invoice_id in enumerate(wanted):
            if rng.random() < 0.04:  # distracted: past the metric's 30-minute limit
                pause = timedelta(minutes=rng.uniform(35, 90))
            else:  # the median pause shrinks from 40 to 12 seconds over the months
                pause = timedelta(seconds=max(2.0, rng.lognormvariate(math.log(40 - 28 * progress), 0.6)))
            last = session.add(last + pause, AuditAction.INVOICE_VIEW, invoice_id)
            if invoice_id not in seen:
                seen.append(invoice_id)  # type: ignore[arg-type]  # ids read back are never None
                unseen = [(since, other) for since, other in unseen if other != invoice_id]
            if index < len(wanted) - 1:
                last = session.add(last + timedelta(seconds=rng.uniform(15, 180)), AuditAction.DASHBOARD_VIEW)
        gap = max(timedelta(hours=12), mean_gap * rng.expovariate(1.0) * (1.4 - 0.6 * progress))  # back more often
        next_day = datetime.combine((started + gap).date(), time.min, tzinfo=timezone.utc)
        started = max(next_day + timedelta(hours=rng.uniform(7, 18)), last + timedelta(hours=1))
        user_id = rng.choices(members, weights)[0][0]
    return [event for event in events if event.occurred_at < end]


@dataclass(frozen=True)
class _Session:
    """One sign-in of one user: appends its events to the customer's list."""

    user_id: int
    customer_id: int
    session_hash: str
    request: RequestInfo
    events: list[_Event]
    first_order: int

    def add(self, moment: datetime, action: AuditAction, invoice_id: int | None = None) -> datetime:
        self.events.append(_Event(moment, self.first_order + len(self.events), action, self.user_id,
                                  self.customer_id, self.session_hash, self.request, invoice_id))
        return moment
