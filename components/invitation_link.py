"""A freshly created one-time invitation link, shown once with a copy button."""

from __future__ import annotations

from nicegui import ui

from components.copy_button import copy_button
from components.notice import notice


def invitation_link(link: str, message: str) -> None:
    """`message` says whom to send it to and until when it works."""
    notice(message, "positive")
    with ui.row().classes("w-full items-center gap-2 no-wrap"):
        ui.input(value=link).props('readonly outlined dense aria-label="Invitation link"').classes(
            "grow font-mono").mark("invitation-link")
        copy_button(link, copied="The invitation link is copied.",
                    refused="This browser did not allow copying: select the link and copy it.")
