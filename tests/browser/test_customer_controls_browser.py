"""Every control of the customer pages operated in Chromium as a user does it (clicks, typing, keys),
as owner, accountant and viewer, at 1280×800 and 390×844: its visible effect, and that what should
last survives a reload.

A portal of its own (the shared one's users must stay untouched: this module changes passwords,
preferences and teams, ends sessions and pushes an invoice). Dates come from the portal's data.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page

from data import Customer, Invoice, InvoiceStatus, Vendor
from tests.browser.chromium import DEMO_PASSWORD, Accounts
from tests.browser.conftest import (
    DESKTOP,
    LIVE_SECRET_KEY,
    PHONE,
    LiveServer,
    demo_portal,
    portal_database,
    resize,
    screenshot,
)
from tests.ledger_events import push_events

pytestmark = [pytest.mark.browser]

OWNER = "owner@mueller.example"  # Enterprise: ZIP and CSV exports, e-mail alerts, the team page
ACCOUNTANT = "accountant@lodz-logistyka.example"  # Business: ZIP and CSV exports
VIEWER = "viewer@tokyo-trading.example"  # Basic: no exports, no e-mail alerts
ROLES = {"owner": OWNER, "accountant": ACCOUNTANT, "viewer": VIEWER}
ACCOUNT_USER = "accountant@mueller.example"  # password, recovery codes, devices and sign-out
REMOVED_USER = "viewer@mueller.example"  # the owner removes them from the team
NEW_PASSWORD = "a fresh passphrase for the controls test"
WIDTHS = {"1280": DESKTOP, "390": PHONE}


# --- the portal --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Three demo customers (one per tier) on a portal of this module's own: it changes passwords,
    preferences and teams, ends sessions and pushes an invoice, which the shared portal's users must
    not see. Archives over 20 invoices are built in the background (so the export page's "ready"
    download is reached); sign-ins are not limited to 10 a minute (this module signs in often from one
    address)."""
    with demo_portal(tmp_path_factory.mktemp("customer-controls"), "customer_controls", customers=3,
                     invoices=100, settings={"PORTAL_EXPORT_IMMEDIATE_LIMIT": "20",
                                             "PORTAL_LOGIN_POSTS_PER_IP_MINUTE": "200"}) as (server, _):
        yield server


@pytest.fixture(scope="module")
def sessions(server: LiveServer) -> tuple[Accounts, dict[str, dict]]:
    """Who has signed in on this module's portal, and each one's browser state (its session cookie)."""
    return Accounts(server.base_url), {}


@pytest.fixture
def sign_in(browser, sessions: tuple[Accounts, dict[str, dict]]) -> Iterator[Callable[..., Page]]:  # type: ignore[no-untyped-def]
    """`sign_in(email, viewport)`: a page of a new browser context signed in as `email`. Each user
    signs in through the forms once (enrolling TOTP); later contexts carry that session's cookie, as
    another tab of the same browser would (a second sign-in would wait for the next TOTP step). The
    test's contexts close after it."""
    accounts, states = sessions
    contexts = []

    def open_page(email: str, viewport: dict = DESKTOP) -> Page:
        context = browser.new_context(viewport=viewport, locale="en-US", accept_downloads=True,
                                      storage_state=states.get(email))
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        if email not in states:
            accounts.sign_in(page, email)
            states[email] = context.storage_state()
        return page

    yield open_page
    for context in contexts:
        context.close()


# --- the portal's data (dates and numbers come from here, never from today's date) ------------------

def _customer(server: LiveServer, name_prefix: str) -> tuple[int, str]:
    with portal_database(server.database_url) as connection:
        return tuple(connection.execute(sa.select(Customer.id, Customer.ref)
                                        .where(Customer.name.like(f"{name_prefix}%"))).one())  # type: ignore[return-value]


def _invoices(server: LiveServer, customer_id: int) -> list[sa.Row]:
    """The customer's invoices a user sees (no drafts), newest first, with their vendor."""
    with portal_database(server.database_url) as connection:
        return list(connection.execute(
            sa.select(Invoice.id, Invoice.number, Invoice.issue_date, Invoice.status, Vendor.code,
                      Vendor.name.label("vendor_name"))
            .join(Vendor, Vendor.id == Invoice.vendor_id)
            .where(Invoice.customer_id == customer_id, Invoice.status != InvoiceStatus.DRAFT.value)
            .order_by(Invoice.issue_date.desc(), Invoice.id.desc())).all())


def _push_new_invoice(base_url: str, customer_ref: str, vendor_code: str, number: str, issued: date) -> None:
    """The ledger announces a new invoice (signed like the ledger signs its pushes)."""
    instant = f"{issued.isoformat()}T12:00:00Z"
    answer = push_events(base_url, LIVE_SECRET_KEY, [{
        "event_id": f"controls-{number}", "type": "invoice.issued", "occurred_at": instant,
        "invoice": {"external_id": f"controls-{number}", "number": number, "customer_ref": customer_ref,
                    "vendor_code": vendor_code, "issue_date": issued.isoformat(),
                    "due_date": (issued + timedelta(days=30)).isoformat(), "currency": "PLN", "terms": "Net 30",
                    "version": 1, "lines": [{"description": "Pallet storage", "quantity": "3", "unit": "pc",
                                             "unit_price": "120.00", "tax_rate": "23"}]}}])
    assert answer.status_code == 200 and answer.json()["applied"] == 1, answer.text


# --- helpers: what a user does and sees --------------------------------------------------------------

def _wait_for_query(page: Page, predicate: str) -> None:
    """Wait until `predicate` (JavaScript over `q`, the URL's URLSearchParams) holds: the list puts
    its query in the address bar with history.pushState, so there is no page load to wait for."""
    page.wait_for_function(f"() => {{ const q = new URLSearchParams(location.search); return {predicate}; }}")


def _choose(page: Page, field: str, option: str, *, close: bool = False) -> None:
    """Open the select named `field` and click `option` (a multiple select stays open: `close`)."""
    page.get_by_role("combobox", name=field).click()
    page.get_by_role("option", name=option, exact=True).click()
    if close:
        page.keyboard.press("Escape")
    # When its menu is gone for good (Quasar removes the menu's portal 0.3 s after the click), Quasar
    # gives the focus back to the select: a field clicked before would lose it, and the keys typed there.
    page.locator("[id^=q-portal--menu]").wait_for(state="detached")


def _field(page: Page, name: str):  # type: ignore[no-untyped-def]
    """The whole Quasar field (label, control, its buttons) around the control named `name`."""
    return page.locator("label.q-field").filter(has=page.get_by_label(name, exact=True))


def _shown(page: Page, field: str) -> str:
    """What a select shows as chosen."""
    return page.get_by_role("combobox", name=field).input_value()


