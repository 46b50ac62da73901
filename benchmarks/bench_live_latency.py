"""Commit-to-browser latency of live updates, with 1 and with 50 open dashboards.

    .venv/bin/python -m benchmarks.bench_live_latency --events 100 --pages 1,50

Starts `portal.py serve` on loopback with demo data, signs one user in with Chromium, opens N
dashboards in that session, then pushes signed invoice.issued events one after another. Each page
records, with a MutationObserver, when the toast "New invoice LAT-…" for an event appears (the list
and the summary cards refresh in the same step); latency = that moment minus the moment the
push's HTTP response arrived (the batch had committed). Browser and benchmark share the clock.
The baseline is the push round trip itself.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.live_portal import load_demo_portal, percentile, portal_env, push_secret, serving_portal, signed_push
from benchmarks.smoke import parse_args
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, Accounts

SECRET_KEY = "latency-benchmark-secret-key-0123456789"
OBSERVER = """
window.__seen = {};
addEventListener('DOMContentLoaded', () => new MutationObserver(() => {
  for (const el of document.querySelectorAll('.q-notification__message')) {
    const m = el.textContent.match(/New invoice (LAT-\\S+)/);
    if (m && !(m[1] in window.__seen)) { window.__seen[m[1]] = Date.now(); }
  }
}).observe(document.body, {childList: true, subtree: true}));
"""

# The lines `make bench-smoke` expects in the output (benchmarks/smoke.py).
FIGURES = (
    '^ +1 page\\(s\\): 3/3 updates seen',
    '^ +2 page\\(s\\): 6/6 updates seen',
)


def run(pages: int, events: int, folder: Path, port: int) -> tuple[list[float], list[float]]:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{port}"
    secret = push_secret(SECRET_KEY)
    latencies: list[float] = []
    round_trips: list[float] = []
    reloads: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.add_init_script(OBSERVER)  # also after a reconnect reload
        first = context.new_page()
        Accounts(base).sign_in(first, "owner@mueller.example")
        tabs = [first] + [context.new_page() for _ in range(pages - 1)]
        for tab in tabs:
            tab.goto(f"{base}/")
            tab.get_by_text("Open balance").wait_for()
        for n in range(events):
            body, headers = signed_push(secret, [{
                "event_id": f"lat-{pages}-{n}-{time.time_ns()}", "type": "invoice.issued",
                "occurred_at": "2026-11-26T12:00:00Z",
                "invoice": {"external_id": f"lat-{pages}-{n}", "number": f"LAT-{pages}-{n:04d}",
                            "customer_ref": "C-000001", "vendor_code": "NCS", "issue_date": "2026-11-26",
                            "due_date": "2026-12-26", "currency": "EUR", "version": 1,
                            "lines": [{"description": "Latency probe", "quantity": "1", "unit_price": "1.00",
                                       "tax_rate": "19"}]}}])
            sent = time.time()
            response = httpx.post(f"{base}/api/ledger/events", content=body, timeout=30, headers=headers)
            committed = time.time()
            assert response.status_code == 200, response.text
            round_trips.append((committed - sent) * 1000)
            deadline = time.time() + 10
            number = f"LAT-{pages}-{n:04d}"
            for tab in tabs:
                seen_at = None
                while time.time() < deadline:
                    try:
                        seen_at = tab.evaluate("n => (window.__seen || {})[n]", number)
                    except PlaywrightError:  # the tab reloaded (its websocket was lost): counted as missed
                        reloads.append(tab.url)
                    if seen_at is not None:
                        break
                    time.sleep(0.01)
                if seen_at is not None:
                    latencies.append(seen_at - committed * 1000)
        browser.close()
    if reloads:
        print(f"{len(reloads)} checks hit a reloading tab, e.g. {reloads[0]}")
    return latencies, round_trips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--pages", default="1,50")
    args = parse_args(parser, events=3, pages="1,2")
    for pages in (int(p) for p in args.pages.split(",")):
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            port = 8700 + pages
            env = portal_env(folder, SECRET_KEY)
            load_demo_portal(env, customers=3, invoices=300)
            with serving_portal(env, port):
                latencies, round_trips = run(pages, args.events, folder, port)
        expected = pages * args.events
        print(f"{pages:>3} page(s): {len(latencies):,}/{expected:,} updates seen; commit→browser "
              f"p50 {statistics.median(latencies):6.0f} ms  p95 {percentile(latencies, 0.95):6.0f} ms  "
              f"max {max(latencies):6.0f} ms   baseline push round trip p50 {statistics.median(round_trips):5.0f} ms "
              f"p95 {percentile(round_trips, 0.95):5.0f} ms")


if __name__ == "__main__":
    main()
