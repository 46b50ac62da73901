"""In-process publish/subscribe of live changes, per customer.

Services publish after commit; each open page subscribes for its own customer and gets only
that customer's events. Callbacks must be quick and thread-safe (pages hand the work to their
own event loop); a failing callback is dropped, never allowed to break the publisher.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

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


Subscriber = Callable[[LiveEvent], None]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: dict[int, list[Subscriber]] = defaultdict(list)
        self._lock = threading.Lock()

    def subscribe(self, customer_id: int, callback: Subscriber) -> Callable[[], None]:
        """Receive the customer's events; call the returned function to stop."""
        with self._lock:
            self._subscribers[customer_id].append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers.get(customer_id, []):
                    self._subscribers[customer_id].remove(callback)

        return unsubscribe

    def publish(self, event: LiveEvent) -> None:
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

    def subscriber_count(self, customer_id: int | None = None) -> int:
        with self._lock:
            if customer_id is not None:
                return len(self._subscribers.get(customer_id, []))
            return sum(len(callbacks) for callbacks in self._subscribers.values())


bus = EventBus()
