"""Page and section headings that screen readers announce as such."""

from __future__ import annotations

from nicegui import ui

from components.attributes import attrs


def page_heading(text: str, subtitle: str | None = None) -> ui.label:
    """The page's one level-1 heading, with an optional line of explanation under it."""
    heading = ui.label(text).classes("text-2xl font-semibold").props('role="heading" aria-level="1"')
    if subtitle:
        ui.label(subtitle).classes("portal-muted -mt-2")
    return heading


def section_heading(text: str) -> ui.label:
    return ui.label(text).classes("text-lg font-semibold").props('role="heading" aria-level="2"')


def dialog_heading(dialog: ui.dialog, text: str) -> ui.label:
    """A dialog's title, which also names the dialog for screen readers (aria-labelledby)."""
    heading = section_heading(text)
    attrs(dialog, {"aria-labelledby": heading.html_id})
    return heading
