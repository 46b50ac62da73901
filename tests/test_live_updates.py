"""Open pages follow the ledger: cards, list, badge, toast and bell, for their own customer only."""

from __future__ import annotations

import asyncio

import pyotp
import pytest
from nicegui import ui
from nicegui.testing import User as SimUser
from sqlmodel import Session, func, select

from data import Invoice, Notification, NotificationKind, NotificationPreference, Role
from services.config.runtime import Runtime
from services.ledger.pipeline import ingest
from tests.factories import Factory
from tests.ledger_events import invoice_event, payment_event
from tests.web import sign_in

pytestmark = pytest.mark.dates  # .ci/run runs these again with the host clock moved

SECRET = pyotp.random_base32(32)


async def test_a_payment_updates_an_open_dashboard_and_detail(user: SimUser, session: Session, runtime: Runtime,
                                                              make: Factory) -> None:
    customer = make.customer(ref="C-LIVE")
    make.vendor(code="NCS")
    make.user(role=Role.OWNER, customer=customer, email="live@example.com", mfa_secret=SECRET)
    session.commit()
    ingest(runtime, "ledger", [invoice_event("L1", customer_ref="C-LIVE", vendor_code="NCS", number="INV-LIVE-1")])
    await sign_in(user.http_client, "live@example.com", SECRET)
    await user.open("/")
    await user.should_see("INV-LIVE-1")
    await user.should_see("1 unpaid invoice")
    assert runtime.events.subscriber_count(customer.id) == 1

    ingest(runtime, "ledger", [payment_event("LP1", "L1", "238.00")])
    await user.should_see("Invoice INV-LIVE-1 is now paid", retries=30)  # the toast
    await user.should_see("0 unpaid invoices", retries=30)  # the summary card, after the burst window
    await user.should_see("Paid", kind=None, retries=30)

    invoice = session.exec(select(Invoice).where(Invoice.external_id == "L1")).one()
    await user.open(f"/invoices/{invoice.id}")
    await user.should_see("Payment received")
    ingest(runtime, "ledger", [payment_event("LP1", "L1", "238.00", type_="payment.refunded")])
    await user.should_see("Invoice INV-LIVE-1 is now refunded", retries=30)
    await user.should_see("Payment refunded", retries=30)


async def test_the_bell_counts_unread_and_marks_read(user: SimUser, session: Session, runtime: Runtime,
                                                     make: Factory) -> None:
    customer = make.customer(ref="C-BELL")
    make.vendor(code="NCS")
    account = make.user(role=Role.OWNER, customer=customer, email="bell@example.com", mfa_secret=SECRET)
    session.add(NotificationPreference(user_id=account.id, kind=NotificationKind.NEW_INVOICE, in_app=True,  # type: ignore[arg-type]
                                       email=False))
    session.commit()
    await sign_in(user.http_client, "bell@example.com", SECRET)
    await user.open("/")
    ingest(runtime, "ledger", [invoice_event("B1", customer_ref="C-BELL", vendor_code="NCS", number="INV-BELL-1"),
                               invoice_event("B2", customer_ref="C-BELL", vendor_code="NCS", number="INV-BELL-2")])
    await user.should_see("2 new invoices", retries=30)  # one toast for the burst
    page = await user.http_client.get("/")
    assert "Notifications, 2 unread" in page.text
    await user.should_see(marker="unread-count", retries=30)  # the open page's count changed in place
    [badge] = user.find(marker="unread-count").elements
    assert badge.text == "2"
    [menu] = user.find(kind=ui.menu).elements
    with user.client:  # type: ignore[union-attr]
        menu.open()  # the list is read when the menu opens
    await user.should_see("Mark all read")
    user.find("Mark all read").click()
    await user.should_not_see(marker="unread-count")
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Notification).where(Notification.read_at.is_(None))).one() == 0


async def test_other_customers_pages_receive_nothing(user: SimUser, session: Session, runtime: Runtime,
                                                     make: Factory) -> None:
    mine, theirs = make.customer(ref="C-MINE"), make.customer(ref="C-THEIRS")
    make.vendor(code="NCS")
    make.user(role=Role.OWNER, customer=mine, email="mine@example.com", mfa_secret=SECRET)
    session.commit()
    await sign_in(user.http_client, "mine@example.com", SECRET)
    await user.open("/")
    assert runtime.events.subscriber_count(theirs.id) == 0
    ingest(runtime, "ledger", [invoice_event("T1", customer_ref="C-THEIRS", vendor_code="NCS", number="INV-THEIRS")])
    await user.should_not_see("INV-THEIRS")


async def test_new_invoices_are_announced_and_shown_on_request(user: SimUser, session: Session, runtime: Runtime,
                                                               make: Factory) -> None:
    customer = make.customer(ref="C-NEW")
    make.vendor(code="NCS")
    make.user(role=Role.OWNER, customer=customer, email="new@example.com", mfa_secret=SECRET)
    session.commit()
    await sign_in(user.http_client, "new@example.com", SECRET)
    await user.open("/")
    await user.should_see("No invoices yet")
    ingest(runtime, "ledger", [invoice_event("N1", customer_ref="C-NEW", vendor_code="NCS", number="INV-NEW-1")])
    await user.should_see("1 new invoice arrived.", retries=30)  # after the 0.25 s burst window
    await user.should_see("1 unpaid invoice", retries=30)
    user.find("Show").click()
    await user.should_see("INV-NEW-1")


