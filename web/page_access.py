"""What every signed-in page needs: the principal of this request, and a guard that keeps
checking the session while the tab stays open (UI events arrive over the websocket, where the
HTTP gate cannot see them)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from fastapi import Request
from nicegui import ui

from services.auth.sessions import resolve_session
from services.config.runtime import current_runtime, unit_of_work
from services.principal import Principal
from web.session_cookie import read_session_token, request_info

SESSION_CHECK_SECONDS = 15.0


def page_principal(request: Request) -> Principal:
    """The principal the access gate resolved for this page load (full sessions only get here)."""
    state = getattr(request.state, "session_state", None)
    if state is None or not state.mfa_passed:
        raise RuntimeError("page reached without a full session: is it missing from the access gate?")
    return state.principal(request_info(request))


class SessionGuard:
    """Re-checks the server-side session for handlers of an open page, and every few seconds.

    The cookie token stays in server memory (this object); it never goes to the browser's JS.
    """

    def __init__(self, request: Request) -> None:
        self._token = read_session_token(request)
        self._ended = False

    @property
    def ended(self) -> bool:
        """True once a check found the session over (no database query)."""
        return self._ended

    def is_live(self, *, activity: bool) -> bool:
        """True while the session is valid; `activity` counts toward the idle timeout."""
        if self._ended:
            return False
        with unit_of_work() as db:
            state = resolve_session(db, self._token, current_runtime().settings, touch=activity)
        if state is None or not state.mfa_passed:
            self._ended = True
            ui.navigate.to("/login?error=expired")
            return False
        return True

    def start_watching(self) -> ui.timer:
        """A timer that sends the tab to the sign-in page once the session ends (no activity counted)."""
        return ui.timer(SESSION_CHECK_SECONDS, lambda: self.is_live(activity=False))

    def guarded(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap an event handler: it runs only while the session lives, and counts as activity.

        The wrapper is async only if the handler is, so components may call it directly.
        """
        if inspect.iscoroutinefunction(handler):

            async def run_async(*args: Any, **kwargs: Any) -> Any:
                if self.is_live(activity=True):
                    return await handler(*args, **kwargs)
                return None

            return run_async

        def run(*args: Any, **kwargs: Any) -> Any:
            if self.is_live(activity=True):
                return handler(*args, **kwargs)
            return None

        return run
