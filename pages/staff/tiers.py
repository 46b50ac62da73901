"""Staff: subscription tiers, the limits that decide what each customer's users may do."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from components.attributes import attrs
from components.headings import dialog_heading, page_heading
from components.search_list import SearchList
from components.tables import cell, chip, data_table, table_row
from data.types import Role
from services.staff.customers import TierInput, TierRow, list_tiers, save_tier
from web.actions import attempt
from web.dependencies import PortalRuntime
from web.layout import signed_in_frame

HEADERS = ("Tier", "History", "PDFs", "CSV", "Bulk export", "Exports / hour", "Users", "E-mail alerts", "Customers", "")


def _yes_no(value: bool) -> None:
    chip("Yes", "good") if value else chip("No", "neutral")


def tiers_page(request: Request, runtime: PortalRuntime) -> None:
    with signed_in_frame(request, "Tiers") as (principal, guard):
        is_admin = principal.role == Role.ADMIN
        page_heading("Tiers", "What customers on each subscription tier may do. Changes reach their users on the "
                     "next click.")

        def show_tiers(_search: str) -> None:
            with runtime.unit_of_work() as db:
                rows = list_tiers(db, principal)
            with data_table("Tiers", HEADERS):
                for tier in rows:
                    with table_row():
                        cell(tier.name).classes("font-medium")
                        cell("all" if tier.history_months is None else
                             f"{tier.history_months} month{'' if tier.history_months == 1 else 's'}")
                        with cell():
                            _yes_no(tier.can_download_pdf)
                        with cell():
                            _yes_no(tier.can_export_csv)
                        cell("none" if tier.max_export_invoices == 0 else f"{tier.max_export_invoices:,} invoices")
                        cell(str(tier.exports_per_hour))
                        cell(str(tier.max_users))
                        with cell():
                            _yes_no(tier.email_notifications)
                        cell(str(tier.customers))
                        with cell():
                            if is_admin:
                                attrs(ui.button("Edit", on_click=lambda t=tier: edit_dialog(t)).props(
                                    "flat dense no-caps"), {"aria-label": f"Edit tier {tier.name}"})

        def edit_dialog(tier: TierRow | None) -> None:
            listing.dialog_host.clear()  # the dialog opened before, closed by now: one at a time, none piling up
            with listing.dialog_host, ui.dialog() as dialog, ui.card().classes("w-full max-w-lg gap-3"):
                dialog_heading(dialog, "New tier" if tier is None else f"Tier {tier.name}")
                name = ui.input("Name", value=tier.name if tier else "").props("outlined maxlength=64").classes("w-full")
                history = ui.number("History in months (empty: all)", value=tier.history_months if tier else None,
                                    min=1, max=1200, precision=0).props("outlined").classes("w-full")
                with ui.row().classes("w-full gap-3"):
                    export_size = ui.number("Bulk export size (0: none)", value=tier.max_export_invoices if tier else 1000,
                                            min=0, precision=0).props("outlined").classes("grow")
                    per_hour = ui.number("Exports per hour", value=tier.exports_per_hour if tier else 5, min=0,
                                         precision=0).props("outlined").classes("grow")
                users = ui.number("Users per account", value=tier.max_users if tier else 5, min=1,
                                  precision=0).props("outlined").classes("w-full")
                pdf = ui.checkbox("Invoice PDFs", value=tier.can_download_pdf if tier else True)
                csv = ui.checkbox("CSV exports", value=tier.can_export_csv if tier else True)
                mail = ui.checkbox("E-mail alerts", value=tier.email_notifications if tier else True)
                problem = ui.column().classes("w-full")

                def whole(value: float | None, default: int = -1) -> int:
                    return int(value) if value is not None and float(value).is_integer() else default

                def save() -> None:
                    data = TierInput(name=name.value or "", history_months=None if history.value in (None, "")
                                     else whole(history.value, 0), can_download_pdf=bool(pdf.value),
                                     can_export_csv=bool(csv.value), max_export_invoices=whole(export_size.value),
                                     exports_per_hour=whole(per_hour.value), max_users=whole(users.value, 0),
                                     email_notifications=bool(mail.value))
                    if not attempt(lambda db: save_tier(db, runtime, principal, data,
                                                        tier.id if tier else None), show_in=problem).ok:
                        return
                    ui.notify(f"Tier {data.name.strip()} saved.", type="positive")
                    dialog.close()
                    listing.refresh()

                with ui.row().classes("w-full justify-end"):
                    ui.button("Cancel", on_click=dialog.close).props("flat no-caps")
                    ui.button("Save", on_click=save).props("unelevated no-caps")
            dialog.open()

        listing = SearchList(show_tiers)
        if is_admin:
            with listing.toolbar:
                ui.button("New tier", icon="add", on_click=lambda: edit_dialog(None)).props("unelevated no-caps")
