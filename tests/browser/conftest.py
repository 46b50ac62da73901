"""A real portal process on a free port and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
import sqlalchemy as sa

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, DEMO_PASSWORD, Accounts, free_port
from tests.conftest import ARTIFACTS, recreate_schema, test_database_url, with_schema

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = {"width": 1280, "height": 800}
LIVE_SECRET_KEY = "browser-test-secret-key-0123456789abcdef"
PHONE = {"width": 390, "height": 844}
T = TypeVar("T")


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    database_url: str
    data_dir: Path

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"


SERVER_ERROR_MARKS = (" ERROR ", "ERROR:", "Traceback (most recent call last)")


class WatchedBrowser:
    """Chromium whose every context reports console errors and uncaught page errors into `errors`
    (cleared per test by `fail_on_browser_and_server_errors`)."""

    def __init__(self, browser) -> None:  # type: ignore[no-untyped-def]
        self._browser = browser
        self.errors: list[str] = []

    def new_context(self, **options):  # type: ignore[no-untyped-def]
        context = self._browser.new_context(**options)
        context.on("console", lambda message: self.errors.append(f"console {message.type}: {message.text} "
                                                                  f"({message.location.get('url', '')})")
                   if message.type == "error" else None)
        context.on("weberror", lambda error: self.errors.append(f"page error: {error.error}"))
        return context

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._browser, name)


@dataclass
class PortalProcess:
    """A running `portal.py serve` subprocess."""

    process: subprocess.Popen
    base_url: str
    log_path: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_portal_process(env: dict[str, str], log_path: Path, port: int | None = None) -> PortalProcess:
    """`python portal.py serve` with `env` on a free port; returns once /healthz answers."""
    port = port or free_port()
    with log_path.open("w") as log:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen([sys.executable, "portal.py", "serve", "--port", str(port)], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return PortalProcess(process, base_url, log_path)
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"portal did not start:\n{log_path.read_text()}")
        time.sleep(0.2)


def server_environment(**values: str) -> dict[str, str]:
    """This process's environment for a portal subprocess, without pytest's and NiceGUI's variables
    (NiceGUI switches to its test mode when it sees them; the server must not)."""
    inherited = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "NICEGUI"))}
    return dict(inherited, PYTHONUNBUFFERED="1", **values)


@contextmanager
def demo_portal(data_dir: Path, name: str, *, customers: int, invoices: int,
                prepare: Callable[[str], T] = lambda _url: None,  # type: ignore[assignment, return-value]
                settings: dict[str, str] | None = None) -> Iterator[tuple[LiveServer, T]]:
    """`python portal.py serve` on a demo database of its own (SQLite in `data_dir`, or a PostgreSQL
    schema named after `name`, dropped afterwards), ready when /healthz answers. `prepare(database
    URL)` runs between loading the demo and starting the server; what it returns is yielded too.
    `settings`: more PORTAL_* environment variables for the portal."""
    base = test_database_url()
    schema = f"portal_{name}_{time.time_ns()}"
    if base is None:
        database_url = f"sqlite:///{data_dir / 'portal.db'}"
    else:
        recreate_schema(base, schema)
        database_url = with_schema(base, schema)
    env = server_environment(PORTAL_DATA_DIR=str(data_dir), PORTAL_DATABASE_URL=database_url,
                             PORTAL_SECRET_KEY=LIVE_SECRET_KEY, **(settings or {}))
    subprocess.run([sys.executable, "portal.py", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "portal.py", "demo", "--customers", str(customers), "--invoices", str(invoices),
                    "--password", DEMO_PASSWORD], cwd=ROOT, env=env, check=True, capture_output=True)
    prepared = prepare(database_url)
    server = start_portal_process(env, data_dir / "server.log")
    try:
        yield LiveServer(base_url=server.base_url, database_url=database_url, data_dir=data_dir), prepared
    finally:
        server.stop()
        if base is not None:
            engine = sa.create_engine(base)
            with engine.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The portal most browser tests share: 4 demo customers, 200 invoices."""
    with demo_portal(tmp_path_factory.mktemp("live"), "browser", customers=4, invoices=200) as (server, _):
        yield server


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """Debian's Chromium under Playwright (Playwright's own browser download does not work here).

    Module-scoped: Playwright's sync API keeps an event loop running while it is open, which
    would stop pytest-asyncio's tests in other modules from starting their own.
    """
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=browser_environment())
        yield WatchedBrowser(browser)
        browser.close()


