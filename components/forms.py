"""Native HTML forms: for the few actions that must be HTTP posts (sign-in, sign-out, MFA)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from nicegui import ui

from services.auth.passwords import MIN_LENGTH


def post_form(action: str, *, hidden: Mapping[str, str] | None = None) -> ui.element:
    """A <form method=post> to `action` with hidden fields; fill it with inputs that carry `name`."""
    form = ui.element("form").props(f"method=post action={action}")
    with form:
        for name, value in (hidden or {}).items():
            field = ui.element("input")
            field.props["type"] = "hidden"
            field.props["name"] = name
            field.props["value"] = value  # set as data, never parsed as a props string
    return form


class ExportForm:
    """A hidden form that posts an export request, so the browser receives the file as a download."""

    def __init__(self) -> None:
        self.form = post_form("/exports", hidden={"selection": "", "kind": "zip"}).props("data-export-form")
        self.form.set_visibility(False)

    def submit(self, selection: str, kind: str) -> None:
        ui.run_javascript(
            "const f = document.querySelector('[data-export-form]');"
            f"f.elements.selection.value = {json.dumps(selection)}; f.elements.kind.value = {json.dumps(kind)};"
            "f.submit();"
        )


def new_password_inputs(label: str, repeat_label: str, *, name: str) -> None:
    """A new password and its repetition (posted as `name` and `repeat`), with the rule as a hint."""
    ui.input(label, password=True, password_toggle_button=True).props(
        f'name={name} autocomplete=new-password outlined required minlength={MIN_LENGTH} '
        f'hint="At least {MIN_LENGTH} characters; a few random words work well"').classes("w-full")
    ui.input(repeat_label, password=True).props(
        "name=repeat autocomplete=new-password outlined required").classes("w-full")
