"""Ledger events: signed pushes, exactly-once apply, version ordering, quarantine, effects."""

from __future__ import annotations

import json
import time

import pytest
from nicegui.testing import User as SimUser
from sqlmodel import Session, func, select

from data import (
    InboxStatus,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LedgerCursor,
    LedgerInbox,
    Notification,
    NotificationKind,
    NotificationPreference,
    Payment,
    Role,
)
from services.config.runtime import Runtime
from services.config.settings import ledger_webhook_secret
from services.ledger.pipeline import ingest
from services.ledger.signature import sign
from tests.factories import Factory
from tests.ledger_events import invoice_event, payment_event

pytestmark = pytest.mark.dates  # .ci/run runs these again with the host clock moved

SOURCE = "ledger"


@pytest.fixture
def ledger_world(session: Session, make: Factory):  # type: ignore[no-untyped-def]
    customer = make.customer(ref="C-100")
    other = make.customer(ref="C-200")
    make.vendor(code="NCS")
    owner = make.user(role=Role.OWNER, customer=customer)
    viewer = make.user(role=Role.VIEWER, customer=customer)
    stranger = make.user(role=Role.OWNER, customer=other)
    session.add(NotificationPreference(user_id=viewer.id, kind=NotificationKind.NEW_INVOICE, in_app=False,  # type: ignore[arg-type]
                                       email=False))
    session.commit()
    return {"customer": customer, "other": other, "owner": owner, "viewer": viewer, "stranger": stranger}


def counts(session: Session) -> dict[str, int]:
    session.expire_all()
    return {model.__name__: session.exec(select(func.count()).select_from(model)).one()
            for model in (Invoice, InvoiceLine, Payment, LedgerInbox, Notification)}


def test_invoices_and_payments_apply_and_statuses_follow(session: Session, runtime: Runtime, ledger_world) -> None:  # type: ignore[no-untyped-def]
    result = ingest(runtime, SOURCE, [invoice_event("i1", customer_ref="C-100", vendor_code="NCS")])
    assert (result.applied, result.quarantined) == (1, 0)
    invoice = session.exec(select(Invoice).where(Invoice.external_id == "i1")).one()
    assert (invoice.total_minor, invoice.status, invoice.revision) == (23800, InvoiceStatus.ISSUED, 1)
    ingest(runtime, SOURCE, [payment_event("p1", "i1", "100.00")])
    session.refresh(invoice)
    assert (invoice.amount_paid_minor, invoice.status) == (10000, InvoiceStatus.PARTIALLY_PAID)
    ingest(runtime, SOURCE, [payment_event("p2", "i1", "138.00")])
    session.refresh(invoice)
    assert (invoice.amount_paid_minor, invoice.status, invoice.revision) == (23800, InvoiceStatus.PAID, 3)
    ingest(runtime, SOURCE, [payment_event("p1", "i1", "100.00", type_="payment.refunded"),
                             payment_event("p2", "i1", "138.00", type_="payment.refunded")])
    session.refresh(invoice)
    assert (invoice.amount_paid_minor, invoice.status) == (0, InvoiceStatus.REFUNDED)


def test_the_same_batch_three_times_changes_nothing_after_the_first(session: Session, runtime: Runtime,  # type: ignore[no-untyped-def]
                                                                    ledger_world) -> None:
    batch = [invoice_event("i1", customer_ref="C-100", vendor_code="NCS"), payment_event("p1", "i1", "50.00"),
             {"event_id": "bad-1", "type": "invoice.issued"}]
    first = ingest(runtime, SOURCE, batch)
    after_first = counts(session)
    for _ in range(2):
        again = ingest(runtime, SOURCE, batch)
        assert (again.applied, again.duplicates, again.quarantined) == (0, 3, 0)
    assert counts(session) == after_first
    assert (first.applied, first.quarantined) == (2, 1)


