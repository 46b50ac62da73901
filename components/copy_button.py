"""A Copy button: the browser copies the text, and a toast says whether it could."""

from __future__ import annotations

from nicegui import ui
from nicegui.events import GenericEventArguments

from components.attributes import attrs

# The text travels as the button's data-copy attribute (data, never code); the browser copies it and
# tells the server only whether the clipboard took it (it refuses on a page not served over HTTPS).
COPY_OWN_TEXT = ("(event) => navigator.clipboard.writeText(event.target.closest('[data-copy]').dataset.copy)"
                 ".then(() => emit(true), () => emit(false))")


def copy_button(text: str, *, copied: str, refused: str) -> ui.button:
    """A Copy button for `text`; `copied` and `refused` are the toasts for either outcome."""
    def answer(event: GenericEventArguments) -> None:
        if event.args is True:
            ui.notify(copied, type="positive")
        else:
            ui.notify(refused, type="warning")

    button = attrs(ui.button("Copy", icon="content_copy").props("outline no-caps"), {"data-copy": text})
    return button.on("click", answer, js_handler=COPY_OWN_TEXT)
