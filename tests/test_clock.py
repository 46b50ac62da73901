"""The suite's clock holds in this process and in the Python processes tests start, whatever the
host's date (.ci/run moves the host clock with faketime to check just that)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timezone

import pytest

from tests.clock import FROZEN_NOW, TODAY

pytestmark = pytest.mark.dates  # .ci/run runs these again with the host clock moved


def test_this_process_runs_on_the_suite_clock() -> None:
    assert date.today() == TODAY
    elapsed = datetime.now(timezone.utc) - FROZEN_NOW
    assert elapsed.total_seconds() >= 0 and elapsed.days == 0  # ticking from FROZEN_NOW since the run began


def test_a_started_python_process_runs_on_the_same_clock() -> None:
    probe = "import datetime, time; print(datetime.date.today().isoformat(), time.time())"
    before = datetime.now(timezone.utc).timestamp()
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    after = datetime.now(timezone.utc).timestamp()
    assert shown[0] == TODAY.isoformat()
    # The same instant to within seconds, not just the same day: TOTP codes (30 s steps) agree.
    assert before - 5 <= float(shown[1]) <= after + 5
