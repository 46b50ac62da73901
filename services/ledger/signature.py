"""Signed pushes: `Portal-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`.

The timestamp is inside the MAC and must be within five minutes of our clock, so a captured
request cannot be replayed later; a replay within the window changes nothing, because every
event is applied once (the inbox is keyed by event id).
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "portal-signature"
TOLERANCE_SECONDS = 300


class SignatureError(Exception):
    """Why a push was refused (the message is safe to return)."""


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str | None, body: bytes, now: float) -> None:
    """Raise SignatureError unless `header` signs `body` with `secret` at a time close to `now`."""
    if not header:
        raise SignatureError("missing Portal-Signature header")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise SignatureError("the signature has no valid timestamp") from None
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise SignatureError("the signature timestamp is too old or in the future")
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, candidate) for candidate in parts.get("v1", [])):
        raise SignatureError("the signature does not match")