def test_older_versions_are_ignored_and_newer_ones_replace_lines(session: Session, runtime: Runtime,  # type: ignore[no-untyped-def]
                                                                 ledger_world) -> None:
    two_lines = [{"description": "A", "quantity": "1", "unit_price": "10.00", "tax_rate": "0"},
                 {"description": "B", "quantity": "1", "unit_price": "5.00", "tax_rate": "0"}]
    ingest(runtime, SOURCE, [invoice_event("i9", customer_ref="C-100", vendor_code="NCS", version=2, lines=two_lines)])
    older = ingest(runtime, SOURCE, [invoice_event("i9", customer_ref="C-100", vendor_code="NCS", version=1)])
    assert (older.applied, older.older_ignored) == (1, 1)
    invoice = session.exec(select(Invoice).where(Invoice.external_id == "i9")).one()
    assert (invoice.version, invoice.total_minor) == (2, 1500)
    ingest(runtime, SOURCE, [invoice_event("i9", customer_ref="C-100", vendor_code="NCS", version=3,
                                           lines=two_lines[:1])])
    session.refresh(invoice)
    lines = session.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)).all()
    assert (invoice.version, invoice.total_minor, invoice.revision, len(lines)) == (3, 1000, 2, 1)


@pytest.mark.parametrize(("bad", "reason"), [
    ({"event_id": "x1", "type": "invoice.issued", "occurred_at": "2026-11-26T10:00:00Z",
      "invoice": {"external_id": "z", "number": 5}}, "invoice.number"),
    (payment_event("p", "i1", "NaN", event_id="x2"), "payment.amount"),
    (payment_event("p", "i1", "-5.00", event_id="x3"), "payment.amount"),
    (payment_event("p", "i1", "1.005", event_id="x4"), "more decimals than EUR allows"),
    (invoice_event("i2", customer_ref="C-999", vendor_code="NCS", event_id="x5"), "no customer with reference"),
    (invoice_event("i3", customer_ref="C-100", vendor_code="NCS", event_id="x6",
                   lines=[{"description": "x" * 5000, "quantity": "1", "unit_price": "1", "tax_rate": "0"}]),
     "description"),
    (payment_event("p", "i1", "10.00", currency="USD", event_id="x7"), "payment in USD"),
    (payment_event("p", "nope", "10.00", event_id="x8"), "no invoice 'nope'"),
    ({"event_id": "x9", "type": "payment.teleported", "occurred_at": "now"}, "type"),
    (["not", "an", "object"], "event"),
])
def test_bad_events_are_quarantined_and_the_rest_applies(session: Session, runtime: Runtime, ledger_world,  # type: ignore[no-untyped-def]
                                                         bad: object, reason: str) -> None:
    result = ingest(runtime, SOURCE, [invoice_event("i1", customer_ref="C-100", vendor_code="NCS"), bad,
                                      payment_event("ok", "i1", "10.00")])
    assert (result.applied, result.quarantined) == (2, 1)
    row = session.exec(select(LedgerInbox).where(LedgerInbox.status == InboxStatus.QUARANTINED)).one()
    assert reason in (row.error or ""), row.error
    assert session.exec(select(Invoice).where(Invoice.external_id == "i1")).one().amount_paid_minor == 1000


def test_the_cursor_moves_with_the_batch(session: Session, runtime: Runtime, ledger_world) -> None:  # type: ignore[no-untyped-def]
    ingest(runtime, "erp", [invoice_event("c1", customer_ref="C-100", vendor_code="NCS")], next_cursor="42")
    cursor = session.get(LedgerCursor, "erp")
    assert cursor is not None and cursor.cursor == "42" and cursor.events_applied == 1 and cursor.last_success_at


