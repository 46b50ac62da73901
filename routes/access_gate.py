"""Deny by default: every HTTP request needs a full session (password + MFA) unless its path is
on the short public list. Pages, downloads and API routes all pass through here."""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from services.auth.sessions import SessionState, resolve_session
from web.dependencies import portal_runtime
from web.session_cookie import read_session_token

# /api/ledger/events authenticates each request by its HMAC signature instead of a session.
PUBLIC_PATHS = frozenset({"/login", "/auth/login", "/auth/invite", "/healthz", "/favicon.ico", "/api/ledger/events"})
PUBLIC_PREFIXES = ("/_nicegui/", "/_nicegui_ws/", "/static/", "/invite/")
# ... except NiceGUI's per-page endpoints: a file uploaded to `/_nicegui/client/{id}/upload/{id}` goes
# straight to the page's handler, so it needs the same full session as the page.
SESSION_PREFIXES = ("/_nicegui/client/",)
# Reachable between the password step and the second factor.
HALF_SESSION_PATHS = frozenset({"/login/mfa", "/login/enroll", "/auth/mfa", "/auth/mfa/enroll", "/auth/logout"})
STAFF_PREFIXES = ("/admin",)
# The API's documentation (the ledger API) is for staff, as docs/SECURITY.md says.
STAFF_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})


def is_staff_only(path: str) -> bool:
    return path.startswith(STAFF_PREFIXES) or path in STAFF_PATHS


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or (path.startswith(PUBLIC_PREFIXES) and not path.startswith(SESSION_PREFIXES))


def _resolve(token: str | None) -> SessionState | None:
    if not token:
        return None
    with portal_runtime().unit_of_work() as db:
        return resolve_session(db, token, portal_runtime().settings)


class AccessGate:
    """Resolves the session cookie once per request into `request.state.session_state`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        state = await run_in_threadpool(_resolve, read_session_token(request))
        scope.setdefault("state", {})["session_state"] = state
        path = scope["path"]
        allowed = state is not None and (state.mfa_passed or path in HALF_SESSION_PATHS)
        if allowed and is_staff_only(path) and not (state and state.mfa_passed and state.user.role.is_staff):
            response: Response = JSONResponse({"detail": "Not Found"}, status_code=404)
        elif allowed:
            await self.app(scope, receive, send)
            return
        else:
            response = _deny(request, had_cookie=read_session_token(request) is not None)
        await response(scope, receive, send)


def _deny(request: Request, *, had_cookie: bool) -> Response:
    # Browsers get sent to the sign-in page (pages, and the auth forms of an expired half login);
    # API clients get a plain 401.
    wants_page = (request.method == "GET" and not request.url.path.startswith("/api/")) or \
        request.url.path.startswith("/auth/")
    if wants_page:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        message = "&error=expired" if had_cookie else ""
        return RedirectResponse(f"/login?next={quote(target, safe='')}{message}", status_code=303)
    return JSONResponse({"detail": "Sign-in required"}, status_code=401)
