"""The read shared between open pages: reused when fresh enough, and bounded in memory."""

from __future__ import annotations

import pytest

from web import shared_reads
from web.shared_reads import SharedRead


def test_a_read_that_started_after_the_event_is_reused_and_an_older_one_is_not() -> None:
    shared: SharedRead[int] = SharedRead()
    reads: list[int] = []

    def read() -> int:
        reads.append(1)
        return len(reads)

    assert shared.get("customer-1", since=0.0, read=read) == 1
    assert shared.get("customer-1", since=0.0, read=read) == 1  # started after the event: reused
    assert shared.get("customer-1", since=float("inf"), read=read) == 2  # an event after it: read again


def test_it_forgets_old_keys_and_their_locks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shared_reads, "MAX_KEYS", 5)
    shared: SharedRead[str] = SharedRead()
    for number in range(50):
        shared.get(("customer", number), since=0.0, read=lambda: "totals")
    assert len(shared._key_locks) <= 6 and len(shared._results) <= 6
