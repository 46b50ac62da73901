"""The bell in the header: the unread count changes in place, the latest alerts are read when the
menu opens (live events touch one label per open page, not a rebuilt menu)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from nicegui import ui

from components.attributes import attrs
from services.notifications.alerts import NotificationView


class NotificationBell:
    def __init__(self, unread: int, *, load_latest: Callable[[], Sequence[NotificationView]],
                 format_time: Callable[[datetime], str], on_mark_all_read: Callable[[], None]) -> None:
        self._load_latest = load_latest
        self._format_time = format_time
        self._on_mark_all_read = on_mark_all_read
        self.unread = unread
        with ui.button(icon="notifications").props("flat round").classes("text-gray-800") as self.button:
            self.badge = ui.badge("", color="negative").props('floating rounded data-testid="unread-count"').mark(
                "unread-count")
            # Links and a button, not a list of menu commands: a labelled dialog, not role=menu.
            with attrs(ui.menu().classes("w-80 max-w-[95vw]"), {"role": "dialog", "aria-label": "Notifications"}
                       ) as self.menu:
                self.items = ui.column().classes("w-full gap-0")
        self.menu.on_value_change(lambda event: self.fill() if event.value else None)
        self.set_unread(unread)

    def set_unread(self, unread: int) -> None:
        """Show a new count (and re-read the list if the menu is open)."""
        self.unread = unread
        shown = str(min(unread, 99)) + ("+" if unread > 99 else "")
        # The name holds the count as the badge shows it (WCAG 2.5.3: name and visible text agree).
        attrs(self.button, {"aria-label": f"Notifications, {shown} unread" if unread else "Notifications"})
        self.badge.set_text(shown)
        self.badge.set_visibility(unread > 0)
        if self.menu.value:
            self.fill()

    def fill(self) -> None:
        """Read and show the latest alerts (when the menu opens)."""
        latest = self._load_latest()
        self.items.clear()
        with self.items:
            with ui.row().classes("w-full items-center justify-between px-3 py-2"):
                ui.label("Notifications").classes("font-semibold")
                if self.unread:
                    ui.button("Mark all read", on_click=self._mark_all_read).props("flat dense no-caps")
            if not latest:
                ui.label("Nothing new.").classes("px-3 pb-3 portal-muted")
            for item in latest:
                target = f"/invoices/{item.invoice_id}" if item.invoice_id else "/export"
                with ui.link(target=target).classes(
                        f"block px-3 py-2 no-underline text-inherit border-t border-gray-100 "
                        f"{'' if item.read else 'bg-blue-50'}"):
                    ui.label(item.title).classes("text-sm font-medium")
                    ui.label(f"{item.body} · {self._format_time(item.created_at)}").classes("text-xs portal-muted")

    def _mark_all_read(self) -> None:
        self._on_mark_all_read()
        self.set_unread(0)
        self.fill()
