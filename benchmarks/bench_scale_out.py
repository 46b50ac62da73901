"""Scale-out overheads: how long a live event takes from one process's bus to another's through
the Redis relay (baseline: a bare redis-py pub/sub round trip in the same run), and how long the
background-jobs lease takes to change hands when its holder dies.

    .venv/bin/python -m benchmarks.bench_scale_out --events 2000
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import redis.asyncio as aioredis
from sqlmodel import Session

from benchmarks.live_portal import percentile
from benchmarks.smoke import parse_args
from data import InvoiceStatus, utcnow
from data.db import create_db_engine
from data.migrate import upgrade_to_head
from services.live_events import EventBus, LiveEvent, RedisRelay
from services.operations.leadership import try_lead

# The lines `make bench-smoke` expects in the output (benchmarks/smoke.py).
FIGURES = (
    '^relay bus→Redis→bus +p50',
    '^raw redis-py pub/sub +p50',
    '^lease 15 s',
    '^lease 3 s',
)
NEEDS_REDIS = True  # the smoke run skips it, saying why, where no Redis answers


async def relay_latency(url: str, events: int) -> list[float]:
    channel = f"bench:{uuid.uuid4().hex}"
    sender, receiver = EventBus(), EventBus()
    relays = [RedisRelay(url, sender, channel), RedisRelay(url, receiver, channel)]
    for relay in relays:
        relay.start()
    await asyncio.gather(*(relay.listening.wait() for relay in relays))
    latencies: list[float] = []
    arrived = asyncio.Event()
    receiver.subscribe(1, lambda _event: arrived.set())
    for n in range(events):  # one at a time, like the raw baseline: a round trip each
        arrived.clear()
        started = time.perf_counter()
        sender.publish(LiveEvent(1, n, f"INV-{n}", "payment", InvoiceStatus.PAID, InvoiceStatus.ISSUED))
        await asyncio.wait_for(arrived.wait(), 5)
        latencies.append(time.perf_counter() - started)
    for relay in relays:
        await relay.stop()
    return latencies


async def raw_pubsub_latency(url: str, events: int) -> list[float]:
    channel = f"bench-raw:{uuid.uuid4().hex}"
    publisher, subscriber = aioredis.Redis.from_url(url), aioredis.Redis.from_url(url)
    latencies: list[float] = []
    async with subscriber.pubsub(ignore_subscribe_messages=True) as pubsub:
        await pubsub.subscribe(channel)
        for n in range(events):
            started = time.perf_counter()
            await publisher.publish(channel, str(n))
            while (await pubsub.get_message(timeout=5.0)) is None:
                pass
            latencies.append(time.perf_counter() - started)
    await publisher.aclose()
    await subscriber.aclose()
    return latencies


def lease_handover(lease_seconds: float, renew_seconds: float) -> float:
    """Seconds from the holder's last renewal until a standby that renews every `renew_seconds`
    holds the lease (worst case of a kill -9 right after a renewal)."""
    with tempfile.TemporaryDirectory() as folder:
        engine = create_db_engine(f"sqlite:///{Path(folder) / 'lease.db'}")
        upgrade_to_head(engine)
        start = utcnow()
        with Session(engine) as db:
            assert try_lead(db, "dead:1:a", seconds=lease_seconds, now=start)
            waited = 0.0
            while not try_lead(db, "standby:2:b", seconds=lease_seconds, now=start + timedelta(seconds=waited)):
                waited += renew_seconds
        engine.dispose()
    return waited


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--events", type=int, default=2000)
    args = parse_args(parser, events=50)
    relay = asyncio.run(relay_latency(args.redis, args.events))
    raw = asyncio.run(raw_pubsub_latency(args.redis, args.events))
    ms = lambda samples, share: f"{percentile(samples, share) * 1000:.2f} ms"  # noqa: E731
    print(f"events: {args.events}")
    print(f"relay bus→Redis→bus   p50 {ms(relay, 0.5)}  p95 {ms(relay, 0.95)}  max {max(relay) * 1000:.2f} ms  "
          f"mean {statistics.fmean(relay) * 1000:.2f} ms")
    print(f"raw redis-py pub/sub  p50 {ms(raw, 0.5)}  p95 {ms(raw, 0.95)}  max {max(raw) * 1000:.2f} ms")
    for lease in (15.0, 3.0):
        print(f"lease {lease:g} s, renewals every {lease / 5:g} s: standby leads {lease_handover(lease, lease / 5):.1f} s "
              "after the holder's last renewal")


if __name__ == "__main__":
    main()
