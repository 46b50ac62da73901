"""The staff console's operational metrics: known activity gives known numbers per period."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlmodel import Session, func, select

from data import AuditEvent, Customer, InvoiceStatus, Role, SupportRequest, User
from services.audit.chain import verify_audit_chain
from services.audit.trail import record_audit
from services.config.runtime import Runtime
from services.demo.dataset import load_demo
from services.demo.options import DemoOptions
from services.errors import Forbidden, InvalidInput, NotFound
from services.staff.metrics import MetricSeries, metric_filter_options, operational_metrics, series_csv
from tests.factories import TEST_SECRET_KEY, Factory
from tests.test_invoices import TODAY, principal_for

pytestmark = pytest.mark.dates  # .ci/run runs these again with the host clock moved

SEPTEMBER = {"start": date(2026, 9, 1), "end": date(2026, 10, 31)}


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0, month: int = 9) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=timezone.utc)


def values(series: MetricSeries) -> dict[date, tuple[float | None, int]]:
    return {point.period_start: (point.value, point.count) for point in series.points}


@pytest.fixture
def staff(make: Factory):  # type: ignore[no-untyped-def]
    return principal_for(make.user(role=Role.ADMIN))


class Activity:
    """Audit rows as the portal writes them, at chosen moments."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def __call__(self, action: str, moment: datetime, user, *, session_hash: str = "s1",  # type: ignore[no-untyped-def]
                 invoice=None, outcome: str = "success") -> None:  # type: ignore[no-untyped-def]
        record_audit(self.session, TEST_SECRET_KEY, action, outcome, user_id=user.id, customer_id=user.customer_id,
                     session_hash=session_hash, object_type="invoice" if invoice else None,
                     object_id=invoice.id if invoice else None, occurred_at=moment)


@pytest.fixture
def log(session: Session) -> Activity:
    return Activity(session)


def test_time_to_first_view_counts_from_availability_and_only_the_first_view(
        session: Session, make: Factory, staff, log: Activity) -> None:  # type: ignore[no-untyped-def]
    owner = make.user(role=Role.OWNER)
    customer = session.get(Customer, owner.customer_id)
    received_late = make.invoice(customer=customer, issue_date=date(2026, 9, 1), created_at=at(1, 10))
    loaded_early = make.invoice(customer=customer, issue_date=date(2026, 9, 10), created_at=at(1, 8))
    seen_in_august = make.invoice(customer=customer, issue_date=date(2026, 8, 20), created_at=at(20, 8, month=8))
    log("invoice.view", at(25, 9, month=8), owner, invoice=seen_in_august)
    log("invoice.view", at(2, 9), owner, invoice=received_late, outcome="denied")
    log("invoice.view", at(2, 10), owner, invoice=received_late)  # 24 h after it arrived
    log("invoice.view", at(10, 12), owner, invoice=loaded_early)  # 12 h after its issue date began
    log("invoice.view", at(20, 12), owner, invoice=received_late)  # again: not a first view
    log("invoice.view", at(21, 12), owner, invoice=seen_in_august)  # first seen before the range

    report = operational_metrics(session, staff, TODAY, **SEPTEMBER)

    assert report.periods == [date(2026, 9, 1), date(2026, 10, 1)]
    assert values(report.first_view_hours) == {date(2026, 9, 1): (18.0, 2), date(2026, 10, 1): (None, 0)}
    assert values(report.first_view_hours_median)[date(2026, 9, 1)] == (18.0, 2)


def test_dashboard_to_invoice_pairs_the_latest_load_with_the_next_invoice_of_the_session(
        session: Session, make: Factory, staff, log: Activity) -> None:  # type: ignore[no-untyped-def]
    owner = make.user(role=Role.OWNER)
    invoice = make.invoice(customer=session.get(Customer, owner.customer_id), created_at=at(1))
    log("dashboard.view", at(3, 10), owner)
    log("invoice.view", at(3, 10, 0, 30), owner, invoice=invoice)  # 30 s
    log("invoice.view", at(3, 10, 1), owner, invoice=invoice)  # no dashboard load before it
    log("dashboard.view", at(3, 10, 5), owner)
    log("dashboard.view", at(3, 10, 6), owner)
    log("invoice.view", at(3, 10, 6, 10), owner, invoice=invoice)  # 10 s after the latest load
    log("dashboard.view", at(4, 11), owner, session_hash="s2")
    log("invoice.view", at(4, 11, 45), owner, session_hash="s2", invoice=invoice)  # over 30 minutes: left out
    log("dashboard.view", at(5, 12), owner, session_hash="s3")
    log("invoice.view", at(5, 12, 0, 20), owner, session_hash="s4", invoice=invoice)  # another session

    report = operational_metrics(session, staff, TODAY, **SEPTEMBER)

    assert values(report.dashboard_to_invoice_seconds)[date(2026, 9, 1)] == (20.0, 2)
    assert values(report.dashboard_to_invoice_seconds_median)[date(2026, 9, 1)] == (20.0, 2)


