"""The calendar of the person, not of the server: "today", "this year", overdue, the period presets
and the paid-this-year card for users in Pacific/Kiritimati (UTC+14) and Pacific/Pago_Pago (UTC−11),
just before and after UTC midnight, their own midnights and New Year."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

import pyotp
import pytest
import time_machine
from nicegui.testing import User as SimUser
from sqlmodel import Session

from data import Invoice, InvoiceStatus, Payment, PaymentMethod, PaymentStatus, Role
from services.invoices.list_query import InvoiceQuery, Period, period_range
from services.invoices.queries import account_summary, get_invoice_detail, list_invoices
from services.ledger.apply import mark_overdue
from services.localization.today import today_for
from services.principal import Principal
from tests.factories import TEST_SECRET_KEY, Factory, principal_for
from tests.web import sign_in

pytestmark = pytest.mark.dates  # .ci/run runs these again with the host clock moved

KIRITIMATI, PAGO_PAGO = "Pacific/Kiritimati", "Pacific/Pago_Pago"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@pytest.mark.parametrize(("instant", "zone", "today"), [
    # UTC midnight: the UTC date turns, neither far zone's date does.
    ("2026-12-01 23:59:30", "UTC", date(2026, 12, 1)),
    ("2026-12-02 00:00:30", "UTC", date(2026, 12, 2)),
    ("2026-12-01 23:59:30", KIRITIMATI, date(2026, 12, 2)),
    ("2026-12-02 00:00:30", KIRITIMATI, date(2026, 12, 2)),
    ("2026-12-01 23:59:30", PAGO_PAGO, date(2026, 12, 1)),
    ("2026-12-02 00:00:30", PAGO_PAGO, date(2026, 12, 1)),
    # Their own midnights: 10:00 UTC in Kiritimati, 11:00 UTC in Pago Pago.
    ("2026-12-31 09:59:30", KIRITIMATI, date(2026, 12, 31)),
    ("2026-12-31 10:00:30", KIRITIMATI, date(2027, 1, 1)),
    ("2027-01-01 10:59:30", PAGO_PAGO, date(2026, 12, 31)),
    ("2027-01-01 11:00:30", PAGO_PAGO, date(2027, 1, 1)),
    # UTC New Year: Kiritimati has long been in 2027, Pago Pago is still in 2026.
    ("2026-12-31 23:59:30", KIRITIMATI, date(2027, 1, 1)),
    ("2027-01-01 00:00:30", PAGO_PAGO, date(2026, 12, 31)),
])
def test_today_is_the_date_on_the_persons_own_calendar(instant: str, zone: str, today: date) -> None:
    with time_machine.travel(utc(instant), tick=False):
        assert today_for(zone) == today


@pytest.mark.parametrize(("instant", "zone", "this_year", "this_month"), [
    ("2026-12-31 23:59:30", KIRITIMATI, (date(2027, 1, 1), date(2027, 12, 31)), (date(2027, 1, 1), date(2027, 1, 31))),
    ("2027-01-01 00:00:30", KIRITIMATI, (date(2027, 1, 1), date(2027, 12, 31)), (date(2027, 1, 1), date(2027, 1, 31))),
    ("2026-12-31 23:59:30", PAGO_PAGO, (date(2026, 1, 1), date(2026, 12, 31)), (date(2026, 12, 1), date(2026, 12, 31))),
    ("2027-01-01 00:00:30", PAGO_PAGO, (date(2026, 1, 1), date(2026, 12, 31)), (date(2026, 12, 1), date(2026, 12, 31))),
])
def test_period_presets_follow_the_persons_year_and_month(instant: str, zone: str, this_year: tuple[date, date],
                                                          this_month: tuple[date, date]) -> None:
    with time_machine.travel(utc(instant), tick=False):
        today = today_for(zone)
    assert period_range(Period.THIS_YEAR, today) == this_year
    assert period_range(Period.THIS_MONTH, today) == this_month
    last_year = (date(this_year[0].year - 1, 1, 1), date(this_year[0].year - 1, 12, 31))
    assert period_range(Period.LAST_YEAR, today) == last_year


@pytest.fixture
def far_apart(session: Session, make: Factory) -> dict:  # type: ignore[type-arg]
    """One customer, a user in Kiritimati and one in Pago Pago, invoices around New Year."""
    customer = make.customer()
    vendor = make.vendor()
    late_2026 = make.invoice(customer=customer, vendor=vendor, number="N-2026-12-31", issue_date=date(2026, 12, 31))
    early_2027 = make.invoice(customer=customer, vendor=vendor, number="N-2027-01-01", issue_date=date(2027, 1, 1))
    kiritimati = make.user(role=Role.VIEWER, customer=customer, timezone=KIRITIMATI)
    pago_pago = make.user(role=Role.VIEWER, customer=customer, timezone=PAGO_PAGO)
    session.commit()
    return {"customer": customer, "vendor": vendor, "invoices": (late_2026, early_2027),
            "kiritimati": replace(principal_for(kiritimati), timezone=KIRITIMATI),
            "pago_pago": replace(principal_for(pago_pago), timezone=PAGO_PAGO)}


@pytest.mark.parametrize("instant", ["2026-12-31 23:59:30", "2027-01-01 00:00:30"])
def test_this_year_filter_lists_the_invoices_of_the_persons_year(session: Session, far_apart, instant: str) -> None:  # type: ignore[no-untyped-def]
    query = InvoiceQuery(period=Period.THIS_YEAR)
    with time_machine.travel(utc(instant), tick=False):
        seen = {name: [row.number for row in list_invoices(session, far_apart[name], query,
                                                           today_for(far_apart[name].timezone)).rows]
                for name in ("kiritimati", "pago_pago")}
    assert seen["kiritimati"] == ["N-2027-01-01"]
    assert "N-2026-12-31" in seen["pago_pago"] and "N-2027-01-01" not in seen["pago_pago"]


def shown(session: Session, principal: Principal, invoice: Invoice) -> dict[str, object]:
    """What this person sees of `invoice` right now: its list row, its page, the cards, the filters."""
    today = today_for(principal.timezone)
    row = next(row for row in list_invoices(session, principal, InvoiceQuery(), today).rows if row.id == invoice.id)
    detail = get_invoice_detail(session, principal, invoice.id, today, secret_key=TEST_SECRET_KEY,  # type: ignore[arg-type]
                                audit_action=None)
    summary = account_summary(session, principal, today)
    found = {status: [r.id for r in list_invoices(session, principal, InvoiceQuery(statuses=(status,)), today).rows]
             for status in (InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE)}
    return {"row": row.status, "detail": detail.status, "overdue_count": summary.overdue_count,
            "filter": [status for status, ids in found.items() if invoice.id in ids],
            "open_count": summary.open_count}


@pytest.mark.parametrize(("instant", "kiritimati", "pago_pago"), [
    # 1 December is the due date. Just before UTC midnight the server still says "issued", but in
    # Kiritimati it is already 2 December: overdue there, due today in Pago Pago.
    ("2026-12-01 23:59:30", InvoiceStatus.OVERDUE, InvoiceStatus.ISSUED),
    # Just after UTC midnight the job has marked it overdue; in Pago Pago it is still 1 December.
    ("2026-12-02 00:00:30", InvoiceStatus.OVERDUE, InvoiceStatus.ISSUED),
    # Pago Pago's own midnight (11:00 UTC): now overdue there too.
    ("2026-12-02 10:59:30", InvoiceStatus.OVERDUE, InvoiceStatus.ISSUED),
    ("2026-12-02 11:00:30", InvoiceStatus.OVERDUE, InvoiceStatus.OVERDUE),
])
def test_overdue_starts_when_the_due_date_has_passed_on_the_persons_calendar(
        session: Session, make: Factory, instant: str, kiritimati: InvoiceStatus, pago_pago: InvoiceStatus) -> None:
    customer = make.customer()
    invoice = make.invoice(customer=customer, issue_date=date(2026, 11, 1), due_date=date(2026, 12, 1))
    principals = {zone: replace(principal_for(make.user(role=Role.VIEWER, customer=customer, timezone=zone)),
                                timezone=zone) for zone in (KIRITIMATI, PAGO_PAGO)}
    session.commit()
    with time_machine.travel(utc(instant), tick=False):
        mark_overdue(session, today_for("UTC"))  # what the background job has done by now
        session.commit()
        for zone, expected in ((KIRITIMATI, kiritimati), (PAGO_PAGO, pago_pago)):
            seen = shown(session, principals[zone], invoice)
            assert seen == {"row": expected, "detail": expected, "open_count": 1,
                            "overdue_count": int(expected == InvoiceStatus.OVERDUE), "filter": [expected]}, zone


def add_payment(session: Session, invoice: Invoice, minor: int, received_at: str) -> None:
    session.add(Payment(external_id=f"p-{received_at}", invoice_id=invoice.id, amount_minor=minor,  # type: ignore[arg-type]
                        currency=invoice.currency, method=PaymentMethod.CARD, status=PaymentStatus.SUCCEEDED,
                        received_at=utc(received_at)))


@pytest.fixture
def payments_around_new_year(session: Session, far_apart) -> dict:  # type: ignore[no-untyped-def, type-arg]
    invoice = far_apart["invoices"][0]
    add_payment(session, invoice, 100, "2026-12-31 09:30:00")  # Kiritimati 31 Dec 23:30 · Pago Pago 30 Dec 22:30
    add_payment(session, invoice, 20, "2026-12-31 20:00:00")  # Kiritimati 1 Jan 10:00 · Pago Pago 31 Dec 09:00
    add_payment(session, invoice, 3, "2026-12-31 23:00:00")  # Kiritimati 1 Jan 13:00 · Pago Pago 31 Dec 12:00
    session.commit()
    return far_apart


@pytest.mark.parametrize(("instant", "kiritimati", "pago_pago"), [
    ("2026-12-31 23:59:30", {"EUR": 23}, {"EUR": 123}),  # Kiritimati's 2027 began at 10:00 UTC
    ("2027-01-01 00:00:30", {"EUR": 23}, {"EUR": 123}),  # UTC's 2027 began; Pago Pago's has not
    ("2027-01-01 10:59:30", {"EUR": 23}, {"EUR": 123}),
    ("2027-01-01 11:00:30", {"EUR": 23}, {}),  # Pago Pago's 2027 began at 11:00 UTC: nothing paid yet
])
def test_paid_this_year_counts_from_new_year_in_the_persons_zone(session: Session, payments_around_new_year,  # type: ignore[no-untyped-def]
                                                                 instant: str, kiritimati: dict[str, int],
                                                                 pago_pago: dict[str, int]) -> None:
    with time_machine.travel(utc(instant), tick=False):
        for name, expected in (("kiritimati", kiritimati), ("pago_pago", pago_pago)):
            principal = payments_around_new_year[name]
            summary = account_summary(session, principal, today_for(principal.timezone))
            assert summary.paid_this_year_by_currency == expected, name


async def test_dashboard_card_names_the_persons_year(user: SimUser, session: Session, make: Factory) -> None:
    customer = make.customer()
    invoice = make.invoice(customer=customer, issue_date=date(2026, 12, 20), due_date=date(2027, 1, 19))
    add_payment(session, invoice, 1000, "2026-12-31 20:00:00")  # 1 January 10:00 in Kiritimati
    secret = pyotp.random_base32(32)
    make.user(role=Role.VIEWER, customer=customer, email="kiritimati@example.com", mfa_secret=secret,
              timezone=KIRITIMATI, locale="en_US")
    session.commit()
    with time_machine.travel(utc("2026-12-31 23:59:00"), tick=True):
        await sign_in(user.http_client, "kiritimati@example.com", secret)
        await user.open("/")
        await user.should_see("Paid in 2027")
        await user.should_see("€10.00")