def _type_date(page: Page, field: str, day: date) -> None:
    """Type a date into a native date field with the keyboard (en-US: month, day, year)."""
    control = page.get_by_label(field, exact=True)
    box = control.bounding_box()
    assert box is not None
    control.click(position={"x": 4, "y": box["height"] / 2})  # the month, the first part
    page.wait_for_function("label => document.activeElement.getAttribute('aria-label') === label", arg=field)
    page.keyboard.type(day.strftime("%m%d%Y"), delay=30)


def _rows(page: Page) -> list[dict[str, str]]:
    """The table's rows as the user reads them (a table with checkboxes: a user who may export)."""
    return page.locator("table[aria-label=Invoices] tbody tr").evaluate_all(
        "rows => rows.map(r => ({number: r.cells[1].innerText, vendor: r.cells[2].innerText, issued: r.cells[3]"
        ".innerText, due: r.cells[6].innerText, status: r.querySelector('[data-status]').dataset.status}))")


def _us_date(text: str) -> date:
    return datetime.strptime(text.strip(), "%b %d, %Y").date()


def _amount(text: str) -> float:
    digits = re.sub(r"[^\d.]", "", text)
    return float(digits) if digits else 0.0


def _counted(page: Page) -> str:
    return page.get_by_role("navigation", name="Pages").locator("[aria-live=polite]").inner_text()


def _wait_for_count(page: Page, shown: int, total: int, first: int = 1) -> None:
    """Wait for the pager's "first–last of total"."""
    text = f"{first:,}–{first + shown - 1:,} of {total:,}"
    page.get_by_role("navigation", name="Pages").get_by_text(text, exact=True).wait_for()


def _wait_for_numbers(page: Page, numbers: list[str]) -> None:
    """Wait until the table (wide screens) or the cards (phones) list exactly these invoices, in order."""
    page.wait_for_function(
        """([phone, numbers]) => {
            const links = document.querySelectorAll(phone ? '[role=listitem] a' : 'table[aria-label=Invoices] tbody a');
            const shown = [...links].map(link => link.innerText.trim().split('\\n')[0]);
            return JSON.stringify(shown) === JSON.stringify(numbers);
        }""", arg=[page.viewport_size["width"] < 768, numbers])


def _changing_the_list(page: Page, action: Callable[[], None], predicate: str) -> None:
    """Do `action`; wait until the URL's query satisfies `predicate` (see `_wait_for_query`) and the
    list is drawn anew. The address bar changes first: a click on the list's old controls before the
    new ones arrive would be lost (they no longer exist on the server)."""
    old = page.locator("[aria-label=Invoices], :text-is('No invoices match')").first.element_handle()
    action()
    _wait_for_query(page, predicate)
    page.wait_for_function("list => !list.isConnected", arg=old)


def _focused_label(page: Page) -> str | None:
    return page.evaluate("document.activeElement && document.activeElement.getAttribute('aria-label')")


