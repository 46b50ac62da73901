"""The list of signed-in devices on the settings page."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime

from nicegui import ui

from services.auth.sessions import ActiveSession

_BROWSERS = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Chromium/", "Chromium"), ("Safari/", "Safari")]
_SYSTEMS = [("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("Linux", "Linux")]


def describe_user_agent(user_agent: str | None) -> str:
    """'Chrome on Windows' from a User-Agent header; 'Unknown browser' when it says nothing useful."""
    if not user_agent:
        return "Unknown browser"
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), None)
    if browser is None and "HeadlessChrome" in user_agent:
        browser = "Chrome"
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or re.sub(r"[^\w ./-]", "", user_agent)[:40] or "Unknown browser"


def session_list(sessions: Sequence[ActiveSession], format_time: Callable[[datetime], str]) -> None:
    """One row per signed-in device: browser, address, last activity; the current one marked."""
    with ui.column().classes("w-full gap-2"):
        for session in sessions:
            with ui.row().classes("w-full items-center gap-3 p-3 rounded border border-gray-200 no-wrap"):
                ui.icon("devices").classes("text-2xl text-gray-600 shrink-0")
                with ui.column().classes("gap-0 grow"):
                    with ui.row().classes("items-center gap-2"):
                        ui.label(describe_user_agent(session.user_agent)).classes("font-medium")
                        if session.is_current:
                            ui.badge("This device", color="positive")
                    ui.label(f"{session.ip or 'unknown address'} · last active {format_time(session.last_seen_at)} · "
                             f"signed in {format_time(session.created_at)}").classes("text-sm portal-muted")
