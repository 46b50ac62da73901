"""The session cookie and the caller's identity, read from and written to HTTP requests."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from services.auth.sessions import COOKIE_NAME, SECURE_COOKIE_NAME
from services.principal import RequestInfo
from web.refusals import plain_page


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def cookie_name(request: Request) -> str:
    """`__Host-` prefixed (Secure, host-only) over https; plain on http://127.0.0.1 development."""
    return SECURE_COOKIE_NAME if is_https(request) else COOKIE_NAME


def read_session_token(request: Request) -> str | None:
    return request.cookies.get(cookie_name(request))


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    # No Max-Age: a browser session cookie; the server enforces idle and absolute timeouts.
    response.set_cookie(cookie_name(request), token, httponly=True, samesite="strict", secure=is_https(request),
                        path="/")


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(cookie_name(request), path="/", httponly=True, samesite="strict", secure=is_https(request))


def request_info(request: Request) -> RequestInfo:
    return RequestInfo(ip=request.client.host if request.client else None,
                       user_agent=request.headers.get("user-agent"),
                       accept_language=request.headers.get("accept-language"))


def safe_next_path(value: str | None) -> str:
    """Only local paths may follow a sign-in: no scheme, no host, no `//` or backslash tricks."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(ord(ch) < 32 for ch in value):
        return "/"
    return value[:512]


def same_origin(request: Request, public_url: str | None = None) -> bool:
    """True when a state-changing request comes from our own pages (Origin header, else Referer)."""
    claimed = request.headers.get("origin")
    if not claimed or claimed == "null":
        referer = request.headers.get("referer")
        if not referer:
            return False
        parts = urlsplit(referer)
        claimed = f"{parts.scheme}://{parts.netloc}"
    allowed = {f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"}
    if public_url:
        parts = urlsplit(public_url)
        allowed.add(f"{parts.scheme}://{parts.netloc}")
    return claimed.rstrip("/") in allowed


def refuse_foreign_origin(request: Request, public_url: str | None) -> HTMLResponse | None:
    """A 403 page for state-changing posts that do not come from our own pages (SECURITY.md 17)."""
    if same_origin(request, public_url):
        return None
    return plain_page(403, "Refused", "This form was sent from another site and was refused.",
                      link=("/login", "Go to the portal"))
