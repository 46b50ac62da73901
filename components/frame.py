"""The page frame every screen enters: header with brand and navigation, responsive main area."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from nicegui import ui

from components.attributes import attrs
from components.forms import post_form
from components.theme import BRAND_NAME, apply_theme


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    icon: str


@dataclass(frozen=True)
class AccountBadge:
    """Who is signed in, as the header shows it."""

    name: str
    detail: str


# Following a fragment link moves the browser's Tab starting point only sometimes; focus the target.
FOCUS_LINK_TARGET = ("(event) => { const target = document.querySelector(event.currentTarget.getAttribute('href'));"
                     " if (target) { event.preventDefault(); target.focus(); target.scrollIntoView(); } }")


@contextmanager
def frame(
    page_title: str, *, nav: Sequence[NavItem] = (), account: AccountBadge | None = None, current_path: str = "",
    sign_out_action: str | None = None, header_extra: Callable[[], None] | None = None,
) -> Iterator[ui.element]:
    """Lay out header, navigation (a drawer on phones) and the main column; yields the column.

    `sign_out_action` adds a sign-out button that posts a plain form there.
    """
    apply_theme()
    ui.page_title(f"{page_title} · {BRAND_NAME}")
    # A long menu (the staff console) fits the header only on wide screens, as words without icons.
    compact = len(nav) > 5
    drawer = None
    if nav:
        drawer = ui.left_drawer(value=False, fixed=True).props("overlay bordered").classes("xl:hidden" if compact else "lg:hidden")
        with drawer:
            _nav_links(nav, current_path, vertical=True)
    with ui.header(elevated=False).classes("portal-header items-center px-4 py-2 gap-2"):
        # The first stop of the Tab key: past the header and menu straight to the page's content.
        skip = ui.link("Skip to content", "#").classes("portal-skip")
        skip.on("click", js_handler=FOCUS_LINK_TARGET)
        if drawer is not None:
            ui.button(icon="menu", on_click=drawer.toggle).props("flat round aria-label='Open menu'").classes("text-gray-800").classes(
                "xl:hidden" if compact else "lg:hidden")
        with ui.link(target="/").classes("portal-brand flex items-center gap-2 text-lg"):
            ui.icon("receipt_long").classes("text-2xl")
            ui.label(BRAND_NAME)
        if nav:
            with ui.row().classes("portal-nav gap-1 ml-6").classes("max-xl:hidden" if compact else "max-lg:hidden"):
                _nav_links(nav, current_path, vertical=False, icons=not compact)
        ui.space()
        if header_extra is not None:
            header_extra()
        if account is not None:
            # Its accessible name starts with the words it shows (WCAG 2.5.3), then says where it goes.
            with attrs(ui.link(target="/settings").classes("no-underline text-inherit max-sm:hidden min-w-0"),
                       {"aria-label": f"{account.name}, {account.detail}: your settings"}):
                # Names come from people: a long one is cut short here (the whole name is on /settings).
                with ui.column().classes("gap-0 items-end max-w-56 min-w-0"):
                    ui.label(account.name).classes("text-sm font-medium truncate max-w-full")
                    ui.label(account.detail).classes("text-xs portal-muted truncate max-w-full")
        if sign_out_action:
            with post_form(sign_out_action):
                # On phones the icon alone, so that the header stays one row; the name stays "Sign out".
                with ui.button(icon="logout").props('type=submit flat no-caps aria-label="Sign out"').classes(
                        "text-gray-800"):
                    ui.label("Sign out").classes("ml-2 max-sm:hidden")
    # Quasar's page is the document's <main> already; this is its content column and the skip target.
    with ui.element("div").classes("portal-main").props("tabindex=-1") as main:
        skip.props["href"] = f"#{main.html_id}"
        ui.label(page_title).classes("sr-only")
        yield main


def _nav_links(nav: Sequence[NavItem], current_path: str, *, vertical: bool, icons: bool = True) -> None:
    with (ui.column() if vertical else ui.row()).classes("portal-nav gap-1 p-2" if vertical else "gap-1"):
        for item in nav:
            link = ui.link(target=item.path).classes("flex items-center gap-2")
            if item.path == current_path:
                link.classes("active").props('aria-current="page"')
            with link:
                if icons:
                    ui.icon(item.icon)
                ui.label(item.label)
