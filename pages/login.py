"""Sign-in screen: a plain HTML form posted to /auth/login, so the server can set the cookie."""

from __future__ import annotations

from nicegui import ui

from components.forms import post_form, with_reveal_button
from components.frame import frame
from components.headings import page_heading
from components.notice import notice
from web.dependencies import PortalRuntime

# Messages are chosen by code, never echoed from the URL: nothing an attacker puts in a link
# appears on the page.
LOGIN_MESSAGES = {
    "invalid": "E-mail or password is not right, or the account cannot sign in right now.",
    "throttled": "Too many sign-in attempts from your network. Wait a minute and try again.",
    "expired": "Your session has ended. Please sign in again.",
    "signed_out": "You have signed out.",
    "origin": "The sign-in form was sent from another site and was refused.",
    "password_set": "Your password is set. Sign in to set up two-step verification.",
}


def login_page(runtime: PortalRuntime, next: str = "/", error: str = "") -> None:  # noqa: A002 - `next` is the query name
    """Sign-in form; `next` is where to go afterwards (checked server-side), `error` a message code."""
    with frame("Sign in"):
        with ui.card().classes("w-full max-w-md mx-auto mt-8 p-6 gap-4"):
            page_heading("Sign in")
            ui.label("Your invoices, payments and documents in one place.").classes("portal-muted")
            if error in LOGIN_MESSAGES:
                notice(LOGIN_MESSAGES[error], "info" if error in ("signed_out", "password_set") else "negative")
            with post_form("/auth/login", hidden={"next": next}).classes("w-full flex flex-col gap-4"):
                ui.input("E-mail").props(
                    'name=email type=email autocomplete=username outlined autofocus required').classes("w-full")
                with_reveal_button(ui.input("Password", password=True).props(
                    "name=password autocomplete=current-password outlined required").classes("w-full"))
                ui.button("Sign in").props("type=submit unelevated no-caps size=lg").classes("w-full")
            ui.label("Forgot your password? Ask the owner of your account or your billing contact to reset it.").classes(
                "text-sm portal-muted")
