"""Every benchmark at tiny sizes, so none of them can rot unnoticed: `make bench-smoke`.

    .venv/bin/python -m benchmarks.smoke [NAME ...]

Each `benchmarks/bench_*.py` takes `--smoke` (see `parse_args`) and names in FIGURES the lines it
must print (regular expressions). This runs each one with `--smoke` in a process of its own and
fails when one exits non-zero or leaves a figure out. It checks that figures are printed, never
what they are: timings belong to docs/BENCHMARKS.md, not to a pass or fail.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TIMEOUT_SECONDS = 150


def parse_args(parser: argparse.ArgumentParser, **tiny: Any) -> argparse.Namespace:
    """Parse the command line; with --smoke the `tiny` values replace the sizes given or defaulted."""
    sizes = ", ".join(f"--{name.replace('_', '-')} {value}" for name, value in tiny.items())
    parser.add_argument("--smoke", action="store_true", help=f"a quick run at tiny sizes ({sizes}) that only "
                                                             "shows the benchmark works; its figures mean nothing")
    args = parser.parse_args()
    if args.smoke:
        for name, value in tiny.items():
            setattr(args, name, value)
    return args


def benchmark_names() -> list[str]:
    return sorted(path.stem for path in HERE.glob("bench_*.py"))


def redis_missing(url: str = "redis://127.0.0.1:6379/0") -> str | None:
    """Why Redis cannot be used, or None when it answers."""
    import redis

    try:
        redis.Redis.from_url(os.environ.get("PORTAL_TEST_REDIS_URL", url), socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"Redis is not reachable ({type(error).__name__})"
    return None


def node_missing() -> str | None:
    """Why a benchmark that installs an npm tool (Lighthouse) cannot run, or None."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    return f"{' and '.join(missing)} not found" if missing else None


def run_one(name: str) -> tuple[str, str]:
    """("ok" | "failed" | "skipped", what happened) for one benchmark."""
    module = importlib.import_module(f"benchmarks.{name}")
    figures: tuple[str, ...] = getattr(module, "FIGURES", ())
    if not figures:
        return "failed", "declares no FIGURES to check"
    if getattr(module, "NEEDS_REDIS", False) and (reason := redis_missing()):
        if os.environ.get("PORTAL_REQUIRE_REDIS"):
            return "failed", reason
        return "skipped", f"{reason}; set PORTAL_TEST_REDIS_URL to run it"
    if getattr(module, "NEEDS_NODE", False) and (reason := node_missing()):
        if os.environ.get("PORTAL_REQUIRE_NODE"):
            return "failed", reason
        return "skipped", f"{reason}; install Node.js 20 and npm to run it"
    timeout = getattr(module, "SMOKE_TIMEOUT_SECONDS", TIMEOUT_SECONDS)
    started = time.monotonic()
    try:
        result = subprocess.run([sys.executable, "-m", f"benchmarks.{name}", "--smoke"], cwd=ROOT, text=True,
                                capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "failed", f"did not finish within {timeout} s"
    seconds = time.monotonic() - started
    if result.returncode != 0:
        return "failed", f"exit code {result.returncode}:\n{result.stdout[-2000:]}{result.stderr[-4000:]}"
    missing = [pattern for pattern in figures if not re.search(pattern, result.stdout, re.MULTILINE)]
    if missing:
        return "failed", f"printed no line matching {missing}:\n{result.stdout[-3000:]}"
    return "ok", f"{len(figures)} figures printed in {seconds:.0f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="benchmark modules (default: all bench_*.py)")
    names = parser.parse_args().names or benchmark_names()
    outcomes = []
    for name in names:
        outcome, detail = run_one(name)
        outcomes.append(outcome)
        print(f"{outcome:>7}  {name}: {detail}", flush=True)
    failed = outcomes.count("failed")
    print(f"bench-smoke: {outcomes.count('ok')} benchmarks ran and printed their figures, {failed} failed, "
          f"{outcomes.count('skipped')} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
