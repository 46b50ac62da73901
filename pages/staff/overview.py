"""Staff: the console's home — what needs attention now (access alerts, ledger trouble)."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from components.attributes import attrs
from components.headings import page_heading, section_heading
from components.notice import notice
from components.tables import cell, chip, data_table, table_row
from data.types import utcnow
from pages.staff.ledger import HEALTH_TONES
from services.staff.access_alerts import list_alerts, resolve_alert
from services.staff.console_summary import console_summary
from services.staff.sync_health import source_health
from web.actions import attempt
from web.dependencies import PortalRuntime
from web.layout import signed_in_frame
from web.viewer_format import formatter_for

ALERT_HEADERS = ("Raised", "User", "Customer", "What happened", "Status", "")
KIND_LABELS = {"rapid_access": "Many invoices in a minute", "many_ips": "Sign-ins from many addresses",
               "repeated_denials": "Repeated refused accesses"}


def overview_page(request: Request, runtime: PortalRuntime) -> None:
    with signed_in_frame(request, "Staff console") as (principal, guard):
        fmt = formatter_for(principal)
        page_heading("Staff console", f"Signed in as {principal.role.value}. What needs attention is listed first.")

        @ui.refreshable
        def tiles() -> None:
            with runtime.unit_of_work() as db:
                summary = console_summary(db, principal)
                health = source_health(db, principal, runtime.settings)
            with ui.row().classes("w-full gap-3"):
                for label, value, target in (
                        ("Active customers", f"{summary.customers_active} of {summary.customers_total}", "/admin/customers"),
                        ("Users signed in, 30 days", str(summary.users_signed_in_30_days), "/admin/users"),
                        ("Access alerts open", str(summary.open_alerts), "#alerts"),
                        ("Ledger events in quarantine", str(summary.quarantined_events), "/admin/ledger"),
                        ("Open billing questions", str(summary.open_support_requests), "/admin/questions")):
                    with ui.link(target=target).classes("no-underline text-inherit grow basis-36"):
                        with ui.card().classes("p-4 gap-1 w-full hover:shadow-md"):
                            ui.label(label).classes("text-sm portal-muted")
                            ui.label(value).classes("text-2xl font-semibold")
            if health:
                with ui.row().classes("w-full items-center gap-2"):
                    ui.label("Ledger:").classes("portal-muted")
                    for source in health:
                        with ui.link(target="/admin/ledger").classes("no-underline"):
                            chip(f"{source.name}: {source.health.value}", HEALTH_TONES[source.health])

        @ui.refreshable
        def alerts() -> None:
            with runtime.unit_of_work() as db:
                rows = list_alerts(db, principal, limit=50)
            if not rows:
                notice("No unusual activity so far.", "positive")
                return
            now = utcnow()
            with data_table("Access alerts", ALERT_HEADERS):
                for alert in rows:
                    with table_row():
                        cell(fmt.datetime(alert.raised_at), ).classes("whitespace-nowrap")
                        with cell().classes("whitespace-nowrap"):  # as in the user list: never split
                            ui.link(alert.user_email, f"/admin/audit?user={alert.user_email}").classes("text-blue-800")
                        cell(alert.customer_name or "Staff")
                        with cell():
                            ui.label(KIND_LABELS.get(alert.kind, alert.kind)).classes("font-medium")
                            ui.label(alert.detail).classes("text-xs portal-muted")
                        with cell().classes("whitespace-nowrap"):
                            if alert.active(now):
                                chip(f"Paused until {fmt.datetime(alert.throttled_until)}", "bad")
                            elif alert.resolved_at is not None:
                                chip("Released", "neutral")
                            else:
                                chip("Pause over", "neutral")
                        with cell():
                            if alert.resolved_at is None:
                                attrs(ui.button("Release", on_click=lambda a=alert.id: release_alert(a)).props(
                                    "flat dense no-caps"), {"aria-label": f"Release alert for {alert.user_email}"})

        def release_alert(alert_id: int) -> None:
            if not attempt(lambda db: resolve_alert(db, runtime, principal, alert_id)).ok:
                return
            ui.notify("Alert released; the user's access is no longer paused.", type="positive")
            alerts.refresh()
            tiles.refresh()

        tiles()
        section_heading("Access alerts").props('id="alerts"')
        ui.label("Raised when one user opens or downloads unusually many invoices in a minute, signs in from many "
                 "addresses, or is refused again and again. Their invoice access pauses until the alert ends or "
                 "is released.").classes("text-sm portal-muted")
        alerts()