def test_notifications_follow_preferences_and_stay_within_the_customer(session: Session, runtime: Runtime,  # type: ignore[no-untyped-def]
                                                                       ledger_world) -> None:
    seen: list[tuple[int, str]] = []
    stop_mine = runtime.events.subscribe(ledger_world["customer"].id, lambda event: seen.append((event.customer_id, event.kind)))
    stop_other = runtime.events.subscribe(ledger_world["other"].id, lambda event: seen.append((event.customer_id, "LEAK")))
    try:
        ingest(runtime, SOURCE, [invoice_event("n1", customer_ref="C-100", vendor_code="NCS"),
                                 payment_event("np", "n1", "238.00")])
    finally:
        stop_mine()
        stop_other()
    assert seen == [(ledger_world["customer"].id, "new_invoice"), (ledger_world["customer"].id, "payment")]
    rows = session.exec(select(Notification.user_id, Notification.kind)).all()
    owner, viewer = ledger_world["owner"].id, ledger_world["viewer"].id
    assert sorted(rows) == sorted([(owner, NotificationKind.NEW_INVOICE), (owner, NotificationKind.PAYMENT_STATUS),
                                   (viewer, NotificationKind.PAYMENT_STATUS)])  # the viewer opted out of new invoices


async def _push(user: SimUser, runtime: Runtime, body: bytes, *, timestamp: int | None = None,
                secret: str | None = None, signature: str | None = None):  # type: ignore[no-untyped-def]
    secret = secret or ledger_webhook_secret(runtime.settings, runtime.secret_key)
    header = signature if signature is not None else sign(secret, body, timestamp or int(time.time()))
    return await user.http_client.post("/api/ledger/events", content=body,
                                       headers={"portal-signature": header, "content-type": "application/json"})


async def test_signed_pushes_are_accepted_and_others_refused(user: SimUser, session: Session, runtime: Runtime,  # type: ignore[no-untyped-def]
                                                             ledger_world) -> None:
    body = json.dumps({"events": [invoice_event("h1", customer_ref="C-100", vendor_code="NCS")]}).encode()
    assert (await _push(user, runtime, body, secret="wrong secret")).status_code == 401
    assert (await _push(user, runtime, body, timestamp=int(time.time()) - 301)).status_code == 401
    assert (await _push(user, runtime, body, timestamp=int(time.time()) + 301)).status_code == 401
    assert (await _push(user, runtime, body, signature="")).status_code == 401
    assert (await _push(user, runtime, body, signature="t=abc,v1=00")).status_code == 401
    tampered = body.replace(b"C-100", b"C-200")
    good_header = sign(ledger_webhook_secret(runtime.settings, runtime.secret_key), body, int(time.time()))
    assert (await _push(user, runtime, tampered, signature=good_header)).status_code == 401
    assert session.exec(select(func.count()).select_from(Invoice)).one() == 0

    accepted = await _push(user, runtime, body)
    assert accepted.status_code == 200 and accepted.json() == {"applied": 1, "duplicates": 0, "older_ignored": 0,
                                                               "quarantined": 0}
    replayed = await _push(user, runtime, body, signature=good_header)
    assert replayed.status_code == 200 and replayed.json()["duplicates"] == 1
    assert session.exec(select(func.count()).select_from(Invoice)).one() == 1
    assert (await _push(user, runtime, b"{not json")).status_code == 400
    assert (await _push(user, runtime, b"[1, 2]")).status_code == 400


@pytest.mark.settings(ledger_max_push_bytes=2048)
async def test_oversized_pushes_are_refused_before_parsing(user: SimUser, runtime: Runtime, ledger_world) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps({"events": [invoice_event(f"b{n}", customer_ref="C-100", vendor_code="NCS")
                                  for n in range(20)]}).encode()
    assert (await _push(user, runtime, body)).status_code == 413


def _reason(session: Session, event_id: str) -> str:
    session.expire_all()
    row = session.exec(select(LedgerInbox).where(LedgerInbox.event_id == event_id)).one()
    assert row.status == InboxStatus.QUARANTINED, (event_id, row.status)
    return row.error or ""


