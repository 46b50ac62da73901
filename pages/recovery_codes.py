"""New recovery codes, shown exactly once after enrolment or regeneration."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from components.copy_button import copy_button
from components.headings import page_heading
from components.notice import notice
from services.auth.login import take_pending_recovery_codes
from web.dependencies import PortalRuntime
from web.layout import signed_in_frame
from web.session_cookie import safe_next_path


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
                    copy_button("\n".join(codes) + "\n", copied="The recovery codes are copied.",
                                refused="This browser did not allow copying: select the codes or download them.")
                    ui.button("Download as text file", icon="download",
                              on_click=lambda: ui.download.content(text, "invoice-portal-recovery-codes.txt",
                                                                   "text/plain")).props("outline no-caps")
            ui.link("Continue", next_path).classes(
                "self-end bg-primary text-white rounded px-5 py-2 no-underline font-medium").props(
                'data-testid="continue"')
