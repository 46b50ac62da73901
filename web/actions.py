"""A service call from a UI handler: one unit of work, and a refusal (a PortalError) shown to the
person instead of raised, in a box on the page or as a toast."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from nicegui import ui
from sqlmodel import Session

from components.notice import notice
from services.errors import PortalError
from web.dependencies import portal_runtime

T = TypeVar("T")


@dataclass(frozen=True)
class Attempt(Generic[T]):
    value: T | None = None
    refusal: str | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None


def attempt(action: Callable[[Session], T], *, show_in: ui.element | None = None) -> Attempt[T]:
    """Run `action` in a unit of work. A refusal is shown in `show_in` (cleared first) or as a
    toast, and nothing is committed."""
    if show_in is not None:
        show_in.clear()
    try:
        with portal_runtime().unit_of_work() as db:
            value = action(db)
    except PortalError as error:
        if show_in is None:
            ui.notify(str(error), type="negative")
        else:
            with show_in:
                notice(str(error), "negative")
        return Attempt(refusal=str(error))
    return Attempt(value)