def test_out_of_range_and_unwanted_events_are_quarantined_and_the_rest_applies(  # type: ignore[no-untyped-def]
        session: Session, runtime: Runtime, ledger_world) -> None:
    huge_line = {"description": "Huge", "quantity": "1e13", "unit": "h", "unit_price": "1e13", "tax_rate": "19"}
    large_total = [{"description": "Large", "quantity": "700000", "unit": "h", "unit_price": "700000",
                    "tax_rate": "19"}] * 2
    naive = invoice_event("naive", customer_ref="C-100", vendor_code="NCS", event_id="naive")
    naive["occurred_at"] = "2026-11-26T10:00:00"
    batch = [
        invoice_event("huge", customer_ref="C-100", vendor_code="NCS", lines=[huge_line], event_id="huge"),
        invoice_event("large", customer_ref="C-100", vendor_code="NCS", lines=large_total, event_id="large"),
        naive,
        invoice_event("xyz", customer_ref="C-100", vendor_code="NCS", currency="XYZ", event_id="xyz"),
        invoice_event("good", customer_ref="C-100", vendor_code="NCS", event_id="good"),
    ]
    result = ingest(runtime, SOURCE, batch)
    assert (result.applied, result.quarantined) == (1, 4)
    assert "quantity" in _reason(session, "huge") and "larger than" in _reason(session, "huge")
    assert "invoice total is larger than" in _reason(session, "large")
    assert "needs a time zone" in _reason(session, "naive")
    assert "not an ISO 4217 currency" in _reason(session, "xyz")
    assert session.exec(select(Invoice.external_id)).all() == ["good"]


def test_an_update_cannot_move_an_invoice_to_another_customer(session: Session, runtime: Runtime,  # type: ignore[no-untyped-def]
                                                              ledger_world) -> None:
    ingest(runtime, SOURCE, [invoice_event("i1", customer_ref="C-100", vendor_code="NCS")])
    moved = invoice_event("i1", customer_ref="C-200", vendor_code="NCS", version=2, type_="invoice.updated",
                          event_id="move")
    assert ingest(runtime, SOURCE, [moved]).quarantined == 1
    assert "cannot move invoice 'i1' to another customer" in _reason(session, "move")
    session.expire_all()
    invoice = session.exec(select(Invoice).where(Invoice.external_id == "i1")).one()
    assert (invoice.customer_id, invoice.version) == (ledger_world["customer"].id, 1)


def test_a_void_must_raise_the_version(session: Session, runtime: Runtime, ledger_world) -> None:  # type: ignore[no-untyped-def]
    ingest(runtime, SOURCE, [invoice_event("i1", customer_ref="C-100", vendor_code="NCS", version=3)])
    same = invoice_event("i1", customer_ref="C-100", vendor_code="NCS", version=3, type_="invoice.voided",
                         event_id="void-same")
    assert ingest(runtime, SOURCE, [same]).quarantined == 1
    assert "a void must raise the version (the invoice is at version 3)" in _reason(session, "void-same")
    older = invoice_event("i1", customer_ref="C-100", vendor_code="NCS", version=2, type_="invoice.voided")
    assert ingest(runtime, SOURCE, [older]).older_ignored == 1
    newer = invoice_event("i1", customer_ref="C-100", vendor_code="NCS", version=4, type_="invoice.voided")
    assert ingest(runtime, SOURCE, [newer]).applied == 1
    session.expire_all()
    assert session.exec(select(Invoice.status).where(Invoice.external_id == "i1")).one() == InvoiceStatus.VOID


def test_a_payment_above_the_amount_due_applies_and_is_flagged_for_staff(session: Session, runtime: Runtime,  # type: ignore[no-untyped-def]
                                                                         ledger_world, make: Factory) -> None:
    from services.staff.sync_health import flagged_events
    from tests.factories import principal_for

    ingest(runtime, SOURCE, [invoice_event("i1", customer_ref="C-100", vendor_code="NCS"),
                             payment_event("p1", "i1", "200.00", event_id="p-first"),
                             payment_event("p2", "i1", "100.00", event_id="p-over")])
    session.expire_all()
    invoice = session.exec(select(Invoice).where(Invoice.external_id == "i1")).one()
    assert (invoice.amount_paid_minor, invoice.status) == (30000, InvoiceStatus.PAID)
    admin = principal_for(make.user(role=Role.ADMIN, email="ledger-admin@portal.example"))
    flagged = flagged_events(session, admin)
    assert [(event.event_id, event.flag) for event in flagged] == [("p-over", "overpayment")]
    assert flagged[0].note == "overpaid: €300.00 received for a total of €238.00"
