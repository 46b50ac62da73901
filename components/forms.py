"""Native HTML forms: for the few actions that must be HTTP posts (sign-in, sign-out, MFA)."""

from __future__ import annotations

from collections.abc import Mapping

from nicegui import ui


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