def _bell(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_role("button", name=re.compile(r"^Notifications"))


# --- every page, every role, both widths -------------------------------------------------------------

def _at_both_widths(page: Page, name: str) -> None:
    """Screenshots at 1280 and at 390 px (the layout is CSS: the same page, narrowed); nothing may
    stick out sideways on the phone. Leaves the page at desktop width."""
    screenshot(page, f"{name}-1280")
    resize(page, PHONE)
    page.wait_for_function("w => document.documentElement.scrollWidth <= w", arg=PHONE["width"])
    screenshot(page, f"{name}-390")
    resize(page, DESKTOP)


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_sees_its_controls_on_every_page_at_both_widths(role: str, sign_in, server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page = sign_in(ROLES[role])
    exports = role in ("owner", "accountant")
    page.goto(f"{server.base_url}/")
    page.get_by_text("Open balance").wait_for()
    header = page.get_by_role("banner")
    header.get_by_role("link", name="Export", exact=True).wait_for()
    assert header.get_by_role("link", name="Team", exact=True).count() == (1 if role == "owner" else 0)
    assert (page.get_by_role("button", name=re.compile(r"^Export All [\d,]+ matching as ZIP$")).count() == 1) == exports
    assert (page.get_by_role("button", name=re.compile(r"as CSV$")).count() == 1) == exports
    selectable = page.locator("table[aria-label=Invoices] tbody tr").count() if exports else 0
    assert page.get_by_role("checkbox").count() == selectable
    _at_both_widths(page, f"controls-{role}-dashboard")
    # On a phone the navigation is a drawer behind the menu button.
    resize(page, PHONE)
    page.get_by_role("button", name="Open menu").click()
    drawer = page.locator(".q-drawer")
    drawer.get_by_role("link", name="Export", exact=True).wait_for()
    assert drawer.get_by_role("link", name="Team", exact=True).count() == (1 if role == "owner" else 0)
    assert page.get_by_role("checkbox").filter(visible=True).count() == 0  # cards have no checkboxes
    page.mouse.click(PHONE["width"] - 10, PHONE["height"] // 2)  # a tap beside the drawer closes it
    drawer.wait_for(state="hidden")
    resize(page, DESKTOP)

    page.locator("tbody [data-invoice-id] a").first.click()
    page.wait_for_url(re.compile(r"/invoices/\d+$"))
    page.get_by_role("button", name="Download PDF").wait_for()
    page.get_by_role("button", name="Ask about this invoice").wait_for()
    _at_both_widths(page, f"controls-{role}-invoice")

    header.get_by_role("link", name="Export", exact=True).click()  # the header's navigation from here on
    page.wait_for_url(f"{server.base_url}/export")
    page.get_by_test_id("export-count").wait_for()
    if exports:
        page.get_by_role("button", name="Download ZIP").wait_for()
        page.get_by_role("button", name="Download CSV").wait_for()
    else:
        page.get_by_text("Your role or your plan does not include exports.").wait_for()
        assert page.get_by_role("button", name="Download ZIP").count() == 0
    _at_both_widths(page, f"controls-{role}-export")

    header.get_by_role("link", name="Settings", exact=True).click()
    page.wait_for_url(f"{server.base_url}/settings")
    page.get_by_text("Signed-in devices").wait_for()
    email_switches = page.get_by_role("switch", name=re.compile("by e-mail$"))
    assert email_switches.count() == 2
    assert email_switches.first.is_disabled() == (role == "viewer")  # Basic has no e-mail alerts
    _at_both_widths(page, f"controls-{role}-settings")

    if role == "owner":
        header.get_by_role("link", name="Team", exact=True).click()
        page.wait_for_url(f"{server.base_url}/team")
        page.get_by_role("button", name="Create invitation").wait_for()
        _at_both_widths(page, f"controls-{role}-team")
    else:  # not a page of theirs (asked without a page load: a 404 page would log a console error)
        assert page.request.get(f"{server.base_url}/team").status == 404

    page.goto(f"{server.base_url}/verify")
    page.get_by_role("button", name="Check", exact=True).wait_for()
    _at_both_widths(page, f"controls-{role}-verify")
    header.get_by_role("link", name="Invoice Portal", exact=True).click()  # the brand leads home
    page.wait_for_url(f"{server.base_url}/")
    page.get_by_text("Open balance").wait_for()

    page.goto(f"{server.base_url}/account/recovery-codes")  # reachable any time; new codes show only once
    page.get_by_text("There are no new recovery codes to show").wait_for()
    _at_both_widths(page, f"controls-{role}-recovery-codes")
    page.get_by_test_id("continue").click()
    page.wait_for_url(f"{server.base_url}/")
    header.get_by_role("link", name="Invoices", exact=True).click()
    page.get_by_text("Open balance").wait_for()


# --- the dashboard -----------------------------------------------------------------------------------

def test_dashboard_controls_at_desktop(sign_in, server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    customer_id, customer_ref = _customer(server, "Łódź")
    invoices = _invoices(server, customer_id)
    page = sign_in(ACCOUNTANT)
    page.goto(f"{server.base_url}/")
    page.get_by_text("Open balance").wait_for()
    assert _counted(page) == f"1–25 of {len(invoices):,}"

    # The skip link is the first Tab stop and moves the focus to the content.
    page.keyboard.press("Tab")
    assert _focused_label(page) is None and page.evaluate("document.activeElement.innerText") == "Skip to content"
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.classList.contains('portal-main')")

    # The number search: the list and the URL follow the typing; the focus stays in the field.
    prefix = invoices[0].number[:8]  # e.g. NSP-2026
    expected = [row.number for row in invoices if row.number.lower().startswith(prefix.lower())]
    entries = page.evaluate("history.length")
    page.get_by_label("Invoice number").click()
    page.keyboard.type(prefix, delay=60)
    _wait_for_query(page, f"q.get('number') === {json.dumps(prefix)}")
    _wait_for_numbers(page, expected[:25])
    page.wait_for_timeout(1000)  # the requirement: one second after the list changed, still typing there
    assert _focused_label(page) == "Invoice number"
    page.keyboard.type("-")  # the next key goes on in the same field
    _wait_for_query(page, f"q.get('number') === {json.dumps(prefix + '-')}")
    _wait_for_numbers(page, [number for number in expected if number.startswith(prefix + "-")][:25])
    assert _focused_label(page) == "Invoice number"
    assert page.evaluate("history.length") == entries + 1  # the typing is one step back, not one per key
    _changing_the_list(page, _field(page, "Invoice number").get_by_role("button", name="Clear").click,
                       "!q.has('number')")
    _wait_for_count(page, 25, len(invoices))
    assert page.evaluate("history.length") == entries + 2
    # Nothing matches: the empty list offers its own reset.
    page.get_by_label("Invoice number").fill("NO-SUCH-INVOICE")
    _wait_for_query(page, "q.get('number') === 'NO-SUCH-INVOICE'")
    page.get_by_text("No invoices match").wait_for()
    page.get_by_role("button", name="Reset filters").click()
    _wait_for_query(page, "!q.has('number')")
    _wait_for_numbers(page, [row.number for row in invoices[:25]])
    assert page.get_by_label("Invoice number").input_value() == ""

    # The Filters button shows and hides the panel.
    toggle = page.get_by_role("button", name="Filters")
    panel = page.locator("#invoice-filters")
    assert toggle.get_attribute("aria-expanded") == "false" and panel.is_hidden()
    toggle.click()
    panel.wait_for()
    assert toggle.get_attribute("aria-expanded") == "true"
    toggle.click()
    panel.wait_for(state="hidden")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    panel.wait_for()

    # Issue date: a preset, then a custom range typed into the two date fields.
    year = int(re.search(r"Paid in (\d{4})", page.get_by_role("region", name="Account summary").inner_text()).group(1))
    _choose(page, "Issue date", "This year")
    _wait_for_query(page, "q.get('period') === 'this_year'")
    page.get_by_role("button", name="Filters (1)").wait_for()
    this_year = [row for row in invoices if row.issue_date.year == year]
    _wait_for_numbers(page, [row.number for row in this_year][:25])
    _wait_for_count(page, min(25, len(this_year)), len(this_year))
    assert all(_us_date(row["issued"]).year == year for row in _rows(page))
    _changing_the_list(page, lambda: _choose(page, "Issue date", "Custom range"),
                       "q.get('period') === 'custom' && !q.has('from')")
    page.get_by_role("button", name="Filters", exact=True).wait_for()  # an empty range filters nothing
    start, end = invoices[12].issue_date, invoices[3].issue_date
    entries = page.evaluate("history.length")
    _type_date(page, "From", start)
    _type_date(page, "To", end)
    _wait_for_query(page, f"q.get('from') === '{start.isoformat()}' && q.get('to') === '{end.isoformat()}'")
    assert page.evaluate("history.length") == entries + 2  # a step per date, not one per digit
    in_range = [row for row in invoices if start <= row.issue_date <= end]
    _wait_for_numbers(page, [row.number for row in in_range])
    _wait_for_count(page, len(in_range), len(in_range))
    assert all(start <= _us_date(row["issued"]) <= end for row in _rows(page))
    page.get_by_role("button", name="Filters (1)").wait_for()

    # Vendors: two chosen, named by their code in the URL; one chip removed again.
    vendors = sorted({(row.vendor_name, row.code) for row in in_range})
    assert len(vendors) >= 2, "the range should hold invoices of two vendors"
    (first_name, first_code), (second_name, second_code) = vendors[:2]
    page.get_by_role("combobox", name="Vendor").click()
    page.get_by_role("option", name=first_name, exact=True).click()
    _wait_for_query(page, f"q.getAll('vendor').join() === '{first_code}'")
    page.get_by_role("option", name=second_name, exact=True).click()
    _wait_for_query(page, f"q.getAll('vendor').join() === '{first_code},{second_code}'")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Filters (2)").wait_for()
    chosen = [row for row in in_range if row.code in (first_code, second_code)]
    _wait_for_numbers(page, [row.number for row in chosen])
    _wait_for_count(page, len(chosen), len(chosen))
    assert {row["vendor"] for row in _rows(page)} <= {first_name, second_name}
    _field(page, "Vendor").get_by_role("button", name="Remove").last.click()
    _wait_for_query(page, f"q.getAll('vendor').join() === '{first_code}'")
    _wait_for_numbers(page, [row.number for row in in_range if row.code == first_code])
    assert _shown(page, "Vendor") == first_name

    # Status: several chosen.
    page.get_by_role("combobox", name="Status").click()
    page.get_by_role("option", name="Paid", exact=True).click()
    _wait_for_query(page, "q.getAll('status').join() === 'paid'")
    page.get_by_role("option", name="Overdue", exact=True).click()
    _wait_for_query(page, "q.getAll('status').join() === 'paid,overdue'")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Filters (3)").wait_for()
    filtered = [row for row in in_range if row.code == first_code and row.status in ("paid", "overdue")]
    _wait_for_numbers(page, [row.number for row in filtered])
    assert {row["status"] for row in _rows(page)} <= {"paid", "overdue"}
    screenshot(page, "controls-dashboard-filtered-1280")

    # All of it survives a reload: the URL is the view.
    page.reload()
    page.get_by_role("button", name="Filters (3)").wait_for()
    assert panel.is_visible()
    assert _shown(page, "Issue date") == "Custom range"
    assert page.get_by_label("From", exact=True).input_value() == start.isoformat()
    assert page.get_by_label("To", exact=True).input_value() == end.isoformat()
    assert _shown(page, "Vendor") == first_name
    assert _shown(page, "Status") == "Paid, Overdue"
    assert len(_rows(page)) == len(filtered)

    # The selects' clear buttons, then Reset for the rest.
    _field(page, "Status").get_by_role("button", name="Clear").click()
    _wait_for_query(page, "!q.has('status')")
    _wait_for_numbers(page, [row.number for row in in_range if row.code == first_code])
    _field(page, "Vendor").get_by_role("button", name="Clear").click()
    _wait_for_query(page, "!q.has('vendor')")
    _wait_for_numbers(page, [row.number for row in in_range])
    page.get_by_role("button", name="Filters (1)").wait_for()
    page.get_by_role("button", name="Reset", exact=True).click()
    _wait_for_query(page, "q.toString() === ''")
    _wait_for_numbers(page, [row.number for row in invoices[:25]])
    _wait_for_count(page, 25, len(invoices))
    assert page.get_by_role("button", name="Reset", exact=True).is_hidden()
    panel.wait_for(state="hidden")  # nothing filters: the panel folds away, and shows its emptied controls
    page.get_by_role("button", name="Filters", exact=True).click()
    assert _shown(page, "Issue date") == "All dates" and _shown(page, "Vendor") == _shown(page, "Status") == ""
    assert page.get_by_label("From", exact=True).count() == 0

    # Every sortable column, in the address bar and on the header (how soon: benchmarks/bench_address_bar.py).
    expected_sort = [("number", "number", "asc"), ("vendor", "vendor", "asc"), ("vendor", "vendor", "desc"),
                     ("due", "due_date", "desc"), ("amount", "amount", "desc"), ("still due", "due", "desc"),
                     ("still due", "due", "asc"), ("status", "status", "desc"), ("issued", None, None)]
    for label, key, direction in expected_sort:
        before = page.url
        page.get_by_role("button", name=f"Sort by {label}", exact=True).click()
        page.wait_for_function("url => location.href !== url", arg=before)
        if key is None:
            _wait_for_query(page, "q.toString() === ''")  # newest first is the default: a plain URL
        else:
            _wait_for_query(page, f"q.get('sort') === '{key}' && q.get('dir') === '{direction}'")
        header = page.locator("th").filter(has=page.get_by_role("button", name=f"Sort by {label}", exact=True))
        header.and_(page.locator(f"[aria-sort={'descending' if direction != 'asc' else 'ascending'}]")).wait_for()
        rows = _rows(page)
        if key == "vendor":
            names = [row["vendor"] for row in rows]
            assert names == sorted(names, reverse=direction == "desc"), names
        if key == "due":
            amounts = [_amount(row["due"]) for row in rows]
            assert amounts == sorted(amounts, reverse=direction == "desc"), amounts

    # Pages and page size.
    page.get_by_role("button", name="Next page").click()
    _wait_for_query(page, "q.get('page') === '2'")
    _wait_for_count(page, min(25, len(invoices) - 25), len(invoices), first=26)
    assert _rows(page)[0]["number"] == invoices[25].number
    page.get_by_role("button", name="Previous page").click()
    _wait_for_query(page, "!q.has('page')")
    _wait_for_count(page, 25, len(invoices))
    assert page.get_by_role("button", name="Previous page").is_disabled()
    _choose(page, "Invoices per page", "10 per page")
    _wait_for_query(page, "q.get('size') === '10'")
    _wait_for_count(page, 10, len(invoices))
    page.reload()
    _wait_for_count(page, 10, len(invoices))
    assert _shown(page, "Invoices per page") == "10 per page"

    # Choose two invoices, export them as ZIP and CSV, then clear the choice.
    chosen_numbers = [invoices[1].number, invoices[4].number]
    for number in chosen_numbers:
        page.get_by_role("checkbox", name=f"Select invoice {number}").click()
    page.get_by_text("2 selected:").wait_for()
    with page.expect_download() as zip_download:
        page.get_by_role("button", name="Export 2 selected as ZIP").click()
    archive = zipfile.ZipFile(zip_download.value.path())
    pdfs = sorted(name for name in archive.namelist() if name.endswith(".pdf"))
    assert len(pdfs) == 2 and all(any(number in name for name in pdfs) for number in chosen_numbers), pdfs
    assert "manifest.csv" in archive.namelist()  # Business exports CSV
    with page.expect_download() as csv_download:
        page.get_by_role("button", name="Export 2 selected as CSV").click()
    exported = list(csv.DictReader(io.StringIO(Path(csv_download.value.path()).read_text(encoding="utf-8-sig"))))
    assert sorted(row["number"] for row in exported) == sorted(chosen_numbers)
    assert page.url.endswith("/?size=10")  # the downloads left the page where it was
    page.get_by_role("button", name="Clear selection").click()
    page.get_by_text(f"All {len(invoices):,} matching:").wait_for()
    assert page.get_by_role("checkbox", checked=True).count() == 0
    screenshot(page, "controls-dashboard-1280")

    # A new invoice arrives while the list is open: a banner offers it, the bell counts it.
    unread_before = _bell(page).get_attribute("aria-label")
    number = f"PLT-{time.time_ns() % 10**9}"
    _push_new_invoice(server.base_url, customer_ref, invoices[0].code, number, invoices[0].issue_date)
    page.get_by_text("1 new invoice arrived.").wait_for()
    page.wait_for_function("before => document.querySelector('[aria-label^=Notifications]').getAttribute"
                           "('aria-label') !== before", arg=unread_before)
    screenshot(page, "controls-dashboard-arrival-1280")
    page.get_by_role("status").get_by_role("button", name="Show").click()
    page.get_by_role("link", name=number, exact=True).wait_for()
    assert page.get_by_text("new invoice arrived").count() == 0
    page.get_by_text(f"All {len(invoices) + 1:,} matching:").wait_for()

    # The bell: its menu lists the news; "Mark all read" empties the count, for good.
    _bell(page).click()
    menu = page.get_by_role("dialog", name="Notifications")
    menu.get_by_role("link", name=re.compile(f"^New invoice {number}")).wait_for()
    screenshot(page, "controls-bell-1280")
    menu.get_by_role("button", name="Mark all read").click()
    menu.get_by_role("button", name="Mark all read").wait_for(state="detached")
    assert _bell(page).get_attribute("aria-label") == "Notifications"
    page.keyboard.press("Escape")
    menu.wait_for(state="hidden")
    page.reload()
    assert _bell(page).get_attribute("aria-label") == "Notifications"
    _bell(page).click()
    page.get_by_role("dialog", name="Notifications").get_by_role("link", name=re.compile(f"^New invoice {number}")).click()
    page.wait_for_url(re.compile(r"/invoices/\d+$"))
    page.get_by_role("heading", name=f"Invoice {number}").wait_for()

    # The account badge leads to the settings.
    page.get_by_role("link", name=re.compile(r"Accountant of Łódź .*: your settings$")).click()
    page.wait_for_url(f"{server.base_url}/settings")
    page.get_by_text("Signed-in devices").wait_for()


def test_dashboard_controls_at_phone_width(sign_in, server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    customer_id, _ref = _customer(server, "東京")
    invoices = _invoices(server, customer_id)
    page = sign_in(VIEWER, PHONE)
    page.goto(f"{server.base_url}/")
    page.get_by_text("Open balance").wait_for()
    screenshot(page, "controls-dashboard-390")
    assert page.get_by_role("checkbox").count() == 0 and page.get_by_text("matching:").count() == 0  # a viewer

    # The skip link at phone width too.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.classList.contains('portal-main')")

    # Typing a number keeps the focus here too.
    prefix = invoices[0].number[:4]
    page.get_by_label("Invoice number").click()
    page.keyboard.type(prefix, delay=60)
    _wait_for_query(page, f"q.get('number') === {json.dumps(prefix)}")
    _wait_for_numbers(page, [row.number for row in invoices if row.number.startswith(prefix)][:25])
    page.wait_for_timeout(1000)  # the requirement: one second after the list changed
    assert _focused_label(page) == "Invoice number"
    _changing_the_list(page, _field(page, "Invoice number").get_by_role("button", name="Clear").click,
                       "!q.has('number')")

    # The phone's sort: a choice of column and a button that turns the direction; both in the URL.
    _changing_the_list(page, lambda: _choose(page, "Sort by", "Still due"),
                       "q.get('sort') === 'due' && q.get('dir') === 'desc'")
    _changing_the_list(page, page.get_by_role("button", name="Descending, tap for ascending").click,
                       "q.get('sort') === 'due' && q.get('dir') === 'asc'")
    _changing_the_list(page, lambda: _choose(page, "Sort by", "Vendor"),
                       "q.get('sort') === 'vendor' && q.get('dir') === 'asc'")
    _changing_the_list(page, page.get_by_role("button", name="Ascending, tap for descending").click,
                       "q.get('sort') === 'vendor' && q.get('dir') === 'desc'")
    page.reload()
    page.get_by_role("button", name="Descending, tap for ascending").wait_for()
    assert _shown(page, "Sort by") == "Vendor"
    cards = page.locator("[role=listitem] a").evaluate_all("links => links.map(l => l.innerText.split('\\n'))")
    vendors = [next(line for line in lines if line.startswith("Northwind")) for lines in cards]
    assert vendors == sorted(vendors, reverse=True), vendors
    screenshot(page, "controls-dashboard-sorted-390")

    # Filters on a phone: the panel, a status, and the panel's own reset button.
    page.get_by_role("button", name="Filters").click()
    _changing_the_list(page, lambda: _choose(page, "Status", "Paid", close=True), "q.getAll('status').join() === 'paid'")
    assert page.locator("[role=listitem] [data-status]").evaluate_all(
        "badges => badges.every(badge => badge.dataset.status === 'paid')")
    assert page.get_by_role("button", name="Reset", exact=True).is_hidden()  # the wide screens' button
    screenshot(page, "controls-dashboard-filters-390")
    _changing_the_list(page, page.get_by_role("button", name="Reset filters").click,
                       "!q.has('status') && q.get('sort') === 'vendor'")  # the sort stays

    # The pager at phone width.
    _changing_the_list(page, lambda: _choose(page, "Invoices per page", "10 per page"), "q.get('size') === '10'")
    _changing_the_list(page, page.get_by_role("button", name="Next page").click, "q.get('page') === '2'")
    _wait_for_count(page, 10, len(invoices), first=11)
    _changing_the_list(page, page.get_by_role("button", name="Previous page").click, "!q.has('page')")
    _wait_for_count(page, 10, len(invoices))

    # The bell's menu at phone width.
    _bell(page).click()
    page.get_by_role("dialog", name="Notifications").get_by_text("Notifications").wait_for()
    screenshot(page, "controls-bell-390")
    page.keyboard.press("Escape")
    page.get_by_role("dialog", name="Notifications").wait_for(state="hidden")

    # A card opens its invoice; the menu button opens the navigation drawer.
    first = page.locator("[role=listitem] a").first
    target = first.get_attribute("href")
    first.click()
    page.wait_for_url(f"{server.base_url}{target}")
    page.get_by_text("Line items").wait_for()
    page.get_by_role("button", name="Open menu").click()
    drawer = page.locator(".q-drawer")
    drawer.get_by_role("link", name="Export", exact=True).wait_for()
    screenshot(page, "controls-menu-390")
    drawer.get_by_role("link", name="Export", exact=True).click()
    page.wait_for_url(f"{server.base_url}/export")
    page.get_by_text("Your role or your plan does not include exports.").wait_for()


# --- an invoice, and checking its PDF ----------------------------------------------------------------

@pytest.mark.parametrize("width", list(WIDTHS))
def test_invoice_page_and_verifying_its_pdf(width: str, sign_in, server: LiveServer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = sign_in(VIEWER, WIDTHS[width])
    page.goto(f"{server.base_url}/?status=overdue")
    page.get_by_text("Open balance").wait_for()
    listed_at = page.url
    page.locator("[data-invoice-id] a:visible, a[data-invoice-id]:visible").first.click()
    page.wait_for_url(re.compile(r"/invoices/\d+$"))
    number = page.get_by_role("heading", level=1).inner_text().removeprefix("Invoice ").strip()
    invoice_url = page.url
    screenshot(page, f"controls-invoice-{width}")

    # Download PDF: the file arrives; the page shows that PDF's SHA-256 from then on.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download PDF").click()
    assert download_info.value.suggested_filename.endswith(f"{number}.pdf")
    pdf = tmp_path / "invoice.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    page.reload()
    sha256 = page.get_by_test_id("sha256").inner_text().strip()
    assert len(sha256) == 64

    # Ask about this invoice: Cancel closes; an empty question is refused; a question is sent.
    page.get_by_role("button", name="Ask about this invoice").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("heading", name=f"Ask about invoice {number}").wait_for()
    dialog.get_by_role("button", name="Cancel").click()
    dialog.wait_for(state="hidden")
    page.get_by_role("button", name="Ask about this invoice").click()
    dialog.get_by_role("button", name="Send question").click()
    page.get_by_text("Write your question first.").wait_for()
    dialog.get_by_label("Your question").fill(f"Why is invoice {number} overdue? ({width} px)")
    dialog.get_by_text(re.compile(r"^\d+ / 5000$")).wait_for()
    screenshot(page, f"controls-invoice-question-{width}")
    dialog.get_by_role("button", name="Send question").click()
    page.get_by_text("Your question was sent to our billing team.").wait_for()
    dialog.wait_for(state="hidden")

    # "← All invoices" returns to the list as it was left (its filter) ...
    page.get_by_role("link", name="← All invoices").click()
    page.wait_for_url(listed_at)
    page.get_by_text("Open balance").wait_for()
    # ... and, opened in a tab of its own (nothing to go back to), still leads to the list.
    other = page.context.new_page()
    other.goto(invoice_url)
    other.get_by_role("link", name="← All invoices").click()
    other.wait_for_url(f"{server.base_url}/")
    other.get_by_text("Open balance").wait_for()

    # The invoice's link to the check; the downloaded PDF is genuine there.
    other.goto(invoice_url)
    other.get_by_role("link", name="Check a PDF you received").click()
    other.wait_for_url(f"{server.base_url}/verify")
    page = other

    def upload(path: Path) -> None:
        page.get_by_label("Invoice PDF (up to 10 MB)").set_input_files(str(path))
        page.get_by_role("button", name="Check the PDF").click()
        page.wait_for_url(re.compile(r"/verify\?(sha256|problem)="))

    upload(pdf)
    verdict = page.get_by_role("alert").filter(has_text="Genuine")
    verdict.wait_for()
    assert f"invoice {number}" in verdict.inner_text()
    page.get_by_text(f"SHA-256: {sha256}").wait_for()
    screenshot(page, f"controls-verify-genuine-{width}")

    # One changed byte, and it is no invoice of ours; nor is a file that is no PDF at all.
    tampered = tmp_path / "tampered.pdf"
    content = bytearray(pdf.read_bytes())
    content[len(content) // 2] ^= 0x01
    tampered.write_bytes(bytes(content))
    for path in (tampered, tmp_path / "notes.txt"):
        if not path.exists():
            path.write_text("not a PDF")
        upload(path)
        page.get_by_role("alert").filter(has_text="We have no record of this document").wait_for()
        assert page.get_by_role("alert").filter(has_text="Genuine").count() == 0
    # An empty file: said so, and the form is there for the next try.
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    upload(empty)
    page.get_by_role("alert").filter(has_text="The file was empty. Choose the invoice PDF again.").wait_for()
    screenshot(page, f"controls-verify-refused-{width}")

    # The SHA-256 field: a malformed value is explained, the PDF's hash is genuine.
    page.get_by_label("…or its SHA-256").fill("not a hash")
    page.get_by_role("button", name="Check", exact=True).click()
    page.get_by_text("A SHA-256 hash is 64 characters of 0-9 and a-f.").wait_for()
    page.get_by_label("…or its SHA-256").fill(sha256.upper())
    page.get_by_role("button", name="Check", exact=True).click()
    page.get_by_role("alert").filter(has_text="Genuine").wait_for()
    page.get_by_role("link", name="Open the invoice").click()
    page.wait_for_url(invoice_url)
    page.get_by_role("heading", name=f"Invoice {number}").wait_for()
    other.close()


# --- exports -----------------------------------------------------------------------------------------

def _export_span(page: Page) -> tuple[date | None, date | None, int]:
    """The export page's "Jan 1, 2026 – Dec 31, 2026: 44 invoices" read back."""
    text = page.get_by_test_id("export-count").inner_text()
    match = re.fullmatch(r"(?:(.+) – (.+)|choose both dates): ([\d,]+) invoices", text.strip())
    assert match, text
    count = int(match.group(3).replace(",", ""))
    if match.group(1) is None:
        return None, None, count
    return _us_date(match.group(1)), _us_date(match.group(2)), count


@pytest.mark.dates  # the periods, read again with the clock at a New Year's midnight
def test_export_page_controls(sign_in, server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    customer_id, _ref = _customer(server, "Łódź")
    invoices = _invoices(server, customer_id)
    page = sign_in(ACCOUNTANT)
    page.goto(f"{server.base_url}/export")
    page.get_by_test_id("export-count").wait_for()

    # Each period shows its days and how many invoices they hold.
    for label in ("Last month", "This quarter", "Last year", "This year"):
        before = page.get_by_test_id("export-count").inner_text()
        _choose(page, "Period", label)
        page.wait_for_function("before => document.querySelector('[data-testid=export-count]').innerText !== before",
                               arg=before)
        start, end, count = _export_span(page)
        assert start and end and count == sum(start <= row.issue_date <= end for row in invoices), (label, count)
    this_year = count

    # A custom range: CSV at once (the dates typed as a user types them).
    _choose(page, "Period", "Custom range")
    page.get_by_label("From", exact=True).wait_for()
    assert _export_span(page)[:2] == (None, None)
    assert page.get_by_role("button", name="Download CSV").is_disabled()
    start, end = invoices[15].issue_date, invoices[2].issue_date
    _type_date(page, "From", start)
    _type_date(page, "To", end)
    page.wait_for_function("() => !document.querySelector('[data-testid=export-count]').innerText"
                           ".startsWith('choose')")
    page.wait_for_function("t => document.querySelector('[data-testid=export-count]').innerText.endsWith(t)",
                           arg=f": {sum(start <= row.issue_date <= end for row in invoices)} invoices")
    assert _export_span(page)[:2] == (start, end)
    screenshot(page, "controls-export-custom-1280")
    with page.expect_download() as csv_download:
        page.get_by_role("button", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(csv_download.value.path()).read_text(encoding="utf-8-sig"))))
    assert sorted(row["number"] for row in rows) == sorted(r.number for r in invoices if start <= r.issue_date <= end)

    # This year's ZIP is larger than this portal builds at once: prepared in the background, then
    # offered in the list for download.
    _choose(page, "Period", "This year")
    page.get_by_text("This archive is large").wait_for()
    page.get_by_role("button", name="Download ZIP").click()
    page.wait_for_url(f"{server.base_url}/export?started=1")
    page.get_by_text("Your archive is being prepared.").wait_for()
    download_link = page.get_by_role("link", name="Download", exact=True)
    download_link.wait_for(timeout=90_000)
    listed = page.get_by_text(re.compile(rf"^{this_year:,} invoices · invoices-\d{{4}}\.zip · ")).first
    listed.wait_for()
    file_name = re.search(r"invoices-\d{4}\.zip", listed.inner_text()).group(0)  # type: ignore[union-attr]
    screenshot(page, "controls-export-ready-1280")
    with page.expect_download() as zip_download:
        download_link.first.click()
    assert zip_download.value.suggested_filename == file_name
    archive = zipfile.ZipFile(zip_download.value.path())
    assert sum(name.endswith(".pdf") for name in archive.namelist()) == this_year
    assert "manifest.csv" in archive.namelist()

    page.set_viewport_size(PHONE)
    page.reload()
    download_link.first.wait_for()
    _choose(page, "Period", "Last year")
    page.wait_for_function("() => document.querySelector('[data-testid=export-count]').innerText.includes('–')")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "controls-export-390")


# --- settings ----------------------------------------------------------------------------------------

SWITCHES = ("New invoice in the portal", "New invoice by e-mail", "Payment status change in the portal",
            "Payment status change by e-mail")


TOAST_COUNT = "Number(toast.querySelector('.q-notification__badge')?.innerText || 1)"


def _flip(page: Page, name: str) -> bool:
    """Click a switch, wait until it shows the other state and the change is saved; its new state."""
    switch = page.get_by_role("switch", name=name)
    before = switch.get_attribute("aria-checked")
    page.evaluate(f"document.querySelectorAll('.q-notification').forEach(toast => toast.dataset.seen = {TOAST_COUNT})")
    switch.click()
    page.wait_for_function("([name, before]) => document.querySelector(`[aria-label=\"${name}\"]`)"
                           ".getAttribute('aria-checked') !== before", arg=[name, before])
    # A new "Saved." toast, or (Quasar groups equal toasts) a higher count on the one shown.
    page.wait_for_function(f"() => [...document.querySelectorAll('.q-notification')].some(toast => "
                           f"toast.innerText.includes('Saved.') && (!toast.dataset.seen || {TOAST_COUNT} > "
                           "Number(toast.dataset.seen)))")
    return switch.get_attribute("aria-checked") == "true"


@pytest.mark.parametrize("width", list(WIDTHS))
def test_settings_switches_language_and_time_zone_survive_a_reload(width: str, sign_in, server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page = sign_in(OWNER, WIDTHS[width])
    page.goto(f"{server.base_url}/settings")
    page.get_by_text("Signed-in devices").wait_for()
    states = {name: _flip(page, name) for name in SWITCHES}  # every switch, each saved at once
    page.reload()
    page.get_by_text("Signed-in devices").wait_for()
    for name, on in states.items():
        assert (page.get_by_role("switch", name=name).get_attribute("aria-checked") == "true") == on, name

    language, zone, date_pattern = (("Deutsch (Deutschland) (de_DE)", "Europe/Berlin", r"\d{2}\.\d{2}\.\d{4}")
                                    if width == "1280" else
                                    ("English (United Kingdom) (en_GB)", "Asia/Tokyo", r"\d{1,2} [A-Z][a-z]{2} \d{4}"))
    _choose(page, "Language and region", language)
    page.get_by_role("combobox", name="Time zone").click()
    page.keyboard.type(zone.split("/")[1][:4])  # the zone list filters as one types
    page.get_by_role("option", name=zone, exact=True).click()
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(f"{server.base_url}/settings?saved=preferences")
    page.get_by_text("Saved. Dates and amounts now follow your choice.").wait_for()
    page.goto(f"{server.base_url}/settings")
    page.get_by_text("Signed-in devices").wait_for()
    assert _shown(page, "Language and region") == language
    assert _shown(page, "Time zone") == zone
    assert re.search(date_pattern, page.get_by_text(re.compile("last active")).first.inner_text())
    screenshot(page, f"controls-settings-{width}")


def test_settings_of_a_plan_without_e_mail_alerts(sign_in, server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page = sign_in(VIEWER)
    page.goto(f"{server.base_url}/settings")
    page.get_by_text("E-mail alerts are not part of your plan.").wait_for()
    assert all(page.get_by_role("switch", name=name).is_disabled() for name in SWITCHES if "e-mail" in name)
    states = {name: _flip(page, name) for name in SWITCHES if "portal" in name}
    page.reload()
    for name, on in states.items():
        assert (page.get_by_role("switch", name=name).get_attribute("aria-checked") == "true") == on, name


def test_password_recovery_codes_devices_and_sign_out(browser, sign_in, server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page = sign_in(ACCOUNT_USER)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{server.base_url}/settings")
    page.get_by_text("10 of 10 recovery codes left.").wait_for()

    # New recovery codes: shown once, copied, downloaded, then back to the settings.
    page.get_by_role("button", name="Make new recovery codes").click()
    page.wait_for_url(re.compile(r"/account/recovery-codes\?next="))
    codes = page.get_by_test_id("recovery-codes").locator("div").all_inner_texts()
    assert len(codes) == 10
    screenshot(page, "controls-recovery-codes-1280")
    page.get_by_role("button", name="Copy").click()
    page.get_by_text("The recovery codes are copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == "\n".join(codes) + "\n"
    with page.expect_download() as text_download:
        page.get_by_role("button", name="Download as text file").click()
    assert text_download.value.suggested_filename == "invoice-portal-recovery-codes.txt"
    assert Path(text_download.value.path()).read_text().split()[-10:] == codes
    page.set_viewport_size(PHONE)
    screenshot(page, "controls-recovery-codes-390")
    page.set_viewport_size(DESKTOP)
    page.get_by_test_id("continue").click()
    page.wait_for_url(f"{server.base_url}/settings")
    page.get_by_text("10 of 10 recovery codes left.").wait_for()

    def sign_in_on_a_phone(password: str, code: str) -> Page:
        phone = browser.new_context(viewport=PHONE, locale="en-US").new_page()
        phone.goto(f"{server.base_url}/login")
        phone.get_by_label("E-mail").fill(ACCOUNT_USER)
        phone.get_by_label("Password", exact=True).fill(password)
        phone.get_by_role("button", name="Show the typed characters").click()  # the eye on the sign-in form
        phone.wait_for_function("() => document.querySelector('[aria-label=Password]').type === 'text'")
        phone.get_by_role("button", name="Sign in").click()
        phone.wait_for_url("**/login/mfa**")
        phone.get_by_label("Verification code").fill(code)
        phone.get_by_role("button", name="Verify").click()
        phone.wait_for_url(f"{server.base_url}/")
        return phone

    # A second device (a recovery code for its second step); "Sign out everywhere else" ends it.
    phone = sign_in_on_a_phone(DEMO_PASSWORD, codes[0])
    page.reload()
    page.get_by_text("9 of 10 recovery codes left.").wait_for()
    devices = page.get_by_text(re.compile(r"· last active .* · signed in "))
    assert devices.count() == 2
    screenshot(page, "controls-settings-two-devices-1280")
    page.get_by_role("button", name="Sign out everywhere else").click()
    page.wait_for_url(f"{server.base_url}/settings?ended=1")
    page.get_by_text("Signed out 1 other device.").wait_for()
    phone.wait_for_url("**/login?**")  # the open page left at once
    assert devices.count() == 1
    assert page.get_by_role("button", name="Sign out everywhere else").count() == 0
    phone.context.close()

    # The password: a wrong current one, two different new ones, then a change that works.
    def change_password(current: str, new: str, repeat: str) -> None:
        page.get_by_label("Current password").fill(current)
        page.get_by_label("New password", exact=True).fill(new)
        page.get_by_label("Repeat new password").fill(repeat)
        page.get_by_role("button", name="Change password").click()

    change_password("not the password", NEW_PASSWORD, NEW_PASSWORD)
    page.wait_for_url(f"{server.base_url}/settings?password=current")
    page.get_by_role("alert").filter(has_text="Your current password is not right.").wait_for()
    change_password(DEMO_PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!")
    page.wait_for_url(f"{server.base_url}/settings?password=mismatch")
    page.get_by_role("alert").filter(has_text="The two new passwords differ.").wait_for()
    # The eye at the end of the new password: the next Tab stop, and it shows what was typed.
    new_field = page.get_by_label("New password", exact=True)
    new_field.fill(NEW_PASSWORD)
    reveal = _field(page, "New password").get_by_role("button", name="Show the typed characters")
    page.keyboard.press("Tab")
    assert reveal.evaluate("button => button === document.activeElement"), "Tab does not reach the eye"
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('[aria-label=\"New password\"]').type === 'text'")
    assert reveal.get_attribute("aria-pressed") == "true" and new_field.input_value() == NEW_PASSWORD
    reveal.click()
    page.wait_for_function("() => document.querySelector('[aria-label=\"New password\"]').type === 'password'")
    assert reveal.get_attribute("aria-pressed") == "false"
    change_password(DEMO_PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    page.wait_for_url(f"{server.base_url}/settings?password=changed")
    page.get_by_text("Your password was changed. Every other device was signed out.").wait_for()
    screenshot(page, "controls-settings-password-1280")

    # The new password signs in; "Sign out" (an icon on phones) ends that session, and this one too.
    phone = sign_in_on_a_phone(NEW_PASSWORD, codes[1])
    phone.get_by_role("button", name="Sign out", exact=True).click()
    phone.wait_for_url("**/login?error=signed_out")
    phone.get_by_text("You have signed out.").wait_for()
    phone.context.close()
    page.reload()
    page.get_by_text("Signed-in devices").wait_for()
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url("**/login?error=signed_out")
    page.goto(f"{server.base_url}/settings")
    page.wait_for_url("**/login?next=%2Fsettings**")


# --- the team ----------------------------------------------------------------------------------------

def _member(page: Page, email: str, status: str | re.Pattern[str]) -> None:
    """Wait until the team list's card of `email` has the line `status` (its role and state)."""
    page.locator(f"[data-member='{email}']").get_by_text(status, exact=True).wait_for()


def test_team_invite_revoke_and_remove(browser, sign_in, server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    member = sign_in(REMOVED_USER, PHONE)  # a colleague with the portal open on their phone
    member.goto(f"{server.base_url}/")
    member.get_by_text("Open balance").wait_for()
    page = sign_in(OWNER)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{server.base_url}/team")
    page.get_by_role("button", name="Create invitation").wait_for()
    screenshot(page, "controls-team-1280")

    # A refused invitation says why; a good one gives a link, copied with its button.
    page.get_by_role("button", name="Create invitation").click()
    page.get_by_role("alert").filter(has_text="Enter a valid e-mail address.").wait_for()
    invited = "new.colleague@mueller.example"
    page.get_by_label("E-mail", exact=True).fill(invited)
    page.get_by_label("Name (optional)").fill("Neue Kollegin")
    _choose(page, "Role", "Accountant: sees and exports every invoice, asks billing questions")
    page.get_by_role("button", name="Create invitation").click()
    page.get_by_role("alert").filter(has_text=f"Invitation for {invited} created.").wait_for()
    link = page.get_by_label("Invitation link").input_value()
    assert f"{server.base_url}/invite/" in link
    page.get_by_role("button", name="Copy").click()
    page.get_by_text("The invitation link is copied.").wait_for()
    page.wait_for_function("link => navigator.clipboard.readText().then(text => text === link)", arg=link)
    _member(page, invited, "accountant · invitation not accepted yet")
    assert page.get_by_label("E-mail", exact=True).input_value() == ""  # ready for the next one

    guest = browser.new_context(viewport=PHONE, locale="en-US").new_page()
    guest.goto(link)
    guest.get_by_text(f"You were invited as {invited} to see the invoices of Müller GmbH.").wait_for()

    # Revoking the invitation: asked first (Cancel keeps it), then the link stops working.
    page.get_by_role("button", name=f"Remove {invited}").click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    page.get_by_role("dialog").wait_for(state="detached")
    _member(page, invited, "accountant · invitation not accepted yet")
    page.get_by_role("button", name=f"Remove {invited}").click()
    page.get_by_role("dialog").get_by_role("button", name="Remove", exact=True).click()
    page.get_by_text(f"{invited} was removed.").wait_for()
    _member(page, invited, "accountant · removed")
    guest.reload()
    guest.get_by_text("This invitation link is not valid any more.").wait_for()

    # An address that has an account elsewhere: invited like anyone, and that invitation revoked.
    elsewhere = "viewer@lodz-logistyka.example"
    page.get_by_label("E-mail", exact=True).fill(elsewhere)
    page.get_by_role("button", name="Create invitation").click()
    page.get_by_role("alert").filter(has_text=f"Invitation for {elsewhere} created.").wait_for()
    _member(page, elsewhere, "accountant · invitation not accepted yet")  # the role stays chosen
    page.get_by_role("button", name=f"Remove {elsewhere}").click()
    page.get_by_role("dialog").get_by_role("button", name="Remove", exact=True).click()
    _member(page, elsewhere, "accountant · removed")

    # Removing a member signs their open page out at once.
    page.get_by_role("button", name=f"Remove {REMOVED_USER}").click()
    page.get_by_role("dialog").get_by_role("button", name="Remove", exact=True).click()
    page.get_by_text(f"{REMOVED_USER} was removed.").wait_for()
    member.wait_for_url("**/login?**")
    page.reload()
    for email in (invited, elsewhere, REMOVED_USER):
        _member(page, email, re.compile(r"^\w+ · removed$"))
        assert page.get_by_role("button", name=f"Remove {email}").count() == 0
    page.set_viewport_size(PHONE)
    page.reload()
    page.get_by_role("button", name="Create invitation").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "controls-team-390")
    guest.context.close()