def test_login_frequency_counts_customer_users_per_active_customer_and_user(
        session: Session, make: Factory, staff, log: Activity) -> None:  # type: ignore[no-untyped-def]
    first = make.user(role=Role.OWNER)
    colleague = make.user(role=Role.VIEWER, customer=session.get(Customer, first.customer_id))
    other = make.user(role=Role.OWNER)
    for day in (1, 8, 15):
        log("login.success", at(day, 9), first)
    log("login.success", at(2, 9), colleague)
    log("login.success", at(3, 9), other)
    log("login.success", at(4, 9), other)
    log("login.success", at(5, 9), make.user(role=Role.SUPPORT))  # staff: no customer

    report = operational_metrics(session, staff, TODAY, **SEPTEMBER)

    assert values(report.logins_per_customer) == {date(2026, 9, 1): (3.0, 2), date(2026, 10, 1): (None, 0)}
    assert values(report.logins_per_user)[date(2026, 9, 1)] == (2.0, 3)


def test_weeks_start_on_monday_and_months_on_the_first(
        session: Session, make: Factory, staff, log: Activity) -> None:  # type: ignore[no-untyped-def]
    owner = make.user(role=Role.OWNER)
    log("login.success", at(6, 23), owner)  # Sunday
    log("login.success", at(7, 0, 30), owner)  # Monday

    weekly = operational_metrics(session, staff, TODAY, granularity="week", start=date(2026, 9, 2),
                                 end=date(2026, 9, 9))
    monthly = operational_metrics(session, staff, TODAY, granularity="month", start=date(2026, 9, 2),
                                  end=date(2026, 9, 9))

    assert weekly.periods == [date(2026, 8, 31), date(2026, 9, 7)]
    assert (weekly.start, weekly.end) == (date(2026, 8, 31), date(2026, 9, 13))
    assert values(weekly.logins_per_customer) == {date(2026, 8, 31): (1.0, 1), date(2026, 9, 7): (1.0, 1)}
    assert (monthly.start, monthly.end) == (date(2026, 9, 1), date(2026, 9, 30))
    assert values(monthly.logins_per_customer) == {date(2026, 9, 1): (2.0, 1)}


def test_customer_and_tier_filters_narrow_every_metric(
        session: Session, make: Factory, staff, log: Activity) -> None:  # type: ignore[no-untyped-def]
    gold, basic = make.tier(name="Gold"), make.tier(name="Basic")
    big = make.customer(name="Big", tier_id=gold.id)
    small = make.customer(name="Small", tier_id=basic.id)
    big_user, small_user = make.user(customer=big), make.user(customer=small)
    for _ in range(4):
        log("login.success", at(1, 9), big_user)
    log("login.success", at(1, 9), small_user)
    make.invoice(customer=big, issue_date=date(2026, 9, 3))
    make.invoice(customer=small, issue_date=date(2026, 9, 3))
    session.add(SupportRequest(customer_id=small.id, subject="?", message="?", created_at=at(4)))  # type: ignore[arg-type]
    september = date(2026, 9, 1)

    everyone = operational_metrics(session, staff, TODAY, **SEPTEMBER)
    only_big = operational_metrics(session, staff, TODAY, customer_id=big.id, **SEPTEMBER)
    only_basic = operational_metrics(session, staff, TODAY, tier_id=basic.id, **SEPTEMBER)
    nobody = operational_metrics(session, staff, TODAY, customer_id=big.id, tier_id=basic.id, **SEPTEMBER)

    assert values(everyone.logins_per_customer)[september] == (2.5, 2)
    assert values(everyone.support_per_100_before)[september] == (50.0, 2)
    assert values(only_big.logins_per_customer)[september] == (4.0, 1)
    assert values(only_big.support_per_100_before)[september] == (0.0, 1)
    assert values(only_basic.logins_per_customer)[september] == (1.0, 1)
    assert values(only_basic.support_per_100_before)[september] == (100.0, 1)
    assert all(point.value is None for series in nobody.all_series for point in series.points)


def test_support_requests_per_100_invoices_split_at_each_customers_adoption(
        session: Session, make: Factory, staff) -> None:  # type: ignore[no-untyped-def]
    adopter = make.customer(portal_adopted_at=at(15, 10))
    holdout = make.customer()  # never signed in: all "before"
    for day in (1, 5, 9, 14):
        make.invoice(customer=adopter, issue_date=date(2026, 9, day))
    for day in (15, 20, 25, 28):  # from the adoption day on: "after"
        make.invoice(customer=adopter, issue_date=date(2026, 9, day))
    make.invoice(customer=adopter, issue_date=date(2026, 9, 29), status=InvoiceStatus.DRAFT)  # never issued
    for day in (2, 3):
        make.invoice(customer=holdout, issue_date=date(2026, 9, day))
    for customer, moment in ((adopter, at(5, 9)), (adopter, at(15, 9)), (adopter, at(16, 9)), (holdout, at(20))):
        session.add(SupportRequest(customer_id=customer.id, subject="?", message="?", created_at=moment))  # type: ignore[arg-type]

    report = operational_metrics(session, staff, TODAY, **SEPTEMBER)

    assert values(report.support_per_100_before) == {date(2026, 9, 1): (50.0, 6), date(2026, 10, 1): (None, 0)}
    assert values(report.support_per_100_after) == {date(2026, 9, 1): (25.0, 4), date(2026, 10, 1): (None, 0)}


