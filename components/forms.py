"""Native HTML forms: for the few actions that must be HTTP posts (sign-in, sign-out, MFA)."""

from __future__ import annotations

from collections.abc import Mapping

from nicegui import ui

from components.attributes import attrs
from services.auth.passwords import MIN_LENGTH


def post_form(action: str, *, hidden: Mapping[str, str] | None = None) -> ui.element:
    """A <form method=post> to `action` with hidden fields; fill it with inputs that carry `name`."""
    form = attrs(ui.element("form"), {"method": "post", "action": action})
    with form:
        for name, value in (hidden or {}).items():
            attrs(ui.element("input"), {"type": "hidden", "name": name, "value": value})
    return form


SUBMIT_EXPORT_FORM = ("requestAnimationFrame(() => setTimeout("
                      "() => document.querySelector('[data-export-form]').submit()))")


class ExportForm:
    """A hidden form that posts an export request, so the browser receives the file as a download."""

    def __init__(self) -> None:
        self.form = post_form("/exports", hidden={"selection": "", "kind": "zip"}).props("data-export-form")
        self.form.set_visibility(False)

    def submit(self, selection: str, kind: str) -> None:
        # The values travel as element data; the script only submits. It runs a frame later, after Vue
        # has written the new values into the hidden inputs.
        for field in self.form.default_slot.children:
            field.props["value"] = {"selection": selection, "kind": kind}[field.props["name"]]
        ui.run_javascript(SUBMIT_EXPORT_FORM)


def with_reveal_button(field: ui.input) -> ui.input:
    """A button at the end of a password field that shows what was typed, and hides it again.

    NiceGUI's `password_toggle_button` is an icon with aria-hidden and no tab stop: neither the
    keyboard nor a screen reader reached it. This one is a named toggle button (aria-pressed).
    Its name leaves out the word "password", which would make it a second match for the field's label.
    """
    def toggle() -> None:
        hidden = field.props.get("type") == "password"
        attrs(field, {"type": "text" if hidden else "password"})
        attrs(button, {"icon": "visibility" if hidden else "visibility_off", "aria-pressed": str(hidden).lower()})

    with field.add_slot("append"):
        button = attrs(ui.button(icon="visibility_off", on_click=toggle).props("flat round dense"),
                       {"aria-label": "Show the typed characters", "aria-pressed": "false"})
    return field


def new_password_inputs(label: str, repeat_label: str, *, name: str) -> None:
    """A new password and its repetition (posted as `name` and `repeat`), with the rule as a hint."""
    attrs(with_reveal_button(ui.input(label, password=True).props(
        "autocomplete=new-password outlined required").classes("w-full")),
        {"name": name, "minlength": MIN_LENGTH,
         "hint": f"At least {MIN_LENGTH} characters; a few random words work well"})
    ui.input(repeat_label, password=True).props(
        "name=repeat autocomplete=new-password outlined required").classes("w-full")
