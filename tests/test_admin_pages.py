"""The staff console's screens in NiceGUI's simulated browser: what admins and support staff see
and can do, and that customers never reach any of it."""

from __future__ import annotations

import csv
import io

import pyotp
import pytest
import sqlalchemy as sa
from nicegui import ui
from nicegui.testing import User as SimUser
from sqlmodel import Session, select

from data import AccessAlert, AuditEvent, Customer, Role, Tier, User, utcnow
from tests.factories import Factory
from tests.ledger_events import invoice_event
from tests.web import sign_in

pytestmark = pytest.mark.dates  # .ci/run runs these again with the host clock moved

SECRET = pyotp.random_base32(32)


@pytest.fixture
async def admin(user: SimUser, session: Session, make: Factory):  # type: ignore[no-untyped-def]
    tier = make.tier(name="Business", max_users=5)
    customer = make.customer(ref="C-77", name="Ölmühle Østergaard", tier_id=tier.id)
    make.user(role=Role.VIEWER, customer=customer, email="viewer@oelmuehle.example")
    admin = make.user(role=Role.ADMIN, email="admin@portal.example", mfa_secret=SECRET)
    session.commit()
    await sign_in(user.http_client, "admin@portal.example", SECRET)
    return {"tier": tier, "customer": customer, "admin": admin}


async def test_staff_land_on_the_console_and_customers_never_reach_it(user: SimUser, admin) -> None:  # type: ignore[no-untyped-def]
    home = await user.http_client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/admin"
    await user.open("/admin")
    await user.should_see("Staff console")
    await user.should_see("Active customers")
    await user.should_see("No unusual activity so far.")


async def test_admin_creates_a_customer_and_invites_its_owner(user: SimUser, session: Session, admin) -> None:  # type: ignore[no-untyped-def]
    await user.open("/admin/customers")
    await user.should_see("Ölmühle Østergaard")
    user.find("New customer").click()
    user.find("Customer number (as in the ledger)").type("C-78")
    user.find("Company name").type("Nordwind GmbH")
    user.find("Country (ISO, e.g. DE)").type("Germany")
    user.find("Save").click()
    await user.should_see("two-letter ISO code")  # explained; nothing saved, the typing stays
    assert session.exec(select(Customer).where(Customer.ref == "C-78")).first() is None
    user.find("Country (ISO, e.g. DE)").clear().type("de")
    user.find("Save").click()
    await user.should_see("Customer C-78 saved.")
    session.expire_all()
    created = session.exec(select(Customer).where(Customer.ref == "C-78")).one()
    assert (created.name, created.country, created.tier_id) == ("Nordwind GmbH", "DE", admin["tier"].id)

    await user.should_see(marker="edit-C-78")
    user.find(marker="edit-C-78").click()
    user.find("Invite the owner").click()
    user.find("Owner's e-mail").type("chef@nordwind.example")
    user.find("Create invitation link").click()
    await user.should_see("It is not shown again.")
    link = user.find(marker="invitation-link").elements.pop().value
    assert link.startswith("http") and "/invite/" in link
    owner = session.exec(select(User).where(User.email == "chef@nordwind.example")).one()
    assert (owner.role, owner.customer_id) == (Role.OWNER, created.id)
    user.find("Disable customer").click()
    user.find(marker="confirm-action").click()
    await user.should_see("Nordwind GmbH disabled")
    session.expire_all()
    assert not session.get(Customer, created.id).is_active  # type: ignore[union-attr]


async def test_support_sees_but_cannot_change_customers_or_tiers(user: SimUser, session: Session,
                                                                make: Factory) -> None:
    make.tier(name="Basic")
    make.user(role=Role.SUPPORT, email="help@portal.example", mfa_secret=SECRET)
    session.commit()
    await sign_in(user.http_client, "help@portal.example", SECRET)
    await user.open("/admin/tiers")
    await user.should_see("Basic")
    await user.should_not_see("New tier")
    await user.open("/admin/customers")
    await user.should_not_see("New customer")


async def test_the_audit_viewer_filters_and_exports_csv(user: SimUser, session: Session, admin) -> None:  # type: ignore[no-untyped-def]
    await user.open("/admin/audit?action=login.success")
    await user.should_see("login.success")
    await user.should_see("admin@portal.example")
    await user.open("/admin/audit?from=someday")
    await user.should_see("is not a date")
    response = await user.http_client.get("/admin/audit/export.csv?action=login.success")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment;" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert [row["action"] for row in rows] == ["login.success"]
    assert rows[0]["user_email"] == "admin@portal.example"


async def test_the_verify_button_names_the_first_tampered_row(user: SimUser, session: Session, admin) -> None:  # type: ignore[no-untyped-def]
    await user.open("/admin/audit")
    user.find("Verify chain").click()
    await user.should_see("The trail is intact")
    session.execute(sa.text("UPDATE audit_event SET outcome = 'success' WHERE seq = 1"))
    session.execute(sa.text("UPDATE audit_event SET ip = '203.0.113.9' WHERE seq = 2"))
    session.commit()
    user.find("Verify chain").click()
    await user.should_see("Tampering found: row 2 (id")


