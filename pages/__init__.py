"""One module per screen. `register_pages` binds each to its path (called once per app start)."""

from nicegui import ui

from pages import login


def register_pages() -> None:
    """Register every page route on the NiceGUI app."""
    ui.page("/login", title="Sign in")(login.login_page)
