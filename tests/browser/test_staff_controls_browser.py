"""Every control of the staff console, operated in Chromium as admin and as support."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qs, quote, urlsplit

import pyotp
import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from data import AccessAlert, AuditEvent, Customer, Invoice, InvoiceStatus, SupportRequest, Tier, User, Vendor
from data.types import Role, SupportStatus
from services.auth.totp import seal_secret
from tests.browser.chromium import Accounts
from tests.browser.conftest import (
    DESKTOP,
    LIVE_SECRET_KEY,
    PHONE,
    LiveServer,
    demo_portal,
    portal_database,
    screenshot,
)
from tests.ledger_events import push_events

pytestmark = [pytest.mark.browser]

ADMIN = "admin@portal.example"
SUPPORT = "support@portal.example"
SECOND_ADMIN = "second-admin@portal.example"
SECOND_SUPPORT = "second-support@portal.example"
MISSING_REF = "C-LATE-1"  # a ledger invoice waits in quarantine until staff create this customer


def _seed(database_url: str) -> dict[str, str]:
    """What the console should show: two more staff, authenticators set up (their secrets are
    returned), a locked user, access alerts, open billing questions."""
    engine = sa.create_engine(database_url)
    now = datetime.now(timezone.utc)
    secrets: dict[str, str] = {}
    try:
        with Session(engine) as db:
            admin = db.exec(select(User).where(col(User.email) == ADMIN)).one()
            for email, role, name in ((SECOND_ADMIN, Role.ADMIN, "Alex Second-Admin"),
                                      (SECOND_SUPPORT, Role.SUPPORT, "Sasha Second-Support")):
                db.add(User(email=email, display_name=name, password_hash=admin.password_hash, role=role,
                            created_at=admin.created_at, password_changed_at=admin.created_at, failed_logins=0,
                            is_active=True))
            db.flush()
            customers = db.exec(select(Customer).order_by(col(Customer.ref))).all()
            users = {user.email: user for user in db.exec(select(User)).all()}
            # Staff and a few customer users have an authenticator (staff sign in without enrolling).
            for user in users.values():
                if user.role.is_staff or user.email.startswith(("accountant@", "viewer@")):
                    secrets[user.email] = pyotp.random_base32(32)
                    user.totp_secret_encrypted = seal_secret(LIVE_SECRET_KEY, secrets[user.email])
                    user.mfa_enrolled_at = now - timedelta(days=3)
                    db.add(user)
            locked = users["owner@tokyo-trading.example"]
            locked.failed_logins, locked.locked_until = 10, now + timedelta(minutes=15)
            db.add(locked)
            for email, kind, detail in (
                    ("viewer@mueller.example", "rapid_access", "41 invoices opened in one minute"),
                    ("accountant@lodz-logistyka.example", "many_ips", "Signed in from 5 addresses in an hour")):
                user = users[email]
                db.add(AccessAlert(user_id=user.id, customer_id=user.customer_id, kind=kind, detail=detail,
                                   raised_at=now - timedelta(minutes=5), throttled_until=now + timedelta(hours=2)))
            for index, (email, subject) in enumerate((
                    ("owner@mueller.example", "Controls question for the admin"),
                    ("viewer@lodz-logistyka.example", "Controls question for support"),
                    ("accountant@tokyo-trading.example", "Controls question left open"))):
                user = users[email]
                db.add(SupportRequest(customer_id=user.customer_id, user_id=user.id, subject=subject,
                                      message=f"Why is this invoice due so early? ({index + 1})",
                                      status=SupportStatus.OPEN, created_at=now - timedelta(hours=index + 1)))
            assert customers
            db.commit()
    finally:
        engine.dispose()
    return secrets


def _push(base_url: str, events: list[dict]) -> dict:
    answer = push_events(base_url, LIVE_SECRET_KEY, events)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _ledger_events(database_url: str) -> list[dict]:
    """An invoice for a customer the portal does not know yet and a payment for an unknown invoice
    (both quarantined), and an overpayment of a demo invoice (applied, flagged)."""
    engine = sa.create_engine(database_url)
    try:
        with Session(engine) as db:
            vendor_code = db.exec(select(Vendor.code).order_by(col(Vendor.code))).first()
            unpaid = db.exec(select(Invoice).where(col(Invoice.status).in_(
                [InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE])).order_by(col(Invoice.id))).first()
            assert vendor_code is not None and unpaid is not None
            overpaid = (unpaid.external_id, unpaid.currency, unpaid.total_minor)
    finally:
        engine.dispose()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    instant = now.isoformat().replace("+00:00", "Z")
    invoice = {"external_id": "CTRL-INV-1", "number": "CTRL-2026-0001", "customer_ref": MISSING_REF,
               "vendor_code": vendor_code, "issue_date": (now - timedelta(days=2)).date().isoformat(),
               "due_date": (now + timedelta(days=28)).date().isoformat(), "currency": "EUR", "terms": "Net 30",
               "version": 1, "lines": [{"description": "Late customer's service", "quantity": "1", "unit": "pc",
                                        "unit_price": "100.00", "tax_rate": "19"}]}
    external_id, currency, total_minor = overpaid
    too_much = f"{(total_minor + 123_456) // 100}.{(total_minor + 123_456) % 100:02d}"
    return [
        {"event_id": "ctrl-quarantined-invoice", "type": "invoice.issued", "occurred_at": instant, "invoice": invoice},
        {"event_id": "ctrl-quarantined-payment", "type": "payment.succeeded", "occurred_at": instant,
         "payment": {"external_id": "CTRL-PAY-1", "invoice_external_id": "CTRL-NO-SUCH-INVOICE", "amount": "5.00",
                     "currency": "EUR", "method": "card", "received_at": instant, "reference": "ctrl"}},
        {"event_id": "ctrl-overpayment", "type": "payment.succeeded", "occurred_at": instant,
         "payment": {"external_id": "CTRL-PAY-2", "invoice_external_id": external_id, "amount": too_much,
                     "currency": currency, "method": "bank_transfer", "received_at": instant,
                     "reference": "ctrl overpaid"}},
    ]


@pytest.fixture(scope="module")
def controls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    """A portal of this module's own: it disables, locks and resets users the shared one's tests sign in with."""
    with demo_portal(tmp_path_factory.mktemp("controls"), "controls", customers=4, invoices=200,
                     prepare=_seed) as (server, secrets):
        answer = _push(server.base_url, _ledger_events(server.database_url))
        assert answer["applied"] == 1 and answer["quarantined"] == 2, answer
        yield server, secrets


@pytest.fixture(scope="module")
def server(controls_server: tuple[LiveServer, dict[str, str]]) -> LiveServer:
    return controls_server[0]


@pytest.fixture(scope="module")
def sessions(browser, controls_server: tuple[LiveServer, dict[str, str]]) -> Iterator[Callable[[str], object]]:  # type: ignore[no-untyped-def]
    """A signed-in browser context per staff user, signed in once for the module (a second sign-in of
    the same user within one TOTP step would wait up to 30 s for the next code)."""
    server, secrets = controls_server
    accounts = Accounts(server.base_url)
    accounts.secrets.update(secrets)
    contexts: dict[str, object] = {}

    def session(email: str):  # type: ignore[no-untyped-def]
        if email not in contexts:
            context = browser.new_context(viewport=DESKTOP, locale="en-US")
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base_url)
            page = context.new_page()
            accounts.sign_in(page, email)
            page.close()
            contexts[email] = context
        return contexts[email]

    yield session
    for context in contexts.values():
        context.close()  # type: ignore[attr-defined]


@pytest.fixture
def open_page(server: LiveServer, sessions: Callable[[str], object]) -> Iterator[Callable[..., object]]:
    """open_page(email, viewport, path): a new tab of that staff user's session; closed after the test."""
    pages: list = []

    def opened(email: str, viewport: dict[str, int], path: str):  # type: ignore[no-untyped-def]
        page = sessions(email).new_page()  # type: ignore[attr-defined]
        page.set_viewport_size(viewport)
        pages.append(page)
        page.goto(server.base_url + path)
        page.locator("header").first.wait_for()
        return page

    yield opened
    for page in pages:
        page.close()


