"""Staff: customer companies, their tier and status, and the first owner's invitation."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from components.attributes import attrs
from components.dialogs import confirm
from components.headings import dialog_heading, page_heading
from components.invitation_link import invitation_link
from components.notice import notice
from components.search_list import SearchList
from components.tables import cell, chip, data_table, table_row
from data.types import Role
from services.config.runtime import Runtime
from services.principal import Principal
from services.staff.customers import (
    CustomerInput,
    CustomerRow,
    invite_owner,
    list_customers,
    list_tiers,
    save_customer,
    set_customer_active,
)
from web.actions import attempt
from web.dependencies import PortalRuntime
from web.layout import signed_in_frame
from web.viewer_format import formatter_for

HEADERS = ("Number", "Company", "Tier", "Users", "Portal since", "Status", "")


def customers_page(request: Request, runtime: PortalRuntime, q: str = "") -> None:
    with signed_in_frame(request, "Customers") as (principal, _guard):
        base_url = runtime.settings.public_url or str(request.base_url).rstrip("/")
        page_heading("Customers", "Companies whose users see their invoices here; the tier decides what they may do.")
        CustomersScreen(runtime, principal, base_url).build(q)


class CustomersScreen:
    """The customer list with its search, and the dialogs to create, edit, disable and invite."""

    def __init__(self, runtime: Runtime, principal: Principal, base_url: str) -> None:
        self.runtime, self.principal, self.base_url = runtime, principal, base_url
        self.fmt = formatter_for(principal)
        self.is_admin = principal.role == Role.ADMIN
        with runtime.unit_of_work() as db:
            self.tiers = {row.id: row.name for row in list_tiers(db, principal)}

    def build(self, search: str) -> None:
        self.listing = SearchList(self.show_customers, search_label="Search by name or number", search=search)
        with self.listing.toolbar:
            ui.space()
            if self.is_admin:
                ui.button("New customer", icon="add_business", on_click=lambda: self.edit_dialog(None)).props(
                    "unelevated no-caps")

    def show_customers(self, search: str) -> None:
        with self.runtime.unit_of_work() as db:
            rows = list_customers(db, self.principal, search)
        if not rows:
            notice("No customer matches this search." if search else "No customers yet.", "info")
            return
        with data_table("Customers", HEADERS):
            for row in rows:
                self.customer_row(row)

    def customer_row(self, row: CustomerRow) -> None:
        with table_row():
            cell(row.ref, ).classes("font-mono whitespace-nowrap")
            cell(row.name, ).classes("font-medium")
            cell(row.tier_name)
            cell(str(row.users))
            cell(self.fmt.date(row.adopted_at.date()) if row.adopted_at else "not yet")
            with cell():
                if not row.active:
                    chip("Disabled", "bad")
                elif row.owner_pending:
                    chip("Invitation sent", "warn")
                else:
                    chip("Active", "good")
            with cell().classes("whitespace-nowrap"):
                ui.link("Users", f"/admin/users?customer={row.id}").classes("text-blue-800 mr-3")
                if self.is_admin:
                    attrs(ui.button("Edit", on_click=lambda r=row: self.edit_dialog(r)).props("flat dense no-caps"),
                          {"aria-label": f"Edit {row.name}"}).mark(f"edit-{row.ref}")

    def edit_dialog(self, row: CustomerRow | None) -> None:
        self.listing.dialog_host.clear()  # the dialog opened before, closed by now: one at a time, none piling up
        with self.listing.dialog_host, ui.dialog() as dialog, ui.card().classes("w-full max-w-xl gap-3"):
            dialog_heading(dialog, "New customer" if row is None else f"Customer {row.ref}")
            with ui.row().classes("w-full gap-3"):
                ref = ui.input("Customer number (as in the ledger)", value=row.ref if row else "").props(
                    "outlined maxlength=64").classes("w-56")
                name = ui.input("Company name", value=row.name if row else "").props(
                    "outlined maxlength=200").classes("grow")
            with ui.row().classes("w-full gap-3"):
                tier = ui.select(self.tiers, label="Tier",
                                 value=row.tier_id if row else next(iter(self.tiers), None)).props(
                    "outlined").classes("w-56")
                email = ui.input("Billing e-mail (optional)", value=(row.email or "") if row else "").props(
                    "outlined type=email maxlength=320").classes("grow")
            with ui.row().classes("w-full gap-3"):
                country = ui.input("Country (ISO, e.g. DE)", value=(row.country or "") if row else "").props(
                    "outlined maxlength=2").classes("w-40")
                tax_id = ui.input("Tax id (optional)", value=(row.tax_id or "") if row else "").props(
                    "outlined maxlength=64").classes("grow")
            address = ui.textarea("Address", value=row.address if row else "").props(
                "outlined autogrow maxlength=1000").classes("w-full")
            problem = ui.column().classes("w-full")

            def save() -> None:
                data = CustomerInput(ref=ref.value or "", name=name.value or "", tier_id=int(tier.value or 0),
                                     email=email.value or "", country=country.value or "",
                                     tax_id=tax_id.value or "", address=address.value or "")
                if not attempt(lambda db: save_customer(db, self.runtime, self.principal, data,
                                                        row.id if row else None), show_in=problem).ok:
                    return
                ui.notify(f"Customer {data.ref.strip()} saved.", type="positive")
                dialog.close()
                self.listing.refresh()

            if row is not None:
                self.owner_section(row)
            with ui.row().classes("w-full items-center gap-2"):
                if row is not None:
                    if row.active:
                        ui.button("Disable customer", icon="block",
                                  on_click=lambda: self.ask_active(row, False, dialog)).props(
                            "flat no-caps color=negative")
                    else:
                        ui.button("Enable customer", icon="check_circle",
                                  on_click=lambda: self.ask_active(row, True, dialog)).props("flat no-caps")
                ui.space()
                ui.button("Cancel", on_click=dialog.close).props("flat no-caps")
                ui.button("Save", on_click=save).props("unelevated no-caps")
        dialog.open()

    def owner_section(self, row: CustomerRow) -> None:
        with ui.expansion("Invite the owner", icon="mail").classes("w-full border rounded"):
            ui.label("The owner gets a one-time link to set a password and two-step verification; "
                     f"it expires after {self.runtime.settings.invitation_days} days. Inviting again "
                     "replaces an unused link.").classes("text-sm portal-muted")
            with ui.row().classes("w-full gap-3 items-start"):
                owner_email = ui.input("Owner's e-mail").props("outlined dense type=email maxlength=320").classes(
                    "grow")
                owner_name = ui.input("Name (optional)").props("outlined dense maxlength=200").classes("w-48")
            result = ui.column().classes("w-full")

            def invite() -> None:
                invited = attempt(lambda db: invite_owner(db, self.runtime, self.principal, row.id,
                                                          email=owner_email.value or "",
                                                          display_name=owner_name.value or ""), show_in=result)
                issued = invited.value
                if issued is None:
                    return
                link = f"{self.base_url}/invite/{issued.token}"
                with result:
                    invitation_link(link, f"Send this link to {issued.email}; it works once, until "
                                          f"{self.fmt.datetime(issued.expires_at)}. It is not shown again.")
                self.listing.refresh()

            ui.button("Create invitation link", icon="link", on_click=invite).props("outline no-caps")

    def ask_active(self, row: CustomerRow, active: bool, dialog: ui.dialog) -> None:
        def apply() -> None:
            changed = attempt(lambda db: set_customer_active(db, self.runtime, self.principal, row.id, active))
            if not changed.ok:
                return
            ended = changed.value
            dialog.close()
            ui.notify(f"{row.name} enabled." if active else f"{row.name} disabled; {ended} sessions ended.",
                      type="positive")
            self.listing.refresh()

        if active:
            apply()
        else:
            confirm(f"Disable {row.name}?", "All its users are signed out now and cannot sign in until the customer "
                    "is enabled again. Invoices stay stored.", "Disable", apply)
