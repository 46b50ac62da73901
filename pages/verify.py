"""Check a PDF (or its SHA-256) against the invoices we issued."""

from __future__ import annotations

from datetime import date

from fastapi import Request
from nicegui import ui

from components.attributes import attrs
from components.forms import post_form
from components.headings import page_heading
from components.notice import notice
from services.config.runtime import Runtime
from services.documents.downloads import MAX_VERIFY_BYTES, verify_document
from services.errors import Forbidden, InvalidInput
from services.localization.formatting import Formatter
from services.localization.today import today_for
from services.principal import Principal
from web.dependencies import PortalRuntime
from web.layout import signed_in_frame
from web.viewer_format import formatter_for

UPLOAD_PROBLEMS = {"too_large": f"The file is larger than {MAX_VERIFY_BYTES // (1024 * 1024)} MB; no invoice PDF is.",
                   "empty": "The file was empty. Choose the invoice PDF again."}


def verify_page(request: Request, runtime: PortalRuntime, sha256: str = "", problem: str = "") -> None:
    """Two plain forms: a PDF posted to /verify comes back here as its SHA-256, like a pasted one."""
    with signed_in_frame(request, "Verify a document") as (principal, guard):
        fmt = formatter_for(principal)
        today = today_for(principal.timezone)
        page_heading("Verify a document")
        ui.label("Is this PDF an invoice we issued, unchanged? Upload it, or paste its SHA-256.").classes(
            "portal-muted")
        with ui.card().classes("w-full max-w-2xl p-5 gap-3"):
            with post_form("/verify").classes("w-full flex flex-wrap items-center gap-3").props(
                    'enctype="multipart/form-data" data-testid="verify-upload"'):
                with ui.element("label").classes("flex flex-col gap-1 grow"):
                    ui.label("Invoice PDF (up to 10 MB)").classes("text-sm font-medium")
                    ui.element("input").props('type=file name=document accept=".pdf,application/pdf" required').classes(
                        "text-sm")
                ui.button("Check the PDF", icon="fact_check").props("type=submit unelevated no-caps")
            with attrs(ui.element("form"), {"method": "get", "action": "/verify"}).classes(
                    "w-full flex items-start gap-2 no-wrap"):
                attrs(ui.input("…or its SHA-256", value=sha256 if problem == "" else "").props(
                    "outlined dense maxlength=80").classes("grow font-mono"), {"name": "sha256"})
                ui.button("Check").props("type=submit unelevated no-caps")
        with ui.column().classes("w-full max-w-2xl").props('role="status"'):
            if problem:
                notice(UPLOAD_PROBLEMS.get(problem, "That file could not be checked. Choose it again."), "negative")
            elif sha256:
                _check(runtime, principal, today, fmt, sha256)


def _check(runtime: Runtime, principal: Principal, today: date, fmt: Formatter, sha256: str) -> None:
    try:
        with runtime.unit_of_work() as db:
            verification = verify_document(db, runtime, principal, today, sha256=sha256)
    except (InvalidInput, Forbidden) as error:
        notice(str(error), "negative")
        return
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
