"""Staff console services: customers, tiers, users, the audit viewer and ledger sync health.

What staff change reaches customer users on their next request; support staff may help users
but not change customers or tiers; every change is audited."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from data import AuditEvent, InboxStatus, Invitation, LedgerInbox, Role, User, utcnow
from services.auth.login import sign_in_with_password, verify_second_factor
from services.auth.permissions import Capability, customer_access
from services.auth.sessions import resolve_session
from services.auth.team import describe_invitation
from services.config.runtime import Runtime
from services.errors import Forbidden, InvalidInput, LimitExceeded, NotFound
from services.invoices.queries import get_invoice_detail
from services.ledger.pipeline import ingest, replay
from services.principal import RequestInfo
from services.staff import users as admin_users
from services.staff.audit_viewer import AuditFilter, audit_csv, check_audit_chain, search_audit
from services.staff.customers import (
    CustomerInput,
    TierInput,
    invite_owner,
    list_customers,
    list_tiers,
    save_customer,
    save_tier,
    set_customer_active,
)
from services.staff.sync_health import Health, quarantined_events, source_health
from tests.clock import TODAY
from tests.factories import TEST_PASSWORD, TEST_SECRET_KEY, Factory, principal_for
from tests.ledger_events import invoice_event

pytestmark = pytest.mark.dates  # .ci/run runs these again with the host clock moved



@pytest.fixture
def staff(session: Session, make: Factory):  # type: ignore[no-untyped-def]
    admin = principal_for(make.user(role=Role.ADMIN, email="admin@portal.test"))
    support = principal_for(make.user(role=Role.SUPPORT, email="support@portal.test"))
    session.commit()
    return admin, support


def _customer_input(**fields) -> CustomerInput:  # type: ignore[no-untyped-def]
    return CustomerInput(**({"ref": "C-9000", "name": "Nordwind GmbH", "tier_id": 0} | fields))


def test_admin_creates_and_edits_a_customer_and_both_are_audited(session: Session, runtime: Runtime, make: Factory,
                                                                 staff) -> None:  # type: ignore[no-untyped-def]
    admin, support = staff
    basic, plus = make.tier(name="Basic"), make.tier(name="Plus")
    customer = save_customer(session, runtime, admin, _customer_input(tier_id=basic.id, country="de",
                                                                      email=" Billing@Nordwind.DE "))
    session.commit()
    assert (customer.country, customer.email) == ("DE", "billing@nordwind.de")
    save_customer(session, runtime, admin, _customer_input(tier_id=plus.id, name="Nordwind AG", country="DE",
                                                           email="billing@nordwind.de"), customer.id)
    session.commit()
    [row] = list_customers(session, support, "nordwind")
    assert (row.name, row.tier_name, row.active) == ("Nordwind AG", "Plus", True)
    actions = session.exec(select(AuditEvent.action, AuditEvent.details).where(
        AuditEvent.action.startswith("admin.customer"))).all()  # type: ignore[attr-defined]
    assert [action for action, _ in actions] == ["admin.customer_create", "admin.customer_update"]
    assert '"name": "Nordwind AG"' in actions[1][1] and "tier_id" in actions[1][1]


@pytest.mark.parametrize(("fields", "message"), [
    ({"ref": ""}, "customer number"), ({"ref": "has space"}, "customer number"), ({"name": "  "}, "company name"),
    ({"email": "not-an-address"}, "e-mail"), ({"country": "Germany"}, "two-letter"), ({"tier_id": 999_999}, "tier"),
])
def test_bad_customer_input_is_explained_and_nothing_is_saved(session: Session, runtime: Runtime, make: Factory,
                                                              staff, fields, message) -> None:  # type: ignore[no-untyped-def]
    admin, _ = staff
    tier = make.tier()
    with pytest.raises(InvalidInput, match=message):
        save_customer(session, runtime, admin, _customer_input(**({"tier_id": tier.id} | fields)))
    session.rollback()
    assert list_customers(session, admin) == []


def test_a_customer_number_cannot_be_taken_twice(session: Session, runtime: Runtime, make: Factory, staff) -> None:  # type: ignore[no-untyped-def]
    admin, _ = staff
    existing = make.customer(ref="C-1")
    with pytest.raises(InvalidInput, match="another customer"):
        save_customer(session, runtime, admin, _customer_input(ref="C-1", tier_id=existing.tier_id))


def test_support_staff_and_customers_cannot_change_customers_or_tiers(session: Session, runtime: Runtime,
                                                                     make: Factory, staff) -> None:  # type: ignore[no-untyped-def]
    _, support = staff
    tier = make.tier()
    owner = principal_for(make.user(role=Role.OWNER))
    tier_input = TierInput("Gold", None, True, True, 10, 1, 3, True)
    for actor in (support, owner):
        with pytest.raises(Forbidden):
            save_customer(session, runtime, actor, _customer_input(tier_id=tier.id))
        with pytest.raises(Forbidden):
            save_tier(session, runtime, actor, tier_input)
    with pytest.raises(Forbidden):
        list_customers(session, owner)
    with pytest.raises(Forbidden):
        search_audit(session, owner, AuditFilter())


def test_tier_changes_reach_users_on_their_next_request(session: Session, runtime: Runtime, make: Factory,
                                                        staff) -> None:  # type: ignore[no-untyped-def]
    admin, _ = staff
    tier = make.tier(name="Plus", history_months=None, can_download_pdf=True)
    customer = make.customer(tier_id=tier.id)
    old = make.invoice(customer=customer, issue_date=TODAY - timedelta(days=800), status="paid")
    viewer = principal_for(make.user(role=Role.VIEWER, customer=customer))
    session.commit()
    assert customer_access(session, viewer, TODAY).can(Capability.DOWNLOAD_PDF)
    get_invoice_detail(session, viewer, old.id, TODAY, secret_key=TEST_SECRET_KEY)  # type: ignore[arg-type]
    save_tier(session, runtime, admin, TierInput("Plus", 12, False, False, 0, 0, 5, False), tier.id)
    session.commit()
    access = customer_access(session, viewer, TODAY)
    assert not access.can(Capability.DOWNLOAD_PDF) and not access.can(Capability.EXPORT)
    with pytest.raises(NotFound):
        get_invoice_detail(session, viewer, old.id, TODAY, secret_key=TEST_SECRET_KEY)  # type: ignore[arg-type]
    [row] = [row for row in list_tiers(session, admin) if row.id == tier.id]
    assert (row.history_months, row.customers) == (12, 1)


@pytest.mark.parametrize(("tier_input", "message"), [
    (TierInput("", None, True, True, 1, 1, 1, True), "name"),
    (TierInput("X", 0, True, True, 1, 1, 1, True), "History"),
    (TierInput("X", None, True, True, -1, 1, 1, True), "Bulk export size"),
    (TierInput("X", None, True, True, 1, 1, 0, True), "Users per account"),
])
def test_bad_tier_input_is_explained(session: Session, runtime: Runtime, staff, tier_input, message) -> None:  # type: ignore[no-untyped-def]
    admin, _ = staff
    with pytest.raises(InvalidInput, match=message):
        save_tier(session, runtime, admin, tier_input)


def test_disabling_a_customer_ends_its_sessions_and_sign_ins(session: Session, runtime: Runtime, make: Factory,
                                                             staff) -> None:  # type: ignore[no-untyped-def]
    admin, _ = staff
    secret = pyotp.random_base32(32)
    user = make.user(role=Role.ACCOUNTANT, mfa_secret=secret)
    session.commit()
    half = sign_in_with_password(session, runtime, user.email, TEST_PASSWORD, RequestInfo())
    token = verify_second_factor(session, runtime, half.token, pyotp.TOTP(secret).now(), RequestInfo()).token  # type: ignore[union-attr]
    session.commit()
    assert set_customer_active(session, runtime, admin, user.customer_id, False) == 1  # type: ignore[arg-type]
    session.commit()
    assert resolve_session(session, token, runtime.settings) is None
    assert sign_in_with_password(session, runtime, user.email, TEST_PASSWORD, RequestInfo()) is None
    set_customer_active(session, runtime, admin, user.customer_id, True)  # type: ignore[arg-type]
    session.commit()
    assert sign_in_with_password(session, runtime, user.email, TEST_PASSWORD, RequestInfo()) is not None


def test_the_first_owner_gets_an_expiring_one_time_link(session: Session, runtime: Runtime, make: Factory,
                                                        staff) -> None:  # type: ignore[no-untyped-def]
    admin, _ = staff
    customer = make.customer(tier_id=make.tier(max_users=1).id)
    first = invite_owner(session, runtime, admin, customer.id, email="Chef@Nordwind.de", display_name="Chef")  # type: ignore[arg-type]
    session.commit()
    assert first.expires_at - utcnow() <= timedelta(days=runtime.settings.invitation_days)
    assert describe_invitation(session, first.token) is not None
    [row] = list_customers(session, admin)
    assert row.owner_pending
    again = invite_owner(session, runtime, admin, customer.id, email="chef@nordwind.de")  # type: ignore[arg-type]
    session.commit()
    assert describe_invitation(session, first.token) is None  # the earlier link stopped working
    assert describe_invitation(session, again.token) is not None
    owner = session.exec(select(User).where(User.email == "chef@nordwind.de")).one()
    assert (owner.role, owner.customer_id) == (Role.OWNER, customer.id)
    assert session.exec(select(sa.func.count()).select_from(Invitation)).one() == 2
    with pytest.raises(LimitExceeded, match="allows 1 users"):
        invite_owner(session, runtime, admin, customer.id, email="second@nordwind.de")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="already has an account"):
        invite_owner(session, runtime, admin, make.customer().id, email="chef@nordwind.de")  # type: ignore[arg-type]


def test_support_locks_unlocks_and_finds_users(session: Session, runtime: Runtime, make: Factory, staff) -> None:  # type: ignore[no-untyped-def]
    admin, support = staff
    user = make.user(role=Role.VIEWER, email="locked.out@example.com", failed_logins=4)
    session.commit()
    admin_users.lock_user(session, runtime, support, user.id)  # type: ignore[arg-type]
    session.commit()
    assert sign_in_with_password(session, runtime, user.email, TEST_PASSWORD, RequestInfo()) is None
    [row] = admin_users.search_users(session, support, "LOCKED.out")
    assert row.locked(utcnow())
    admin_users.unlock_user(session, runtime, support, user.id)  # type: ignore[arg-type]
    session.commit()
    assert sign_in_with_password(session, runtime, user.email, TEST_PASSWORD, RequestInfo()) is not None
    with pytest.raises(Forbidden):
        admin_users.set_user_active(session, runtime, support, user.id, False)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="administrator"):
        admin_users.lock_user(session, runtime, support, admin.user_id)
    with pytest.raises(InvalidInput, match="own account"):
        admin_users.lock_user(session, runtime, admin, admin.user_id)


def test_audit_viewer_filters_pages_and_exports(session: Session, runtime: Runtime, make: Factory, staff) -> None:  # type: ignore[no-untyped-def]
    admin, _ = staff
    customer = make.customer(name="=HYPERLINK(evil)")
    viewer = principal_for(make.user(role=Role.VIEWER, customer=customer, email="viewer@acme.test"))
    invoice = make.invoice(customer=customer)
    session.commit()
    for _ in range(3):
        get_invoice_detail(session, viewer, invoice.id, TODAY, secret_key=runtime.secret_key,  # type: ignore[arg-type]
                           audit_action="invoice.view")
    save_customer(session, runtime, admin, _customer_input(tier_id=customer.tier_id))
    session.commit()
    page = search_audit(session, admin, AuditFilter(user="viewer@acme", action="invoice.view"), page_size=2)
    assert [row.action for row in page.rows] == ["invoice.view"] * 2 and page.has_more
    rest = search_audit(session, admin, AuditFilter(user="viewer@acme"), before_seq=page.next_before_seq, page_size=2)
    assert len(rest.rows) == 1 and not rest.has_more
    assert [row.action for row in search_audit(session, admin, AuditFilter(action="admin.")).rows] == [
        "admin.customer_create"]
    assert search_audit(session, admin, AuditFilter(customer_id=customer.id, date_to=TODAY - timedelta(days=400))).rows == []
    with pytest.raises(InvalidInput, match="after the end"):
        search_audit(session, admin, AuditFilter(date_from=TODAY, date_to=TODAY - timedelta(days=1)))
    text, count = audit_csv(session, runtime, admin, AuditFilter(customer_id=customer.id))
    assert count == 3 and text.startswith("seq,occurred_at_utc,user_id,user_email")
    assert "'=HYPERLINK(evil)" in text and ",=HYPERLINK" not in text
    session.commit()
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "audit.export")).one().user_id == admin.user_id


def test_the_console_check_names_the_first_tampered_row(session: Session, runtime: Runtime, make: Factory,
                                                       staff) -> None:  # type: ignore[no-untyped-def]
    admin, _ = staff
    for n in range(4):
        make.tier(name=f"T{n}")
    assert check_audit_chain(session, runtime, admin).intact
    session.commit()
    session.execute(sa.text("UPDATE audit_event SET ip = '10.6.6.6' WHERE seq = 1"))
    session.commit()
    verdict = check_audit_chain(session, runtime, admin)
    session.commit()
    assert (verdict.chain.first_bad_seq, verdict.intact) == (1, False)
    latest = session.exec(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()  # type: ignore[attr-defined]
    assert (latest.action, latest.outcome) == ("audit.verify", "failure") and "row 1" in latest.reason  # type: ignore[union-attr, operator]


def test_sync_health_and_quarantine_replay(session: Session, runtime: Runtime, make: Factory, staff) -> None:  # type: ignore[no-untyped-def]
    admin, support = staff
    make.vendor(code="NCS")
    session.commit()
    ingest(runtime, "ledger", [invoice_event("i1", customer_ref="C-LATE", vendor_code="NCS"),
                               {"event_id": "broken", "type": "invoice.upserted", "data": {"total": "NaN"}}])
    [health] = source_health(session, support, runtime.settings)
    assert (health.name, health.kind, health.health, health.quarantined) == ("ledger", "push", Health.PUSH, 2)
    waiting = quarantined_events(session, support)
    late = next(event for event in waiting if event.event_id != "broken")
    assert "C-LATE" in (late.reason or "")
    with pytest.raises(Forbidden):
        replay(runtime, support, late.id)
    assert "C-LATE" in (replay(runtime, admin, late.id) or "")  # still no such customer: stays quarantined
    make.customer(ref="C-LATE")
    session.commit()
    assert replay(runtime, admin, late.id) is None
    session.expire_all()
    assert session.get(LedgerInbox, late.id).status == InboxStatus.REPLAYED  # type: ignore[union-attr]
    assert [event.event_id for event in quarantined_events(session, admin)] == ["broken"]
    with pytest.raises(InvalidInput, match="not in quarantine"):
        replay(runtime, admin, late.id)
    outcomes = session.exec(select(AuditEvent.outcome).where(AuditEvent.action == "ledger.replay")
                            .order_by(AuditEvent.seq)).all()
    assert outcomes == ["failure", "success"]


def test_a_failing_polled_source_shows_its_error(session: Session, runtime: Runtime, staff) -> None:  # type: ignore[no-untyped-def]
    from services.config.settings import LedgerSourceConfig
    from services.ledger.apply import record_source_failure

    _, support = staff
    settings = runtime.settings.model_copy(update={"ledger_sources": [
        LedgerSourceConfig(name="erp", kind="http", url="http://127.0.0.1:9/feed"),
        LedgerSourceConfig(name="quiet", kind="sql", url="sqlite://")]})
    record_source_failure(session, "erp", "the ledger answered HTTP 503")
    session.commit()
    by_name = {row.name: row for row in source_health(session, support, settings)}
    assert by_name["erp"].health == Health.FAILING and by_name["erp"].last_error == "the ledger answered HTTP 503"
    assert by_name["quiet"].health == Health.NEVER


def test_search_wildcards_are_plain_characters(session: Session, make: Factory, staff) -> None:  # type: ignore[no-untyped-def]
    admin, _ = staff
    make.customer(name="Nordwind GmbH")
    make.customer(name="100% Bio_Markt")
    make.user(role=Role.VIEWER, email="a_b@example.com")
    session.commit()
    assert [row.name for row in list_customers(session, admin, "%")] == ["100% Bio_Markt"]
    assert [row.name for row in list_customers(session, admin, "o_m")] == ["100% Bio_Markt"]
    assert [row.email for row in admin_users.search_users(session, admin, "a_b")] == ["a_b@example.com"]
    assert admin_users.search_users(session, admin, "%@") == []
    assert search_audit(session, admin, AuditFilter(user="_")).rows == []
