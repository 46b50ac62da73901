"""New recovery codes, shown exactly once after enrolment or regeneration."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui
from nicegui.events import GenericEventArguments

from components.headings import page_heading
from components.notice import notice
from services.auth.login import take_pending_recovery_codes
from web.dependencies import PortalRuntime
from web.layout import signed_in_frame
from web.session_cookie import safe_next_path

# Copies the codes as shown (one per line) in the browser; the server only hears that it worked.
COPY_SHOWN_CODES = ("() => navigator.clipboard.writeText([...document.querySelectorAll("
                    "'[data-testid=recovery-codes] > *')].map(code => code.textContent).join('\\n') + '\\n')"
                    ".then(() => emit(true), () => emit(false))")


def _copied(event: GenericEventArguments) -> None:
    if event.args is True:
        ui.notify("The recovery codes are copied.", type="positive")
    else:  # the browser refused (e.g. a page not served over HTTPS)
        ui.notify("This browser did not allow copying: select the codes or download them.", type="warning")


def recovery_codes_page(request: Request, runtime: PortalRuntime, next: str = "/") -> None:  # noqa: A002
    next_path = safe_next_path(next)
    with signed_in_frame(request, "Recovery codes") as (principal, _guard):
        with runtime.unit_of_work() as db:
            codes = take_pending_recovery_codes(db, runtime, principal.session_id)
        with ui.card().classes("w-full max-w-xl mx-auto p-6 gap-4"):
            page_heading("Your recovery codes")
            if not codes:
                notice("There are no new recovery codes to show: they are shown only once. You can make a new "
                       "set in Settings.", "info")
            else:
                ui.label("If you lose your phone, each of these codes signs you in once instead of a code from "
                         "the app. Keep them somewhere safe, like a password manager. They are shown only now.")
                with ui.grid(columns=2).classes("w-full gap-2 font-mono text-lg").props('data-testid="recovery-codes"'):
                    for code in codes:
                        ui.label(code).classes("bg-gray-100 rounded p-2 text-center select-all")
                text = "Invoice Portal recovery codes for " + principal.email + "\n\n" + "\n".join(codes) + "\n"
                with ui.row().classes("gap-2"):
                    ui.button("Copy", icon="content_copy").props("outline no-caps").on(
                        "click", _copied, js_handler=COPY_SHOWN_CODES)
                    ui.button("Download as text file", icon="download",
                              on_click=lambda: ui.download.content(text, "invoice-portal-recovery-codes.txt",
                                                                   "text/plain")).props("outline no-caps")
            ui.link("Continue", next_path).classes(
                "self-end bg-primary text-white rounded px-5 py-2 no-underline font-medium").props(
                'data-testid="continue"')
