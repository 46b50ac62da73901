"""One database read shared by the many open pages that need the same answer after a live event
(say, 50 dashboards of one customer re-reading its totals): the first page reads, the others reuse
that result if the read started after the event they are reacting to arrived."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from nicegui import app

T = TypeVar("T")
MAX_KEYS = 10_000


class SharedRead(Generic[T]):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self._results: dict[Hashable, tuple[float, T]] = {}

    def get(self, key: Hashable, since: float, read: Callable[[], T]) -> T:
        """`read()`'s result for `key`, read after `since` (a time.monotonic() value): reused when
        another page's read started later than that, else read now (once, while others wait)."""
        with self._lock:
            if len(self._key_locks) > MAX_KEYS:
                # Forget old keys, locks included (a page still holding an old lock at worst reads once
                # more than needed); otherwise every customer, day and zone ever seen stays in memory.
                self._results.clear()
                self._key_locks.clear()
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            cached = self._results.get(key)
            if cached is not None and cached[0] > since:
                return cached[1]
            started = time.monotonic()
            value = read()
            self._results[key] = (started, value)
            return value


def shared_read(name: str) -> SharedRead[Any]:
    """The app's shared read called `name` (made on first use): one per wired app, none at module
    level, so a portal wired anew (a test, a restart) starts with no remembered results."""
    reads: dict[str, SharedRead[Any]] | None = getattr(app.state, "shared_reads", None)
    if reads is None:
        reads = app.state.shared_reads = {}
    return reads.setdefault(name, SharedRead())
