"""Many signed-in dashboards on one portal process while ledger events stream in.

    .venv/bin/python -m benchmarks.bench_load_sessions --sessions 200 --customers 4 --events 30 --rate 1

Starts `portal.py serve` on loopback with demo data (like benchmarks.bench_live_latency) and
emulates browsers without Chromium: every virtual user signs in over HTTP (password, then a TOTP
code), loads the dashboard (`GET /`, which builds a NiceGUI client on the server) and opens that
page's Socket.IO websocket as nicegui.js does (implicit handshake with client_id, tab_id,
document_id and next_message_id; acks every 3 s; answers run_javascript; reconnects with the last
message id, and reloads the page when the server no longer knows the client). The sessions belong
to N load-test users spread round-robin over the first --customers demo customers, so each pushed
event reaches --sessions / --customers open dashboards.

Then signed `invoice.issued` events are pushed to /api/ledger/events at --rate per second, round-
robin over those customers, open loop (a slow answer does not hold the next push back). Per open
dashboard and event it records when the toast ("New invoice LOAD-…") arrived over the websocket,
and when the in-place refresh of the page (banner "N new invoices arrived", the summary cards)
arrived; latency = arrival − the event's `ledger_inbox.applied_at` (written in the transaction that
commits it; server and benchmark share the clock). "push sent → toast" adds the time the push
waited and was applied. An update not seen within --timeout is lost.

Reported with a raw baseline measured in the same run: the idle server's RSS and the latency with
one open dashboard (before the others sign in), and the push's own HTTP round trip. Memory per
connected dashboard = (server RSS with all dashboards open − RSS with all users signed in but only
the first page open) / (sessions − 1); then all pages are closed and opened again, to tell memory
the allocator keeps for reuse from a leak. Errors count failed sign-ins and page loads, websocket
disconnects, reloads and pages the server sent away. A profiler can attach to the printed pid;
--gc-probe puts benchmarks/gc_probe/sitecustomize.py on the server's PYTHONPATH and reports its
slow garbage collections (no portal code changes).

The client (python-socketio and aiohttp, both NiceGUI dependencies) shares the machine's cores with
the server: its CPU time and its own event-loop lag are printed so a slow client is not blamed on
the server. Stored PDFs are faked for the demo invoices so the server does not spend the run
rendering the demo backlog; the pushed invoices are rendered as in production.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import os
import re
import statistics
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pyotp
import socketio
import sqlalchemy as sa
from sqlmodel import Session, select

from benchmarks.live_portal import load_demo_portal, percentile, portal_env, push_secret, serving_portal, signed_push
from benchmarks.smoke import parse_args
from data import Customer, Document, Invoice, LedgerInbox, Role, User, utcnow
from data.db import create_db_engine
from services.auth.passwords import hash_password
from services.auth.totp import new_secret, seal_secret
from tests.browser.chromium import DEMO_PASSWORD, free_port
from tests.ledger_events import invoice_event

SECRET_KEY = "load-benchmark-secret-key-0123456789abcdef"
PAGE_QUERY = re.compile(r"query: (\{.*?\}),\n")
TOAST = re.compile(r"New invoice (LOAD-\S+)")
BANNER = re.compile(r"(\d+) new invoices? arrived")
ROW_ID = re.compile(r"data-invoice-id\W+(\d+)")
ELEMENT = re.compile(r'"tag":')
ACK_SECONDS = 3.0  # nicegui.js acks the last message id this often
BASELINE_EVENTS = 20  # with one open dashboard, before the others sign in
GC_PROBE = Path(__file__).resolve().parent / "gc_probe"

# The lines `make bench-smoke` expects in the output (benchmarks/smoke.py).
FIGURES = (
    '^Baseline: 1 open dashboard',
    '^Load: 4 open dashboards',
    'KiB per connected dashboard',
    '^Errors in the whole run',
)


class Errors:
    """Counts by kind ("sent away": the server navigated a page elsewhere, e.g. to /login), a few examples."""

    KINDS = {"sign_in": "sign-in", "page_load": "page load", "connect": "websocket connect",
             "disconnects": "disconnects", "reloads": "reloads", "sent_away": "sent away"}

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.examples: list[str] = []

    def note(self, kind: str, detail: str) -> None:
        self.counts[kind] += 1
        if len(self.examples) < 5:
            self.examples.append(f"{kind}: {detail}")

    def __str__(self) -> str:
        return f"{self.counts.total()} (" + ", ".join(
            f"{label} {self.counts[kind]}" for kind, label in self.KINDS.items()) + ")"


@dataclass(frozen=True)
class LoadUser:
    email: str
    totp_secret: str
    customer_ref: str


class VirtualTab:
    """One signed-in browser tab on the dashboard, as far as the server can tell."""

    def __init__(self, base: str, user: LoadUser, errors: Errors) -> None:
        self.base, self.user, self.errors = base, user, errors
        self.http = httpx.AsyncClient(base_url=base, timeout=60, headers={"origin": base, "user-agent": "load-tab"})
        self.sio = socketio.AsyncClient(reconnection=True, reconnection_delay=0.5, reconnection_delay_max=2,
                                        handle_sigint=False)
        self.query: dict[str, str] = {}
        self.next_message_id = 0
        self.tab_id = str(uuid.uuid4())
        self.toasts: dict[str, float] = {}
        self.banner: list[tuple[float, int]] = []
        self.expected_banner: dict[str, int] = {}  # event number -> banner count once it arrived
        self.arrivals = 0  # new invoices the page has been told about since it was loaded
        self.reloaded = False
        self.sign_in_ms = self.page_ms = 0.0
        self.rows = self.elements = 0  # invoice rows and NiceGUI elements on the loaded page
        self._reloading = False
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("connect_error", self._on_connect_error)
        self.sio.on("*", self._on_message)

    async def sign_in(self) -> None:
        started = time.perf_counter()
        response = await self.http.post("/auth/login", data={"email": self.user.email, "password": DEMO_PASSWORD,
                                                             "next": "/"})
        if response.status_code != 303 or not response.headers["location"].startswith("/login/mfa"):
            raise RuntimeError(f"password step: {response.status_code} {response.headers.get('location')}")
        code = pyotp.TOTP(self.user.totp_secret).now()  # each user signs in once: no step is reused
        response = await self.http.post("/auth/mfa", data={"code": code, "next": "/"})
        if response.status_code != 303 or response.headers["location"] != "/":
            raise RuntimeError(f"second factor: {response.status_code} {response.headers.get('location')}")
        self.sign_in_ms = (time.perf_counter() - started) * 1000

    async def load_page(self) -> None:
        """GET / like a browser (re)loading the tab: a new NiceGUI client with its own id."""
        started = time.perf_counter()
        response = await self.http.get("/")
        found = PAGE_QUERY.search(response.text) if response.status_code == 200 else None
        if found is None or "Open balance" not in response.text:
            raise RuntimeError(f"dashboard: {response.status_code} {response.headers.get('location')}")
        self.page_ms = (time.perf_counter() - started) * 1000
        self.rows, self.elements = len(set(ROW_ID.findall(response.text))), len(ELEMENT.findall(response.text))
        page_query = ast.literal_eval(found[1])  # a Python dict in the template
        self.query = {"client_id": page_query["client_id"], "implicit_handshake": "true",
                      "document_id": str(uuid.uuid4()), "tab_id": self.tab_id}
        self.next_message_id = int(page_query["next_message_id"])
        self.arrivals = 0

    def _url(self) -> str:
        # Like nicegui.js before every (re)connect: the query carries the next message id it expects.
        return f"{self.base}?{urlencode(self.query | {'next_message_id': str(self.next_message_id)})}"

    async def open_socket(self) -> None:
        cookies = "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())
        await self.sio.connect(self._url, headers={"cookie": cookies}, transports=["websocket"],
                               socketio_path="/_nicegui_ws/socket.io", wait_timeout=60)

    async def start_signed_in(self) -> bool:
        try:
            await self.sign_in()
        except (RuntimeError, httpx.HTTPError) as error:
            self.errors.note("sign_in", f"{self.user.email}: {error!r}")
            return False
        return True

    async def open_dashboard(self) -> bool:
        self.sio.reconnection = True
        try:
            await self.load_page()
        except (RuntimeError, httpx.HTTPError) as error:
            self.errors.note("page_load", f"{self.user.email}: {error!r}")
            return False
        try:
            await self.open_socket()
        except (socketio.exceptions.ConnectionError, OSError) as error:
            self.errors.note("connect", f"{self.user.email}: {error!r}")
            return False
        return True

    async def ack_forever(self) -> None:
        acked = -1
        while True:
            await asyncio.sleep(ACK_SECONDS)
            if self.sio.connected and acked < self.next_message_id:
                acked = self.next_message_id
                await self.sio.emit("ack", {"client_id": self.query["client_id"], "next_message_id": acked})

    async def leave_page(self) -> None:
        self.sio.reconnection = False
        await self.sio.disconnect()

    async def close(self) -> None:
        await self.leave_page()
        await self.http.aclose()

    async def _on_disconnect(self, reason: object = None) -> None:
        if self.sio.reconnection:
            self.errors.note("disconnects", f"{self.user.email}: {reason}")

    async def _on_connect_error(self, data: object = None) -> None:
        if "Implicit handshake failed" in str(data):  # the server dropped this client: nicegui.js reloads
            await self._reload(f"handshake refused for {self.query.get('client_id')}")

    async def _reload(self, why: str) -> None:
        if self._reloading:
            return
        self._reloading, self.reloaded = True, True
        self.errors.note("reloads", f"{self.user.email}: {why}")
        try:
            await self.load_page()  # the next reconnect attempt takes the new client id from _url
        except (RuntimeError, httpx.HTTPError) as error:
            self.errors.note("page_load", f"{self.user.email} reloading: {error!r}")
        finally:
            self._reloading = False

    async def _on_message(self, event: str, data: object = None) -> None:
        now = time.time()
        if isinstance(data, dict) and "_id" in data:
            if data["_id"] < self.next_message_id:
                return  # replayed after a reconnect, already seen
            self.next_message_id = data["_id"] + 1
        if not isinstance(data, dict):
            return
        if event == "notify":
            if found := TOAST.search(str(data.get("message", ""))):
                self.toasts.setdefault(found[1], now)
        elif event == "update":
            for element in data.values():
                if isinstance(element, dict) and (found := BANNER.search(str(element.get("text", "")))):
                    self.banner.append((now, int(found[1])))
        elif event == "run_javascript":
            if "location.reload" in str(data.get("code", "")):
                await self._reload("server asked to reload")
            elif data.get("request_id"):
                await self.sio.emit("javascript_response", {"request_id": data["request_id"],
                                                            "client_id": self.query["client_id"], "result": None})
        elif event == "open":
            self.errors.note("sent_away", f"{self.user.email} to {data.get('path')}")
        elif event == "try_reconnect":
            await self._reload("server asked to reconnect")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime in clock ticks (100 Hz)


def prepare_users(database_url: str, sessions: int,
                  customers: int) -> tuple[list[LoadUser], dict[str, str], list[int]]:
    """`sessions` users with TOTP enrolled, round-robin over the first `customers` demo customers
    (one argon2 hash for all); fake stored PDFs for the demo invoices. Returns the users, the
    customers' currencies and how many invoices each customer has."""
    engine = create_db_engine(database_url)
    password_hash = hash_password(DEMO_PASSWORD)
    users: list[LoadUser] = []
    with Session(engine) as db:
        chosen = db.exec(select(Customer).order_by(Customer.id).limit(customers)).all()
        if len(chosen) < customers:
            raise SystemExit(f"the demo has only {len(chosen)} customers")
        currencies = {customer.ref: db.exec(select(Invoice.currency).where(Invoice.customer_id == customer.id)
                                            ).first() or "EUR" for customer in chosen}
        invoices = [db.exec(select(sa.func.count()).select_from(Invoice).where(Invoice.customer_id == customer.id)
                            ).one() for customer in chosen]
        for n in range(sessions):
            customer = chosen[n % customers]
            secret = new_secret()
            email = f"load{n:04d}@load.example"
            db.add(User(email=email, password_hash=password_hash, role=Role.VIEWER, customer_id=customer.id,
                        totp_secret_encrypted=seal_secret(SECRET_KEY, secret), mfa_enrolled_at=utcnow(),
                        timezone="Europe/Berlin", display_name=f"Load {n}"))
            users.append(LoadUser(email, secret, customer.ref))
        placeholder = b"%PDF-1.4\n% load benchmark placeholder\n"
        db.execute(sa.insert(Document), [
            {"invoice_id": invoice_id, "revision": revision, "sha256": f"{invoice_id:064d}",
             "size_bytes": len(placeholder), "content": placeholder, "created_at": utcnow()}
            for invoice_id, revision in db.exec(select(Invoice.id, Invoice.revision)).all()])
        db.commit()
    engine.dispose()
    return users, currencies, invoices


