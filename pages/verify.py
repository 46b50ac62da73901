"""Check a PDF (or its SHA-256) against the invoices we issued."""

from __future__ import annotations

from fastapi import Request
from nicegui import events, ui

from components.headings import page_heading
from components.notice import notice
from services.documents.downloads import MAX_VERIFY_BYTES, Verification, verify_document
from services.errors import Forbidden, InvalidInput
from services.localization.today import today_for
from web.dependencies import PortalRuntime
from web.layout import signed_in_frame
from web.viewer_format import formatter_for


def verify_page(request: Request, runtime: PortalRuntime) -> None:
    with signed_in_frame(request, "Verify a document") as (principal, guard):
        fmt = formatter_for(principal)
        today = today_for(principal.timezone)
        page_heading("Verify a document")
        ui.label("Is this PDF an invoice we issued, unchanged? Upload it, or paste its SHA-256.").classes(
            "portal-muted")
        result = ui.column().classes("w-full max-w-2xl")

        def show(verification: Verification) -> None:
            result.clear()
            with result:
                if not verification.issued:
                    notice("We have no record of this document among your invoices. It was not issued by us, or "
                           "it was changed after it was issued.", "negative")
                else:
                    assert verification.issue_date is not None
                    state = "its current state" if verification.current else \
                        "an earlier state of it (it has changed since, e.g. a payment or a new version)"
                    notice(f"Genuine: invoice {verification.number} from {verification.vendor}, issued "
                           f"{fmt.date(verification.issue_date)}. This is {state}.", "positive")
                    ui.link("Open the invoice", f"/invoices/{verification.invoice_id}").classes("text-blue-800")
                ui.label(f"SHA-256: {verification.sha256}").classes("font-mono text-xs break-all portal-muted")

        def check(**kwargs: object) -> None:
            try:
                with runtime.unit_of_work() as db:
                    show(verify_document(db, runtime, principal, today, **kwargs))  # type: ignore[arg-type]
            except (InvalidInput, Forbidden) as error:
                result.clear()
                with result:
                    notice(str(error), "negative")

        async def uploaded(event: events.UploadEventArguments) -> None:
            check(content=await event.file.read())

        with ui.card().classes("w-full max-w-2xl p-5 gap-3"):
            ui.upload(label="Upload a PDF", auto_upload=True, max_files=1, max_file_size=MAX_VERIFY_BYTES,
                      on_upload=uploaded,
                      on_rejected=lambda: ui.notify("Only one PDF of up to 10 MB.", type="negative")).props(
                'accept=".pdf,application/pdf" flat bordered').classes("w-full")
            with ui.row().classes("w-full items-start gap-2 no-wrap"):
                digest = ui.input("…or its SHA-256").props("outlined dense maxlength=80").classes("grow font-mono")
                ui.button("Check", on_click=lambda: check(sha256=digest.value or "")).props(
                    "unelevated no-caps")
