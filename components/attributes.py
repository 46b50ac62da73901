"""The one way a value reaches an element's attributes: as data, never inside a props string.

NiceGUI parses a props string (`.props('aria-label="…"')`): a quote in a formatted value ends the
attribute and starts new ones, and a `:name` one is evaluated in the browser as JavaScript. Values set
through `attrs` go into the element's props dictionary as they are, so no text can become code.
`tests/test_code_checks.py` fails when a props, classes or style string, HTML or JavaScript is built
from anything but constants."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from nicegui import ui

E = TypeVar("E", bound=ui.element)


def attrs(element: E, values: Mapping[str, str | int | float | bool]) -> E:
    """Set `values` (attribute or prop name → value) on `element` and return it, for chaining."""
    element.props.update(values)
    return element
