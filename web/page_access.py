"""What every signed-in page needs: the principal of this request, and a guard that keeps
checking the session while the tab stays open (UI events arrive over the websocket, where the
HTTP gate cannot see them).

The frame puts the guard in front of the page's client (`SessionGuard.protect`), so every event
the browser sends (clicks, value changes, menus and dialogs opening) is checked once, before
NiceGUI hands it to the element's handler. Handlers stay plain functions with their own
signatures; NiceGUI decides from the signature whether to pass the event argument.

What the server starts by itself (live updates, timers) asks `may_read()` first: no query, but
the guard knows when the session would expire without activity, and hears at once when it is
revoked (sign-out, lock, password change, anywhere: services announce it on the live-event bus
after commit), so a tab left open reads nothing after its session ends."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import Request
from nicegui import Client, ui

from data.types import utcnow
from services.auth.sessions import resolve_session
from services.live_events import SessionsEnded
from services.principal import Principal
from web.dependencies import portal_runtime
from web.session_cookie import read_session_token

SESSION_CHECK_SECONDS = 15.0


class SessionGuard:
    """Re-checks the server-side session for handlers of an open page, and every few seconds.

    The cookie token stays in server memory (this object); it never goes to the browser's JS.
    """

    def __init__(self, request: Request) -> None:
        self._token = read_session_token(request)
        self._ended = False
        self._valid_until: datetime | None = None  # from the last check; None: check before reading

    @property
    def ended(self) -> bool:
        """True once a check found the session over (no database query)."""
        return self._ended

    def is_live(self, *, activity: bool) -> bool:
        """True while the session is valid; `activity` counts toward the idle timeout."""
        if self._ended:
            return False
        with portal_runtime().unit_of_work() as db:
            state = resolve_session(db, self._token, portal_runtime().settings, touch=activity)
        if state is None or not state.mfa_passed:
            self.end()
            return False
        self._valid_until = state.valid_until
        return True

    def end(self) -> None:
        """The session is over: nothing more runs on this page, and the tab goes to sign-in."""
        self._ended = True
        ui.navigate.to("/login?error=expired")

    def may_read(self) -> bool:
        """Whether server-started work (a live update, a timer) may read for this page now: without
        a query while the session is known to live, with one once it could have expired."""
        if self._ended:
            return False
        if self._valid_until is not None and utcnow() < self._valid_until:
            return True
        return self.is_live(activity=False)

    def follow_revocations(self, principal: Principal, client: Client) -> None:
        """End this page the moment its session is revoked, in this process or (with Redis) another."""
        session_id = principal.session_id

        def heard(ended: SessionsEnded) -> None:
            if ended.covers(session_id):
                self._ended = True  # at once, from any thread: live updates check it before reading
                # Signed out (here or in another tab): the sign-in page says so, as after the button.
                loop.call_soon_threadsafe(leave, "signed_out" if ended.reason == "logout" else "expired")

        def leave(why: str) -> None:
            if not client.is_deleted:
                with client:
                    ui.navigate.to(f"/login?error={why}")

        loop = asyncio.get_event_loop()
        client.on_delete(portal_runtime().events.subscribe_sessions(principal.user_id, heard))

    def start_watching(self) -> ui.timer:
        """A timer that sends the tab to the sign-in page once the session ends (no activity counted)."""
        return ui.timer(SESSION_CHECK_SECONDS, lambda: self.is_live(activity=False))

    def protect(self, client: Client) -> None:
        """Let every event the browser sends to `client` through only while the session lives; each
        counts as activity. An event after sign-out or revocation runs nothing and the tab leaves."""
        handle_event = client.handle_event

        @functools.wraps(handle_event)
        def checked(msg: dict[str, Any]) -> None:
            with client:
                live = self.is_live(activity=True)
            if live:
                handle_event(msg)

        # NiceGUI's socket handler calls `client.handle_event(msg)` for each browser event: the
        # instance attribute puts this check in front of every element of the page.
        client.handle_event = checked  # type: ignore[method-assign]

    def timer(self, interval: float, callback: Callable[[], Any]) -> ui.timer:
        """A page timer whose `callback` runs only while the session lives (ticks are not activity)."""

        def tick() -> Any:
            return callback() if self.is_live(activity=False) else None

        return ui.timer(interval, tick)
