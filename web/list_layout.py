"""Which layout of the invoice list a browser shows: guessed from its request, then told by the browser."""

from __future__ import annotations

from fastapi import Request
from nicegui.events import GenericEventArguments

from components.invoice_table import BOTH_LAYOUTS, ListLayout

EVENT = "portal_list_layout"
# Once the page is connected, the browser says which layout its width shows (Tailwind's md
# breakpoint, as in the list's classes), and says it again when the width crosses it (a turned
# phone, a resized window).
REPORT_LAYOUT = ("const wide = window.matchMedia('(min-width: 768px)');"
                 "const report = () => emitEvent('portal_list_layout', wide.matches ? 'table' : 'cards');"
                 "wide.addEventListener('change', report); report();")


def guessed_layouts(request: Request) -> frozenset[ListLayout]:
    """A phone's request gets cards only, a desktop's the table only (Chromium says which in
    Sec-CH-UA-Mobile, other browsers with 'Mobi' in the user agent); a request without a user agent
    gets both, left to CSS. The browser's own report corrects a wrong guess (`reported_layout`)."""
    hint = request.headers.get("sec-ch-ua-mobile")
    if hint in ("?0", "?1"):
        return frozenset({ListLayout.CARDS if hint == "?1" else ListLayout.TABLE})
    agent = request.headers.get("user-agent")
    if not agent:
        return BOTH_LAYOUTS
    return frozenset({ListLayout.CARDS if "Mobi" in agent else ListLayout.TABLE})


def reported_layout(event: GenericEventArguments) -> ListLayout | None:
    """The layout the browser's report names, or None for anything else a client could send."""
    value = event.args[0] if isinstance(event.args, list) and event.args else event.args
    try:
        return ListLayout(value) if isinstance(value, str) else None
    except ValueError:
        return None