def browser_environment() -> dict[str, str]:
    """Chromium's environment: this one without faketime's preload. .ci/run moves the clock of the
    portal and the tests (that is what it checks); Chromium itself under libfaketime refuses the
    portal's stylesheets ("MIME type ('')" in its console, though the server sends text/css), so the
    browser keeps the real clock, as a user's browser would."""
    return {key: value for key, value in os.environ.items()
            if key not in ("LD_PRELOAD", "FAKETIME", "FAKETIME_NO_CACHE", "DONT_FAKE_MONOTONIC")}


# The portals whose logs a test is checked against: the shared one, and a module's own (by these names).
WATCHED_SERVERS = ("live_server", "server", "hostile_server")


@pytest.fixture(autouse=True)
def fail_on_browser_and_server_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """A browser test fails on any browser console error or uncaught page error, and on any ERROR
    or traceback the portals it uses logged meanwhile (unless marked `expect_error_logs`)."""
    watched = request.getfixturevalue("browser") if "browser" in request.fixturenames else None
    servers: list[LiveServer] = [request.getfixturevalue(name) for name in WATCHED_SERVERS
                                 if name in request.fixturenames]
    if watched is not None:
        watched.errors.clear()
    starts = [server.log_path.stat().st_size if server.log_path.exists() else 0 for server in servers]
    yield
    problems = list(watched.errors) if watched is not None else []
    for server, start in zip(servers, starts):
        if server.log_path.exists():
            with server.log_path.open("rb") as log:
                log.seek(start)
                logged = log.read().decode(errors="replace")
            problems += [line for line in logged.splitlines() if any(mark in line for mark in SERVER_ERROR_MARKS)]
    if problems and request.node.get_closest_marker("expect_error_logs") is None:
        pytest.fail("errors while the test ran:\n" + "\n".join(problems[:30]), pytrace=False)


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A fresh browser context (no cookies) at desktop width."""
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


# The invoice list is built in the layout the window shows; after a resize (or a desktop browser's
# narrow window) it is rebuilt once the browser reports its width (web/list_layout.py).
LIST_LAYOUT_SETTLED = ("() => !document.querySelector(window.innerWidth >= 768 ? "
                       "'[role=list][aria-label=Invoices]' : 'table[aria-label=Invoices]')")


def resize(page, viewport: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    """Set the window's size and wait until an invoice list on the page is rebuilt in its layout."""
    page.set_viewport_size(viewport)
    page.wait_for_function(LIST_LAYOUT_SETTLED)


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Save a full-page screenshot under test-artifacts/screens/ for a person to look at, once an
    invoice list on the page is in the layout of the window's width."""
    page.wait_for_function(LIST_LAYOUT_SETTLED)
    path = ARTIFACTS / "screens" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="session")
def accounts(live_server: LiveServer) -> Accounts:
    return Accounts(live_server.base_url)


@contextmanager
def portal_database(database_url: str) -> Iterator[sa.Connection]:
    """A connection to a test portal's database (to read what a test checks against); its engine is
    disposed afterwards, so that no pool outlives the test's portal."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def open_invoice_of(database_url: str, customer_name_prefix: str):  # type: ignore[no-untyped-def]
    """The newest unpaid invoice of the demo customer whose name starts with the prefix."""
    from data import Customer, Invoice, InvoiceStatus

    with portal_database(database_url) as connection:
        return connection.execute(
            sa.select(Invoice.id, Invoice.external_id, Invoice.number, Invoice.currency, Invoice.total_minor,
                      Invoice.amount_paid_minor)
            .join(Customer, Customer.id == Invoice.customer_id)
            .where(Customer.name.like(f"{customer_name_prefix}%"),
                   Invoice.status.in_([InvoiceStatus.ISSUED.value, InvoiceStatus.OVERDUE.value]))
            .order_by(Invoice.issue_date.desc()).limit(1)).one()
