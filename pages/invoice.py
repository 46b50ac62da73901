"""One invoice: parties, line items, totals, payments, timeline, and "ask about this invoice"."""

from __future__ import annotations

from datetime import date

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from nicegui import ui

from components.attributes import attrs
from components.headings import dialog_heading, section_heading
from components.invoice_detail import invoice_header, line_items, parties, payments, timeline
from services.audit.vocabulary import AuditAction
from services.config.runtime import Runtime
from services.documents.store import document_hash
from services.errors import Forbidden, InvalidInput, LimitExceeded, NotFound
from services.invoices.queries import InvoiceDetail, get_invoice_detail
from services.invoices.questions import ask_about_invoice
from services.live_events import LiveEvent
from services.localization.today import today_for
from services.principal import Principal
from web.dependencies import CurrentPrincipal, PortalRuntime
from web.layout import LiveUpdates, signed_in_frame_live
from web.refusals import refuse_invoice
from web.viewer_format import formatter_for

# Back to the list as the user left it (filters, page, scroll): only when the previous page is that list;
# opened from anywhere else (a new tab, the e-mail, the bell on another page, /verify) history.back()
# left the portal or went elsewhere, and the link goes to the list itself. (window.URL: in an inline
# handler a bare `URL` is the document's URL string.)
BACK_TO_THE_LIST = ("const from = document.referrer ? new window.URL(document.referrer) : null; "
                    "if (from && from.origin === location.origin && from.pathname === '/' && history.length > 1) "
                    "{ history.back(); return false; }")


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
    with signed_in_frame_live(request, f"Invoice {detail.number}") as (principal, _guard, live):
        InvoiceView(runtime, principal, detail, sha256, today).build(live)
    return None


class InvoiceView:
    """One open invoice: what it shows follows the ledger while the page stays open."""

    def __init__(self, runtime: Runtime, principal: Principal, detail: InvoiceDetail, sha256: str | None,
                 today: date) -> None:
        self.runtime, self.principal, self.today = runtime, principal, today
        self.detail, self.sha256 = detail, sha256
        self.fmt = formatter_for(principal)

    def build(self, live: LiveUpdates) -> None:
        attrs(ui.link("← All invoices", "/").classes("text-sm text-blue-800"), {"onclick": BACK_TO_THE_LIST})
        live.on_event(self.reload_detail)
        self.live_part()
        self.question_dialog = self.build_question_dialog()

    def reload_detail(self, event: LiveEvent) -> None:
        if event.invoice_id != self.detail.id:
            return
        try:
            with self.runtime.unit_of_work() as db:  # the page is already open: not a new view, not audited again
                self.detail = get_invoice_detail(db, self.principal, self.detail.id, self.today, secret_key="",
                                                 audit_action=None)
                self.sha256 = document_hash(db, self.detail.id, self.detail.revision)
        except NotFound:
            ui.navigate.reload()
            return
        self.live_part.refresh()

    @ui.refreshable_method
    def live_part(self) -> None:
        current, digest, fmt = self.detail, self.sha256, self.fmt
        invoice_header(current, fmt)
        with ui.row().classes("gap-2 flex-wrap"):
            if current.can_download_pdf:
                ui.button("Download PDF", icon="picture_as_pdf",
                          on_click=lambda: ui.navigate.to(f"/invoices/{current.id}/pdf")).props("unelevated no-caps")
            if current.can_ask_support:
                ui.button("Ask about this invoice", icon="help_outline",
                          on_click=lambda: self.question_dialog.open()).props("outline no-caps")
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

    def build_question_dialog(self) -> ui.dialog:
        with ui.dialog() as dialog, ui.card().classes("w-full max-w-lg gap-3"):
            dialog_heading(dialog, f"Ask about invoice {self.detail.number}")
            ui.label("Our billing team answers by e-mail, usually within one working day.").classes(
                "text-sm portal-muted")
            message = ui.textarea("Your question").props("outlined autogrow maxlength=5000 counter").classes("w-full")

            def send() -> None:
                try:
                    with self.runtime.unit_of_work() as db:
                        ask_about_invoice(db, self.runtime.secret_key, self.principal, self.detail.id,
                                          message.value or "", self.today)
                except (InvalidInput, Forbidden, NotFound) as error:
                    ui.notify(str(error), type="negative")
                    return
                dialog.close()
                message.value = ""
                ui.notify("Thank you. Your question was sent to our billing team.", type="positive")

            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Cancel", on_click=dialog.close).props("flat no-caps")
                ui.button("Send question", icon="send", on_click=send).props("unelevated no-caps")
        return dialog
