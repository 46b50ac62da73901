"""An inline message box (success, info or error) announced to screen readers."""

from nicegui import ui

_STYLES = {
    "info": ("info", "bg-blue-50 text-blue-900"),
    "positive": ("check_circle", "bg-green-50 text-green-900"),
    "negative": ("error", "bg-red-50 text-red-900"),
    "warning": ("warning", "bg-amber-50 text-amber-900"),
}


def notice(text: str, kind: str = "info") -> ui.row:
    with ui.row().classes("w-full items-center gap-2 p-3 rounded no-wrap").classes(_STYLES[kind][1]).props(
            'role="alert"') as box:
        ui.icon(_STYLES[kind][0]).classes("text-xl shrink-0")
        ui.label(text)
    return box