def _label(viewport: dict[str, int]) -> str:
    return str(viewport["width"])


def _toast(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(".q-notification").filter(has_text=text).first.wait_for()


def _fits(page, where: str) -> None:  # type: ignore[no-untyped-def]
    """The page is no wider than the window (wide tables scroll inside their own box)."""
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{where} is {widths[0]} px wide in a {widths[1]} px window"


def _unbroken(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    """Each element's text sits on one line (e-mails and labels are not split mid-word; a table too
    wide for the window scrolls sideways instead)."""
    broken = page.evaluate("""selector => [...document.querySelectorAll(selector)].filter(element => {
        const tops = new Set(), texts = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
        for (let text = texts.nextNode(); text; text = texts.nextNode()) {
            const range = document.createRange();
            range.selectNodeContents(text);
            for (const rect of range.getClientRects()) tops.add(Math.round(rect.top));
        }
        return tops.size > 1;
    }).map(element => element.textContent)""", selector)
    assert page.locator(selector).count() > 0 and not broken, f"split over lines: {broken}"


def _row(page, cell_text: str):  # type: ignore[no-untyped-def]
    """The table row with a cell of exactly `cell_text`."""
    return page.get_by_role("row").filter(has=page.get_by_role("cell", name=cell_text, exact=True))


def _choose(page, field, option: str) -> None:  # type: ignore[no-untyped-def]
    """Open a Quasar select and click one of its options; wait until no option list is left on the
    page (an earlier field's list may still be fading out)."""
    field.click()
    page.get_by_role("option", name=option, exact=True).click()
    page.wait_for_function("() => !document.querySelector('[role=listbox]')")


def _customer_id(database_url: str, ref: str) -> int:
    with portal_database(database_url) as connection:
        return int(connection.execute(sa.select(Customer.id).where(col(Customer.ref) == ref)).scalar_one())


def _audit_days(database_url: str) -> tuple[date, date]:
    """The days (UTC) of the oldest and the newest audit row."""
    with portal_database(database_url) as connection:
        oldest, newest = connection.execute(sa.select(sa.func.min(AuditEvent.occurred_at),
                                                      sa.func.max(AuditEvent.occurred_at))).one()
    return oldest.date(), newest.date()


# --- every page, through the header (desktop) or the drawer (phone) ---------------------------------

PAGES = (("Console", "/admin", "Staff console"), ("Customers", "/admin/customers", "Customers"),
         ("Users", "/admin/users", "Users"), ("Tiers", "/admin/tiers", "Tiers"),
         ("Audit", "/admin/audit", "Audit trail"), ("Ledger", "/admin/ledger", "Ledger sync"),
         ("Questions", "/admin/questions", "Billing questions"), ("Metrics", "/admin/metrics", "Metrics"),
         ("Settings", "/settings", "Settings"))


def _go_by_menu(page, label: str, path: str, heading: str, phone: bool) -> None:  # type: ignore[no-untyped-def]
    if phone:
        page.locator("header").get_by_role("link", name=label, exact=True).wait_for(state="hidden")
        page.get_by_role("button", name="Open menu").click()
        nav = page.locator(".q-drawer")
    else:
        page.get_by_role("button", name="Open menu").wait_for(state="hidden")
        nav = page.locator("header")
    nav.get_by_role("link", name=label, exact=True).click()
    page.wait_for_url(lambda url: url.split("?")[0].endswith(path))
    page.get_by_role("heading", name=heading, exact=True).wait_for()
    current = (page.locator(".q-drawer") if phone else page.locator("header")).locator('[aria-current="page"]')
    assert (current.text_content() or "").strip().endswith(label)


def _role_controls(page, path: str, admin: bool) -> None:  # type: ignore[no-untyped-def]
    """What each role may operate on this page: admins change customers, tiers, accounts and replay
    ledger events; support only helps users (lock, unlock, reset two-step) and never an admin."""
    def count(name: str) -> int:
        return page.get_by_role("button", name=re.compile(name)).count()

    if path == "/admin":
        _unbroken(page, "tbody td:nth-child(2) a")  # who raised an access alert
    elif path == "/admin/customers":
        page.get_by_role("cell", name="C-000001").wait_for()
        assert count("^New customer$") == (1 if admin else 0)
        assert count("^Edit ") == (page.get_by_role("row").count() - 1 if admin else 0)
    elif path == "/admin/tiers":
        page.get_by_role("cell", name="Enterprise", exact=True).wait_for()
        assert count("^New tier$") == (1 if admin else 0)
        assert count("^Edit tier ") == (page.get_by_role("row").count() - 1 if admin else 0)
    elif path == "/admin/users":
        page.get_by_role("cell", name="viewer@mueller.example", exact=True).wait_for()
        assert count("^Lock ") > 0
        assert count("^(Disable|Enable) ") > 0 if admin else count("^(Disable|Enable) ") == 0
        for staff in (ADMIN, SECOND_ADMIN):
            assert (_row(page, staff).get_by_role("button").count() > 0) is (admin and staff != ADMIN), staff
        _unbroken(page, "tbody td:first-child")  # e-mails
    elif path == "/admin/audit":
        _unbroken(page, "tbody td:nth-child(3)")  # e-mails
    elif path == "/admin/ledger":
        page.get_by_role("heading", name="Quarantine").wait_for()
        page.get_by_text("ctrl-quarantined-payment", exact=True).wait_for()
        _unbroken(page, ".q-expansion-item .q-item__label")  # "Payload"
        assert (count("^Replay event ") > 0) is admin
    elif path == "/admin/metrics":
        page.wait_for_function("() => document.querySelectorAll('canvas').length >= 4")


@pytest.mark.parametrize("email", [ADMIN, SUPPORT], ids=["admin", "support"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_every_staff_page_through_the_menu(open_page, email: str, viewport: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    phone = viewport == PHONE
    admin = email == ADMIN
    role = "admin" if admin else "support"
    page = open_page(email, viewport, "/admin")
    page.get_by_role("heading", name="Staff console").wait_for()

    _role_controls(page, "/admin", admin)
    _fits(page, f"/admin at {viewport['width']} px")
    screenshot(page, f"staff-controls-{role}-console-{_label(viewport)}")
    page.keyboard.press("Tab")  # the first Tab stop skips the header
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("element => element === document.activeElement")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.classList.contains('portal-main')")
    badge = page.get_by_role("link", name=re.compile(r": your settings$"))
    if phone:
        assert not badge.is_visible()  # the header keeps one row; the name is in Settings
    else:
        assert badge.inner_text().split("\n")[0] == ("Ada Admin" if admin else "Sam Support")
    for label, path, heading in PAGES[1:]:
        if label == "Settings" and not phone:
            badge.click()  # the name in the header leads there too
            page.wait_for_url(re.compile(r"/settings$"))
            page.get_by_role("heading", name=heading, exact=True).wait_for()
        else:
            _go_by_menu(page, label, path, heading, phone)
        _role_controls(page, path, admin)
        _fits(page, f"{path} at {viewport['width']} px")
        screenshot(page, f"staff-controls-{role}-{label.lower()}-{_label(viewport)}")
    page.get_by_role("link", name="Invoice Portal").click()  # the brand: staff land on their console
    page.wait_for_url(re.compile(r"/admin$"))
    page.get_by_role("heading", name="Staff console").wait_for()


# --- customers ----------------------------------------------------------------------------------

CUSTOMER_FIELDS = ("Customer number (as in the ledger)", "Company name", "Billing e-mail (optional)",
                   "Country (ISO, e.g. DE)", "Tax id (optional)", "Address")


def _fill(dialog, values: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    for label, value in values.items():
        dialog.get_by_label(label, exact=True).fill(value)


def _assert_fields(dialog, values: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    for label, value in values.items():
        assert dialog.get_by_label(label, exact=True).input_value() == value, label


def _customer_dialog(page, name: str):  # type: ignore[no-untyped-def]
    page.get_by_role("button", name=f"Edit {name}", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Company name", exact=True).wait_for()
    return dialog


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_an_admin_creates_edits_invites_and_disables_a_customer(open_page, viewport: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    width = _label(viewport)
    ref, name = f"C-CTRL-{width}", f"Kontroll Test {width} GmbH"
    page = open_page(ADMIN, viewport, "/admin/customers")

    # Create: every field and the tier; a bad e-mail is refused and everything typed stays.
    page.get_by_role("button", name="New customer").click()
    dialog = page.get_by_role("dialog")
    typed = {CUSTOMER_FIELDS[0]: ref, CUSTOMER_FIELDS[1]: name, CUSTOMER_FIELDS[2]: "billing(at)kontroll",
             CUSTOMER_FIELDS[3]: "de", CUSTOMER_FIELDS[4]: f"DE{width}000111", CUSTOMER_FIELDS[5]: "Teststraße 1\n10115 Berlin"}
    _fill(dialog, typed)
    _choose(page, dialog.get_by_label("Tier", exact=True), "Business")
    dialog.get_by_role("button", name="Save").click()
    dialog.get_by_text("Enter a valid billing e-mail address or leave it empty.").wait_for()
    _assert_fields(dialog, typed)
    assert dialog.get_by_label("Tier", exact=True).input_value() == "Business"
    screenshot(page, f"staff-controls-customer-refused-{width}")
    typed[CUSTOMER_FIELDS[2]] = f"billing-{width}@kontroll.example"
    _fill(dialog, {CUSTOMER_FIELDS[2]: typed[CUSTOMER_FIELDS[2]]})
    dialog.get_by_role("button", name="Save").click()
    _toast(page, f"Customer {ref} saved.")
    dialog.wait_for(state="hidden")
    page.reload()
    row = _row(page, ref)
    assert row.get_by_role("cell").nth(1).inner_text() == name and row.get_by_role("cell").nth(2).inner_text() == "Business"
    row.get_by_text("Active", exact=True).wait_for()
    dialog = _customer_dialog(page, name)
    _assert_fields(dialog, typed | {CUSTOMER_FIELDS[3]: "DE"})  # the country is stored upper-case
    assert dialog.get_by_label("Tier", exact=True).input_value() == "Business"

    # Edit every field; a country that is no ISO code is refused and the edits stay.
    edited = {CUSTOMER_FIELDS[1]: f"{name} & Co. KG", CUSTOMER_FIELDS[2]: f"ap-{width}@kontroll.example",
              CUSTOMER_FIELDS[3]: "A1", CUSTOMER_FIELDS[4]: f"AT{width}999", CUSTOMER_FIELDS[5]: "Ring 2\n1010 Wien"}
    _fill(dialog, edited)
    _choose(page, dialog.get_by_label("Tier", exact=True), "Enterprise")
    dialog.get_by_role("button", name="Save").click()
    dialog.get_by_text("The country is a two-letter ISO code such as DE, PL or JP.").wait_for()
    _assert_fields(dialog, edited)
    edited[CUSTOMER_FIELDS[3]] = "AT"
    _fill(dialog, {CUSTOMER_FIELDS[3]: "AT"})
    dialog.get_by_role("button", name="Save").click()
    _toast(page, f"Customer {ref} saved.")
    name = edited[CUSTOMER_FIELDS[1]]
    # Cancel drops what was typed since.
    dialog = _customer_dialog(page, name)
    _fill(dialog, {CUSTOMER_FIELDS[1]: "Not saved"})
    dialog.get_by_role("button", name="Cancel").click()
    dialog.wait_for(state="hidden")
    page.reload()
    assert _row(page, ref).get_by_role("cell").nth(2).inner_text() == "Enterprise"
    dialog = _customer_dialog(page, name)
    _assert_fields(dialog, {CUSTOMER_FIELDS[0]: ref, **edited})
    assert dialog.get_by_label("Tier", exact=True).input_value() == "Enterprise"

    # The owner's invitation: a one-time link, copied with the button.
    dialog.get_by_text("Invite the owner").click()
    dialog.get_by_label("Owner's e-mail").fill(f"owner-{width}@kontroll.example")
    dialog.get_by_label("Name (optional)").fill(f"Olga Owner {width}")
    dialog.get_by_role("button", name="Create invitation link").click()
    link = dialog.get_by_label("Invitation link").input_value()
    assert re.search(r"/invite/[\w-]{20,}$", link), link
    dialog.get_by_role("button", name="Copy").click()
    page.get_by_text("The invitation link is copied.").wait_for()
    page.wait_for_function("link => navigator.clipboard.readText().then(text => text === link)", arg=link)
    _row(page, ref).get_by_text("Invitation sent", exact=True).wait_for()  # the list behind the dialog
    screenshot(page, f"staff-controls-customer-invited-{width}")
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")

    # Disable (asked first; Cancel changes nothing), then enable again.
    for answer in ("Cancel", "Disable"):
        dialog = _customer_dialog(page, name)
        dialog.get_by_role("button", name="Disable customer").click()
        confirm = page.get_by_role("dialog").filter(has_text=f"Disable {name}?")
        confirm.get_by_role("button", name=answer, exact=True).click()
        confirm.wait_for(state="hidden")
        if answer == "Cancel":
            page.keyboard.press("Escape")
            dialog.wait_for(state="hidden")
    _toast(page, f"{name} disabled; 0 sessions ended.")
    page.reload()
    _row(page, ref).get_by_text("Disabled", exact=True).wait_for()
    dialog = _customer_dialog(page, name)
    dialog.get_by_role("button", name="Enable customer").click()
    _toast(page, f"{name} enabled.")
    page.reload()
    _row(page, ref).get_by_text("Invitation sent", exact=True).wait_for()  # the invitation was stored too

    # Search by part of the name, any case; clearing the box lists everybody again.
    search = page.get_by_label("Search by name or number")
    search.fill(f"KONTROLL TEST {width}")
    page.wait_for_function("() => document.querySelectorAll('tbody tr').length === 1")
    _row(page, ref).wait_for()
    search.fill("nothing like this")
    page.get_by_text("No customer matches this search.").wait_for()
    page.get_by_role("button", name="Clear").click()
    _row(page, "C-000001").wait_for()
    _fits(page, f"customers at {width} px")

    # The row's Users link lists its users only; the link above the list shows everybody again.
    _row(page, ref).get_by_role("link", name="Users").click()
    page.wait_for_url(re.compile(r"/admin/users\?customer=\d+$"))
    invited = _row(page, f"owner-{width}@kontroll.example")
    invited.get_by_text("Invited", exact=True).wait_for()
    assert invited.get_by_role("cell").nth(1).inner_text() == f"Olga Owner {width}"
    assert page.get_by_role("row").count() == 2  # the header and the owner
    page.get_by_role("link", name="Show all customers' users").click()
    page.wait_for_url(re.compile(r"/admin/users$"))
    _row(page, ADMIN).wait_for()


# --- tiers --------------------------------------------------------------------------------------

TIER_NUMBERS = ("History in months (empty: all)", "Bulk export size (0: none)", "Exports per hour",
                "Users per account")
TIER_SWITCHES = ("Invoice PDFs", "CSV exports", "E-mail alerts")


def _tier_cells(page, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [text.strip() for text in _row(page, name).get_by_role("cell").all_inner_texts()][:9]


def _switches(dialog) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    return {label: dialog.get_by_role("checkbox", name=label).get_attribute("aria-checked") == "true"
            for label in TIER_SWITCHES}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_an_admin_creates_and_edits_a_tier(open_page, viewport: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    width = _label(viewport)
    name = f"Kontroll {width}"
    page = open_page(ADMIN, viewport, "/admin/tiers")

    page.get_by_role("button", name="New tier").click()
    dialog = page.get_by_role("dialog")
    assert _switches(dialog) == dict.fromkeys(TIER_SWITCHES, True)  # a new tier allows everything
    typed = {"Name": "basic", TIER_NUMBERS[0]: "1", TIER_NUMBERS[1]: "250", TIER_NUMBERS[2]: "7", TIER_NUMBERS[3]: "4"}
    _fill(dialog, typed)
    dialog.get_by_role("checkbox", name="CSV exports").click()
    dialog.get_by_role("checkbox", name="E-mail alerts").click()
    dialog.get_by_role("button", name="Save").click()
    dialog.get_by_text("A tier named basic exists already.").wait_for()  # names differ in more than case
    _assert_fields(dialog, typed)
    assert _switches(dialog) == {"Invoice PDFs": True, "CSV exports": False, "E-mail alerts": False}
    _fill(dialog, {"Name": name})
    dialog.get_by_role("button", name="Save").click()
    _toast(page, f"Tier {name} saved.")
    page.reload()
    assert _tier_cells(page, name) == [name, "1 month", "Yes", "No", "250 invoices", "7", "4", "No", "0"]

    # Edit: the whole history, other limits, every switch the other way round.
    page.get_by_role("button", name=f"Edit tier {name}").click()
    dialog = page.get_by_role("dialog")
    _assert_fields(dialog, typed | {"Name": name})
    dialog.get_by_label(TIER_NUMBERS[0]).clear()
    _fill(dialog, {"Name": f"{name} Plus", TIER_NUMBERS[1]: "0", TIER_NUMBERS[2]: "12", TIER_NUMBERS[3]: ""})
    for label in TIER_SWITCHES:
        dialog.get_by_role("checkbox", name=label).click()
    dialog.get_by_role("button", name="Save").click()
    dialog.get_by_text("Users per account must be a whole number from 1 to 1,000,000.").wait_for()
    assert dialog.get_by_label("Name").input_value() == f"{name} Plus"
    assert _switches(dialog) == {"Invoice PDFs": False, "CSV exports": True, "E-mail alerts": True}
    _fill(dialog, {TIER_NUMBERS[3]: "25"})
    dialog.get_by_role("button", name="Save").click()
    _toast(page, f"Tier {name} Plus saved.")
    name = f"{name} Plus"
    page.reload()
    assert _tier_cells(page, name) == [name, "all", "No", "Yes", "none", "12", "25", "Yes", "0"]
    page.get_by_role("button", name=f"Edit tier {name}").click()
    dialog = page.get_by_role("dialog")
    _assert_fields(dialog, {"Name": name, TIER_NUMBERS[0]: "", TIER_NUMBERS[1]: "0", TIER_NUMBERS[2]: "12",
                            TIER_NUMBERS[3]: "25"})
    assert _switches(dialog) == {"Invoice PDFs": False, "CSV exports": True, "E-mail alerts": True}

    # Cancel keeps what was stored; the new tier is offered for customers.
    _fill(dialog, {TIER_NUMBERS[2]: "99"})
    dialog.get_by_role("button", name="Cancel").click()
    dialog.wait_for(state="hidden")
    page.reload()
    assert _tier_cells(page, name)[5] == "12"
    screenshot(page, f"staff-controls-tiers-edited-{width}")
    page.goto(page.url.replace("/admin/tiers", "/admin/customers"))
    page.get_by_role("button", name="New customer").click()
    page.get_by_role("dialog").get_by_label("Tier", exact=True).click()
    page.get_by_role("option", name=name, exact=True).wait_for()


# --- users --------------------------------------------------------------------------------------

def _user_status(page, email: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """(status, two-step) of the user's row."""
    cells = _row(page, email).get_by_role("cell")
    return cells.nth(4).inner_text().strip(), cells.nth(5).inner_text().strip()


def _confirmed(page, button: str, title: str, answer: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name=button, exact=True).click()
    confirm = page.get_by_role("dialog").filter(has_text=title)
    confirm.get_by_role("button", name=answer, exact=True).click()
    confirm.wait_for(state="detached")


def _search_users(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Search by e-mail, name or company").fill(text)
    page.wait_for_function("text => [...document.querySelectorAll('tbody tr td:first-child')].every("
                           "cell => cell.innerText.includes(text))", arg=text)


@pytest.mark.parametrize(("email", "viewport"), [(ADMIN, DESKTOP), (SUPPORT, PHONE)], ids=["admin-1280", "support-390"])
def test_staff_lock_unlock_reset_and_disable_users(open_page, email: str, viewport: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    admin = email == ADMIN
    target = "viewer@mueller.example" if admin else "viewer@lodz-logistyka.example"
    page = open_page(email, viewport, "/admin/users")
    _search_users(page, target.split("@")[1].split(".")[0])  # the company's domain: its three users
    assert page.get_by_role("row").count() == 4
    assert _user_status(page, target) == ("Active", "Set up")

    _confirmed(page, f"Lock {target}", f"Lock {target}?", "Cancel")
    assert _user_status(page, target) == ("Active", "Set up")
    _confirmed(page, f"Lock {target}", f"Lock {target}?", "Lock")
    _toast(page, f"{target} is locked.")
    page.reload()
    assert _user_status(page, target)[0] == "Locked"  # the search is kept in the page only: all users now
    page.get_by_role("button", name=f"Unlock {target}").click()
    _toast(page, f"{target} can sign in again.")
    page.reload()
    assert _user_status(page, target)[0] == "Active"

    _confirmed(page, f"Reset two-step verification of {target}", f"Reset two-step verification of {target}?", "Reset")
    _toast(page, f"Two-step verification of {target} was reset.")
    page.reload()
    assert _user_status(page, target) == ("Active", "Not set up")
    assert _row(page, target).get_by_role("button", name=re.compile("^Reset two-step")).count() == 0

    if admin:
        _confirmed(page, f"Disable {target}", f"Disable {target}?", "Disable")
        _toast(page, f"{target} is disabled.")
        page.reload()
        assert _user_status(page, target)[0] == "Disabled"
        assert _row(page, target).get_by_role("button", name=re.compile("^Lock")).count() == 0
        page.get_by_role("button", name=f"Enable {target}").click()
        _toast(page, f"{target} is enabled.")
        page.reload()
        assert _user_status(page, target)[0] == "Active"
        # an administrator may help another administrator, but not change their own account
        for button in ("Lock", "Reset two-step verification of", "Disable"):
            _row(page, SECOND_ADMIN).get_by_role("button", name=f"{button} {SECOND_ADMIN}").wait_for()
        assert _row(page, ADMIN).get_by_role("button").count() == 0
        _row(page, ADMIN).get_by_text("you", exact=True).wait_for()
    else:
        # locked after too many failed sign-ins: support lets them in again
        locked = "owner@tokyo-trading.example"
        assert _user_status(page, locked)[0] == "Locked"
        page.get_by_role("button", name=f"Unlock {locked}").click()
        _toast(page, f"{locked} can sign in again.")
        page.reload()
        assert _user_status(page, locked)[0] == "Active"
        # support neither disables accounts nor touches administrators'
        assert page.get_by_role("button", name=re.compile(r"^(Disable|Enable) ")).count() == 0
        for staff in (ADMIN, SECOND_ADMIN):
            assert _row(page, staff).get_by_role("button").count() == 0
            _row(page, staff).get_by_text("administrators only", exact=True).wait_for()
        _row(page, SECOND_SUPPORT).get_by_role("button", name=f"Lock {SECOND_SUPPORT}").wait_for()
    search = page.get_by_label("Search by e-mail, name or company")
    search.fill("nobody-by-this-name")
    page.get_by_text("No account matches this search.").wait_for()
    page.get_by_role("button", name="Clear").click()
    _row(page, ADMIN).wait_for()
    _fits(page, f"users at {viewport['width']} px")


# --- audit trail --------------------------------------------------------------------------------

def _audit_column(page, index: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [text.strip() for text in page.locator(f"tbody tr td:nth-child({index})").all_inner_texts()]


def _show(page, **expected: str) -> None:  # type: ignore[no-untyped-def]
    """Click Show; the filter lands in the URL (exactly these parameters) and the page reloads."""
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query) == {key: [value] for key, value in expected.items()})
    page.get_by_role("heading", name="Audit trail").wait_for()


@pytest.mark.parametrize(("email", "viewport"), [(ADMIN, DESKTOP), (SUPPORT, PHONE)], ids=["admin-1280", "support-390"])
def test_staff_filter_page_download_and_verify_the_audit_trail(open_page, server: LiveServer, email: str,  # type: ignore[no-untyped-def]
                                                              viewport: dict[str, int]) -> None:
    oldest, newest = _audit_days(server.database_url)
    page = open_page(email, viewport, "/admin/audit")

    user = page.get_by_label("User e-mail")
    user.fill(email.split("@")[0] + "@portal")  # part of an address
    _show(page, user=email.split("@")[0] + "@portal")
    assert set(_audit_column(page, 3)) == {email}
    assert page.get_by_label("User e-mail").input_value() == email.split("@")[0] + "@portal"
    page.get_by_label("User e-mail").locator("xpath=ancestor::label").get_by_role("button", name="Clear").click()
    assert page.get_by_label("User e-mail").input_value() == ""

    _choose(page, page.get_by_label("Action"), "login.password")
    _choose(page, page.get_by_label("Outcome"), "success")
    _show(page, action="login.password", outcome="success")
    assert set(_audit_column(page, 5)) == {"login.password"} and set(_audit_column(page, 6)) == {"success"}

    _choose(page, page.get_by_label("Action"), "Any action")
    _choose(page, page.get_by_label("Outcome"), "Any outcome")
    customer = page.get_by_label("Customer")
    customer.fill("müll")
    page.get_by_role("option", name="Müller GmbH (C-000001)").click()
    customer_id = _customer_id(server.database_url, "C-000001")
    _show(page, customer=str(customer_id))
    assert set(_audit_column(page, 4)) == {"Müller GmbH"}
    assert page.get_by_label("Customer").input_value() == "Müller GmbH (C-000001)"
    page.get_by_label("Customer").locator("xpath=ancestor::label").get_by_role("button", name="Clear").click()

    # Days before the first row: nothing; around the newest row: rows. Each Show builds the page from the URL.
    page.get_by_label("From", exact=True).fill((oldest - timedelta(days=9)).isoformat())
    page.get_by_label("To", exact=True).fill((oldest - timedelta(days=2)).isoformat())
    _show(page, **{"from": (oldest - timedelta(days=9)).isoformat(), "to": (oldest - timedelta(days=2)).isoformat()})
    page.get_by_text("No audit rows match these filters.").wait_for()
    page.get_by_label("From", exact=True).fill((newest - timedelta(days=1)).isoformat())
    page.get_by_label("To", exact=True).fill((newest + timedelta(days=1)).isoformat())
    _show(page, **{"from": (newest - timedelta(days=1)).isoformat(), "to": (newest + timedelta(days=1)).isoformat()})
    assert _audit_column(page, 1)
    assert page.get_by_label("From", exact=True).input_value() == (newest - timedelta(days=1)).isoformat()
    assert page.get_by_label("To", exact=True).input_value() == (newest + timedelta(days=1)).isoformat()
    page.get_by_role("button", name="Clear", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/audit$"))
    assert page.get_by_label("From", exact=True).input_value() == ""

    # Paging: 50 rows a page, older ones behind "Older →", back with "← Newest".
    first_page = [int(seq) for seq in _audit_column(page, 1)]
    assert len(first_page) == 50 and first_page == sorted(first_page, reverse=True)
    page.get_by_role("link", name="Older →").click()
    page.wait_for_url(re.compile(rf"/admin/audit\?before={first_page[-1]}$"))
    page.get_by_role("link", name="← Newest").wait_for()
    older = [int(seq) for seq in _audit_column(page, 1)]
    assert older and max(older) < first_page[-1]
    page.get_by_role("link", name="← Newest").click()
    page.wait_for_url(re.compile(r"/admin/audit$"))
    page.get_by_role("link", name="Older →").wait_for()

    # The CSV holds the filtered rows; the chain check reads every row.
    _choose(page, page.get_by_label("Action"), "login.password")
    _show(page, action="login.password")
    with page.expect_response(re.compile(r"/admin/audit/export\.csv\?action=login\.password$")) as answer, \
            page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    assert answer.value.status == 200 and answer.value.headers["content-type"] == "text/csv; charset=utf-8"
    download = download_info.value
    assert re.fullmatch(r"audit-trail-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    data = download.path().read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # spreadsheet programs read the byte-order mark as UTF-8
    assert answer.value.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows and {row["action"] for row in rows} == {"login.password"}
    assert len(rows) >= len(_audit_column(page, 1))

    page.get_by_role("button", name="Verify chain").click()
    page.get_by_text(re.compile(r"The trail is intact: [\d,]+ rows verified, and it matches its [\d,]+ "
                                r"checkpoint\(s\)\.")).wait_for()
    screenshot(page, f"staff-controls-audit-verified-{_label(viewport)}")
    _fits(page, f"audit at {viewport['width']} px")


# --- metrics ------------------------------------------------------------------------------------

METRIC_KEYS = 8  # four charts of two series each


def _charts_drawn(page) -> None:  # type: ignore[no-untyped-def]
    """Four charts, each a canvas of real size with something drawn on it."""
    page.wait_for_function("""() => {
        const canvases = [...document.querySelectorAll('canvas')];
        return canvases.length === 4 && canvases.every(canvas => canvas.width > 200 && canvas.height > 200
            && canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data.some(v => v !== 0));
    }""")


@pytest.mark.parametrize(("email", "viewport"), [(ADMIN, DESKTOP), (SUPPORT, PHONE)], ids=["admin-1280", "support-390"])
def test_staff_choose_metric_periods_and_download_each_series(open_page, server: LiveServer, email: str,  # type: ignore[no-untyped-def]
                                                              viewport: dict[str, int]) -> None:
    _, newest = _audit_days(server.database_url)
    start, end = (newest - timedelta(days=90)).isoformat(), newest.isoformat()
    customer_id = _customer_id(server.database_url, "C-000001")
    page = open_page(email, viewport, "/admin/metrics")
    _charts_drawn(page)
    assert page.get_by_role("button", name="Months").get_attribute("aria-pressed") == "true"

    # Nothing moves until Show: the choices are read together.
    page.get_by_role("button", name="Weeks").click()
    customer = page.get_by_label("Customer")
    customer.fill("müll")
    page.get_by_role("option", name="Müller GmbH").click()
    _choose(page, page.get_by_label("Tier"), "Enterprise")
    page.get_by_label("From", exact=True).fill(start)
    page.get_by_label("To", exact=True).fill(end)
    assert "?" not in page.url
    page.get_by_role("button", name="Show").click()
    tier_id = _tier_id(server.database_url, "Enterprise")
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query) == {
        "period": ["week"], "customer": [str(customer_id)], "tier": [str(tier_id)], "from": [start], "to": [end]})
    _charts_drawn(page)  # a new page, from the URL
    assert page.get_by_role("button", name="Weeks").get_attribute("aria-pressed") == "true"
    assert page.get_by_label("Customer").input_value() == "Müller GmbH"
    assert page.get_by_label("Tier").input_value() == "Enterprise"
    assert page.get_by_label("From", exact=True).input_value() == start
    assert page.get_by_label("To", exact=True).input_value() == end
    screenshot(page, f"staff-controls-metrics-weeks-{_label(viewport)}")

    # Each chart's numbers open below it: one row a week.
    weeks = len(_week_starts(date.fromisoformat(start), date.fromisoformat(end)))
    for index, expansion in enumerate(page.get_by_text("Numbers", exact=True).all()):
        expansion.click()
        table = page.locator("table").nth(index)
        table.wait_for()
        assert table.locator("tbody tr").count() == weeks
    # Each series downloads as CSV, for the same filter.
    links = page.get_by_role("link", name=re.compile(r"^CSV: "))
    assert links.count() == METRIC_KEYS
    for index in range(METRIC_KEYS):
        with page.expect_download() as download_info:
            links.nth(index).click()
        download = download_info.value
        assert parse_qs(urlsplit(download.url).query)["period"] == ["week"]
        key = urlsplit(download.url).path.rsplit("/", 1)[1].removesuffix(".csv")
        first_monday = _week_starts(date.fromisoformat(start), date.fromisoformat(end))[0]
        assert download.suggested_filename.startswith(f"{key}-{first_monday.isoformat()}-")
        # (a link's own download shows no response to the page: ask for the same URL once more)
        answer = page.request.get(download.url)
        assert answer.status == 200 and answer.headers["content-type"] == "text/csv; charset=utf-8"
        assert answer.body() == download.path().read_bytes()
        lines = download.path().read_text(encoding="utf-8-sig").splitlines()
        assert lines[0] == "period_start,value,count" and len(lines) == weeks + 1, download.suggested_filename

    # Clearing the customer and choosing months again widens the view.
    page.get_by_label("Customer").locator("xpath=ancestor::label").get_by_role("button", name="Clear").click()
    page.get_by_label("Tier").locator("xpath=ancestor::label").get_by_role("button", name="Clear").click()
    page.get_by_role("button", name="Months").click()
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query) == {"from": [start], "to": [end]})
    _charts_drawn(page)
    assert page.get_by_role("button", name="Months").get_attribute("aria-pressed") == "true"
    _fits(page, f"metrics at {viewport['width']} px")


def _week_starts(start: date, end: date) -> list[date]:
    monday = start - timedelta(days=start.weekday())
    return [monday + timedelta(weeks=index) for index in range((end - monday).days // 7 + 1)]


def _tier_id(database_url: str, name: str) -> int:
    with portal_database(database_url) as connection:
        return int(connection.execute(sa.select(Tier.id).where(col(Tier.name) == name)).scalar_one())


# --- billing questions --------------------------------------------------------------------------

def _question(page, subject: str):  # type: ignore[no-untyped-def]
    return page.locator(".q-card").filter(has=page.get_by_text(subject, exact=True))


def _view(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_url(re.compile(rf"/admin/questions\?show={name.lower()}$"))
    page.get_by_role("button", name=name, exact=True).and_(page.locator('[aria-pressed="true"]')).wait_for()


@pytest.mark.parametrize(("email", "viewport"), [(ADMIN, DESKTOP), (SUPPORT, PHONE)], ids=["admin-1280", "support-390"])
def test_staff_answer_close_and_reopen_billing_questions(open_page, email: str, viewport: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    subject, asker = (("Controls question for the admin", "owner@mueller.example") if email == ADMIN
                      else ("Controls question for support", "viewer@lodz-logistyka.example"))
    page = open_page(email, viewport, "/admin/questions")
    card = _question(page, subject)
    card.get_by_text("open", exact=True).wait_for()
    reply = card.get_by_role("link", name="Reply by e-mail")
    assert reply.get_attribute("href") == f"mailto:{asker}?subject={quote('Re: ' + subject, safe='')}"
    reply.click()  # the mail program's business; the page stays
    assert urlsplit(page.url).path == "/admin/questions"

    for button, status, view in (("Mark answered", "answered", "Answered"), ("Close", "closed", "Closed"),
                                 ("Reopen", "open", "Open")):
        card.get_by_role("button", name=button).click()
        _toast(page, f"Question marked {status}.")
        card.wait_for(state="detached")  # it left this view
        _view(page, view)
        card.get_by_text(status, exact=True).wait_for()
        page.reload()  # stored, not only shown
        card.get_by_text(status, exact=True).wait_for()
        assert card.get_by_role("button", name=button).count() == 0
    _view(page, "All")
    card.get_by_text("open", exact=True).wait_for()
    assert page.locator(".q-card").count() > 3  # the demo's closed questions too
    _view(page, "Open")
    _question(page, "Controls question left open").wait_for()
    screenshot(page, f"staff-controls-questions-{_label(viewport)}")
    _fits(page, f"questions at {viewport['width']} px")


# --- ledger -------------------------------------------------------------------------------------

def test_an_admin_replays_quarantined_ledger_events_on_a_phone(open_page, server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page = open_page(ADMIN, PHONE, "/admin/ledger")

    def event(event_id: str):  # type: ignore[no-untyped-def]
        return page.get_by_role("row").filter(has=page.get_by_text(event_id, exact=True))

    def waiting(count: int) -> None:
        sources = page.get_by_role("table", name="Ledger sources")
        sources.get_by_role("row").nth(1).get_by_role("cell").nth(8).get_by_text(str(count), exact=True).wait_for()

    quarantined = event("ctrl-quarantined-invoice")
    quarantined.get_by_text("Payload").click()
    quarantined.locator("code, pre").filter(has_text=MISSING_REF).first.wait_for()
    page.get_by_role("button", name="Replay event ctrl-quarantined-invoice").click()
    _toast(page, f"Still refused: no customer with reference '{MISSING_REF}'")  # not created yet
    quarantined.wait_for()
    page.get_by_role("button", name="Replay event ctrl-quarantined-payment").click()
    _toast(page, "Still refused: no invoice 'CTRL-NO-SUCH-INVOICE' from 'ledger' for this payment")

    flagged = event("ctrl-overpayment")  # applied, but someone should look at it
    flagged.get_by_text("overpayment", exact=True).wait_for()
    assert "overpaid" in flagged.get_by_role("cell").nth(4).inner_text()

    # Create the missing customer, replay: applied, gone from the quarantine for good.
    page.goto(f"{server.base_url}/admin/customers")
    page.get_by_role("button", name="New customer").click()
    dialog = page.get_by_role("dialog")
    _fill(dialog, {CUSTOMER_FIELDS[0]: MISSING_REF, CUSTOMER_FIELDS[1]: "Late Arrival Ltd"})
    dialog.get_by_role("button", name="Save").click()
    _toast(page, f"Customer {MISSING_REF} saved.")
    page.goto(f"{server.base_url}/admin/ledger")
    waiting(2)
    page.get_by_role("button", name="Replay event ctrl-quarantined-invoice").click()
    _toast(page, "The event was applied.")
    event("ctrl-quarantined-invoice").wait_for(state="detached")
    waiting(1)
    page.reload()
    event("ctrl-quarantined-payment").wait_for()
    assert event("ctrl-quarantined-invoice").count() == 0

    # Refresh shows what arrived since the page opened.
    answer = _push(server.base_url, [_late_event()])
    assert answer["quarantined"] == 1, answer
    page.get_by_role("button", name="Refresh").click()
    event("ctrl-arrived-later").wait_for()
    screenshot(page, "staff-controls-ledger-replayed-390")
    _fits(page, "the ledger at 390 px")


def _late_event() -> dict:
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return {"event_id": "ctrl-arrived-later", "type": "payment.succeeded", "occurred_at": now,
            "payment": {"external_id": "CTRL-PAY-3", "invoice_external_id": "CTRL-NO-SUCH-INVOICE-2",
                        "amount": "1.00", "currency": "EUR", "method": "card", "received_at": now, "reference": "x"}}


# --- the console's home: alerts and tiles -------------------------------------------------------

def _tile(page, label: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("link").filter(has=page.get_by_text(label, exact=True))


@pytest.mark.parametrize(("email", "viewport"), [(ADMIN, DESKTOP), (SUPPORT, PHONE)], ids=["admin-1280", "support-390"])
def test_staff_release_access_alerts_and_follow_the_tiles(open_page, email: str, viewport: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    alerted = "viewer@mueller.example" if email == ADMIN else "accountant@lodz-logistyka.example"
    page = open_page(email, viewport, "/admin")
    open_alerts = int(_tile(page, "Access alerts open").inner_text().split("\n")[-1])
    alert = _row(page, alerted)
    alert.get_by_text(re.compile(r"^Paused until ")).wait_for()
    page.get_by_role("button", name=f"Release alert for {alerted}").click()
    _toast(page, "Alert released; the user's access is no longer paused.")
    alert.get_by_text("Released", exact=True).wait_for()
    _tile(page, "Access alerts open").get_by_text(str(open_alerts - 1), exact=True).wait_for()
    page.reload()
    alert.get_by_text("Released", exact=True).wait_for()
    assert alert.get_by_role("button").count() == 0
    _tile(page, "Access alerts open").get_by_text(str(open_alerts - 1), exact=True).wait_for()

    alert.get_by_role("link", name=alerted).click()  # what that user did
    page.wait_for_url(re.compile(rf"/admin/audit\?user={re.escape(alerted)}$"))
    assert page.get_by_label("User e-mail").input_value() == alerted
    page.go_back()
    page.get_by_role("heading", name="Staff console").wait_for()

    for label, target in (("Active customers", "/admin/customers"), ("Users signed in, 30 days", "/admin/users"),
                          ("Ledger events in quarantine", "/admin/ledger"), ("Open billing questions", "/admin/questions"),
                          ("Access alerts open", "/admin#alerts")):
        _tile(page, label).click()
        page.wait_for_url(lambda url, target=target: url.endswith(target))
        if target.endswith("#alerts"):
            page.wait_for_function("() => document.getElementById('alerts').getBoundingClientRect().top < window.innerHeight")
        else:
            page.go_back()
            page.get_by_role("heading", name="Staff console").wait_for()
    page.get_by_role("link", name=re.compile(r"^ledger: ")).click()  # each ledger source's health
    page.wait_for_url(re.compile(r"/admin/ledger$"))


# --- sign out -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("email", "viewport"), [(SECOND_SUPPORT, DESKTOP), (SECOND_ADMIN, PHONE)],
                         ids=["support-1280", "admin-390"])
def test_staff_sign_out(open_page, server: LiveServer, email: str, viewport: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    page = open_page(email, viewport, "/admin")
    page.get_by_role("heading", name="Staff console").wait_for()
    sign_out = page.get_by_role("button", name="Sign out")
    assert sign_out.inner_text().strip().endswith("Sign out") is (viewport == DESKTOP)  # an icon alone on phones
    sign_out.click()
    page.wait_for_url(re.compile(r"/login"))
    page.goto(f"{server.base_url}/admin/users")
    page.wait_for_url(re.compile(r"/login"))
    page.get_by_label("E-mail").wait_for()
