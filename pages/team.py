"""Owners manage who of their company may see the invoices."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse
from nicegui import ui

from components.attributes import attrs
from components.dialogs import confirm
from components.headings import page_heading, section_heading
from components.invitation_link import invitation_link
from data.types import Role
from services.auth.permissions import ROLE_DESCRIPTIONS, Capability, customer_access
from services.auth.team import CUSTOMER_ROLES, TeamMember, invite_member, list_team, remove_member
from services.errors import Forbidden, NotFound
from services.localization.today import today_for
from web.actions import attempt
from web.dependencies import CurrentPrincipal, PortalRuntime
from web.layout import signed_in_frame
from web.refusals import plain_page
from web.viewer_format import formatter_for


def team_page(request: Request, runtime: PortalRuntime, principal: CurrentPrincipal) -> HTMLResponse | None:
    today = today_for(principal.timezone)
    try:
        with runtime.unit_of_work() as db:
            customer_access(db, principal, today).require(Capability.MANAGE_TEAM)
    except (Forbidden, NotFound):
        return plain_page(404, "Not found", "This page is for the owners of a customer account.")
    fmt = formatter_for(principal)
    base_url = runtime.settings.public_url or str(request.base_url).rstrip("/")
    with signed_in_frame(request, "Team") as (principal, guard):
        page_heading("Team")
        ui.label("People of your company who can sign in and see its invoices.").classes("portal-muted")

        @ui.refreshable
        def members() -> None:
            with runtime.unit_of_work() as db:
                team = list_team(db, principal, today)
            with ui.column().classes("w-full gap-2"):
                for member in team:
                    # One layout for every member: icon, text lines that wrap inside their column, action.
                    # The e-mail has a line of its own, so that on a phone it breaks only when it is
                    # wider than the card.
                    with attrs(ui.row().classes("w-full items-center gap-3 p-3 rounded-lg border border-gray-200 "
                                                "bg-white no-wrap"), {"data-member": member.email}):
                        ui.icon("person").classes("text-2xl text-gray-600 max-sm:hidden")
                        with ui.column().classes("gap-0 grow min-w-0"):
                            ui.label(member.display_name or member.email).classes("font-medium wrap-anywhere")
                            if member.display_name:
                                ui.label(member.email).classes("text-sm wrap-anywhere")
                            detail = member.role.value
                            if not member.active:
                                detail += " · removed"
                            elif member.invited_pending:
                                detail += " · invitation not accepted yet"
                            elif member.last_login_at:
                                detail += f" · last sign-in {fmt.date(member.last_login_at.date())}"
                            ui.label(detail).classes("text-sm portal-muted")
                        if member.is_me:
                            ui.badge("You", color="primary")
                        elif member.active:
                            with attrs(ui.button(icon="person_remove", on_click=lambda m=member: confirm_removal(m))
                                       .props("flat no-caps color=negative"), {"aria-label": f"Remove {member.email}"}):
                                ui.label("Remove").classes("ml-2 max-sm:hidden")  # an icon button on phones

        def confirm_removal(member: TeamMember) -> None:
            def remove() -> None:
                if attempt(lambda db: remove_member(db, runtime, principal, member.user_id, today,
                                                    invitation_id=member.invitation_id)).ok:
                    ui.notify(f"{member.email} was removed.", type="positive")
                members.refresh()

            confirm(f"Remove {member.email}?", "They are signed out at once and cannot sign in again.", "Remove",
                    remove)

        members()

        with ui.card().classes("w-full max-w-2xl p-5 gap-3"):
            section_heading("Invite someone")
            with ui.row().classes("w-full gap-3 items-start"):
                email = ui.input("E-mail").props("outlined type=email maxlength=320").classes("w-64 max-sm:w-full")
                name = ui.input("Name (optional)").props("outlined maxlength=200").classes("w-56 max-sm:w-full")
                role = ui.select({r.value: f"{r.value.title()}: {ROLE_DESCRIPTIONS[r]}" for r in CUSTOMER_ROLES},
                                 label="Role", value=Role.VIEWER.value).props("outlined").classes("w-72 max-sm:w-full")
            result = ui.column().classes("w-full")

            def invite() -> None:
                issued = attempt(lambda db: invite_member(
                    db, runtime, principal, email=email.value or "", role=Role(role.value),
                    display_name=name.value or "", today=today), show_in=result).value
                if issued is None:
                    return
                link = f"{base_url}/invite/{issued.token}"
                with result:
                    invitation_link(link, f"Invitation for {issued.email} created. Send them this link; it works "
                                          f"once, until {fmt.datetime(issued.expires_at)}.")
                email.value = ""
                name.value = ""
                members.refresh()

            ui.button("Create invitation", icon="person_add", on_click=invite).props(
                "unelevated no-caps").classes("self-start")
    return None