@dataclass
class Push:
    number: str
    customer: str
    event_id: str
    sent: float
    answered: float | None = None  # None: the push failed
    applied: float | None = None  # the inbox row's applied_at, written in the committing transaction


@dataclass
class Phase:
    """What one stream of events produced."""

    pushes: list[Push] = field(default_factory=list)
    health_ms: list[float] = field(default_factory=list)
    health_errors: int = 0
    expected: int = 0
    lost: int = 0
    end_to_end_ms: list[float] = field(default_factory=list)  # push sent -> toast
    toast_ms: list[float] = field(default_factory=list)  # applied -> toast
    refresh_ms: list[float] = field(default_factory=list)  # applied -> page refreshed in place
    seconds: float = 0.0
    window: tuple[float, float] = (0.0, 0.0)  # wall clock from the first push to the end of scoring
    errors: Counter[str] = field(default_factory=Counter)  # the tabs' errors within the window
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    client_lag_ms: float = 0.0

    @property
    def delivered(self) -> list[Push]:
        return [push for push in self.pushes if push.answered is not None]


async def probe_health(http: httpx.AsyncClient, phase: Phase, stop: asyncio.Event) -> None:
    """/healthz twice a second: how long a trivial request waits while the server is busy."""
    while not stop.is_set():
        started = time.perf_counter()
        try:
            response = await http.get("/healthz", timeout=10)
            if response.status_code != 200:
                phase.health_errors += 1
        except httpx.HTTPError:
            phase.health_errors += 1
        phase.health_ms.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.5)


