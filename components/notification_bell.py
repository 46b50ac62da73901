"""The bell in the header: unread count, the latest alerts, mark all as read."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from nicegui import ui

from services.notifications import NotificationView


def notification_bell(unread: int, latest: Sequence[NotificationView], *, format_time: Callable[[datetime], str],
                      on_mark_all_read: Callable[[], None]) -> None:
    label = f"Notifications, {unread} unread" if unread else "Notifications"
    with ui.button(icon="notifications").props(f'flat round aria-label="{label}"').classes("text-gray-800"):
        if unread:
            ui.badge(str(min(unread, 99)) + ("+" if unread > 99 else ""), color="negative").props(
                'floating rounded data-testid="unread-count"')
        with ui.menu().classes("w-80 max-w-[95vw]"):
            with ui.row().classes("w-full items-center justify-between px-3 py-2"):
                ui.label("Notifications").classes("font-semibold")
                if unread:
                    ui.button("Mark all read", on_click=on_mark_all_read).props("flat dense no-caps")
            if not latest:
                ui.label("Nothing new.").classes("px-3 pb-3 portal-muted")
            for item in latest:
                target = f"/invoices/{item.invoice_id}" if item.invoice_id else "/export"
                with ui.link(target=target).classes(
                        f"block px-3 py-2 no-underline text-inherit border-t border-gray-100 "
                        f"{'' if item.read else 'bg-blue-50'}"):
                    ui.label(item.title).classes("text-sm font-medium")
                    ui.label(f"{item.body} · {format_time(item.created_at)}").classes("text-xs portal-muted")
