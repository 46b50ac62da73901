"""The invoice list, summary and detail as a customer user sees them."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlmodel import Session, select

from data import AuditEvent, InvoiceStatus, Payment, PaymentMethod, PaymentStatus, Role
from services.errors import Forbidden, NotFound
from services.invoices.list_query import InvoiceQuery, Period, SortKey, parse_invoice_query, period_range, typed_edit
from services.invoices.queries import account_summary, get_invoice_detail, list_invoices, vendor_options
from services.principal import Principal
from tests.clock import TODAY, days
from tests.factories import TEST_SECRET_KEY, Factory, principal_for

pytestmark = pytest.mark.dates  # .ci/run runs these again with the host clock moved



@pytest.fixture
def world(session: Session, make: Factory):  # type: ignore[no-untyped-def]
    """Two customers with invoices of two vendors; the first has a viewer."""
    mine, theirs = make.customer(name="Mine"), make.customer(name="Theirs")
    acme, globex = make.vendor(name="Acme"), make.vendor(name="Globex")
    invoices = [
        make.invoice(customer=mine, vendor=acme, number="INV-2026-001", issue_date=date(2026, 11, 2)),
        make.invoice(customer=mine, vendor=globex, number="inv-2026-002", issue_date=date(2026, 10, 15),
                     status=InvoiceStatus.PAID, amount_paid_minor=23800),
        make.invoice(customer=mine, vendor=acme, number="CR-77", issue_date=date(2026, 9, 1),
                     status=InvoiceStatus.OVERDUE),
        make.invoice(customer=mine, vendor=acme, number="DRAFT-1", issue_date=date(2026, 11, 20),
                     status=InvoiceStatus.DRAFT),
        make.invoice(customer=theirs, vendor=acme, number="INV-2026-003", issue_date=date(2026, 11, 3)),
    ]
    viewer = make.user(role=Role.VIEWER, customer=mine)
    session.commit()
    return {"mine": mine, "theirs": theirs, "acme": acme, "globex": globex, "invoices": invoices,
            "viewer": principal_for(viewer)}


def numbers(session: Session, principal: Principal, query: InvoiceQuery) -> list[str]:
    return [row.number for row in list_invoices(session, principal, query, TODAY).rows]


def test_the_list_shows_only_my_customers_issued_invoices(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    assert numbers(session, world["viewer"], InvoiceQuery()) == ["INV-2026-001", "inv-2026-002", "CR-77"]


@pytest.mark.parametrize(("query", "expected"), [
    (InvoiceQuery(number="inv-2026"), ["INV-2026-001", "inv-2026-002"]),
    (InvoiceQuery(number="INV-2026-001"), ["INV-2026-001"]),
    (InvoiceQuery(number="INV-2026-003"), []),  # another customer's number finds nothing
    (InvoiceQuery(number="%"), []),  # wildcards are literal
    (InvoiceQuery(statuses=(InvoiceStatus.PAID, InvoiceStatus.OVERDUE)), ["inv-2026-002", "CR-77"]),
    (InvoiceQuery(statuses=(InvoiceStatus.DRAFT,)), []),
    (InvoiceQuery(period=Period.CUSTOM, date_from=date(2026, 10, 1), date_to=date(2026, 10, 31)), ["inv-2026-002"]),
    (InvoiceQuery(period=Period.THIS_MONTH), ["INV-2026-001"]),
    (InvoiceQuery(period=Period.LAST_YEAR), []),
    (InvoiceQuery(sort=SortKey.NUMBER, descending=False), ["CR-77", "INV-2026-001", "inv-2026-002"]),
    (InvoiceQuery(sort=SortKey.STATUS, descending=False), ["INV-2026-001", "CR-77", "inv-2026-002"]),
])
def test_filters_and_sorting(session: Session, world, query: InvoiceQuery, expected: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert numbers(session, world["viewer"], query) == expected


def test_vendor_filter_and_options(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    assert numbers(session, world["viewer"], InvoiceQuery(vendor_codes=(world["globex"].code,))) == ["inv-2026-002"]
    options = vendor_options(session, world["viewer"], TODAY)
    assert [(v.code, v.name) for v in options] == [(world["acme"].code, "Acme"), (world["globex"].code, "Globex")]


def test_the_url_names_vendors_by_code_and_drops_ones_the_user_has_none_from() -> None:
    query = parse_invoice_query({"vendor": ["NHW", "ghost", "NHW"]})
    assert query.vendor_codes == ("NHW", "ghost") and query.to_query_string() == "vendor=NHW&vendor=ghost"
    known = query.with_known_vendors({"NHW", "ACME"})
    assert known.vendor_codes == ("NHW",)
    assert any("“ghost”" in problem for problem in known.problems)


def test_an_empty_custom_range_is_no_filter() -> None:
    empty = InvoiceQuery(period=Period.CUSTOM)
    assert not empty.is_filtered and not empty.dates_filtered
    assert InvoiceQuery(period=Period.CUSTOM, date_to=date(2026, 1, 31)).is_filtered
    assert InvoiceQuery(period=Period.THIS_MONTH).dates_filtered


@pytest.mark.parametrize(("descending", "expected"), [(False, ["CR-77", "INV-2026-001", "inv-2026-002"]),
                                                      (True, ["inv-2026-002", "INV-2026-001", "CR-77"])])
def test_sorting_by_vendor_puts_names_in_order(session: Session, world, descending: bool,  # type: ignore[no-untyped-def]
                                               expected: list[str]) -> None:
    # Acme: INV-2026-001 (Nov 2) and CR-77 (Sep 1); Globex: inv-2026-002; ties by issue date
    assert numbers(session, world["viewer"], InvoiceQuery(sort=SortKey.VENDOR, descending=descending)) == expected


def test_sorting_by_still_due_counts_settled_invoices_as_nothing_due(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    page = list_invoices(session, world["viewer"], InvoiceQuery(sort=SortKey.STILL_DUE, descending=True), TODAY)
    dues = [row.due_minor for row in page.rows]
    assert dues == sorted(dues, reverse=True)


def test_pages_past_the_end_show_the_last_page(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    page = list_invoices(session, world["viewer"], InvoiceQuery(page=99, page_size=2), TODAY)
    assert (page.page, page.page_count, page.total, [r.number for r in page.rows]) == (2, 2, 3, ["CR-77"])


def test_the_tier_history_window_hides_old_settled_invoices_but_not_unpaid_ones(session: Session,
                                                                               make: Factory) -> None:
    basic = make.tier(name="Short", history_months=12)
    customer = make.customer(tier_id=basic.id)
    make.invoice(customer=customer, number="OLD-PAID", issue_date=date(2024, 1, 10), status=InvoiceStatus.PAID,
                 amount_paid_minor=23800)
    make.invoice(customer=customer, number="OLD-UNPAID", issue_date=date(2024, 2, 10), status=InvoiceStatus.OVERDUE)
    recent = make.invoice(customer=customer, number="RECENT", issue_date=date(2026, 1, 10))
    old = make.invoice(customer=customer, number="OLD-2", issue_date=date(2025, 1, 10), status=InvoiceStatus.PAID,
                       amount_paid_minor=23800)
    viewer = principal_for(make.user(role=Role.VIEWER, customer=customer))
    session.commit()
    assert numbers(session, viewer, InvoiceQuery()) == ["RECENT", "OLD-UNPAID"]
    with pytest.raises(NotFound):
        get_invoice_detail(session, viewer, old.id, TODAY, secret_key=TEST_SECRET_KEY)  # type: ignore[arg-type]
    assert get_invoice_detail(session, viewer, recent.id, TODAY, secret_key=TEST_SECRET_KEY).number == "RECENT"  # type: ignore[arg-type]


def test_summary_adds_up_per_currency(session: Session, make: Factory) -> None:
    customer = make.customer()
    make.invoice(customer=customer, currency="EUR", status=InvoiceStatus.ISSUED)  # 238.00 open
    make.invoice(customer=customer, currency="EUR", status=InvoiceStatus.OVERDUE, amount_paid_minor=3800,
                 issue_date=days(-40))  # 200.00, due 10 days ago
    usd = make.invoice(customer=customer, currency="USD", status=InvoiceStatus.PAID, amount_paid_minor=23800)
    session.add(Payment(external_id="p1", invoice_id=usd.id, amount_minor=23800, currency="USD",  # type: ignore[arg-type]
                        method=PaymentMethod.CARD, status=PaymentStatus.SUCCEEDED,
                        received_at=datetime(2026, 3, 1, tzinfo=timezone.utc)))
    viewer = principal_for(make.user(role=Role.VIEWER, customer=customer))
    session.commit()
    summary = account_summary(session, viewer, TODAY)
    assert summary.open_by_currency == {"EUR": 43800} and summary.open_count == 2
    assert summary.overdue_by_currency == {"EUR": 20000} and summary.overdue_count == 1
    assert summary.paid_this_year_by_currency == {"USD": 23800}


def test_detail_has_lines_totals_and_is_audited(session: Session, make: Factory) -> None:
    customer = make.customer()
    invoice = make.invoice(customer=customer, lines=[("Cable", "3", 1999, "19"), ("Hours", "1.5", 10000, "7")])
    viewer = principal_for(make.user(role=Role.VIEWER, customer=customer))
    session.commit()
    detail = get_invoice_detail(session, viewer, invoice.id, TODAY, secret_key=TEST_SECRET_KEY)  # type: ignore[arg-type]
    assert [line.description for line in detail.lines] == ["Cable", "Hours"]
    assert detail.subtotal_minor == 5997 + 15000 and detail.total_minor == sum(line.total_minor for line in detail.lines)
    assert [(t.rate, t.tax_minor) for t in detail.tax_lines] == [(7, 1050), (19, 1139)]
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "invoice.view")).one()
    assert (audit.user_id, audit.customer_id, audit.object_id, audit.outcome) == (
        viewer.user_id, customer.id, str(invoice.id), "success")


def test_another_customers_invoice_is_exactly_like_a_missing_one(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    theirs = world["invoices"][4]
    draft = world["invoices"][3]
    messages = []
    for invoice_id in (theirs.id, draft.id, 10_000_000):
        with pytest.raises(NotFound) as missing:
            get_invoice_detail(session, world["viewer"], invoice_id, TODAY, secret_key=TEST_SECRET_KEY)
        messages.append(str(missing.value))
    assert len(set(messages)) == 1


def test_staff_do_not_read_invoices_through_customer_services(session: Session, make: Factory, world) -> None:  # type: ignore[no-untyped-def]
    staff = principal_for(make.user(role=Role.SUPPORT))
    with pytest.raises(Forbidden):
        list_invoices(session, staff, InvoiceQuery(), TODAY)


def test_a_disabled_customer_sees_nothing(session: Session, world) -> None:  # type: ignore[no-untyped-def]
    world["mine"].is_active = False
    session.commit()
    with pytest.raises(Forbidden):
        list_invoices(session, world["viewer"], InvoiceQuery(), TODAY)


@pytest.mark.parametrize(("period", "expected"), [
    (Period.THIS_MONTH, (date(2026, 11, 1), date(2026, 11, 30))),
    (Period.LAST_MONTH, (date(2026, 10, 1), date(2026, 10, 31))),
    (Period.THIS_QUARTER, (date(2026, 10, 1), date(2026, 12, 31))),
    (Period.THIS_YEAR, (date(2026, 1, 1), date(2026, 12, 31))),
    (Period.LAST_YEAR, (date(2025, 1, 1), date(2025, 12, 31))),
])
def test_period_presets(period: Period, expected: tuple[date, date]) -> None:
    assert period_range(period, TODAY) == expected
    assert period_range(Period.LAST_MONTH, date(2026, 1, 15)) == (date(2025, 12, 1), date(2025, 12, 31))


def test_a_query_survives_the_url_round_trip() -> None:
    query = InvoiceQuery(period=Period.CUSTOM, date_from=date(2026, 1, 1), date_to=date(2026, 3, 31),
                         vendor_codes=("NHW", "A&B Ltd"), number="INV-20", statuses=(InvoiceStatus.PAID,), sort=SortKey.AMOUNT,
                         descending=False, page=3, page_size=50)
    from urllib.parse import parse_qs

    assert parse_invoice_query(parse_qs(query.to_query_string())) == query
    assert InvoiceQuery().to_query_string() == ""


def test_typing_on_in_one_field_is_one_edit_and_anything_else_a_new_step() -> None:
    """What decides whether the list replaces its history entry (typing on) or adds one."""
    start = InvoiceQuery(period=Period.CUSTOM, page=3)
    typed = start.with_changes(number="NSP")
    assert typed_edit(start, typed) == {"number"}
    assert typed_edit(typed, typed.with_changes(number="NSP-2")) == {"number"}
    assert typed_edit(typed, typed.with_changes(number="")) == frozenset()  # cleared: a step of its own
    dated = start.with_changes(date_from=date(2, 1, 1))  # a year typed digit by digit: 0002, 0020, …
    assert typed_edit(dated, dated.with_changes(date_from=date(2025, 1, 1))) == {"date_from"}
    assert typed_edit(dated, dated.with_changes(date_to=date(2025, 1, 1))) == {"date_to"}
    assert typed_edit(typed, typed.with_changes(number="NSP-2", sort=SortKey.AMOUNT)) == frozenset()
    assert typed_edit(typed, typed.with_changes(statuses=(InvoiceStatus.PAID,))) == frozenset()
    assert typed_edit(typed, typed.with_changes(page=2)) == frozenset()


@pytest.mark.parametrize(("params", "problem"), [
    ({"from": ["2026-13-45"]}, "is not a date"),
    ({"from": ["0001-01-01"]}, "out of range"),
    ({"to": ["9999-12-31"]}, "out of range"),
    ({"vendor": ["x" * 65]}, "is not a vendor code"),
    ({"vendor": ["a\x00b"]}, "is not a vendor code"),
    ({"status": ["draft"]}, "is not a status"),
    ({"status": ["lost"]}, "is not a status"),
    ({"number": ["x" * 65]}, "dropped"),
    ({"number": ["<script>"]}, "dropped"),
    ({"sort": ["password_hash"]}, "Cannot sort"),
    ({"dir": ["sideways"]}, "asc or desc"),
    ({"page": ["-1"]}, "not a valid page"),
    ({"size": ["1000000"]}, "not a valid page size"),
    ({"size": ["7"]}, "Pages hold"),
    ({"period": ["forever"]}, "not a period"),
])
def test_bad_url_values_are_dropped_with_a_message(params: dict[str, list[str]], problem: str) -> None:
    query = parse_invoice_query(params)
    assert any(problem in message for message in query.problems), query.problems
    assert query.with_changes().problems == ()


def test_swapped_dates_are_put_right() -> None:
    query = parse_invoice_query({"from": ["2026-12-31"], "to": ["2026-01-01"]})
    assert (query.date_from, query.date_to, query.period) == (date(2026, 1, 1), date(2026, 12, 31), Period.CUSTOM)
