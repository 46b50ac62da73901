"""The database refuses rows that would show a customer wrong numbers or leak across accounts."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, select

from data import Invoice, InvoiceLine, Role, User
from tests.factories import Factory


def _flush_fails(session: Session) -> None:
    with pytest.raises((IntegrityError, StatementError)):
        session.flush()
    session.rollback()


def test_invoice_total_must_equal_subtotal_plus_tax(session: Session, make: Factory) -> None:
    invoice = make.invoice()
    invoice.total_minor += 1
    _flush_fails(session)


def test_negative_amount_paid_is_refused(session: Session, make: Factory) -> None:
    invoice = make.invoice()
    invoice.amount_paid_minor = -1
    _flush_fails(session)


def test_due_date_before_issue_date_is_refused(session: Session, make: Factory) -> None:
    invoice = make.invoice()
    invoice.due_date = invoice.issue_date - timedelta(days=1)
    _flush_fails(session)


def test_unknown_status_is_refused_by_the_database(session: Session, make: Factory) -> None:
    invoice = make.invoice()
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(sa.text("UPDATE invoice SET status = 'lost' WHERE id = :id"), {"id": invoice.id})
    session.rollback()


def test_same_external_id_from_the_same_source_is_refused(session: Session, make: Factory) -> None:
    first = make.invoice()
    session.add(Invoice(**first.model_dump(exclude={"id", "number", "number_key"}), number="X-1", number_key="x-1"))
    _flush_fails(session)


def test_invoice_number_is_unique_per_vendor(session: Session, make: Factory) -> None:
    vendor = make.vendor()
    make.invoice(vendor=vendor, number="INV-1")
    make.invoice(vendor=make.vendor(), number="INV-1")  # another vendor may reuse it
    with pytest.raises(IntegrityError):
        make.invoice(vendor=vendor, number="INV-1")
    session.rollback()


def test_line_total_must_equal_net_plus_tax(session: Session, make: Factory) -> None:
    invoice = make.invoice()
    session.add(InvoiceLine(invoice_id=invoice.id, position=9, description="x", quantity=Decimal(1),
                            unit_price_minor=100, tax_rate=Decimal(19), net_minor=100, tax_minor=19, total_minor=120))
    _flush_fails(session)


def test_invoice_for_a_missing_customer_is_refused(session: Session, make: Factory) -> None:
    invoice = make.invoice()
    invoice.customer_id = 999_999
    _flush_fails(session)


def test_staff_user_cannot_belong_to_a_customer(session: Session, make: Factory) -> None:
    customer = make.customer()
    session.add(User(email="admin@example.com", password_hash="x", role=Role.ADMIN, customer_id=customer.id))
    _flush_fails(session)


def test_customer_user_must_belong_to_a_customer(session: Session) -> None:
    session.add(User(email="owner@example.com", password_hash="x", role=Role.OWNER, customer_id=None))
    _flush_fails(session)


def test_email_is_unique(session: Session, make: Factory) -> None:
    make.user(email="same@example.com")
    with pytest.raises(IntegrityError):
        make.user(email="same@example.com")
    session.rollback()


def test_money_and_quantities_round_trip_exactly(session: Session, make: Factory) -> None:
    invoice = make.invoice(lines=[("Cable", "1.125", 1999, "19"), ("Hours", "7.5", 12_345, "7")])
    session.commit()
    session.expire_all()
    lines = session.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)
                         .order_by(InvoiceLine.position)).all()
    assert [line.quantity for line in lines] == [Decimal("1.125"), Decimal("7.5")]
    assert [line.tax_rate for line in lines] == [Decimal("19"), Decimal("7")]
    # 1.125 × 19.99 = 22.48875 → 22.49 net; 19 % of it → 4.27 tax
    assert (lines[0].net_minor, lines[0].tax_minor) == (2249, 427)
    stored = session.get(Invoice, invoice.id)
    assert stored is not None and isinstance(stored.total_minor, int)
    assert stored.total_minor == sum(line.total_minor for line in lines)


def test_timestamps_come_back_timezone_aware_in_utc(session: Session, make: Factory) -> None:
    user = make.user()
    berlin = timezone(timedelta(hours=1))
    user.last_login_at = datetime(2026, 11, 26, 12, 0, tzinfo=berlin)
    session.commit()
    session.expire_all()
    stored = session.get(User, user.id)
    assert stored is not None and stored.last_login_at is not None
    assert stored.last_login_at.utcoffset() == timedelta(0)
    assert stored.last_login_at == datetime(2026, 11, 26, 11, 0, tzinfo=timezone.utc)


def test_naive_timestamps_are_refused(session: Session, make: Factory) -> None:
    user = make.user()
    user.last_login_at = datetime(2026, 11, 26, 12, 0)
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()
    session.rollback()


def test_dashboard_indexes_exist(engine: sa.Engine) -> None:
    indexes = {index["name"]: index["column_names"] for index in sa.inspect(engine).get_indexes("invoice")}
    assert indexes["ix_invoice_customer_issue_date"][:2] == ["customer_id", "issue_date"]
    assert indexes["ix_invoice_customer_number"] == ["customer_id", "number_key"]
    assert indexes["ix_invoice_customer_vendor_date"] == ["customer_id", "vendor_id", "issue_date"]
    assert indexes["ix_invoice_customer_status"][:2] == ["customer_id", "status"]


def test_sqlite_connections_use_wal_full_sync_foreign_keys_and_busy_timeout(engine: sa.Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas only")
    with engine.connect() as connection:
        pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("synchronous") == 2  # FULL
        assert pragma("busy_timeout") >= 5000


def test_invoice_issue_date_is_a_date(session: Session, make: Factory) -> None:
    invoice = make.invoice(issue_date=date(2026, 2, 28))
    session.commit()
    session.expire_all()
    assert session.get(Invoice, invoice.id).issue_date == date(2026, 2, 28)  # type: ignore[union-attr]
