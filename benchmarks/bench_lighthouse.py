"""Lighthouse performance of the signed-in dashboard against a bare NiceGUI page, mobile and desktop.

    .venv/bin/python -m benchmarks.bench_lighthouse --runs 3

Starts `portal.py serve` on loopback with the browser tests' demo data (4 customers, 200 invoices)
and, beside it, a bare NiceGUI app (one label) served by the same NiceGUI from this venv. Launches
Debian's Chromium headless with a debugging port and a profile of its own (chrome-launcher's flags,
as Lighthouse would launch it), signs owner@mueller.example in through the real forms (password +
TOTP) with Playwright over CDP, then points the Lighthouse CLI at that Chromium (`--port`).
Lighthouse clears the cache and the origin's storage before each run but not its cookies (its
`clearStorageTypes` leaves them out), so every dashboard load is cold and signed in; a run that
ends anywhere but the requested page (e.g. /login) fails the benchmark.

Runs alternate between the pages (dashboard, bare, dashboard, …) so that a busy machine slows both
alike; the table gives medians per page and preset. Lighthouse's throttling is simulated: it
multiplies the CPU time it saw by 4 (mobile), so TBT and LCP follow the host's load: compare
pages within one run of this command, and read Lighthouse's `benchmarkIndex` (printed) before
comparing runs of it.

Lighthouse: --lighthouse CMD, else $LIGHTHOUSE, else `lighthouse` on PATH, else it is installed
once with npm into ~/.cache/portal-lighthouse (LIGHTHOUSE_VERSION). Chromium: $PORTAL_CHROMIUM
(default /usr/bin/chromium). Add --keep DIR to keep every JSON report (Lighthouse's viewer shows one
with the full diagnosis).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.live_portal import load_demo_portal, portal_env, serving, serving_bare_app, serving_portal
from benchmarks.smoke import parse_args
from tests.browser.chromium import CHROMIUM, Accounts, free_port

LIGHTHOUSE_VERSION = "12.8.2"
SECRET_KEY = "lighthouse-benchmark-secret-key-0123456789"
USER = "owner@mueller.example"  # an owner: the list has its export checkboxes, the fullest dashboard
# chrome-launcher's DEFAULT_FLAGS (what `lighthouse URL` launches Chrome with) and headless ones.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu",
    "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,CalculateNativeWinOcclusion,"
    "InterestFeedContentSuggestions,CertificateTransparencyComponentUpdater,AutofillServerCommunication,"
    "PrivacySandboxSettings4,RenderDocument",
    "--disable-extensions", "--disable-component-extensions-with-background-pages", "--disable-background-networking",
    "--disable-component-update", "--disable-client-side-phishing-detection", "--disable-sync",
    "--metrics-recording-only", "--disable-default-apps", "--mute-audio", "--no-default-browser-check",
    "--no-first-run", "--disable-backgrounding-occluded-windows", "--disable-renderer-backgrounding",
    "--disable-background-timer-throttling", "--disable-ipc-flooding-protection", "--password-store=basic",
    "--use-mock-keychain", "--force-fieldtrials=*BackgroundTracing/default/", "--disable-hang-monitor",
    "--disable-prompt-on-repost", "--disable-domain-reliability", "--propagate-iph-for-testing",
]
BARE_PAGE = '''\
"""A bare NiceGUI page: one label, NiceGUI's defaults (the baseline of bench_lighthouse)."""
import sys

from nicegui import ui


@ui.page("/")
def index() -> None:
    ui.label("Hello from a bare NiceGUI page")


