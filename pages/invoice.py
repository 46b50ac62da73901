"""One invoice: parties, line items, totals, payments, timeline, and "ask about this invoice"."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from nicegui import ui

from components.headings import section_heading
from components.invoice_detail import invoice_header, line_items, parties, payments, timeline
from services.audit.vocabulary import AuditAction
from services.documents.store import document_hash
from services.errors import Forbidden, InvalidInput, LimitExceeded, NotFound
from services.invoices.queries import get_invoice_detail
from services.invoices.questions import ask_about_invoice
from services.localization.today import today_for
from services.notifications.live import LiveEvent
from web.dependencies import CurrentPrincipal, PortalRuntime
from web.layout import signed_in_frame_live
from web.refusals import refuse_invoice
from web.viewer_format import formatter_for


def invoice_page(request: Request, runtime: PortalRuntime, principal: CurrentPrincipal,
                 invoice_id: str) -> HTMLResponse | RedirectResponse | None:
    if principal.is_staff:
        return RedirectResponse("/admin", status_code=303)
    today = today_for(principal.timezone)
    try:
        if not (invoice_id.isascii() and invoice_id.isdigit()) or len(invoice_id) > 12:
            raise NotFound("not an invoice id")
        with runtime.unit_of_work() as db:
            detail = get_invoice_detail(db, principal, int(invoice_id), today, secret_key=runtime.secret_key)
            sha256 = document_hash(db, detail.id, detail.revision)
    except (NotFound, LimitExceeded) as error:
        return refuse_invoice(runtime, principal, invoice_id, AuditAction.INVOICE_VIEW, error)
    fmt = formatter_for(principal)
    with signed_in_frame_live(request, f"Invoice {detail.number}") as (principal, guard, live):
        ui.link("← All invoices", "/").classes("text-sm text-blue-800").props('onclick="history.back(); return false"')
        state = {"detail": detail, "sha256": sha256}

        def reload_detail(event: LiveEvent) -> None:
            if event.invoice_id != detail.id:
                return
            try:
                with runtime.unit_of_work() as db:  # the page is already open: not a new view, not audited again
                    state["detail"] = get_invoice_detail(db, principal, detail.id, today, secret_key="",
                                                         audit_action=None)
                    state["sha256"] = document_hash(db, detail.id, state["detail"].revision)
            except NotFound:
                ui.navigate.reload()
                return
            live_part.refresh()

        live.on_event(reload_detail)

        @ui.refreshable
        def live_part() -> None:
            current, digest = state["detail"], state["sha256"]
            invoice_header(current, fmt)
            with ui.row().classes("gap-2 flex-wrap"):
                if current.can_download_pdf:
                    ui.button("Download PDF", icon="picture_as_pdf",
                              on_click=lambda: ui.navigate.to(f"/invoices/{current.id}/pdf")).props(
                        "unelevated no-caps")
                if current.can_ask_support:
                    ui.button("Ask about this invoice", icon="help_outline",
                              on_click=lambda: question_dialog.open()).props("outline no-caps")
            parties(current)
            line_items(current, fmt)
            with ui.element("div").classes("grid grid-cols-1 md:grid-cols-2 gap-4 w-full"):
                payments(current, fmt)
                timeline(current, fmt)
            with ui.card().classes("w-full p-4 gap-1"):
                section_heading("Proof of authenticity")
                if digest:
                    ui.label("SHA-256 of this invoice's current PDF:").classes("text-sm portal-muted")
                    ui.label(digest).classes("font-mono text-xs break-all select-all").props('data-testid="sha256"')
                    ui.link("Check a PDF you received", "/verify").classes("text-sm text-blue-800")
                else:
                    ui.label("The PDF of this version is being prepared; its SHA-256 appears here once it exists."
                             ).classes("text-sm portal-muted")
            if current.payment_instructions and current.due_minor:
                with ui.card().classes("w-full p-4 gap-1"):
                    section_heading("How to pay")
                    ui.label(current.payment_instructions).classes("text-sm break-words")
                    ui.label(f"Please quote invoice number {current.number}.").classes("text-sm portal-muted")

        live_part()

        with ui.dialog() as question_dialog, ui.card().classes("w-full max-w-lg gap-3"):
            section_heading(f"Ask about invoice {detail.number}")
            ui.label("Our billing team answers by e-mail, usually within one working day.").classes(
                "text-sm portal-muted")
            message = ui.textarea("Your question").props("outlined autogrow maxlength=5000 counter").classes("w-full")

            def send() -> None:
                try:
                    with runtime.unit_of_work() as db:
                        ask_about_invoice(db, runtime.secret_key, principal, detail.id, message.value or "",
                                          today)
                except (InvalidInput, Forbidden, NotFound) as error:
                    ui.notify(str(error), type="negative")
                    return
                question_dialog.close()
                message.value = ""
                ui.notify("Thank you. Your question was sent to our billing team.", type="positive")

            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Cancel", on_click=question_dialog.close).props("flat no-caps")
                ui.button("Send question", icon="send", on_click=send).props("unelevated no-caps")
    return None
