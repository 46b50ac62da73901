"""The signed-in frame: navigation by role, the account badge and sign-out, the session guard."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request
from nicegui import ui

from components.frame import AccountBadge, NavItem, frame
from pages.access import SessionGuard, page_principal
from services.principal import Principal

CUSTOMER_NAV = (NavItem("Invoices", "/", "receipt_long"), NavItem("Settings", "/settings", "settings"))
STAFF_NAV = (NavItem("Settings", "/settings", "settings"),)


@contextmanager
def signed_in_frame(request: Request, title: str) -> Iterator[tuple[Principal, SessionGuard]]:
    """Enter the frame for the signed-in user of `request`; yields who it is and the guard."""
    principal = page_principal(request)
    guard = SessionGuard(request)
    nav = STAFF_NAV if principal.is_staff else CUSTOMER_NAV
    badge = AccountBadge(name=principal.label, detail=principal.role.value.title())
    with frame(title, nav=nav, account=badge, current_path=request.url.path, sign_out_action="/auth/logout"):
        guard.start_watching()
        yield principal, guard
