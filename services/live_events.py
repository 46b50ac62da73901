"""Publish/subscribe of live changes, per customer, within one process or across several; and of
sessions that ended, so that pages left open stop at once.

Services publish after commit; each open page subscribes for its own customer and gets only
that customer's events, and for its own user's sessions ending. Callbacks must be quick and thread-safe (pages hand the work to their
own event loop); a failing callback is dropped, never allowed to break the publisher.

With one process the bus delivers directly. With several (PORTAL_REDIS_URL set), `RedisRelay`
sends every event through a Redis channel and each process delivers what it hears to its own
pages, so a payment applied by one process reaches browsers connected to another. If Redis is
unreachable, events still reach this process's pages, and the relay reconnects.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass

import redis
import redis.asyncio as aioredis

from data.types import InvoiceStatus, PaymentStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveEvent:
    customer_id: int
    invoice_id: int
    number: str
    kind: str  # new_invoice, invoice_updated, payment
    status: InvoiceStatus
    old_status: InvoiceStatus | None
    payment_status: PaymentStatus | None = None


    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | bytes) -> LiveEvent:
        data = json.loads(text)
        return cls(customer_id=int(data["customer_id"]), invoice_id=int(data["invoice_id"]), number=str(data["number"]),
                   kind=str(data["kind"]), status=InvoiceStatus(data["status"]),
                   old_status=InvoiceStatus(data["old_status"]) if data.get("old_status") else None,
                   payment_status=PaymentStatus(data["payment_status"]) if data.get("payment_status") else None)


@dataclass(frozen=True)
class SessionsEnded:
    """Sessions of `user_id` ended (signed out, revoked, locked): `session_id` alone, or all of
    the user's but `kept_session_id` when `session_id` is None."""

    user_id: int
    session_id: int | None = None
    kept_session_id: int | None = None
    reason: str = ""  # as stored on the session: "logout", "locked", "password_changed", …

    def covers(self, session_id: int) -> bool:
        if self.session_id is not None:
            return session_id == self.session_id
        return session_id != self.kept_session_id

    def to_json(self) -> str:
        return json.dumps({"sessions_ended": asdict(self)})


# The key under which a database session's `info` carries the runtime's bus, so that services can
# announce what they committed (see services.auth.sessions).
EVENTS_INFO = "portal_live_events"

Subscriber = Callable[[LiveEvent], None]
SessionSubscriber = Callable[[SessionsEnded], None]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: dict[int, list[Subscriber]] = defaultdict(list)
        self._session_subscribers: dict[int, list[SessionSubscriber]] = defaultdict(list)
        self._lock = threading.Lock()
        self.relay: RedisRelay | None = None  # set while a RedisRelay runs

    def subscribe(self, customer_id: int, callback: Subscriber) -> Callable[[], None]:
        """Receive the customer's events; call the returned function to stop."""
        with self._lock:
            self._subscribers[customer_id].append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers.get(customer_id, []):
                    self._subscribers[customer_id].remove(callback)

        return unsubscribe

    def subscribe_sessions(self, user_id: int, callback: SessionSubscriber) -> Callable[[], None]:
        """Hear when sessions of the user end; call the returned function to stop."""
        with self._lock:
            self._session_subscribers[user_id].append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._session_subscribers.get(user_id, []):
                    self._session_subscribers[user_id].remove(callback)

        return unsubscribe

    def publish_sessions_ended(self, ended: SessionsEnded) -> None:
        """Tell every process's pages of the user (this one's at once, before the relay round trip)."""
        self.deliver_sessions_ended(ended)
        relay = self.relay
        if relay is not None:
            relay.send(ended)

    def deliver_sessions_ended(self, ended: SessionsEnded) -> None:
        with self._lock:
            callbacks = list(self._session_subscribers.get(ended.user_id, []))
        for callback in callbacks:
            try:
                callback(ended)
            except Exception:  # noqa: BLE001 - one broken page must not stop the others
                log.exception("session-end subscriber failed")

    def publish(self, event: LiveEvent) -> None:
        """Deliver to every subscriber of the customer, in every process when a relay is attached."""
        relay = self.relay
        if relay is not None and relay.send(event):
            return  # the relay's listener delivers it here too, in the order Redis saw it
        self.deliver(event)

    def deliver(self, event: LiveEvent) -> None:
        """Hand the event to this process's subscribers."""
        with self._lock:
            callbacks = list(self._subscribers.get(event.customer_id, []))
        for callback in callbacks:
            try:
                callback(event)
            except Exception:  # noqa: BLE001 - one broken page must not stop the others
                log.exception("live update subscriber failed; dropping it")
                with self._lock:
                    if callback in self._subscribers.get(event.customer_id, []):
                        self._subscribers[event.customer_id].remove(callback)

    def clear(self) -> None:
        """Forget every subscriber (tests; a process shutting down)."""
        with self._lock:
            self._subscribers.clear()
            self._session_subscribers.clear()

    def subscriber_count(self, customer_id: int | None = None) -> int:
        with self._lock:
            if customer_id is not None:
                return len(self._subscribers.get(customer_id, []))
            return sum(len(callbacks) for callbacks in self._subscribers.values())



class RedisRelay:
    """Carries live events between portal processes over one Redis pub/sub channel."""

    CHANNEL = "portal:live-events"

    def __init__(self, url: str, target: EventBus, channel: str = CHANNEL) -> None:
        self.url = url
        self.channel = channel
        self.target = target
        self.origin = uuid.uuid4().hex  # for logs: which process sent what
        self._publisher = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()

    def send(self, event: LiveEvent | SessionsEnded) -> bool:
        """Publish to every process (this one included); False when Redis is unreachable."""
        try:
            self._publisher.publish(self.channel, event.to_json())
        except redis.RedisError as error:
            log.warning("live event not relayed (%s); delivered in this process only", type(error).__name__)
            return False
        return True

    def start(self) -> None:
        """Listen on the app's event loop until `stop`; reconnects after Redis failures."""
        self.target.relay = self
        self._task = asyncio.get_running_loop().create_task(self._listen())

    async def stop(self) -> None:
        if self.target.relay is self:
            self.target.relay = None
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self._publisher.close()

    async def _listen(self) -> None:
        client = aioredis.Redis.from_url(self.url, socket_connect_timeout=2)
        delay = 0.5
        try:
            while True:
                try:
                    async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                        await pubsub.subscribe(self.channel)
                        self.listening.set()
                        delay = 0.5
                        log.info("live events: listening on Redis")
                        while True:
                            message = await pubsub.get_message(timeout=30.0)
                            if message is not None and message.get("type") == "message":
                                self._deliver(message["data"])
                except (redis.RedisError, OSError) as error:
                    self.listening.clear()
                    log.warning("live events: Redis connection lost (%s); retrying in %.1f s",
                                type(error).__name__, delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 10.0)
        finally:
            await client.aclose()

    def _deliver(self, data: bytes) -> None:
        try:
            document = json.loads(data)
            if isinstance(document, dict) and "sessions_ended" in document:
                fields = document["sessions_ended"]
                self.target.deliver_sessions_ended(SessionsEnded(
                    user_id=int(fields["user_id"]),
                    session_id=int(fields["session_id"]) if fields.get("session_id") is not None else None,
                    kept_session_id=(int(fields["kept_session_id"]) if fields.get("kept_session_id") is not None
                                     else None),
                    reason=str(fields.get("reason", ""))))
                return
            event = LiveEvent.from_json(data)
        except (ValueError, KeyError, TypeError):
            log.warning("live events: ignored a malformed message on %s", self.channel)
            return
        self.target.deliver(event)
