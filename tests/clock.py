"""The suite's one clock: every test process, and every Python process a test starts, runs on a
clock that begins at FROZEN_NOW and ticks from there, whatever the host's date.

Fixtures derive their dates from TODAY (`days(-25)`, `days(5)`), so no test turns red when a fixed
date passes; tests that need an exact instant travel there themselves (time-machine nests).
Subprocesses inherit PORTAL_TEST_CLOCK_OFFSET and load `tests/frozen_clock/sitecustomize.py`,
so a portal server and the test that drives it agree on the time (TOTP codes, session ages).
"""

from __future__ import annotations

import os
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import time_machine

FROZEN_NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
TODAY = FROZEN_NOW.date()
CLOCK_OFFSET_ENV = "PORTAL_TEST_CLOCK_OFFSET"
SITECUSTOMIZE_DIR = Path(__file__).resolve().parent / "frozen_clock"


def days(offset: int) -> date:
    """TODAY plus `offset` days (negative: before)."""
    return TODAY + timedelta(days=offset)


def start_suite_clock() -> time_machine.travel:
    """Move this process to FROZEN_NOW (ticking) and make Python subprocesses follow it."""
    real_now = time.time()
    os.environ[CLOCK_OFFSET_ENV] = repr(FROZEN_NOW.timestamp() - real_now)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SITECUSTOMIZE_DIR), os.environ.get("PYTHONPATH")]))
    traveller = time_machine.travel(FROZEN_NOW, tick=True)
    traveller.start()
    return traveller