async def test_the_ledger_page_shows_health_and_replays_quarantine(user: SimUser, session: Session, runtime,  # type: ignore[no-untyped-def]
                                                                   make: Factory, admin) -> None:
    from services.ledger.pipeline import ingest

    make.vendor(code="NCS")
    session.commit()
    ingest(runtime, "ledger", [invoice_event("late-1", customer_ref="C-NEW", vendor_code="NCS")])
    await user.open("/admin/ledger")
    await user.should_see("receiving pushes")
    await user.should_see("late-1")
    make.customer(ref="C-NEW")
    session.commit()
    user.find("Replay").click()
    await user.should_see("The event was applied.", retries=30)
    await user.should_see("Nothing is waiting in quarantine.")


async def test_users_page_locks_and_unlocks_after_confirmation(user: SimUser, session: Session, admin) -> None:  # type: ignore[no-untyped-def]
    await user.open("/admin/users?q=viewer@")
    await user.should_see("viewer@oelmuehle.example")
    user.find(kind=ui.button, content="Lock").click()
    await user.should_see("Lock viewer@oelmuehle.example?")
    user.find(marker="confirm-action").click()
    await user.should_see("viewer@oelmuehle.example is locked.")
    await user.should_see("Locked")
    session.expire_all()
    viewer = session.exec(select(User).where(User.email == "viewer@oelmuehle.example")).one()
    assert viewer.locked_until is not None and viewer.locked_until > utcnow()
    user.find(kind=ui.button, content="Unlock").click()
    await user.should_see("viewer@oelmuehle.example can sign in again.")
    session.expire_all()
    assert session.get(User, viewer.id).locked_until is None  # type: ignore[union-attr]


async def test_alerts_show_on_the_console_and_can_be_released(user: SimUser, session: Session, admin) -> None:  # type: ignore[no-untyped-def]
    viewer = session.exec(select(User).where(User.email == "viewer@oelmuehle.example")).one()
    session.add(AccessAlert(user_id=viewer.id, customer_id=viewer.customer_id, kind="rapid_access",  # type: ignore[arg-type]
                            detail="41 invoices opened or downloaded within a minute", raised_at=utcnow(),
                            throttled_until=utcnow().replace(year=utcnow().year + 1)))
    session.commit()
    await user.open("/admin")
    await user.should_see("Many invoices in a minute")
    await user.should_see("41 invoices opened")
    user.find("Release").click()
    await user.should_see("Alert released")
    session.expire_all()
    assert session.exec(select(AccessAlert)).one().resolved_at is not None
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "monitor.resolve")).one()
    assert session.exec(select(Tier)).first() is not None


async def test_metrics_page_draws_charts_and_serves_each_series_as_csv(user: SimUser, admin) -> None:  # type: ignore[no-untyped-def]
    await user.open("/admin/metrics?period=week&from=2026-10-01&to=2026-11-26")
    await user.should_see("Time to invoice retrieval")
    await user.should_see("Billing questions per 100 invoices")
    assert len(user.find(kind=ui.echart).elements) == 4
    await user.open("/admin/metrics?period=fortnight")
    await user.should_see("is not one of week, month; 'month' is used")
    response = await user.http_client.get("/admin/metrics/logins_per_customer.csv?period=week&from=2026-11-01")
    assert response.status_code == 200 and response.text.lstrip("\ufeff").startswith("period_start,value,count")
    unknown = await user.http_client.get("/admin/metrics/nonsense.csv")
    assert unknown.status_code == 404 and "<h1>Not found</h1>" in unknown.text and "no metric called" in unknown.text


async def test_customers_cannot_reach_any_staff_page_or_download(user: SimUser, session: Session,
                                                                make: Factory) -> None:
    make.user(role=Role.OWNER, email="owner@customer.example", mfa_secret=SECRET)
    session.commit()
    await sign_in(user.http_client, "owner@customer.example", SECRET)
    for path in ("/admin", "/admin/customers", "/admin/users", "/admin/tiers", "/admin/audit", "/admin/ledger",
                 "/admin/metrics", "/admin/audit/export.csv", "/admin/metrics/logins_per_customer.csv"):
        assert (await user.http_client.get(path)).status_code == 404, path


async def test_support_staff_work_through_billing_questions(user: SimUser, session: Session, make: Factory) -> None:
    from data import SupportRequest, SupportStatus

    customer = make.customer(name="Fjord Fisk AS")
    asker = make.user(role=Role.ACCOUNTANT, customer=customer, email="kari@fjord.example")
    invoice = make.invoice(customer=customer, number="FF-2026-17")
    session.add(SupportRequest(customer_id=customer.id, user_id=asker.id, invoice_id=invoice.id,  # type: ignore[arg-type]
                               subject="Question about invoice FF-2026-17", message="Why two freight lines?"))
    make.user(role=Role.SUPPORT, email="help@portal.example", mfa_secret=SECRET)
    session.commit()
    await sign_in(user.http_client, "help@portal.example", SECRET)
    await user.open("/admin/questions")
    await user.should_see("Why two freight lines?")
    await user.should_see("kari@fjord.example")
    user.find("Mark answered").click()
    await user.should_see("Question marked answered.")
    await user.should_see("No open questions.")
    session.expire_all()
    assert session.exec(select(SupportRequest)).one().status == SupportStatus.ANSWERED
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "support.status")).one()
