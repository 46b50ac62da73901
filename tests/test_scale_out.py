"""Several portal processes: exactly one runs the background jobs (a lease in the database), and
live events travel between processes through Redis."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from data import InvoiceStatus, utcnow
from services.live_events import EventBus, LiveEvent, RedisRelay
from services.operations.leadership import Leadership, current_holder, release, try_lead

EVENT = LiveEvent(customer_id=7, invoice_id=70, number="ÜB-2026-0007", kind="payment", status=InvoiceStatus.PAID,
                  old_status=InvoiceStatus.ISSUED)


def test_one_process_leads_until_its_lease_runs_out(engine: sa.Engine) -> None:
    now = utcnow()
    with Session(engine) as a, Session(engine) as b:
        assert try_lead(a, "host:1:a", seconds=15, now=now)
        assert not try_lead(b, "host:2:b", seconds=15, now=now + timedelta(seconds=5))
        assert try_lead(a, "host:1:a", seconds=15, now=now + timedelta(seconds=10))  # renewed until +25 s
        assert not try_lead(b, "host:2:b", seconds=15, now=now + timedelta(seconds=20))
        # A stops renewing (killed): once the lease has run out, B takes over and A cannot come back.
        assert try_lead(b, "host:2:b", seconds=15, now=now + timedelta(seconds=26))
        assert not try_lead(a, "host:1:a", seconds=15, now=now + timedelta(seconds=27))
        assert current_holder(a, now=now + timedelta(seconds=27)) == "host:2:b"


def test_a_leader_keeps_leading_through_a_busy_renewal_until_its_lease_ends(engine: sa.Engine,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import services.operations.leadership as leadership

    leader = Leadership(engine, lease_seconds=15)
    assert leader.renew() and leader.is_leader
    clock = [time.monotonic()]
    monkeypatch.setattr(leadership.time, "monotonic", lambda: clock[0])

    def busy(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise sa.exc.OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))

    monkeypatch.setattr(leadership, "try_lead", busy)
    clock[0] += 5
    assert leader.renew(), "one busy renewal (10 s of a 15 s lease left) does not end leadership"
    clock[0] += 8
    assert not leader.renew(), "past its own lease (less a renewal's margin) it stops: another may take over"
    follower = Leadership(engine, lease_seconds=15)
    assert not follower.renew(), "a follower never starts on a busy database"


def test_a_clean_stop_hands_the_lease_over_at_once(engine: sa.Engine) -> None:
    with Session(engine) as a, Session(engine) as b:
        assert try_lead(a, "host:1:a")
        release(a, "host:1:a")
        assert current_holder(b) is None
        assert try_lead(b, "host:2:b")


def test_events_for_a_customer_cross_processes_through_redis(redis_url: str) -> None:
    async def scenario() -> list[LiveEvent]:
        channel = f"portal:test:{uuid.uuid4().hex}"
        process_a, process_b = EventBus(), EventBus()
        relays = [RedisRelay(redis_url, process_a, channel), RedisRelay(redis_url, process_b, channel)]
        for relay in relays:
            relay.start()
        await asyncio.wait_for(asyncio.gather(*(relay.listening.wait() for relay in relays)), 5)
        received: list[LiveEvent] = []
        process_b.subscribe(7, received.append)
        process_b.subscribe(8, lambda event: received.append(event))  # another customer's page: gets nothing
        process_a.publish(EVENT)
        for _ in range(100):
            if received:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)  # anything more would arrive by now
        for relay in relays:
            await relay.stop()
        return received

    assert asyncio.run(scenario()) == [EVENT]


def test_without_redis_events_still_reach_this_process(caplog) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> list[LiveEvent]:
        bus = EventBus()
        relay = RedisRelay("redis://127.0.0.1:9/0", bus)  # nothing listens there
        relay.start()
        received: list[LiveEvent] = []
        bus.subscribe(7, received.append)
        bus.publish(EVENT)
        await relay.stop()
        return received

    assert asyncio.run(scenario()) == [EVENT]
    assert "delivered in this process only" in caplog.text


def test_the_sign_in_rate_limit_is_shared_by_every_process(redis_url: str) -> None:
    from services.auth.throttle import RedisWindowLimiter

    name = f"test-{uuid.uuid4().hex}"
    process_a, process_b = (RedisWindowLimiter(redis_url, name, 3, 60) for _ in range(2))
    assert [process_a.allow("203.0.113.7"), process_b.allow("203.0.113.7"), process_a.allow("203.0.113.7")] == [
        True, True, True]
    assert not process_b.allow("203.0.113.7")  # the fourth try, wherever it lands, is over the limit
    assert process_b.allow("198.51.100.1")  # other addresses count on their own


def test_without_redis_the_limit_still_holds_per_process(caplog) -> None:  # type: ignore[no-untyped-def]
    from services.auth.throttle import RedisWindowLimiter

    limiter = RedisWindowLimiter("redis://127.0.0.1:9/0", "down", 2, 60)
    assert [limiter.allow("ip") for _ in range(3)] == [True, True, False]
    assert "rate limit kept in this process only" in caplog.text


def test_with_a_redis_url_nicegui_keeps_its_storage_in_redis(redis_url: str, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "NICEGUI"))}
    probe = ("import portal; from services.config.settings import Settings; portal.create_app(Settings()); "
             "from nicegui import app; print(type(app.storage._general).__name__)")  # behind app.storage.general
    shown = subprocess.run([sys.executable, "-c", probe], cwd=Path(__file__).resolve().parent.parent,
                           env=env | {"PORTAL_REDIS_URL": redis_url, "PORTAL_SECRET_KEY": "x" * 40,
                                      "PORTAL_DATA_DIR": str(tmp_path)},
                           capture_output=True, text=True, timeout=60, check=True)
    assert shown.stdout.strip() == "RedisPersistentDict"
