"""Per-client rate limits: in memory for one process, in Redis when several processes share the
load (each would otherwise allow the limit once more)."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import defaultdict, deque
from typing import Protocol

import redis

log = logging.getLogger(__name__)


class Limiter(Protocol):
    def allow(self, key: str) -> bool: ...


class SlidingWindowLimiter:
    """At most `limit` hits per key within `window_seconds`."""

    def __init__(self, limit: int, window_seconds: float, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window_seconds
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        """Count one hit for `key`; False when it is over the limit (the hit still counts)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._hits) > self.max_keys:
                self._forget_idle(now)
            hits = self._hits[key]
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            hits.append(now)
            return len(hits) <= self.limit

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]:
            del self._hits[key]

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


class RedisWindowLimiter:
    """The same sliding window, kept in a Redis sorted set per key so every process counts together.
    If Redis cannot be reached, the process's own in-memory window decides meanwhile."""

    def __init__(self, url: str, name: str, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self.prefix = f"portal:limit:{name}:"
        self._redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._fallback = SlidingWindowLimiter(limit, window_seconds)

    def allow(self, key: str) -> bool:
        now = time.time()
        redis_key = self.prefix + key
        try:
            pipe = self._redis.pipeline()
            pipe.zremrangebyscore(redis_key, 0, now - self.window)
            pipe.zadd(redis_key, {f"{now:.6f}:{uuid.uuid4().hex[:8]}": now})
            pipe.zcard(redis_key)
            pipe.expire(redis_key, int(self.window) + 1)
            count = pipe.execute()[2]
        except redis.RedisError as error:
            log.warning("rate limit kept in this process only (%s)", type(error).__name__)
            return self._fallback.allow(key)
        return int(count) <= self.limit


def rate_limiter(redis_url: str | None, name: str, limit: int, window_seconds: float) -> Limiter:
    """The limiter for this deployment: shared through Redis when configured, else in memory."""
    if redis_url:
        return RedisWindowLimiter(redis_url, name, limit, window_seconds)
    return SlidingWindowLimiter(limit, window_seconds)
