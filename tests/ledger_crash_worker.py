"""Run by tests/test_ledger_crash.py in a subprocess: apply a batch, optionally dying mid-way.

    python -m tests.ledger_crash_worker DATABASE_URL BATCH_JSON [DIE_AFTER_EVENTS]
"""

from __future__ import annotations

import json
import os
import signal
import sys

from services.config.runtime import start_runtime
from services.config.settings import Settings
from services.ledger import apply
from services.ledger.pipeline import ingest


def main() -> None:
    url, batch_path = sys.argv[1], sys.argv[2]
    die_after = int(sys.argv[3]) if len(sys.argv) > 3 else None
    runtime = start_runtime(Settings(database_url=url, secret_key="crash-test-secret-key-0123456789abcd",
                                     _env_file=None))
    if die_after is not None:
        real = apply._apply_event
        applied = {"count": 0}

        def apply_then_maybe_die(*args, **kwargs):  # type: ignore[no-untyped-def]
            outcome = real(*args, **kwargs)
            applied["count"] += 1
            if applied["count"] == die_after:
                os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no commit: like a power cut
            return outcome

        apply._apply_event = apply_then_maybe_die
    ingest(runtime, "ledger", json.loads(open(batch_path, encoding="utf-8").read()))


if __name__ == "__main__":
    main()
