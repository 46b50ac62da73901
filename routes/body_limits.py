"""Every request body is counted while it arrives and refused with 413 once it passes its route's
limit: before any handler, parser or form reader holds it, whether it came with a Content-Length or
chunked without one."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.documents.downloads import MAX_VERIFY_BYTES
from web.dependencies import portal_runtime

LEDGER_PUSH_PATH = "/api/ledger/events"
# The only upload is /verify's PDF (a plain form post); the multipart envelope around it is small.
UPLOAD_PATH = "/verify"
UPLOAD_LIMIT = MAX_VERIFY_BYTES + 64 * 1024
# Sign-in, second factor, invitation and export forms: a few fields each.
FORM_LIMIT = 256 * 1024


def body_limit(path: str) -> int:
    """The most bytes a request body to `path` may have."""
    if path == LEDGER_PUSH_PATH:
        return portal_runtime().settings.ledger_max_push_bytes
    if path == UPLOAD_PATH:
        return UPLOAD_LIMIT
    return FORM_LIMIT


class BodyTooLarge(HTTPException):
    """Raised from `receive` to stop whoever reads the body. An HTTPException, so that FastAPI's body
    parsing passes it on instead of turning it into a 400; whatever answer a reader makes of it
    anyway, the middleware sends 413 instead."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the body is larger than {limit:,} bytes; send less at a time")


class BodyLimitMiddleware:
    """Pure ASGI: counts body bytes as they arrive instead of trusting Content-Length alone."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(send, limit)
            return
        received = 0
        exceeded = started = False

        async def counted_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge(limit)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if exceeded:  # whatever the reader answered: the answer is 413
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await _too_large(send, limit)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge:
            if not started:
                await _too_large(send, limit)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"detail": f"the body is larger than {limit:,} bytes; send less at a time"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
