"""One look and one path for refusals over plain HTTP (404, 403, 429, 400): a small page that
works without the UI's scripts, every text escaped. Routes raise the services' domain errors and
`portal_error_answer` (the app's handler for PortalError) turns them into that page, or into JSON
under /api/."""

from __future__ import annotations

import html

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from services.audit.vocabulary import AuditAction
from services.config.runtime import Runtime
from services.errors import Forbidden, InvalidInput, LimitExceeded, NotFound, PortalError, Unavailable
from services.invoices.queries import record_invoice_denial
from services.principal import Principal

HOME = ("/", "Back to your invoices")
# What each kind of refusal answers, and its heading.
REFUSALS: dict[type[PortalError], tuple[int, str]] = {
    NotFound: (404, "Not found"), Forbidden: (403, "Not included"),
    LimitExceeded: (429, "Please wait a few minutes"), InvalidInput: (400, "That did not work"),
    Unavailable: (503, "Not available right now"),
}


def plain_page(status_code: int, heading: str, text: str, *, link: tuple[str, str] = HOME,
               headers: dict[str, str] | None = None) -> HTMLResponse:
    """A minimal page that works without the UI's scripts; every text is escaped."""
    href, label = link
    body = (f"<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width'>"
            f"<title>{html.escape(heading)} · Invoice Portal</title><body style='font-family:system-ui;max-width:32rem;"
            f"margin:4rem auto;padding:0 1rem'><main><h1>{html.escape(heading)}</h1><p>{html.escape(text)}</p>"
            f"<p><a href='{html.escape(href)}'>{html.escape(label)}</a></p></main></body></html>")
    return HTMLResponse(body, status_code=status_code, headers=headers)


def _status_and_heading(error: PortalError) -> tuple[int, str]:
    return next((answer for kind, answer in REFUSALS.items() if isinstance(error, kind)), REFUSALS[InvalidInput])


def refusal_page(error: PortalError, *, link: tuple[str, str] = HOME) -> HTMLResponse:
    """The page for a service's refusal: its status and heading follow from the kind of error."""
    status_code, heading = _status_and_heading(error)
    if isinstance(error, LimitExceeded):
        return throttled(str(error))
    return plain_page(status_code, heading, str(error), link=link)


async def portal_error_answer(request: Request, error: Exception) -> Response:
    """The app's handler for a PortalError a route did not catch: JSON for API clients, else the page."""
    assert isinstance(error, PortalError)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": str(error)}, status_code=_status_and_heading(error)[0])
    return refusal_page(error)


def invoice_not_found() -> HTMLResponse:
    """The one answer for a missing invoice and for another customer's invoice."""
    return plain_page(404, "Invoice not found", "This invoice does not exist or is not yours to see.")


def throttled(message: str, *, retry_after_seconds: int = 300, heading: str = "Please wait a few minutes",
              link: tuple[str, str] = HOME) -> HTMLResponse:
    """A rate limit or the access monitor's pause: say how long, in words and in Retry-After."""
    return plain_page(429, heading, message, link=link, headers={"retry-after": str(retry_after_seconds)})


def refuse_invoice(runtime: Runtime, principal: Principal, invoice_id: str | int, action: AuditAction,
                   error: PortalError) -> HTMLResponse:
    """The one answer to a refused invoice page or PDF download. The refusal is audited in its own
    transaction (the refused one rolled back); a missing invoice and another customer's look alike."""
    with runtime.unit_of_work() as db:
        record_invoice_denial(db, runtime.secret_key, principal, invoice_id, action,
                              reason="not_found" if isinstance(error, NotFound) else error.code)
    if isinstance(error, NotFound):
        return invoice_not_found()
    return refusal_page(error)
