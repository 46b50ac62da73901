"""Keys derived from the portal's secret key, authenticated encryption and keyed hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "v1"


class DecryptionError(Exception):
    """The ciphertext was altered, truncated or made with another key: fail closed."""


@lru_cache(maxsize=32)
def derive_key(secret_key: str, purpose: str) -> bytes:
    """A 256-bit key for one purpose ("totp", "audit-chain", …); purposes never share keys."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"invoice-portal", info=purpose.encode()).derive(
        secret_key.encode()
    )


def encrypt(secret_key: str, purpose: str, plaintext: str) -> str:
    """AES-256-GCM with a random nonce; the purpose is bound in as associated data."""
    nonce = os.urandom(12)
    ciphertext = AESGCM(derive_key(secret_key, purpose)).encrypt(nonce, plaintext.encode(), purpose.encode())
    return f"{_VERSION}.{base64.urlsafe_b64encode(nonce + ciphertext).decode()}"


def decrypt(secret_key: str, purpose: str, token: str) -> str:
    """The plaintext of `encrypt`'s output; DecryptionError on any tampering."""
    version, _, body = token.partition(".")
    if version != _VERSION:
        raise DecryptionError("unknown ciphertext version")
    try:
        raw = base64.urlsafe_b64decode(body.encode())
        plaintext = AESGCM(derive_key(secret_key, purpose)).decrypt(raw[:12], raw[12:], purpose.encode())
    except (InvalidTag, ValueError) as error:
        raise DecryptionError("ciphertext does not verify") from error
    return plaintext.decode()


def keyed_hash(secret_key: str, purpose: str, value: str) -> str:
    """HMAC-SHA256 of `value` under the purpose's key, hex."""
    return hmac.new(derive_key(secret_key, purpose), value.encode(), hashlib.sha256).hexdigest()


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
