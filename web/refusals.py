"""Small self-contained HTML answers for plain HTTP refusals (404, 403, 429): one look for all."""

from __future__ import annotations

import html

from fastapi.responses import HTMLResponse


def plain_page(status_code: int, heading: str, text: str, *, link: tuple[str, str] = ("/", "Back to your invoices"),
               headers: dict[str, str] | None = None) -> HTMLResponse:
    """A minimal page that works without the UI's scripts; every text is escaped."""
    href, label = link
    body = (f"<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width'>"
            f"<title>{html.escape(heading)} · Invoice Portal</title><body style='font-family:system-ui;max-width:32rem;"
            f"margin:4rem auto;padding:0 1rem'><h1>{html.escape(heading)}</h1><p>{html.escape(text)}</p>"
            f"<p><a href='{html.escape(href)}'>{html.escape(label)}</a></p></body></html>")
    return HTMLResponse(body, status_code=status_code, headers=headers)


def invoice_not_found() -> HTMLResponse:
    """The one answer for a missing invoice and for another customer's invoice."""
    return plain_page(404, "Invoice not found", "This invoice does not exist or is not yours to see.")


def throttled(message: str) -> HTMLResponse:
    """The access monitor paused this user's invoice access."""
    return plain_page(429, "Please wait a few minutes", message, headers={"retry-after": "300"})
