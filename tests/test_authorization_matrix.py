"""SECURITY.md 18, 20, 23: two customers × roles × tiers against the invoice pages; another
customer's invoice is the same 404 as a missing one; no filter combination leaks a row."""

from __future__ import annotations

from datetime import date

import pyotp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nicegui.testing import User as SimUser
from sqlmodel import Session, select

from data import AuditEvent, Invoice, InvoiceStatus, Role
from services.auth.permissions import Capability, customer_access
from services.invoices.list_query import InvoiceQuery, Period, SortKey
from services.invoices.queries import list_invoices
from tests.factories import Factory, principal_for
from tests.test_invoices import TODAY
from tests.web import sign_in

ROLES = (Role.OWNER, Role.ACCOUNTANT, Role.VIEWER)


@pytest.fixture
def two_customers(session: Session, make: Factory):  # type: ignore[no-untyped-def]
    tiers = {"basic": make.tier(name="M-Basic", history_months=12, can_export_csv=False),
             "enterprise": make.tier(name="M-Enterprise", history_months=None)}
    world = {}
    for name, tier in (("a", "enterprise"), ("b", "basic")):
        customer = make.customer(name=f"Customer {name.upper()}", tier_id=tiers[tier].id)
        vendor = make.vendor()
        invoices = [make.invoice(customer=customer, vendor=vendor, number=f"{name.upper()}-{n:03d}",
                                 issue_date=date(2026, 1 + n % 11, 1 + n)) for n in range(12)]
        invoices.append(make.invoice(customer=customer, vendor=vendor, number=f"{name.upper()}-DRAFT",
                                     status=InvoiceStatus.DRAFT))
        users = {role: make.user(role=role, customer=customer, mfa_secret=pyotp.random_base32(32),
                                 email=f"{role.value}@{name}.example") for role in ROLES}
        world[name] = {"customer": customer, "invoices": invoices, "users": users}
    session.commit()
    return world


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("me", "other"), [("a", "b"), ("b", "a")])
async def test_invoice_pages_by_customer_role_and_tier(user: SimUser, session: Session, two_customers, role: Role,  # type: ignore[no-untyped-def]
                                                       me: str, other: str) -> None:
    account = two_customers[me]["users"][role]
    from services.auth.totp import open_secret
    from tests.factories import TEST_SECRET_KEY

    await sign_in(user.http_client, account.email, open_secret(TEST_SECRET_KEY, account.totp_secret_encrypted))
    mine = two_customers[me]["invoices"][0]
    own = await user.http_client.get(f"/invoices/{mine.id}")
    assert own.status_code == 200 and mine.number in own.text

    theirs = await user.http_client.get(f"/invoices/{two_customers[other]['invoices'][0].id}")
    missing = await user.http_client.get("/invoices/987654321")
    draft = await user.http_client.get(f"/invoices/{two_customers[me]['invoices'][-1].id}")
    garbage = await user.http_client.get("/invoices/1%20OR%201=1")
    for response in (theirs, missing, draft, garbage):
        assert response.status_code == 404
        assert response.text == missing.text
    assert two_customers[other]["invoices"][0].number not in theirs.text

    dashboard = await user.http_client.get("/")
    assert dashboard.status_code == 200
    assert f"{other.upper()}-0" not in dashboard.text and f"{me.upper()}-DRAFT" not in dashboard.text
    denials = session.exec(select(AuditEvent).where(AuditEvent.action == "invoice.view",
                                                    AuditEvent.outcome == "denied")).all()
    assert len(denials) == 4 and all(row.user_id == account.id for row in denials)


@pytest.mark.parametrize(("role", "tier", "can_zip", "can_csv"), [
    (Role.OWNER, "enterprise", True, True), (Role.ACCOUNTANT, "enterprise", True, True),
    (Role.VIEWER, "enterprise", False, False), (Role.OWNER, "basic", True, False), (Role.ACCOUNTANT, "basic", True, False),
    (Role.VIEWER, "basic", False, False),
])
def test_capabilities_come_from_role_and_tier(session: Session, two_customers, role: Role, tier: str,  # type: ignore[no-untyped-def]
                                              can_zip: bool, can_csv: bool) -> None:
    name = "a" if tier == "enterprise" else "b"
    access = customer_access(session, principal_for(two_customers[name]["users"][role]), TODAY)
    assert access.can(Capability.EXPORT) is can_zip
    assert access.can(Capability.EXPORT_CSV) is can_csv
    assert access.can(Capability.MANAGE_TEAM) is (role == Role.OWNER)
    assert access.can(Capability.VIEW_INVOICES)


queries = st.builds(
    InvoiceQuery,
    period=st.sampled_from([None, *Period]),
    date_from=st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2027, 12, 31))),
    date_to=st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2027, 12, 31))),
    vendor_codes=st.lists(st.one_of(st.sampled_from(["V1", "V2", "V3"]), st.text(max_size=8)), max_size=4).map(tuple),
    number=st.one_of(st.just(""), st.sampled_from(["A-", "B-", "a-0", "%", "_", "B-DRAFT"]),
                     st.text(max_size=6)),
    statuses=st.lists(st.sampled_from(list(InvoiceStatus)), max_size=3, unique=True).map(tuple),
    sort=st.sampled_from(list(SortKey)),
    descending=st.booleans(),
    page=st.integers(1, 5),
    page_size=st.sampled_from([10, 25, 50, 100]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries, role=st.sampled_from(ROLES), me=st.sampled_from(["a", "b"]))
def test_no_filter_combination_leaks_another_customers_row_or_a_draft(session: Session, two_customers,  # type: ignore[no-untyped-def]
                                                                      query: InvoiceQuery, role: Role,
                                                                      me: str) -> None:
    principal = principal_for(two_customers[me]["users"][role])
    page = list_invoices(session, principal, query, TODAY)
    for row in page.rows:
        invoice = session.get(Invoice, row.id)
        assert invoice is not None
        assert invoice.customer_id == principal.customer_id
        assert invoice.status != InvoiceStatus.DRAFT
