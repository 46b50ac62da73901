"""Confirmation before an action that changes someone's access."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from components.headings import dialog_heading


def confirm(title: str, text: str, action_label: str, on_confirm: Callable[[], None], *,
            negative: bool = True) -> None:
    """Ask before doing something that signs people out or changes access; runs `on_confirm` on yes."""
    with ui.dialog() as dialog, ui.card().classes("gap-3 max-w-md"):
        dialog_heading(dialog, title)
        ui.label(text).classes("portal-muted")

        def confirmed() -> None:
            dialog.close()
            on_confirm()

        with ui.row().classes("w-full justify-end"):
            ui.button("Cancel", on_click=dialog.close).props("flat no-caps")
            ui.button(action_label, on_click=confirmed).props(
                f"unelevated no-caps color={'negative' if negative else 'primary'}").mark("confirm-action")
    dialog.on("hide", dialog.delete)  # asked once: gone from the page once closed, not piling up
    dialog.open()
