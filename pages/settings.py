"""Account settings: password, two-step verification, signed-in devices."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from components.attributes import attrs
from components.forms import new_password_inputs, post_form
from components.headings import page_heading, section_heading
from components.notice import notice
from components.session_list import session_list
from services.auth.account import PASSWORD_CHANGE_PROBLEMS
from services.auth.permissions import customer_access
from services.auth.recovery_codes import remaining_recovery_codes
from services.auth.sessions import active_sessions
from services.auth.users import set_preferences
from services.config.runtime import Runtime
from services.errors import InvalidInput
from services.localization.formatting import OFFERED_LOCALES, locale_label, timezone_choices
from services.localization.today import today_for
from services.notifications.alerts import KIND_LABELS, Preference, preferences, set_preference
from services.principal import Principal
from web.dependencies import PortalRuntime
from web.layout import signed_in_frame
from web.viewer_format import formatter_for


def settings_page(request: Request, runtime: PortalRuntime, password: str = "", ended: str = "", saved: str = "") -> None:
    with signed_in_frame(request, "Settings") as (principal, _guard):
        page_heading("Settings").classes("mb-4")
        with ui.column().classes("w-full max-w-3xl gap-6"):
            account_card(principal)
            preferences_card(runtime, principal, saved=saved == "preferences")
            if not principal.is_staff:
                notifications_card(runtime, principal)
            password_card(password)
            two_step_card(runtime, principal)
            devices_card(runtime, principal, ended)


def card() -> ui.card:
    return ui.card().classes("w-full p-5 gap-3")


def account_card(principal: Principal) -> None:
    with card():
        section_heading("Your account")
        ui.label(f"{principal.label} · {principal.email} · {principal.role.value}").classes("portal-muted")


def preferences_card(runtime: Runtime, principal: Principal, *, saved: bool) -> None:
    with card():
        section_heading("Language and time zone")
        ui.label("Dates, amounts and times are shown this way.").classes("portal-muted")
        locales = {code: locale_label(code) for code in OFFERED_LOCALES}
        locales.setdefault(principal.locale, locale_label(principal.locale))
        with ui.row().classes("w-full gap-3 items-start"):
            locale_select = ui.select(locales, label="Language and region", value=principal.locale).props(
                "outlined").classes("w-72 max-w-full")
            zone_select = ui.select(timezone_choices(), label="Time zone", value=principal.timezone,
                                    with_input=True).props("outlined").classes("w-72 max-w-full")

        def save_preferences() -> None:
            try:
                with runtime.unit_of_work() as db:
                    set_preferences(db, principal, locale=locale_select.value, timezone=zone_select.value)
            except InvalidInput as error:
                ui.notify(str(error), type="negative")
                return
            ui.navigate.to("/settings?saved=preferences")

        if saved:
            notice("Saved. Dates and amounts now follow your choice.", "positive")
        ui.button("Save", on_click=save_preferences).props("unelevated no-caps").classes("self-start")


def notifications_card(runtime: Runtime, principal: Principal) -> None:
    """A switch per kind of alert and channel; each change is saved at once."""
    with runtime.unit_of_work() as db:
        choices = preferences(db, principal)
        email_allowed = customer_access(db, principal, today_for(principal.timezone)).tier.email_notifications
    with card():
        section_heading("Notifications")
        with ui.element("table").classes("text-sm"):
            with ui.element("tr"):
                for heading in ("Alert", "In the portal", "By e-mail"):
                    with ui.element("th").classes("text-left pr-6 pb-1 font-medium").props("scope=col"):
                        ui.label(heading).classes("sr-only" if heading == "Alert" else "")
            for choice in choices:
                notification_row(runtime, principal, choice, email_allowed=email_allowed)
        if not email_allowed:
            ui.label("E-mail alerts are not part of your plan.").classes("text-xs portal-muted")


def notification_row(runtime: Runtime, principal: Principal, choice: Preference, *, email_allowed: bool) -> None:
    with ui.element("tr"):
        with ui.element("th").classes("text-left pr-6 font-normal").props("scope=row"):
            ui.label(KIND_LABELS[choice.kind])
        with ui.element("td"):
            in_app = attrs(ui.switch(value=choice.in_app), {"aria-label": f"{KIND_LABELS[choice.kind]} in the portal"})
        with ui.element("td"):
            email = attrs(ui.switch(value=choice.email and email_allowed),
                          {"aria-label": f"{KIND_LABELS[choice.kind]} by e-mail"})
            email.set_enabled(email_allowed)

    def save() -> None:
        with runtime.unit_of_work() as db:
            set_preference(db, principal, choice.kind, in_app=bool(in_app.value), email=bool(email.value))
        ui.notify("Saved.", type="positive")

    in_app.on_value_change(save)
    email.on_value_change(save)


def password_card(outcome: str) -> None:
    with card():
        section_heading("Password")
        if outcome == "changed":
            notice("Your password was changed. Every other device was signed out.", "positive")
        elif outcome in PASSWORD_CHANGE_PROBLEMS:
            notice(PASSWORD_CHANGE_PROBLEMS[outcome], "negative")
        with post_form("/auth/password").classes("w-full flex flex-col gap-3 max-w-md"):
            ui.input("Current password", password=True).props(
                "name=current autocomplete=current-password outlined required").classes("w-full")
            new_password_inputs("New password", "Repeat new password", name="new")
            ui.button("Change password").props("type=submit unelevated no-caps").classes("self-start")


def two_step_card(runtime: Runtime, principal: Principal) -> None:
    with runtime.unit_of_work() as db:
        codes_left = remaining_recovery_codes(db, principal.user_id)
    with card():
        section_heading("Two-step verification")
        ui.label(f"On, with an authenticator app. {codes_left} of 10 recovery codes left.").classes("portal-muted")
        with post_form("/auth/recovery-codes"):
            ui.button("Make new recovery codes", icon="key").props("type=submit outline no-caps")
        ui.label("Making new codes makes the old ones stop working.").classes("text-sm portal-muted")


def devices_card(runtime: Runtime, principal: Principal, ended: str) -> None:
    with runtime.unit_of_work() as db:
        sessions = active_sessions(db, principal, runtime.settings)
    with card():
        section_heading("Signed-in devices")
        if ended.isdigit():
            notice(f"Signed out {ended} other device{'s' if ended != '1' else ''}.", "positive")
        session_list(sessions, formatter_for(principal).datetime)
        if len(sessions) > 1:
            with post_form("/auth/sessions/revoke-others"):
                ui.button("Sign out everywhere else", icon="logout").props("type=submit outline no-caps")
