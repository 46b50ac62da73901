"""Headers every response carries, errors and downloads included (SECURITY.md 16)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# NiceGUI (Vue templates compiled in the browser, inline bootstrapping) needs 'unsafe-inline'
# and 'unsafe-eval' for scripts; everything else is locked to our own origin (CSP 3's 'self' covers the
# websocket to the same host, so no ws:/wss: to any host).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
STATIC_PREFIXES = ("/_nicegui/", "/static/")


def security_headers(*, https: bool, cacheable: bool) -> dict[str, str]:
    headers = {
        "content-security-policy": CONTENT_SECURITY_POLICY,
        "x-content-type-options": "nosniff",
        "referrer-policy": "strict-origin-when-cross-origin",
        "x-frame-options": "DENY",
        "cross-origin-opener-policy": "same-origin",
        "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }
    if https:
        headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
    if not cacheable:
        headers["cache-control"] = "no-store"
        headers["pragma"] = "no-cache"
    return headers


class SecurityHeadersMiddleware:
    """Pure ASGI, so streamed downloads and websockets pass untouched; only response heads change."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        extra = security_headers(https=scope.get("scheme") == "https", cacheable=path.startswith(STATIC_PREFIXES))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.decode().lower() not in extra]
                headers.extend((k.encode(), v.encode()) for k, v in extra.items())
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
