"""How soon the address bar, and then the list, follow a click on the invoice list's sort headers.

    .venv/bin/python -m benchmarks.bench_address_bar --clicks 70

Starts `portal.py serve` on loopback with demo data (3 customers, 300 invoices), signs
owner@mueller.example in with Chromium at 1280 px and clicks the dashboard's sort headers in turn
(each column twice: both directions). The page itself records, on one clock
(`performance.now()`), each click, each `history.pushState` (the address bar) and each newly drawn
invoice table; per click: click → address bar, and click → list drawn. Clicks wait for the
previous list, as a user's would.

Baseline, in the same run: a bare NiceGUI app (served by the same NiceGUI) whose sort buttons do the
least the same round trip can: the handler pushes the URL and redraws a 25-row table of labels.
The goal is the address bar within 300 ms of the click.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from benchmarks.live_portal import load_demo_portal, percentile, portal_env, serving_bare_app, serving_portal
from benchmarks.smoke import parse_args
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, Accounts, free_port

SECRET_KEY = "address-bar-benchmark-secret-key-0123456789"
USER = "owner@mueller.example"
COLUMNS = ("number", "vendor", "issued", "due", "amount", "still due", "status")
RECORD = """
window.__clicks = []; window.__pushes = []; window.__draws = [];
addEventListener('click', () => window.__clicks.push(performance.now()), true);
const pushState = history.pushState.bind(history);
history.pushState = (...args) => { window.__pushes.push(performance.now()); return pushState(...args); };
addEventListener('DOMContentLoaded', () => new MutationObserver(records => {
  for (const record of records) {
    for (const node of record.addedNodes) {
      if (node.nodeType === 1 && (node.matches('table[aria-label=Invoices]')
                                  || node.querySelector('table[aria-label=Invoices]'))) {
        window.__draws.push(performance.now()); return;
      }
    }
  }
}).observe(document.body, {childList: true, subtree: true}));
"""
BARE_PAGE = '''\
"""The least a NiceGUI page can do per sort click: push the URL, redraw a 25-row table of labels."""
import sys

from nicegui import ui

COLUMNS = ("number", "vendor", "issued", "due", "amount", "still due", "status")


@ui.page("/")
def index() -> None:
    @ui.refreshable
    def table(key: str) -> None:
        with ui.element("table").props("aria-label=Invoices"):
            for row in range(25):
                with ui.element("tr"):
                    for column in COLUMNS:
                        with ui.element("td"):
                            ui.label(f"{column} {key} {row}")

    def sort(key: str) -> None:
        ui.navigate.history.push(f"/?sort={key.replace(' ', '_')}")
        table.refresh(key)

    for column in COLUMNS:
        ui.button(f"Sort by {column}", on_click=lambda column=column: sort(column))
    table("issued")


ui.run(host="127.0.0.1", port=int(sys.argv[1]), reload=False, show=False, show_welcome_message=False)
'''

# The lines `make bench-smoke` expects in the output (benchmarks/smoke.py).
FIGURES = (
    r"^dashboard +\d+ clicks: address bar p50 +\d+ ms",
    r"^bare +\d+ clicks: address bar p50 +\d+ ms",
)


def measure(page, clicks: int) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    """Click the sort buttons in turn; (click → address bar, click → table drawn) in ms per click."""
    to_url: list[float] = []
    to_list: list[float] = []
    for n in range(clicks):
        label = COLUMNS[(n // 2) % len(COLUMNS)]
        done = page.evaluate("[window.__pushes.length, window.__draws.length]")
        page.get_by_role("button", name=f"Sort by {label}", exact=True).click()
        page.wait_for_function("([pushes, draws]) => window.__pushes.length > pushes && window.__draws.length > draws",
                               arg=done)
        clicked, pushed, drawn = page.evaluate(
            "[window.__clicks.at(-1), window.__pushes.at(-1), window.__draws.at(-1)]")
        to_url.append(pushed - clicked)
        to_list.append(drawn - clicked)
    return to_url, to_list


def report(name: str, to_url: list[float], to_list: list[float]) -> None:
    print(f"{name:<10} {len(to_url)} clicks: address bar p50 {statistics.median(to_url):5.0f} ms  "
          f"p95 {percentile(to_url, 0.95):5.0f} ms  max {max(to_url):5.0f} ms;  list drawn p50 "
          f"{statistics.median(to_list):5.0f} ms  p95 {percentile(to_list, 0.95):5.0f} ms  max {max(to_list):5.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clicks", type=int, default=70)
    args = parse_args(parser, clicks=4)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as name, sync_playwright() as playwright:
        folder = Path(name)
        env = portal_env(folder, SECRET_KEY)
        load_demo_portal(env, customers=3, invoices=300)
        portal_port, bare_port = free_port(), free_port()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with serving_portal(env, portal_port), serving_bare_app(folder, BARE_PAGE, bare_port):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.add_init_script(RECORD)
            page = context.new_page()
            Accounts(f"http://127.0.0.1:{portal_port}").sign_in(page, USER)
            page.goto(f"http://127.0.0.1:{portal_port}/")
            page.get_by_text("Open balance").wait_for()
            portal = measure(page, args.clicks)
            page.goto(f"http://127.0.0.1:{bare_port}/")
            page.get_by_role("button", name="Sort by number").wait_for()
            bare = measure(page, args.clicks)
        browser.close()
    report("dashboard", *portal)
    report("bare", *bare)


if __name__ == "__main__":
    main()
