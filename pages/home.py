"""The customer's home page (the invoice dashboard); staff land on the admin console."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from pages.access import page_principal
from pages.layout import signed_in_frame


def home_page(request: Request) -> RedirectResponse | None:
    if page_principal(request).is_staff:
        return RedirectResponse("/settings", status_code=303)  # until the staff console exists
    with signed_in_frame(request, "Invoices") as (principal, _guard):
        ui.label(f"Welcome, {principal.label}").classes("text-2xl font-semibold").props(
            'role="heading" aria-level="1"')
    return None
