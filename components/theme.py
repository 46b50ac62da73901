"""Colours and page-wide styles, applied once per page by the frame."""

from pathlib import Path

from nicegui import ui

BRAND_NAME = "Invoice Portal"
PRIMARY = "#1e40af"  # blue 800: 8.7:1 on white, readable for text and buttons

_CSS = """
body { background: #f5f7fb; color: #111827; }
.portal-header { background: #ffffff !important; color: #111827 !important; border-bottom: 1px solid #e5e7eb; }
.portal-brand { color: #1e40af; font-weight: 700; letter-spacing: -0.01em; text-decoration: none; }
.portal-nav a { color: #374151; text-decoration: none; padding: 0.5rem 0.75rem; border-radius: 0.5rem; }
.portal-nav a:hover, .portal-nav a.active { background: #eef2ff; color: #1e40af; }
.portal-skip { position: absolute; left: 0.5rem; top: -3rem; z-index: 3000; padding: 0.5rem 0.75rem;
  background: #1e3a8a; color: #fff; border-radius: 0.375rem; }
.portal-skip:focus { top: 0.5rem; }
.portal-skip.nicegui-link { color: #fff; }  /* not the links' blue, which is unreadable on its dark blue */
.portal-main:focus { outline: none; }
.portal-main { width: 100%; max-width: 72rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; display: flex; flex-direction: column; gap: 1rem; }
:focus-visible { outline: 3px solid #b45309 !important; outline-offset: 2px; }  /* 4.7:1 on the page */
.nicegui-link { color: #1e40af; }  /* NiceGUI's default link blue is 3.7:1 on white */
/* WCAG 1.4.11: field borders and an off switch's track at 3:1 or more (Quasar's are 1.8 and 2.4) */
.q-field--outlined .q-field__control:before { border-color: #6b7280; }
.q-toggle__inner--falsy .q-toggle__track { opacity: .6; }
.portal-muted { color: #4b5563; }
/* Quasar writes warning toasts in dark text, 3.35:1 on the amber; white reads at 5:1 */
.q-notification.bg-warning.text-dark { color: #ffffff !important; }
.q-field__bottom, .q-field__messages, .q-field__counter { color: #4b5563 !important; }
.q-field--outlined .q-field__label { color: #4b5563; }
.portal-table { width: 100%; min-width: 44rem; border-collapse: collapse; font-size: 0.875rem; }
.portal-table th { text-align: left; font-weight: 600; color: #374151; background: #f9fafb; padding: 0.5rem 0.75rem; white-space: nowrap; border-bottom: 1px solid #e5e7eb; }
.portal-table td { padding: 0.5rem 0.75rem; border-bottom: 1px solid #f3f4f6; vertical-align: top; }
.portal-table tr:last-child td { border-bottom: none; }
"""


# The pages' Tailwind classes, built ahead of time (`make css`; NiceGUI's in-browser Tailwind is off).
STYLESHEET = Path(__file__).resolve().parent.parent / "web" / "static" / "tailwind.css"
STYLESHEET_URL = "/static/tailwind.css"
_STYLESHEET_LINK = '<link rel="stylesheet" href="/static/tailwind.css">'


def apply_theme() -> None:
    """Set the Quasar palette and the shared CSS for the current page."""
    ui.add_head_html(_STYLESHEET_LINK)
    ui.colors(primary=PRIMARY, secondary="#0f766e", accent="#7c3aed", positive="#15803d",
              negative="#b91c1c", warning="#b45309", info="#0369a1")
    ui.add_css(_CSS)