async def watch_own_lag(phase: Phase, stop: asyncio.Event) -> None:
    """The benchmark's own event-loop lag: if it is large, the client, not the server, is slow."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.05)
        phase.client_lag_ms = max(phase.client_lag_ms, (time.perf_counter() - started - 0.05) * 1000)


async def push(http: httpx.AsyncClient, secret: str, event: dict, record: Push) -> None:
    body, headers = signed_push(secret, [event])
    record.sent = time.time()
    try:
        response = await http.post("/api/ledger/events", content=body, headers=headers, timeout=60)
        if response.status_code == 200 and response.json()["applied"] == 1:
            record.answered = time.time()
    except httpx.HTTPError:
        pass


def applied_times(database_url: str, pushes: list[Push]) -> None:
    """Fill in when each event was applied (ledger_inbox.applied_at, the server's clock = ours)."""
    engine = create_db_engine(database_url)
    with Session(engine) as db:
        rows = dict(db.exec(select(LedgerInbox.event_id, LedgerInbox.applied_at).where(
            LedgerInbox.event_id.in_([push.event_id for push in pushes]))).all())  # type: ignore[attr-defined]
    engine.dispose()
    for record in pushes:
        if (applied := rows.get(record.event_id)) is not None:
            record.applied = applied.timestamp()


async def stream_events(http: httpx.AsyncClient, secret: str, tabs: list[VirtualTab], customers: list[str],
                        currencies: dict[str, str], events: int, rate: float, args: argparse.Namespace,
                        label: str, server_pid: int, database_url: str) -> Phase:
    """Push `events` at `rate` per second (open loop: a slow answer does not slow the ledger down), wait for
    the updates, then score every (event, open dashboard of its customer) pair."""
    phase = Phase()
    stop = asyncio.Event()
    side_tasks = [asyncio.create_task(probe_health(http, phase, stop)),
                  asyncio.create_task(watch_own_lag(phase, stop))]
    pushing: list[asyncio.Task[None]] = []
    cpu_before, client_before, started = cpu_seconds(server_pid), time.process_time(), time.monotonic()
    wall_started = time.time()
    errors_before = tabs[0].errors.counts.copy()
    for n in range(events):
        await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
        customer = customers[n % len(customers)]
        record = Push(number=f"LOAD-{label}-{n:04d}", customer=customer,
                      event_id=f"load-{label}-{n}-{uuid.uuid4().hex}", sent=time.time())
        for tab in tabs:
            if tab.user.customer_ref == customer:
                tab.arrivals += 1
                tab.expected_banner[record.number] = tab.arrivals
        phase.pushes.append(record)
        pushing.append(asyncio.create_task(push(http, secret, invoice_event(
            f"load-{label}-{n}", customer_ref=customer, vendor_code="NCS", number=record.number,
            currency=currencies[customer], issue_date="2026-11-26", due_date="2026-12-26",
            event_id=record.event_id), record)))
    await asyncio.gather(*pushing)
    deadline = time.time() + args.timeout
    while time.time() < deadline and not all(
            record.number in tab.toasts for record in phase.delivered for tab in tabs
            if tab.user.customer_ref == record.customer):
        await asyncio.sleep(0.1)
    await asyncio.sleep(min(args.timeout, 1.0))  # the in-place refresh follows the toast by a burst window
    phase.seconds = time.monotonic() - started
    phase.window = (wall_started, time.time())
    phase.errors = tabs[0].errors.counts - errors_before
    phase.server_cpu = cpu_seconds(server_pid) - cpu_before
    phase.client_cpu = time.process_time() - client_before
    stop.set()
    await asyncio.gather(*side_tasks)
    await asyncio.to_thread(applied_times, database_url, phase.delivered)
    for record in phase.delivered:
        applied = record.applied or record.sent
        for tab in tabs:
            if tab.user.customer_ref != record.customer:
                continue
            phase.expected += 1
            seen = tab.toasts.get(record.number)
            if seen is None or seen - applied > args.timeout:
                phase.lost += 1
            else:
                phase.toast_ms.append((seen - applied) * 1000)
                phase.end_to_end_ms.append((seen - record.sent) * 1000)
            if not tab.reloaded:  # a reload restarts the page's count of arrivals
                want = tab.expected_banner[record.number]
                refreshed = next((at for at, count in tab.banner if count >= want), None)
                if refreshed is not None and refreshed - applied <= args.timeout:
                    phase.refresh_ms.append((refreshed - applied) * 1000)
    return phase


def describe(samples: list[float]) -> str:
    if not samples:
        return "—"
    return (f"p50 {statistics.median(samples):,.0f} ms · p95 {percentile(samples, 0.95):,.0f} ms · "
            f"max {max(samples):,.0f} ms")


def print_phase(title: str, phase: Phase, rate: float, gc_pauses: list[tuple[float, int, float]] | None) -> None:
    delivered = phase.delivered
    round_trips = [((push.answered or 0) - push.sent) * 1000 for push in delivered]
    print(f"\n{title}")
    print(f"  events pushed            {len(delivered)} (failed {len(phase.pushes) - len(delivered)}), "
          f"{rate:g}/s asked")
    print(f"  updates expected / seen  {phase.expected:,} / {phase.expected - phase.lost:,} (lost {phase.lost:,})")
    print(f"  commit → toast           {describe(phase.toast_ms)}")
    print(f"  commit → page refreshed  {describe(phase.refresh_ms)}  ({len(phase.refresh_ms):,} seen)")
    print(f"  push sent → toast        {describe(phase.end_to_end_ms)}")
    print(f"  push round trip          {describe(round_trips)}")
    print(f"  /healthz while streaming {describe(phase.health_ms)}  (failed {phase.health_errors})")
    print(f"  websocket disconnects    {phase.errors['disconnects']}, page reloads {phase.errors['reloads']}, "
          f"sent away {phase.errors['sent_away']}")
    print(f"  server CPU               {phase.server_cpu:.1f} s in {phase.seconds:.1f} s "
          f"({phase.server_cpu / phase.seconds:.0%} of one core, {phase.server_cpu / max(1, len(delivered)):.2f} s "
          f"per event); client CPU {phase.client_cpu:.1f} s, "
          f"client loop lag max {phase.client_lag_ms:,.0f} ms")
    if gc_pauses is not None:
        full = [ms for at, generation, ms in gc_pauses if generation == 2 and phase.window[0] <= at <= phase.window[1]]
        print(f"  server full GCs > 50 ms  {len(full)}, longest {max(full, default=0):,.0f} ms, "
              f"together {sum(full) / 1000:.1f} s (event loop stopped meanwhile)")


async def each(tabs: list[VirtualTab], step: str, concurrency: int) -> list[VirtualTab]:
    """Run `step` (a VirtualTab method) for every tab, `concurrency` at a time; the tabs it worked for."""
    slots = asyncio.Semaphore(concurrency)

    async def one(tab: VirtualTab) -> bool:
        async with slots:
            return await getattr(tab, step)()

    results = await asyncio.gather(*(one(tab) for tab in tabs))
    return [tab for tab, ok in zip(tabs, results) if ok]


def slow_collections(log: Path) -> list[tuple[float, int, float]]:
    """(when, generation, ms) of each slow collection benchmarks/gc_probe reported in the server's log."""
    found = re.findall(r"GCPROBE gen(\d) (\d+) ms .* at ([\d.]+)", log.read_text(errors="replace"))
    return [(float(at), int(generation), float(ms)) for generation, ms, at in found]


async def run(args: argparse.Namespace, base: str, server_pid: int, database_url: str, users: list[LoadUser],
              currencies: dict[str, str], log: Path | None) -> None:
    errors = Errors()
    secret = push_secret(SECRET_KEY)
    customers = list(currencies)
    baseline_rate = max(1.0, args.rate)  # one dashboard: no need to wait long between events
    tabs = [VirtualTab(base, user, errors) for user in users]
    ackers: list[asyncio.Task[None]] = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        print(f"portal at {base}, pid {server_pid} (for a profiler: py-spy record --pid {server_pid})", flush=True)
        await asyncio.sleep(3)  # let startup work (first overdue check, lease) settle
        print("load average at start (1/5/15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        rss_idle = rss_kib(server_pid)

        first = await each(await each(tabs[:1], "start_signed_in", 1), "open_dashboard", 1)
        if not first:
            raise SystemExit(f"the first session could not start: {errors.examples}")
        ackers.append(asyncio.create_task(first[0].ack_forever()))
        await asyncio.sleep(2)
        rss_one = rss_kib(server_pid)
        baseline = await stream_events(http, secret, first, [first[0].user.customer_ref], currencies,
                                       BASELINE_EVENTS, baseline_rate, args, "one", server_pid, database_url)

        started, errors_before = time.perf_counter(), errors.counts.copy()
        signed_in = await each(tabs[1:], "start_signed_in", args.concurrency)
        sign_in_seconds = time.perf_counter() - started
        await asyncio.sleep(2)
        rss_signed_in = rss_kib(server_pid)
        started = time.perf_counter()
        rest = await each(signed_in, "open_dashboard", args.concurrency)
        connect_seconds = time.perf_counter() - started
        live = first + rest
        ackers += [asyncio.create_task(tab.ack_forever()) for tab in rest]
        await asyncio.sleep(5)  # page timers, first acks and the websocket traffic settle
        rss_all = rss_kib(server_pid)
        connected_now = sum(tab.sio.connected for tab in live)
        connect_errors = errors.counts - errors_before
        print(f"\n{len(signed_in) + 1} of {len(tabs)} users signed in in {sign_in_seconds:.1f} s, {len(live)} "
              f"dashboards loaded and connected in {connect_seconds:.1f} s (concurrency {args.concurrency}); "
              f"{connected_now} websockets open now; meanwhile {connect_errors['disconnects']} websocket "
              f"disconnects, {connect_errors['reloads']} page reloads", flush=True)
        print(f"  sign-in (password + TOTP)  {describe([tab.sign_in_ms for tab in rest])}")
        print(f"  dashboard GET /            {describe([tab.page_ms for tab in rest])}; "
              f"{min(tab.rows for tab in live)} to {max(tab.rows for tab in live)} invoice rows, "
              f"{min(tab.elements for tab in live)} to {max(tab.elements for tab in live)} NiceGUI elements a page")

        loaded = await stream_events(http, secret, live, customers, currencies, args.events, args.rate, args,
                                     "all", server_pid, database_url)
        rss_end = rss_kib(server_pid)
        print("load average after the events (1/5/15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        still_open = sum(tab.sio.connected for tab in live)

        await asyncio.gather(*(tab.leave_page() for tab in live))
        await asyncio.sleep(8)  # NiceGUI deletes a client 3 s (reconnect timeout) after its socket closed
        rss_closed = rss_kib(server_pid)
        # Open every dashboard once more (same sessions, new pages): if the freed memory is reused,
        # RSS stays about where it was; a leak adds another client's worth per page.
        errors_before = errors.counts.copy()
        reopened = await each(live, "open_dashboard", args.concurrency)
        await asyncio.sleep(5)
        rss_reopened = rss_kib(server_pid)
        reopen_errors = errors.counts - errors_before
        for task in ackers:
            task.cancel()
        await asyncio.gather(*(tab.close() for tab in tabs), return_exceptions=True)

    per_event = len(live) / len(customers)
    gc_pauses = slow_collections(log) if log else None
    print_phase(f"Baseline: 1 open dashboard, {len(baseline.delivered)} events", baseline, baseline_rate, gc_pauses)
    print_phase(f"Load: {len(live)} open dashboards over {len(customers)} customer(s) "
                f"(each event reaches {per_event:g}), {len(loaded.delivered)} events", loaded, args.rate, gc_pauses)
    mib = 1024
    print("\nServer memory (VmRSS of the portal process)")
    print(f"  idle, no session           {rss_idle / mib:7.1f} MiB   (raw baseline)")
    print(f"  1 session connected        {rss_one / mib:7.1f} MiB")
    print(f"  + {len(tabs) - 1} signed in, no page     {rss_signed_in / mib:7.1f} MiB")
    print(f"  {len(live):>3} sessions connected     {rss_all / mib:7.1f} MiB   → "
          f"{(rss_all - rss_signed_in) / max(1, len(rest)):,.0f} KiB per connected dashboard")
    print(f"  after {len(loaded.delivered)} events              {rss_end / mib:7.1f} MiB")
    print(f"  all sockets closed (+8 s)  {rss_closed / mib:7.1f} MiB")
    print(f"  {len(reopened):>3} dashboards reopened   {rss_reopened / mib:7.1f} MiB   (same sessions, new pages; "
          f"{reopen_errors['disconnects']} websocket disconnects, {reopen_errors['reloads']} reloads meanwhile)")
    if gc_pauses:
        longest = max(gc_pauses, key=lambda pause: pause[2])
        print(f"  slowest server GC of the run: gen{longest[1]}, {longest[2]:,.0f} ms "
              f"({len([p for p in gc_pauses if p[1] == 2])} full collections > 50 ms in all)")
    print(f"\nErrors in the whole run (connecting, streaming, reopening): {errors}; push failures "
          f"{len(baseline.pushes) + len(loaded.pushes) - len(baseline.delivered) - len(loaded.delivered)}; "
          f"{still_open}/{len(live)} websockets still open at the end")
    for example in errors.examples:
        print(f"  e.g. {example}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=200, help="signed-in dashboards to hold open")
    parser.add_argument("--customers", type=int, default=4, help="demo customers the sessions are spread over")
    parser.add_argument("--events", type=int, default=30, help="invoice.issued events pushed under load")
    parser.add_argument("--rate", type=float, default=1.0, help="events pushed per second")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds after which an update counts as lost")
    parser.add_argument("--concurrency", type=int, default=8, help="sign-ins and page loads at a time")
    parser.add_argument("--log", type=Path, help="keep the server's output in this file")
    parser.add_argument("--gc-probe", action="store_true",
                        help="report the server's slow garbage collections (benchmarks/gc_probe on its PYTHONPATH)")
    args = parse_args(parser, sessions=4, customers=1, events=3, rate=2.0)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        # One address signs everybody in: lift the per-IP sign-in throttle for the run.
        env = portal_env(folder, SECRET_KEY, PORTAL_LOGIN_POSTS_PER_IP_MINUTE="1000000")
        log_path = args.log or (folder / "server.log" if args.gc_probe else None)
        started = time.perf_counter()
        # Enough invoices that every dashboard shows a full first page (25 rows).
        load_demo_portal(env, customers=max(4, args.customers), invoices=max(200, 60 * args.customers))
        users, currencies, invoices = prepare_users(env["PORTAL_DATABASE_URL"], args.sessions, args.customers)
        print(f"Prepared demo data and {len(users)} users in {time.perf_counter() - started:.1f} s; the "
              f"{args.customers} customer(s) hold {min(invoices)} to {max(invoices)} invoices each")
        port = free_port()
        server_env = env | ({"PYTHONPATH": os.pathsep.join(filter(None, [str(GC_PROBE), env.get("PYTHONPATH")]))}
                            if args.gc_probe else {})
        with log_path.open("wb") if log_path else open(os.devnull, "wb") as log:
            with serving_portal(server_env, port, log) as server:
                asyncio.run(run(args, f"http://127.0.0.1:{port}", server.pid, env["PORTAL_DATABASE_URL"], users,
                                currencies, log_path if args.gc_probe else None))
    print(f"\nWhole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
