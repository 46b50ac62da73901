"""Staff: find any account and help it: unlock, lock, reset two-step verification, disable."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from nicegui import ui

from components.attributes import attrs
from components.dialogs import confirm
from components.headings import page_heading
from components.notice import notice
from components.search_list import SearchList
from components.tables import cell, chip, data_table, table_row
from data.types import Role, utcnow
from services.staff.users import UserRow, lock_user, reset_mfa, search_users, set_user_active, unlock_user
from web.actions import attempt
from web.dependencies import PortalRuntime
from web.layout import signed_in_frame
from web.viewer_format import formatter_for

HEADERS = ("E-mail", "Name", "Role", "Customer", "Status", "Two-step", "Last sign-in", "Actions")


def users_page(request: Request, runtime: PortalRuntime, q: str = "", customer: str = "") -> None:
    with signed_in_frame(request, "Users") as (principal, guard):
        fmt = formatter_for(principal)
        is_admin = principal.role == Role.ADMIN
        customer_id = int(customer) if customer.isascii() and customer.isdigit() and len(customer) < 12 else None
        page_heading("Users", "Every account that can sign in: customers' people and staff.")

        def status(row: UserRow) -> None:
            if not row.active:
                chip("Disabled", "bad")
            elif row.locked(utcnow()):
                chip("Locked", "bad")
            elif row.invited_pending:
                chip("Invited", "warn")
            else:
                chip("Active", "good")

        def show_users(search: str) -> None:
            with runtime.unit_of_work() as db:
                rows = search_users(db, principal, search, customer_id=customer_id)
            if not rows:
                notice("No account matches this search.", "info")
                return
            with data_table("Users", HEADERS):
                for row in rows:
                    with table_row():
                        cell(row.email).classes("whitespace-nowrap")
                        cell(row.display_name)
                        cell(row.role.value.title())
                        cell(row.customer_name or "Staff")
                        with cell():
                            status(row)
                        cell("Set up" if row.mfa_enrolled else "Not set up")
                        cell(fmt.datetime(row.last_login_at) if row.last_login_at else "never")
                        with cell().classes("whitespace-nowrap"):
                            actions(row)

        def actions(row: UserRow) -> None:
            if row.id == principal.user_id:
                ui.label("you").classes("portal-muted")
                return
            if row.role == Role.ADMIN and not is_admin:  # services.staff.users refuses it: offer nothing
                ui.label("administrators only").classes("portal-muted")
                return

            def run(operation: Callable[..., object], done: str) -> Callable[[], None]:
                def execute() -> None:
                    if attempt(lambda db: operation(db, runtime, principal, row.id)).ok:
                        ui.notify(done, type="positive")
                        listing.refresh()
                return execute

            def labelled(button: ui.button, action: str) -> ui.button:
                return attrs(button.props("flat dense no-caps"), {"aria-label": f"{action} {row.email}"})

            if row.locked(utcnow()):
                labelled(ui.button("Unlock", on_click=run(unlock_user, f"{row.email} can sign in again.")), "Unlock")
            elif row.active:
                labelled(ui.button("Lock", on_click=lambda: confirm(
                    f"Lock {row.email}?", "They are signed out now and cannot sign in until someone unlocks them.",
                    "Lock", run(lock_user, f"{row.email} is locked."))), "Lock")
            if row.mfa_enrolled:
                labelled(ui.button("Reset two-step", on_click=lambda: confirm(
                    f"Reset two-step verification of {row.email}?",
                    "Their authenticator and recovery codes stop working and they are signed out; the next sign-in "
                    "sets up a new authenticator. Do this only after checking who asks.", "Reset",
                    run(reset_mfa, f"Two-step verification of {row.email} was reset."))),
                    "Reset two-step verification of")
            if is_admin and row.active:
                labelled(ui.button("Disable", on_click=lambda: confirm(
                    f"Disable {row.email}?", "They are signed out now and cannot sign in any more.", "Disable",
                    run(lambda db, rt, actor, user_id: set_user_active(db, rt, actor, user_id, False),
                        f"{row.email} is disabled."))), "Disable").props("color=negative")
            elif is_admin:
                labelled(ui.button("Enable", on_click=run(
                    lambda db, rt, actor, user_id: set_user_active(db, rt, actor, user_id, True),
                    f"{row.email} is enabled.")), "Enable")

        listing = SearchList(show_users, search_label="Search by e-mail, name or company", search=q)
        if customer_id is not None:
            with listing.toolbar:
                ui.link("Show all customers' users", "/admin/users").classes("text-blue-800")
