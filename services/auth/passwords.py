"""Password hashing (argon2id) and the rules a new password must meet."""

from __future__ import annotations

import functools
import secrets
import threading
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from services.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 1024
COMMON_PASSWORDS_FILE = Path(__file__).with_name("assets") / "common-passwords.txt"

# argon2-cffi's defaults (argon2id, m=64 MiB, t=3, p=4) exceed OWASP's minimum; keep them.
_hasher = PasswordHasher()
# Each hash takes 64 MiB and tens of ms; bound how many run at once so a login flood cannot
# exhaust memory or starve the event loop's worker threads.
_hashing_slots = threading.BoundedSemaphore(4)


def hash_password(password: str) -> str:
    """An argon2id hash of `password` (salted, self-describing)."""
    with _hashing_slots:
        return _hasher.hash(password)


@functools.cache
def reference_hash() -> str:
    """A real argon2id hash of a password nobody has, made once per process: checking against it costs
    what checking a real password costs, for addresses with no account or no usable password."""
    return hash_password("no-account-" + secrets.token_hex(16))


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches. A hash that is no argon2 hash (an account whose invitation was
    not accepted yet) counts as a mismatch after the same work as a real check, so that answer
    times do not tell such accounts apart."""
    if not password_hash.startswith("$argon2"):
        verify_password(reference_hash(), password)
        return False
    with _hashing_slots:
        try:
            return _hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


PASSWORD_PROBLEMS = {
    "too_short": f"Use at least {MIN_LENGTH} characters; a passphrase of a few words is best.",
    "too_long": f"Use at most {MAX_LENGTH} characters.",
    "common": "This password is among the most common ones and easy to guess; choose another.",
}


def check_new_password(password: str) -> None:
    """Raise InvalidInput with a clear reason when `password` may not be used."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(PASSWORD_PROBLEMS["too_short"], "too_short")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(PASSWORD_PROBLEMS["too_long"], "too_long")
    if password.lower() in _common_passwords():
        raise InvalidInput(PASSWORD_PROBLEMS["common"], "common")
