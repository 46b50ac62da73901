"""A real `portal.py serve` with demo data for the live benchmarks, and signed ledger pushes to it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO

import httpx

from services.config.settings import Settings, ledger_webhook_secret
from services.ledger.signature import sign
from tests.browser.chromium import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def portal_env(folder: Path, secret_key: str, **settings: str) -> dict[str, str]:
    """The environment of a portal on its own SQLite file in `folder` (plus PORTAL_* `settings`)."""
    # NiceGUI switches to its test mode when it sees pytest's variables; the server must not.
    inherited = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "NICEGUI"))}
    return inherited | {"PORTAL_DATA_DIR": str(folder), "PORTAL_SECRET_KEY": secret_key,
                        "PORTAL_DATABASE_URL": f"sqlite:///{folder / 'portal.db'}"} | settings


def load_demo_portal(env: dict[str, str], *, customers: int, invoices: int) -> None:
    """`portal.py migrate` and `portal.py demo` (password DEMO_PASSWORD) into the portal of `env`."""
    subprocess.run([sys.executable, "portal.py", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "portal.py", "demo", "--customers", str(customers), "--invoices", str(invoices),
                    "--password", DEMO_PASSWORD], cwd=ROOT, env=env, check=True, capture_output=True)


@contextmanager
def serving(command: list[str], url: str, *, env: dict[str, str] | None = None, cwd: Path = ROOT,
            log: IO[bytes] | int = subprocess.DEVNULL, ready_seconds: float = 60) -> Iterator[subprocess.Popen[bytes]]:
    """Start `command`, yield it once `url` answers 200, stop it (killed if need be) after."""
    server = subprocess.Popen(command, cwd=cwd, env=env, stdout=log,
                              stderr=subprocess.STDOUT if log is not subprocess.DEVNULL else log)
    try:
        deadline = time.monotonic() + ready_seconds
        while True:
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{' '.join(command)} did not start (exit code {server.poll()})")
            time.sleep(0.2)
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def serving_portal(env: dict[str, str], port: int, log: IO[bytes] | int = subprocess.DEVNULL,
                   ready_seconds: float = 60) -> AbstractContextManager[subprocess.Popen[bytes]]:
    """`portal.py serve` on loopback, yielded once /healthz answers; stopped (killed if need be) after."""
    return serving([sys.executable, "portal.py", "serve", "--port", str(port)], f"http://127.0.0.1:{port}/healthz",
                   env=env, log=log, ready_seconds=ready_seconds)


def serving_bare_app(folder: Path, source: str, port: int,
                     ready_seconds: float = 60) -> AbstractContextManager[subprocess.Popen[bytes]]:
    """A baseline NiceGUI app (`source`, taking its port as its argument) from this venv, on loopback."""
    script = folder / "bare_app.py"
    script.write_text(source)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "NICEGUI"))}
    return serving([sys.executable, str(script), str(port)], f"http://127.0.0.1:{port}/", env=env, cwd=folder,
                   ready_seconds=ready_seconds)


def push_secret(secret_key: str) -> str:
    """The HMAC secret pushed events are signed with, for a portal started with `secret_key`."""
    return ledger_webhook_secret(Settings(_env_file=None), secret_key)


def signed_push(secret: str, events: list[dict]) -> tuple[bytes, dict[str, str]]:
    """Body and headers of POST /api/ledger/events carrying `events`, signed now."""
    body = json.dumps({"events": events}).encode()
    return body, {"portal-signature": sign(secret, body, int(time.time())), "content-type": "application/json"}
