"""An invited person sets their password through a one-time link."""

from __future__ import annotations

from nicegui import ui

from components.forms import new_password_inputs, post_form
from components.frame import frame
from components.headings import page_heading
from components.notice import notice
from services.auth.account import PASSWORD_CHANGE_PROBLEMS
from services.auth.team import KNOWN_ELSEWHERE, describe_invitation
from web.dependencies import PortalRuntime

PROBLEMS = PASSWORD_CHANGE_PROBLEMS | {"expired": "This invitation link is not valid any more. Ask for a new one.",
                                      "known_elsewhere": KNOWN_ELSEWHERE}


def invitation_page(runtime: PortalRuntime, token: str, problem: str = "") -> None:
    with runtime.unit_of_work() as db:
        invitation = describe_invitation(db, token)
    with frame("Accept invitation"):
        with ui.card().classes("w-full max-w-md mx-auto mt-8 p-6 gap-4"):
            page_heading("Welcome to Invoice Portal")
            if invitation is None:
                notice(PROBLEMS["expired"], "negative")
                ui.link("Go to sign-in", "/login")
                return
            ui.label(f"You were invited as {invitation.email}"
                     + (f" to see the invoices of {invitation.customer_name}." if invitation.customer_name else ".")
                     ).classes("portal-muted")
            if problem in PROBLEMS:
                notice(PROBLEMS[problem], "negative")
            with post_form("/auth/invite", hidden={"token": token}).classes("w-full flex flex-col gap-4"):
                new_password_inputs("Choose a password", "Repeat the password", name="password")
                ui.button("Set password").props("type=submit unelevated no-caps size=lg").classes("w-full")
