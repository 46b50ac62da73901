"""The signed-in frame: navigation by role, the account badge and sign-out, the session guard."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request
from nicegui import ui

from components.frame import AccountBadge, NavItem, frame
from data.types import Role
from pages.access import SessionGuard, page_principal
from services.formatting import valid_timezone
from services.principal import Principal
from services.runtime import unit_of_work
from services.users import set_preferences

CUSTOMER_NAV = (NavItem("Invoices", "/", "receipt_long"), NavItem("Export", "/export", "folder_zip"),
                NavItem("Settings", "/settings", "settings"))
OWNER_NAV = (NavItem("Invoices", "/", "receipt_long"), NavItem("Export", "/export", "folder_zip"),
             NavItem("Team", "/team", "group"), NavItem("Settings", "/settings", "settings"))
STAFF_NAV = (NavItem("Settings", "/settings", "settings"),)


@contextmanager
def signed_in_frame(request: Request, title: str) -> Iterator[tuple[Principal, SessionGuard]]:
    """Enter the frame for the signed-in user of `request`; yields who it is and the guard."""
    principal = page_principal(request)
    guard = SessionGuard(request)
    nav = STAFF_NAV if principal.is_staff else OWNER_NAV if principal.role == Role.OWNER else CUSTOMER_NAV
    badge = AccountBadge(name=principal.label, detail=principal.role.value.title())
    with frame(title, nav=nav, account=badge, current_path=request.url.path, sign_out_action="/auth/logout"):
        guard.start_watching()
        if not principal.timezone_chosen:
            ui.timer(0.1, lambda: adopt_browser_timezone(principal), once=True)
        yield principal, guard


BROWSER_TIMEZONE_JS = "Intl.DateTimeFormat().resolvedOptions().timeZone"


async def adopt_browser_timezone(principal: Principal) -> None:
    """Until the user picks a zone in Settings, take the browser's (dates show in it from the next page)."""
    try:
        zone = await ui.run_javascript(BROWSER_TIMEZONE_JS, timeout=5)
    except TimeoutError:
        return
    if isinstance(zone, str) and valid_timezone(zone):
        with unit_of_work() as db:
            set_preferences(db, principal, timezone=zone)