def test_a_customer_user_cannot_see_the_metrics(session: Session, make: Factory) -> None:
    owner = principal_for(make.user(role=Role.OWNER))
    with pytest.raises(Forbidden):
        operational_metrics(session, owner, TODAY)
    with pytest.raises(Forbidden):
        metric_filter_options(session, owner)


def test_filter_options_list_customers_and_tiers_by_name(session: Session, make: Factory, staff) -> None:  # type: ignore[no-untyped-def]
    tier = make.tier(name="AAA first tier")
    zeta, alpha = make.customer(name="Zeta", tier_id=tier.id), make.customer(name="Alpha", tier_id=tier.id)

    options = metric_filter_options(session, staff)

    names = [choice.name for choice in options.customers]
    assert names.index("Alpha") < names.index("Zeta")
    assert {(choice.id, choice.tier_id) for choice in options.customers} >= {(alpha.id, tier.id), (zeta.id, tier.id)}
    assert options.tiers[0].name == "AAA first tier" and options.tiers[0].id == tier.id


def test_each_series_exports_as_plain_csv(session: Session, make: Factory, staff, log: Activity) -> None:  # type: ignore[no-untyped-def]
    first, second = make.user(role=Role.OWNER), make.user(role=Role.OWNER)
    for moment in (at(1, 9), at(2, 9), at(3, 9)):
        log("login.success", moment, first)
    log("login.success", at(4, 9), second)
    log("login.success", at(4, 9, month=10), second)

    report = operational_metrics(session, staff, TODAY, start=date(2026, 9, 1), end=date(2026, 11, 30))

    assert series_csv(report.logins_per_customer) == (
        "period_start,value,count\r\n2026-09-01,2,2\r\n2026-10-01,1,1\r\n2026-11-01,,0\r\n")
    assert report.logins_per_customer.key == "logins_per_customer"


def test_no_activity_gives_a_year_of_empty_periods(session: Session, staff) -> None:  # type: ignore[no-untyped-def]
    report = operational_metrics(session, staff, TODAY)

    assert report.periods[0] == date(2025, 12, 1) and report.periods[-1] == date(2026, 11, 1)
    assert len(report.periods) == 12
    for series in report.all_series:
        assert [point.period_start for point in series.points] == report.periods
        assert all(point.value is None and point.count == 0 for point in series.points)
        assert series_csv(series).count("\r\n") == 13


def test_impossible_filters_are_refused(session: Session, staff) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput):
        operational_metrics(session, staff, TODAY, granularity="day")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        operational_metrics(session, staff, TODAY, start=date(2026, 10, 1), end=date(2026, 9, 1))
    with pytest.raises(InvalidInput):
        operational_metrics(session, staff, TODAY, start=date(2016, 1, 1))
    with pytest.raises(NotFound):
        operational_metrics(session, staff, TODAY, customer_id=999_999)
    with pytest.raises(NotFound):
        operational_metrics(session, staff, TODAY, tier_id=999_999)


def test_the_demo_history_fills_every_chart_and_keeps_the_audit_chain(
        runtime: Runtime, session: Session) -> None:
    load_demo(runtime.engine, DemoOptions(customers=4, invoices=400, seed=5, as_of=TODAY), runtime.secret_key)
    admin = principal_for(session.exec(select(User).where(User.role == Role.ADMIN)).one())

    assert verify_audit_chain(session, runtime.secret_key).intact
    report = operational_metrics(session, admin, TODAY)
    for series in report.all_series:
        assert any(point.value is not None for point in series.points), series.key
    before = sum(point.value * point.count for point in report.support_per_100_before.points if point.value)
    after = sum(point.value * point.count for point in report.support_per_100_after.points if point.value)
    invoices_before = sum(point.count for point in report.support_per_100_before.points)
    invoices_after = sum(point.count for point in report.support_per_100_after.points)
    assert before / invoices_before > after / invoices_after  # the portal makes questions rarer
    # The first sign-in of each customer with users is its adoption.
    first_login = session.exec(select(AuditEvent).where(AuditEvent.action == "login.success")
                               .order_by(AuditEvent.seq)).first()
    assert first_login is not None
    adopter = session.get(Customer, first_login.customer_id)
    assert adopter is not None and adopter.portal_adopted_at == first_login.occurred_at
    assert session.exec(select(func.max(AuditEvent.occurred_at))).one() < at(26, month=11)  # nothing "today" or later
