"""Staff: customers' billing questions, answered by e-mail and marked here."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from components.headings import page_heading
from components.notice import notice
from components.tables import chip
from data.types import SupportStatus
from services.invoices.questions import list_questions, set_question_status
from services.url_params import mailto_url
from web.actions import attempt
from web.dependencies import PortalRuntime
from web.layout import signed_in_frame
from web.viewer_format import formatter_for

VIEWS = {"open": SupportStatus.OPEN, "answered": SupportStatus.ANSWERED, "closed": SupportStatus.CLOSED, "all": None}
STATUS_TONES = {SupportStatus.OPEN: "warn", SupportStatus.ANSWERED: "info", SupportStatus.CLOSED: "neutral"}


def questions_page(request: Request, runtime: PortalRuntime, show: str = "open") -> None:
    with signed_in_frame(request, "Billing questions") as (principal, guard):
        fmt = formatter_for(principal)
        view = show if show in VIEWS else "open"
        page_heading("Billing questions", "What customers asked about their invoices. Answer by e-mail, then mark "
                     "the question here; the metrics count them per 100 invoices.")
        ui.toggle({key: key.title() for key in VIEWS}, value=view,
                  on_change=lambda e: ui.navigate.to(f"/admin/questions?show={e.value}")).props("no-caps")

        @ui.refreshable
        def listing() -> None:
            with runtime.unit_of_work() as db:
                rows = list_questions(db, principal, VIEWS[view])
            if not rows:
                notice("No open questions." if view == "open" else "No questions here.", "positive")
                return
            for row in rows:
                question = row
                with ui.card().classes("w-full p-4 gap-2"):
                    with ui.row().classes("w-full items-center gap-2"):
                        ui.label(question.subject).classes("font-semibold grow")
                        chip(question.status.value, STATUS_TONES[question.status])
                    ui.label(f"{row.customer_name} · {row.user_email or question.channel} · "
                             f"{fmt.datetime(question.created_at)}").classes("text-sm portal-muted wrap-anywhere")
                    ui.label(question.message).classes("whitespace-pre-wrap")
                    with ui.row().classes("gap-2"):
                        if row.user_email:
                            ui.link("Reply by e-mail", mailto_url(row.user_email, f"Re: {question.subject}")).classes(
                                "text-blue-800 self-center mr-2")
                        for target, label in ((SupportStatus.ANSWERED, "Mark answered"), (SupportStatus.CLOSED, "Close"),
                                              (SupportStatus.OPEN, "Reopen")):
                            if question.status != target:
                                ui.button(label, on_click=lambda q=question.id, t=target: change_status(q, t)).props(
                                    "outline dense no-caps")

        def change_status(question_id: int, status: SupportStatus) -> None:
            if not attempt(lambda db: set_question_status(db, runtime, principal, question_id, status)).ok:
                return
            ui.notify(f"Question marked {status.value}.", type="positive")
            listing.refresh()

        listing()
