"""The signed-in frame: navigation by role, the bell, sign-out, the session guard and live updates."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from fastapi import Request
from nicegui import background_tasks, run, ui

from components.frame import AccountBadge, NavItem, frame
from components.notification_bell import NotificationBell
from data.types import InvoiceStatus, Role
from services.auth.users import set_preferences
from services.invoices.status import STATUS_LABELS
from services.live_events import LiveEvent
from services.localization.formatting import valid_timezone
from services.notifications.alerts import NotificationView, latest_notifications, mark_read, unread_count
from services.principal import Principal
from web.dependencies import current_principal, portal_runtime
from web.page_access import SessionGuard
from web.viewer_format import formatter_for

CUSTOMER_NAV = (NavItem("Invoices", "/", "receipt_long"), NavItem("Export", "/export", "folder_zip"),
                NavItem("Settings", "/settings", "settings"))
OWNER_NAV = (NavItem("Invoices", "/", "receipt_long"), NavItem("Export", "/export", "folder_zip"),
             NavItem("Team", "/team", "group"), NavItem("Settings", "/settings", "settings"))
STAFF_NAV = (NavItem("Console", "/admin", "dashboard"), NavItem("Customers", "/admin/customers", "business"),
             NavItem("Users", "/admin/users", "group"), NavItem("Tiers", "/admin/tiers", "workspace_premium"),
             NavItem("Audit", "/admin/audit", "policy"), NavItem("Ledger", "/admin/ledger", "sync"),
             NavItem("Questions", "/admin/questions", "support_agent"), NavItem("Metrics", "/admin/metrics", "insights"),
             NavItem("Settings", "/settings", "settings"))


class LiveUpdates:
    """Delivers the customer's live events to this page, on its own event loop and client.

    Pages add handlers with `on_event`; the frame adds the toast and the bell. The subscription
    ends when the tab goes away.
    """

    BURST_SECONDS = 0.25  # changes arriving together refresh the page once

    def __init__(self, principal: Principal, guard: SessionGuard) -> None:
        self._handlers: list[Callable[[LiveEvent], None]] = []
        self._change_handlers: list[Callable[[list[LiveEvent]], Awaitable[None] | None]] = []
        self._burst: list[LiveEvent] = []
        self._guard = guard
        self.last_event_at = 0.0  # time.monotonic() when the latest event reached this page
        if principal.customer_id is None:
            return
        client = ui.context.client
        loop = asyncio.get_event_loop()

        def deliver(event: LiveEvent) -> None:
            if loop.is_closed() or client.is_deleted:  # the tab is gone without a goodbye
                unsubscribe()
                return
            loop.call_soon_threadsafe(self._handle, client, event)

        unsubscribe = portal_runtime().events.subscribe(principal.customer_id, deliver)
        client.on_delete(unsubscribe)

    def on_event(self, handler: Callable[[LiveEvent], None]) -> None:
        """`handler` runs for every event (quick things: a toast, a check)."""
        self._handlers.append(handler)

    def on_change(self, handler: Callable[[list[LiveEvent]], Awaitable[None] | None]) -> None:
        """`handler` gets each burst of events at once (to re-read data once); it may be async."""
        self._change_handlers.append(handler)

    def _handle(self, client, event: LiveEvent) -> None:
        # No session query per event (with many open pages that queued on the event loop): the
        # guard knows until when the session lives and hears at once when it is revoked.
        if client.is_deleted:
            return
        with client:
            if not self._guard.may_read():
                return
            self.last_event_at = time.monotonic()
            for handler in self._handlers:
                handler(event)
        if self._change_handlers:
            self._burst.append(event)
            if len(self._burst) == 1:
                asyncio.get_event_loop().call_later(self.BURST_SECONDS, lambda: background_tasks.create(
                    self._refresh(client), name="live refresh"))

    async def _refresh(self, client) -> None:
        burst, self._burst = self._burst, []
        if client.is_deleted:
            return
        with client:
            if not self._guard.may_read():
                return
            for handler in self._change_handlers:
                result = handler(burst)
                if inspect.isawaitable(result):
                    await result


def toast_for(event: LiveEvent) -> tuple[str, str]:
    if event.kind == "new_invoice":
        return f"New invoice {event.number}", "info"
    if event.payment_status is not None and event.payment_status.value == "failed":
        return f"A payment for invoice {event.number} failed", "warning"
    kind = "positive" if event.status == InvoiceStatus.PAID else "info"
    return f"Invoice {event.number} is now {STATUS_LABELS[event.status].lower()}", kind


def toasts_for(burst: list[LiveEvent]) -> list[tuple[str, str]]:
    """One toast per kind of change in a burst: a single change by its invoice, several counted
    ("3 invoices are now paid"), so that a busy ledger minute is a line or two, not a column."""
    groups: dict[str, list[LiveEvent]] = {}
    for event in burst:
        if event.kind == "new_invoice":
            group = "new"
        elif event.payment_status is not None and event.payment_status.value == "failed":
            group = "failed"
        else:
            group = "paid" if event.status == InvoiceStatus.PAID else "changed"
        groups.setdefault(group, []).append(event)
    texts = {"new": ("{n} new invoices", "info"), "failed": ("{n} payments failed", "warning"),
             "paid": ("{n} invoices are now paid", "positive"), "changed": ("{n} invoices changed status", "info")}
    toasts = []
    for group, events in groups.items():
        if len(events) == 1:
            toasts.append(toast_for(events[0]))
        else:
            template, kind = texts[group]
            toasts.append((template.format(n=len(events)), kind))
    return toasts


@contextmanager
def signed_in_frame(request: Request, title: str) -> Iterator[tuple[Principal, SessionGuard]]:
    """Enter the frame for the signed-in user of `request`; yields who it is and the guard."""
    with signed_in_frame_live(request, title) as (principal, guard, _live):
        yield principal, guard


@contextmanager
def signed_in_frame_live(request: Request, title: str) -> Iterator[tuple[Principal, SessionGuard, LiveUpdates]]:
    """Like `signed_in_frame`, with the page's live updates to add handlers to."""
    principal = current_principal(request)
    guard = SessionGuard(request)
    nav = STAFF_NAV if principal.is_staff else OWNER_NAV if principal.role == Role.OWNER else CUSTOMER_NAV
    badge = AccountBadge(name=principal.label, detail=principal.role.value.title())
    fmt = formatter_for(principal)

    def load_unread() -> int:
        with portal_runtime().unit_of_work() as db:
            return unread_count(db, principal)

    def load_latest() -> list[NotificationView]:
        with portal_runtime().unit_of_work() as db:
            return latest_notifications(db, principal)

    def mark_all() -> None:
        with portal_runtime().unit_of_work() as db:
            mark_read(db, principal)

    bells: list[NotificationBell] = []

    def bell() -> None:
        bells.append(NotificationBell(load_unread(), load_latest=load_latest, format_time=fmt.datetime,
                                      on_mark_all_read=mark_all))

    with frame(title, nav=nav, account=badge, current_path=request.url.path, sign_out_action="/auth/logout",
               header_extra=None if principal.is_staff else bell):
        guard.protect(ui.context.client)
        guard.follow_revocations(principal, ui.context.client)
        guard.start_watching()
        if not principal.timezone_chosen:
            ui.timer(0.1, lambda: adopt_browser_timezone(principal), once=True)
        live = LiveUpdates(principal, guard)

        def toast(burst: list[LiveEvent]) -> None:
            # Bottom right: never over the header's navigation, the bell or Sign out (on phones the
            # toast spans the bottom edge, below everything that can be tapped).
            for message, kind in toasts_for(burst):
                ui.notify(message, type=kind, position="bottom-right")  # type: ignore[arg-type]

        async def refresh_bell(_burst: list[LiveEvent]) -> None:
            # Once per burst, read in a worker thread, changed in place: with many open pages, per-event
            # bell rebuilds with queries on the event loop were most of the server's work
            # (docs/BENCHMARKS.md, load).
            unread = await run.io_bound(load_unread)
            if unread is None:  # the app is shutting down
                return
            for shown in bells:
                shown.set_unread(unread)

        live.on_change(toast)
        if not principal.is_staff:
            live.on_change(refresh_bell)
        yield principal, guard, live


BROWSER_TIMEZONE_JS = "Intl.DateTimeFormat().resolvedOptions().timeZone"


async def adopt_browser_timezone(principal: Principal) -> None:
    """Until the user picks a zone in Settings, take the browser's (dates show in it from the next page)."""
    try:
        zone = await ui.run_javascript(BROWSER_TIMEZONE_JS, timeout=5)
    except TimeoutError:
        return
    if isinstance(zone, str) and valid_timezone(zone):
        with portal_runtime().unit_of_work() as db:
            set_preferences(db, principal, timezone=zone)