ui.run(host="127.0.0.1", port=int(sys.argv[1]), reload=False, show=False, show_welcome_message=False)
'''
# Lighthouse audit ids, the column headings and how each is shown.
METRICS = (("first-contentful-paint", "FCP s", 1000, "{:6.2f}"), ("largest-contentful-paint", "LCP s", 1000, "{:6.2f}"),
           ("total-blocking-time", "TBT ms", 1, "{:6.0f}"), ("cumulative-layout-shift", "CLS", 1, "{:6.3f}"),
           ("speed-index", "SI s", 1000, "{:6.2f}"))

NEEDS_NODE = True  # the smoke run skips it, saying why, where Node.js and npm are missing
SMOKE_TIMEOUT_SECONDS = 600  # the first run installs Lighthouse with npm
# The lines `make bench-smoke` expects in the output (benchmarks/smoke.py).
FIGURES = (
    r"^dashboard +mobile +\d+ ",
    r"^bare +mobile +\d+ ",
)


@dataclass
class Sample:
    score: float
    metrics: dict[str, float]
    benchmark_index: float
    dom_elements: int
    long_tasks_ms: float


def lighthouse_command(explicit: str | None) -> list[str]:
    """How to start the Lighthouse CLI; installs it with npm into a cache folder when nothing else has it."""
    if explicit or os.environ.get("LIGHTHOUSE"):
        return shlex.split(explicit or os.environ["LIGHTHOUSE"])
    if found := shutil.which("lighthouse"):
        return [found]
    prefix = Path.home() / ".cache" / "portal-lighthouse"
    binary = prefix / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        if shutil.which("npm") is None:
            raise SystemExit("Lighthouse needs Node.js and npm: apt-get install nodejs npm")
        print(f"Installing lighthouse@{LIGHTHOUSE_VERSION} into {prefix} …", flush=True)
        subprocess.run(["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel=error",
                        f"lighthouse@{LIGHTHOUSE_VERSION}"], check=True, stdout=subprocess.DEVNULL)
    return [str(binary)]


def chromium(profile: Path, port: int) -> AbstractContextManager[subprocess.Popen[bytes]]:
    """Debian's Chromium, headless, answering CDP on `port`; ended when the block ends."""
    return serving([CHROMIUM, *CHROMIUM_FLAGS, f"--remote-debugging-port={port}", f"--user-data-dir={profile}",
                    "about:blank"], f"http://127.0.0.1:{port}/json/version", ready_seconds=30)


def wait_for_documents(database: Path, seconds: float) -> None:
    """Until the portal's background job has rendered every demo invoice's PDF (its CPU would otherwise
    fall into the first runs), or `seconds` passed."""
    deadline = time.monotonic() + seconds
    query = ("SELECT count(*) FROM invoice i LEFT JOIN document d ON d.invoice_id = i.id "
             "AND d.revision = i.revision WHERE d.id IS NULL AND i.status != 'draft'")
    while time.monotonic() < deadline:
        with sqlite3.connect(database) as connection:
            missing = connection.execute(query).fetchone()[0]
        if not missing:
            return
        time.sleep(2)
    print(f"(still {missing} invoice PDFs to render after {seconds:.0f} s; measuring anyway)")


def sign_in_and_warm(cdp_port: int, base: str, urls: list[str]) -> None:
    """Sign USER in, in the Chromium on `cdp_port` (its profile keeps the cookies), and open each URL
    once, so that no server's first-request work falls into a measured run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{cdp_port}")
        page = browser.contexts[0].new_page()
        page.set_default_timeout(120_000)  # a busy machine
        Accounts(base).sign_in(page, USER)
        for url in urls:
            page.goto(url)  # until "load"; NiceGUI's socket keeps the network from going idle
            page.wait_for_timeout(1000)
            if urlsplit(page.url).path != urlsplit(url).path:
                raise RuntimeError(f"{url} opened {page.url}: not signed in?")
        page.close()


def run_lighthouse(command: list[str], url: str, preset: str, cdp_port: int, report: Path) -> Sample:
    flags = [f"--port={cdp_port}", "--output=json", f"--output-path={report}", "--only-categories=performance",
             "--quiet", "--max-wait-for-load=60000"]
    if preset == "desktop":
        flags.append("--preset=desktop")
    result = subprocess.run([*command, url, *flags], capture_output=True, text=True, timeout=240)
    if result.returncode != 0:
        raise RuntimeError(f"lighthouse failed for {url} ({preset}):\n{result.stdout[-2000:]}{result.stderr[-3000:]}")
    data = json.loads(report.read_text())
    if data.get("runtimeError"):
        raise RuntimeError(f"lighthouse: {data['runtimeError']}")
    landed = data.get("finalDisplayedUrl", "")
    if urlsplit(landed).path != urlsplit(url).path:
        raise RuntimeError(f"lighthouse measured {landed} instead of {url}: the session was lost?")
    audits = data["audits"]
    long_tasks = audits.get("long-tasks", {}).get("details", {}).get("items", [])
    return Sample(score=100 * (data["categories"]["performance"]["score"] or 0),
                  metrics={audit: audits[audit]["numericValue"] for audit, *_ in METRICS},
                  benchmark_index=data["environment"]["benchmarkIndex"],
                  dom_elements=int(audits.get("dom-size", {}).get("numericValue", 0)),
                  long_tasks_ms=sum(task["duration"] for task in long_tasks))


def measure(command: list[str], url: str, preset: str, cdp_port: int, report: Path, tries: int = 3) -> Sample:
    """One Lighthouse run; runs that Lighthouse itself gives up on (NO_NAVSTART, NO_FCP and the like on a
    busy machine) are tried again."""
    for attempt in range(1, tries + 1):
        try:
            return run_lighthouse(command, url, preset, cdp_port, report)
        except RuntimeError as error:
            if attempt == tries or "lighthouse failed" not in str(error):
                raise
            print(f"({preset} {url}: {str(error).splitlines()[-1][:100]}; trying again)", flush=True)
    raise AssertionError("unreachable")


def print_table(samples: dict[tuple[str, str], list[Sample]]) -> None:
    heads = "".join(f"{head:>8}" for _audit, head, _scale, _fmt in METRICS)
    print(f"{'page':<10} {'preset':<8} {'score':>5} {heads}  {'DOM':>5} {'long tasks ms':>13}  "
          f"{'scores of the runs':<20} benchmarkIndex")
    for (page, preset), runs in samples.items():
        values = "".join("  " + fmt.format(statistics.median(s.metrics[audit] for s in runs) / scale)
                         for audit, _head, scale, fmt in METRICS)
        print(f"{page:<10} {preset:<8} {statistics.median(s.score for s in runs):5.0f} {values}  "
              f"{statistics.median(s.dom_elements for s in runs):5.0f} "
              f"{statistics.median(s.long_tasks_ms for s in runs):13.0f}  "
              f"{' '.join(f'{s.score:.0f}' for s in runs):<20} "
              f"{statistics.median(s.benchmark_index for s in runs):.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page and preset (median shown)")
    parser.add_argument("--presets", default="mobile,desktop", help="mobile (Lighthouse's default) and/or desktop")
    parser.add_argument("--path", default="/", help="the dashboard's address, e.g. '/?size=10'")
    parser.add_argument("--lighthouse", help="command that runs the Lighthouse CLI (default: see above)")
    parser.add_argument("--keep", type=Path, help="keep the JSON reports in this folder")
    parser.add_argument("--render-wait", type=float, default=300,
                        help="seconds to wait for the demo's PDFs to be rendered before measuring")
    args = parse_args(parser, runs=1, presets="mobile", render_wait=0)
    command = lighthouse_command(args.lighthouse)
    presets = [preset.strip() for preset in args.presets.split(",") if preset.strip()]
    if unknown := set(presets) - {"mobile", "desktop"}:
        parser.error(f"unknown presets: {', '.join(sorted(unknown))}")
    version = subprocess.run([*command, "--version"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        reports = args.keep or folder / "reports"
        reports.mkdir(parents=True, exist_ok=True)
        portal_port, bare_port, cdp_port = free_port(), free_port(), free_port()
        env = portal_env(folder, SECRET_KEY)
        load_demo_portal(env, customers=4, invoices=200)
        with (folder / "server.log").open("wb") as log, serving_portal(env, portal_port, log, ready_seconds=180), \
                serving_bare_app(folder, BARE_PAGE, bare_port, ready_seconds=180), chromium(folder / "profile", cdp_port):
            base = f"http://127.0.0.1:{portal_port}"
            pages = {"dashboard": base + args.path, "bare": f"http://127.0.0.1:{bare_port}/"}
            sign_in_and_warm(cdp_port, base, list(pages.values()))
            if args.render_wait:
                wait_for_documents(folder / "portal.db", args.render_wait)
            print(f"Lighthouse {version}, Chromium {CHROMIUM}, {args.runs} run(s) per row, medians; dashboard "
                  f"{args.path} signed in as {USER} (demo: 4 customers, 200 invoices)", flush=True)
            samples: dict[tuple[str, str], list[Sample]] = {(page, preset): [] for preset in presets for page in pages}
            for run in range(args.runs):
                for preset in presets:
                    for page, url in pages.items():  # alternating, so that machine load hits both pages
                        report = reports / f"{page}-{preset}-{run + 1}.json"
                        samples[page, preset].append(measure(command, url, preset, cdp_port, report))
        print_table(samples)
        if args.keep:
            print(f"reports: {args.keep}")


if __name__ == "__main__":
    main()
