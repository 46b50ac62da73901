"""The demo portal is believable, complete and the same for the same seed."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from data import Customer, Invoice, InvoiceLine, InvoiceStatus, Payment, PaymentStatus, SupportRequest, User, Vendor
from data.db import create_db_engine
from data.migrate import upgrade_to_head
from services.auth.passwords import verify_password
from services.demo.dataset import demo_logins, load_demo
from services.demo.options import DemoOptions
from tests.clock import TODAY

pytestmark = pytest.mark.dates  # .ci/run runs these again with the host clock moved

AS_OF = TODAY
OPTIONS = DemoOptions(customers=8, invoices=1500, seed=7, as_of=AS_OF, password="a demo passphrase")


def _fingerprint(engine: sa.Engine) -> str:
    """A hash of every demo row, read through the models so both databases give the same values."""
    digest = hashlib.sha256()
    with Session(engine) as session:
        for model in (Customer, Vendor, Invoice, InvoiceLine, Payment, SupportRequest):
            for row in session.exec(select(model).order_by(model.id)):
                digest.update(repr(sorted(row.model_dump().items())).encode())
    return digest.hexdigest()


@pytest.fixture
def demo_engine(engine: sa.Engine) -> sa.Engine:
    load_demo(engine, OPTIONS)
    return engine


def test_same_seed_gives_the_same_portal(demo_engine: sa.Engine, tmp_path) -> None:
    other = create_db_engine(f"sqlite:///{tmp_path / 'other.db'}")
    upgrade_to_head(other)
    load_demo(other, OPTIONS)
    assert _fingerprint(demo_engine) == _fingerprint(other)
    third = create_db_engine(f"sqlite:///{tmp_path / 'third.db'}")
    upgrade_to_head(third)
    load_demo(third, DemoOptions(customers=8, invoices=1500, seed=8, as_of=AS_OF))
    assert _fingerprint(third) != _fingerprint(demo_engine)


def test_demo_holds_every_status_unicode_names_and_partial_payments(demo_engine: sa.Engine) -> None:
    with Session(demo_engine) as session:
        statuses = set(session.exec(select(Invoice.status).distinct()).all())
        assert statuses == set(InvoiceStatus)
        names = set(session.exec(select(Customer.name)).all())
        assert {"Müller GmbH", "Łódź Logistyka Sp. z o.o.", "東京トレーディング株式会社"} <= names
        assert session.exec(select(func.count()).select_from(Invoice)).one() == 1500
        partially_paid = session.exec(select(Invoice).where(Invoice.status == InvoiceStatus.PARTIALLY_PAID)).first()
        assert partially_paid is not None and 0 < partially_paid.amount_paid_minor < partially_paid.total_minor
        assert len(set(session.exec(select(Invoice.vendor_id).distinct()).all())) >= 4


def test_demo_amounts_add_up(demo_engine: sa.Engine) -> None:
    with Session(demo_engine) as session:
        mismatched = session.exec(
            select(Invoice.id).join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id).group_by(Invoice.id)
            .having(func.sum(InvoiceLine.total_minor) != func.max(Invoice.total_minor))
        ).all()
        assert mismatched == []
        paid = session.exec(
            select(Invoice.id, Invoice.amount_paid_minor, func.coalesce(func.sum(Payment.amount_minor), 0))
            .outerjoin(Payment, (Payment.invoice_id == Invoice.id) & (Payment.status == PaymentStatus.SUCCEEDED))
            .where(Invoice.status != InvoiceStatus.REFUNDED)
            .group_by(Invoice.id, Invoice.amount_paid_minor)
        ).all()
        assert all(recorded == summed for _id, recorded, summed in paid)
        overdue = session.exec(select(Invoice).where(Invoice.status == InvoiceStatus.OVERDUE)).all()
        assert overdue and all(invoice.due_date < AS_OF for invoice in overdue)


def test_demo_users_can_use_the_chosen_password(demo_engine: sa.Engine) -> None:
    with Session(demo_engine) as session:
        logins = demo_logins(session)
        assert {login.role.value for login in logins} == {"admin", "support", "owner", "accountant", "viewer"}
        owner = session.exec(select(User).where(User.email == "owner@mueller.example")).one()
        assert verify_password(owner.password_hash, "a demo passphrase")


def test_demo_refuses_a_portal_that_has_customers(demo_engine: sa.Engine) -> None:
    with pytest.raises(RuntimeError, match="already holds customers"):
        load_demo(demo_engine, OPTIONS)
    with Session(demo_engine) as session:
        assert session.exec(select(func.count()).select_from(Invoice)).one() == 1500


def test_rows_added_after_the_demo_get_fresh_ids(demo_engine: sa.Engine) -> None:
    """On PostgreSQL the demo's explicit ids must not leave the id sequences behind."""
    with Session(demo_engine) as session:
        customer = session.exec(select(Customer)).first()
        invoice = session.exec(select(Invoice).where(Invoice.customer_id == customer.id)).first()  # type: ignore[union-attr]
        assert customer is not None and invoice is not None
        fresh = Invoice(**invoice.model_dump(exclude={"id", "external_id", "number", "number_key"}),
                        external_id="after-demo", number="AFTER-DEMO-1", number_key="after-demo-1")
        session.add(fresh)
        session.flush()
        session.add(Payment(external_id="after-demo-pay", invoice_id=fresh.id, amount_minor=1,  # type: ignore[arg-type]
                            currency=fresh.currency, method="card", status=PaymentStatus.SUCCEEDED,
                            received_at=datetime.now(timezone.utc)))
        session.add(InvoiceLine(invoice_id=fresh.id, position=99, description="x", quantity=1,  # type: ignore[arg-type]
                                unit_price_minor=1, tax_rate=0, net_minor=1, tax_minor=0, total_minor=1))
        session.commit()
        assert fresh.id is not None and fresh.id > 1500


def test_demo_users_start_with_a_few_unread_notifications(demo_engine: sa.Engine) -> None:
    from data import Notification
    from services.demo.dataset import WELCOME_UNREAD

    with Session(demo_engine) as session:
        users = session.exec(select(User.id).where(User.customer_id.is_not(None))).all()  # type: ignore[union-attr]
        unread = dict(session.exec(select(Notification.user_id, func.count()).where(
            Notification.read_at.is_(None)).group_by(Notification.user_id)).all())  # type: ignore[union-attr]
        titles = session.exec(select(Notification.title)).all()
    assert users and all(unread.get(user_id) == WELCOME_UNREAD for user_id in users)
    assert all(title.startswith("New invoice ") for title in titles)


def test_the_demo_ledger_keeps_the_pace_of_a_billing_day(runtime) -> None:  # type: ignore[no-untyped-def]
    from services.demo.billing_engine import DemoLedger

    ledger = DemoLedger(runtime, "http://127.0.0.1:1")
    sent_in_an_hour = sum(ledger.sends_now() for _ in range(900))  # 900 ticks of 4 s
    assert 60 <= sent_in_an_hour <= 120  # about 90, not the 900 of one event per tick
