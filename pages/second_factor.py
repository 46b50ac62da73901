"""The second sign-in step: a code from the authenticator app, or enrolling one the first time."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from components.attributes import attrs
from components.forms import post_form
from components.frame import frame
from components.headings import page_heading
from components.notice import notice
from services.auth import login
from services.auth.totp import quote_secret_for_display
from web.dependencies import PortalRuntime
from web.session_cookie import read_session_token, safe_next_path

CODE_PROBLEM = "That code did not work. Enter the newest code from your app (or an unused recovery code)."


def _code_field(label: str, *, allow_recovery: bool) -> None:
    field = ui.input(label).props(
        "name=code autocomplete=one-time-code outlined required autofocus maxlength=32"
        + ("" if allow_recovery else " inputmode=numeric pattern=[0-9 ]{6,7}")
    ).classes("w-full")
    if allow_recovery:
        field.props('hint="6 digits from your app, or one recovery code like abcde-fghjk"')


def mfa_page(request: Request, runtime: PortalRuntime, next: str = "/", error: str = "") -> RedirectResponse | None:  # noqa: A002
    """Enter the code from the authenticator app (or a recovery code)."""
    state = request.state.session_state
    next_path = safe_next_path(next)
    if state.mfa_passed:
        return RedirectResponse(next_path, status_code=303)
    if state.user.totp_secret_encrypted is None:
        return RedirectResponse(f"/login/enroll?next={next_path}", status_code=303)
    with frame("Two-step verification"):
        with ui.card().classes("w-full max-w-md mx-auto mt-8 p-6 gap-4"):
            page_heading("Two-step verification")
            ui.label("Open your authenticator app and enter the 6-digit code for Invoice Portal.").classes("portal-muted")
            if error == "code":
                notice(CODE_PROBLEM, "negative")
            with post_form("/auth/mfa", hidden={"next": next_path}).classes("w-full flex flex-col gap-4"):
                _code_field("Verification code", allow_recovery=True)
                ui.button("Verify").props("type=submit unelevated no-caps size=lg").classes("w-full")
            with post_form("/auth/logout"):
                ui.button("Cancel and sign out").props("type=submit flat no-caps")
    return None


def enroll_page(request: Request, runtime: PortalRuntime, next: str = "/", error: str = "") -> RedirectResponse | None:  # noqa: A002
    """First sign-in: scan the QR code (or type the key), then confirm with a code."""
    next_path = safe_next_path(next)
    with runtime.unit_of_work() as db:
        enrollment = login.begin_enrollment(db, runtime, read_session_token(request))
    if enrollment is None:
        return RedirectResponse(f"/login/mfa?next={next_path}", status_code=303)
    with frame("Set up two-step verification"):
        with ui.card().classes("w-full max-w-xl mx-auto mt-6 p-6 gap-4"):
            page_heading("Set up two-step verification")
            ui.label("Your account is protected by a code from an authenticator app (for example Google "
                     "Authenticator, Microsoft Authenticator, 1Password or Aegis).").classes("portal-muted")
            if error == "code":
                notice("That code did not match. Check that the app shows Invoice Portal and try the newest code.",
                       "negative")
            ui.label("1. Scan this QR code with the app").classes("font-medium max-sm:hidden")
            attrs(ui.element("img").classes("self-center max-sm:hidden"),
                  {"src": enrollment.qr_image, "alt": "QR code for your authenticator app"})
            # On a phone the app is on the same device as the page: one tap hands it the key.
            ui.label("1. Add Invoice Portal to your authenticator app").classes("font-medium sm:hidden")
            ui.link("Open in authenticator app", enrollment.uri).classes(
                "sm:hidden self-start no-underline rounded bg-blue-800 text-white px-4 py-2 font-medium").props(
                'data-testid="open-authenticator"')
            ui.label("Cannot scan? Enter this key in the app instead:").classes("text-sm portal-muted max-sm:hidden")
            ui.label("No app on this phone? Enter this key in the app instead:").classes(
                "text-sm portal-muted sm:hidden")
            ui.label(quote_secret_for_display(enrollment.secret)).classes(
                "font-mono text-base bg-gray-100 rounded p-2 select-all break-words").props('data-testid="totp-secret"')
            ui.label("2. Enter the 6-digit code the app shows").classes("font-medium")
            with post_form("/auth/mfa/enroll", hidden={"next": next_path}).classes("w-full flex flex-col gap-4"):
                _code_field("Verification code", allow_recovery=False)
                ui.button("Confirm and continue").props("type=submit unelevated no-caps size=lg").classes("w-full")
    return None
