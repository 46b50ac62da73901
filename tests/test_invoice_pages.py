"""The dashboard and invoice pages through NiceGUI's simulated user: what a customer sees."""

from __future__ import annotations

from datetime import date

import pyotp
import pytest
from nicegui.testing import User as SimUser
from sqlmodel import Session, select

from data import AuditEvent, InvoiceStatus, Role, SupportRequest
from tests.factories import Factory
from tests.web import sign_in

pytestmark = pytest.mark.dates  # .ci/run runs these again with the host clock moved

SECRET = pyotp.random_base32(32)
XSS = ['<img src=x onerror="alert(1)">', "javascript:alert(2)", "<script>alert(3)</script>", "Ωmega ‮rtl‬ 🧾 zero\u200bwidth"]


@pytest.fixture
async def signed_in(user: SimUser, session: Session, make: Factory):  # type: ignore[no-untyped-def]
    customer = make.customer(name=XSS[0])
    vendor = make.vendor(name=XSS[2], address=XSS[1])
    invoice = make.invoice(customer=customer, vendor=vendor, number="INV-<b>1</b>", issue_date=date(2026, 11, 2),
                           lines=[(XSS[0], "1", 1000, "19"), (XSS[3], "2", 500, "0")])
    make.invoice(customer=customer, vendor=vendor, number="INV-PAID", status=InvoiceStatus.PAID,
                 amount_paid_minor=23800, issue_date=date(2026, 10, 2))
    make.user(role=Role.VIEWER, customer=customer, email="viewer@xss.example", mfa_secret=SECRET,
              locale="de_DE", timezone="Europe/Berlin")
    session.commit()
    await sign_in(user.http_client, "viewer@xss.example", SECRET)
    return invoice


async def test_dashboard_shows_cards_and_rows_in_the_users_locale(user: SimUser, signed_in) -> None:  # type: ignore[no-untyped-def]
    await user.open("/")
    await user.should_see("Open balance")
    await user.should_see("Overdue")
    await user.should_see("21,90\xa0€")  # German number format: 10,00 € + 19 % + 2 × 5,00 €
    await user.should_see("INV-<b>1</b>")  # shown literally, never as markup
    await user.should_see("02.11.2026")


async def test_untrusted_invoice_text_is_shown_literally(user: SimUser, signed_in) -> None:  # type: ignore[no-untyped-def]
    await user.open(f"/invoices/{signed_in.id}")
    for payload in XSS:
        await user.should_see(payload)
    response = await user.http_client.get(f"/invoices/{signed_in.id}")
    assert "<img src=x" not in response.text and "<script>alert(3)" not in response.text


async def test_ask_about_an_invoice_files_a_support_request(user: SimUser, session: Session, signed_in) -> None:  # type: ignore[no-untyped-def]
    await user.open(f"/invoices/{signed_in.id}")
    user.find("Ask about this invoice").click()
    await user.should_see("Our billing team answers by e-mail")
    user.find("Send question").click()
    await user.should_see("Write your question first.")
    user.find("Your question").type("Why is the cable line charged twice?")
    user.find("Send question").click()
    await user.should_see("Your question was sent")
    request = session.exec(select(SupportRequest)).one()
    assert request.invoice_id == signed_in.id and "cable" in request.message
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "support.request")).one()


async def test_a_bad_filter_in_the_url_explains_itself_and_keeps_the_rest(user: SimUser, signed_in) -> None:  # type: ignore[no-untyped-def]
    await user.open("/?from=yesterday&status=paid")
    await user.should_see("is not a date")
    await user.should_see("INV-PAID")
    await user.should_not_see("INV-<b>1</b>")


async def test_no_match_offers_a_reset(user: SimUser, signed_in) -> None:  # type: ignore[no-untyped-def]
    await user.open("/?number=NOPE")
    await user.should_see("No invoices match")
    user.find("Reset filters").click()
    await user.should_see("INV-PAID")


async def test_viewing_an_invoice_is_audited_with_where_from(user: SimUser, session: Session, signed_in) -> None:  # type: ignore[no-untyped-def]
    await user.open(f"/invoices/{signed_in.id}")
    row = session.exec(select(AuditEvent).where(AuditEvent.action == "invoice.view")).one()
    assert row.object_id == str(signed_in.id) and row.ip and row.outcome == "success"