async def test_a_page_whose_session_was_revoked_reads_nothing_more(user: SimUser, session: Session,
                                                                  runtime: Runtime, make: Factory,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import pages.dashboard
    import web.layout
    from services.auth.sessions import revoke_user_sessions

    customer = make.customer(ref="C-GONE")
    make.vendor(code="NCS")
    owner = make.user(role=Role.OWNER, customer=customer, email="gone@example.com", mfa_secret=SECRET)
    session.commit()
    ingest(runtime, "ledger", [invoice_event("G1", customer_ref="C-GONE", vendor_code="NCS", number="INV-GONE-1")])
    await sign_in(user.http_client, "gone@example.com", SECRET)
    await user.open("/")
    await user.should_see("1 unpaid invoice")
    reads: list[str] = []
    for module, name in ((pages.dashboard, "account_summary"), (pages.dashboard, "list_invoices"),
                         (pages.dashboard, "invoice_rows"), (web.layout, "unread_count")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _real=real, _name=name, **k: (reads.append(_name),
                                                                                  _real(*a, **k))[1])
    with runtime.unit_of_work() as db:  # revoked elsewhere (say, staff lock the account), committed
        assert revoke_user_sessions(db, owner.id or 0, "locked_by_staff") == 1
    ingest(runtime, "ledger", [payment_event("GP1", "G1", "238.00"),
                               invoice_event("G2", customer_ref="C-GONE", vendor_code="NCS", number="INV-GONE-2")])
    await asyncio.sleep(1.0)  # several burst windows: long enough for the events to reach the page
    await user.should_not_see("Invoice INV-GONE-1 is now paid")
    await user.should_not_see("INV-GONE-2")
    assert reads == []  # the open page read nothing after its session ended


def test_a_session_end_crosses_processes_in_the_relay_format() -> None:
    from services.live_events import EventBus, RedisRelay, SessionsEnded

    heard: list[SessionsEnded] = []
    bus = EventBus()
    bus.subscribe_sessions(7, heard.append)
    relay = RedisRelay("redis://127.0.0.1:1/0", bus)  # never connects: only the message format is used
    ended = SessionsEnded(user_id=7, kept_session_id=3, reason="password_changed")
    relay._deliver(ended.to_json().encode())
    assert heard == [ended]
    assert ended.covers(4) and not ended.covers(3)
    assert SessionsEnded(user_id=7, session_id=5, reason="logout").covers(5)


async def test_a_burst_of_changes_is_one_toast_per_kind(user: SimUser, session: Session, runtime: Runtime,
                                                        make: Factory) -> None:
    customer = make.customer(ref="C-BURST")
    make.vendor(code="NCS")
    make.user(role=Role.OWNER, customer=customer, email="burst@example.com", mfa_secret=SECRET)
    session.commit()
    ingest(runtime, "ledger", [invoice_event(f"B{n}", customer_ref="C-BURST", vendor_code="NCS",
                                             number=f"INV-B-{n}") for n in range(3)])
    await sign_in(user.http_client, "burst@example.com", SECRET)
    await user.open("/")
    await user.should_see("3 unpaid invoices")
    ingest(runtime, "ledger", [payment_event(f"BP{n}", f"B{n}", "238.00") for n in range(3)] +
           [invoice_event("B9", customer_ref="C-BURST", vendor_code="NCS", number="INV-B-9")])
    await user.should_see("3 invoices are now paid", retries=30)
    await user.should_see("New invoice INV-B-9", retries=30)
    await user.should_not_see("Invoice INV-B-0 is now paid")


async def test_arrivals_are_announced_only_under_filters_they_match(user: SimUser, session: Session,
                                                                    runtime: Runtime, make: Factory) -> None:
    customer = make.customer(ref="C-FILTER")
    make.vendor(code="NCS")
    make.user(role=Role.OWNER, customer=customer, email="filter@example.com", mfa_secret=SECRET)
    session.commit()
    ingest(runtime, "ledger", [invoice_event("F1", customer_ref="C-FILTER", vendor_code="NCS", number="INV-F-1")])
    await sign_in(user.http_client, "filter@example.com", SECRET)
    await user.open("/?number=INV-F-")
    await user.should_see("INV-F-1")
    ingest(runtime, "ledger", [invoice_event("F2", customer_ref="C-FILTER", vendor_code="NCS", number="OTHER-2")])
    await user.should_see("New invoice OTHER-2", retries=30)  # the toast tells of it
    await asyncio.sleep(0.5)
    await user.should_not_see("new invoice arrived")  # but the filtered list would not show it
    ingest(runtime, "ledger", [invoice_event("F3", customer_ref="C-FILTER", vendor_code="NCS", number="INV-F-3")])
    await user.should_see("1 new invoice arrived.", retries=30)
