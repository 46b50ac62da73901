"""Staff: the audit trail — who saw or changed what, when, from where — with filters, CSV and the
chain check that names the first tampered row."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from components.date_range import date_range_inputs
from components.headings import page_heading
from components.notice import notice
from components.tables import cell, chip, data_table, table_row
from services.staff.audit_viewer import (
    OUTCOMES,
    AuditFilter,
    audit_actions,
    audit_filter_params,
    check_audit_chain,
    parse_audit_filter,
    search_audit,
)
from services.staff.customers import list_customers
from services.url_params import url_with_params
from web.dependencies import PortalRuntime
from web.layout import signed_in_frame
from web.viewer_format import formatter_for

HEADERS = ("#", "Time", "User", "Customer", "Action", "Outcome", "Object", "From", "Reason")
OUTCOME_TONES = {"success": "good", "failure": "warn", "denied": "bad"}


def audit_page(request: Request, runtime: PortalRuntime) -> None:
    with signed_in_frame(request, "Audit trail") as (principal, guard):
        fmt = formatter_for(principal)
        params = {key: request.query_params.get(key, "") for key in request.query_params}
        filters, before, problems = parse_audit_filter(params, principal.timezone)
        page_heading("Audit trail", "Every sign-in, view, download, export, refusal and staff change, chained so "
                     "that no row can be changed, removed or moved unnoticed.")
        for problem in problems:
            notice(problem, "warning")
        with runtime.unit_of_work() as db:
            actions = audit_actions(db, principal)
            customers = {row.id: f"{row.name} ({row.ref})" for row in list_customers(db, principal, limit=1000)}
            page = search_audit(db, principal, filters, before)

        draft: dict[str, object] = {"user": filters.user, "customer": filters.customer_id, "action": filters.action,
                                    "outcome": filters.outcome, "date_from": filters.date_from,
                                    "date_to": filters.date_to}
        with ui.card().classes("w-full p-4 gap-3"):
            with ui.row().classes("w-full gap-3 items-center"):
                ui.input("User e-mail", value=filters.user,
                         on_change=lambda e: draft.update(user=e.value or "")).props(
                    "outlined dense clearable maxlength=320").classes("w-56")
                ui.select(customers, label="Customer", value=filters.customer_id, with_input=True, clearable=True,
                          on_change=lambda e: draft.update(customer=e.value)).props("outlined dense").classes("w-64")
                action_choices = {"": "Any action"} | {"admin.": "Any staff change"} | {action: action for action in actions}
                ui.select(action_choices, label="Action", value=filters.action if filters.action in action_choices else "",
                          on_change=lambda e: draft.update(action=e.value or "")).props("outlined dense").classes("w-56")
                ui.select({"": "Any outcome"} | {outcome: outcome for outcome in OUTCOMES}, label="Outcome",
                          value=filters.outcome, on_change=lambda e: draft.update(outcome=e.value or "")).props(
                    "outlined dense").classes("w-40")
                date_range_inputs(filters.date_from, filters.date_to, on_change=lambda **change: draft.update(change))
            with ui.row().classes("w-full gap-3 items-center"):
                def apply() -> None:
                    chosen = AuditFilter(user=str(draft["user"] or ""), customer_id=draft["customer"],  # type: ignore[arg-type]
                                         action=str(draft["action"] or ""), outcome=str(draft["outcome"] or ""),
                                         date_from=draft["date_from"], date_to=draft["date_to"])  # type: ignore[arg-type]
                    ui.navigate.to(url_with_params("/admin/audit", audit_filter_params(chosen)))

                ui.button("Show", icon="filter_alt", on_click=apply).props("unelevated no-caps")
                ui.button("Clear", on_click=lambda: ui.navigate.to("/admin/audit")).props("flat no-caps")
                ui.space()
                csv_url = url_with_params("/admin/audit/export.csv", audit_filter_params(filters))
                ui.button("Download CSV", icon="download", on_click=lambda: ui.navigate.to(csv_url)).props(
                    "outline no-caps")
                verdict_box = ui.row()

                def verify() -> None:
                    with runtime.unit_of_work() as db:
                        verdict = check_audit_chain(db, runtime, principal)
                    verdict_box.clear()
                    with verdict_box:
                        if verdict.intact:
                            notice(f"The trail is intact: {verdict.chain.rows_checked:,} rows verified, and it "
                                   f"matches its {verdict.checkpoints.checkpoints:,} checkpoint(s).", "positive")
                        else:
                            notice("Tampering found: " + "; ".join(verdict.problems()) + ".", "negative")

                ui.button("Verify chain", icon="verified", on_click=verify).props("outline no-caps")

        if not page.rows:
            notice("No audit rows match these filters.", "info")
            return
        with data_table("Audit rows, newest first", HEADERS):
            for row in page.rows:
                with table_row():
                    cell(str(row.seq), ).classes("font-mono")
                    cell(fmt.datetime(row.occurred_at, seconds=True)).classes("whitespace-nowrap")
                    cell(row.user_email or ("system" if row.user_id is None else f"user {row.user_id}"),
                         ).classes("whitespace-nowrap")  # an address on one line; the table scrolls sideways
                    cell(row.customer_name or "")
                    cell(row.action, ).classes("font-mono whitespace-nowrap")
                    with cell():
                        chip(row.outcome, OUTCOME_TONES.get(row.outcome, "neutral"))
                    cell(f"{row.object_type} {row.object_id}" if row.object_type else "")
                    cell(row.ip or "", ).classes("font-mono")
                    cell(row.reason or "")
        with ui.row().classes("w-full justify-between items-center"):
            if before is not None:
                ui.link("← Newest", url_with_params("/admin/audit", audit_filter_params(filters))).classes("text-blue-800")
            ui.space()
            if page.next_before_seq is not None:
                ui.link("Older →", url_with_params("/admin/audit", audit_filter_params(filters)
                                        | {"before": str(page.next_before_seq)})).classes("text-blue-800")
