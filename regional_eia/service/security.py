"""Passwords (argon2id), unguessable tokens, CSRF tokens, and rate limits on the public forms."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

__all__ = ["hash_password", "verify_password", "new_token", "token_hash", "same", "RateLimits",
           "CSRF_COOKIE", "SESSION_COOKIE", "MIN_PASSWORD"]

CSRF_COOKIE = "reia_csrf"
SESSION_COOKIE = "reia_session"
MIN_PASSWORD = 10

_hasher = PasswordHasher()  # argon2id with the library's current parameters (RFC 9106 low-memory profile)


@functools.lru_cache(maxsize=1)
def _dummy() -> str:
    """A hash to verify against when a user does not exist, so that the answer takes as long."""
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored``; a missing account costs the same time as a wrong password."""
    try:
        return _hasher.verify(stored or _dummy(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """An unguessable token for a link or a cookie: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps of a token: its SHA-256, so that a copy of the database opens nothing."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


class RateLimits:
    """Per-client moving-window limits (the ``limits`` library), one bucket per form."""

    def __init__(self, rules: dict[str, str]):
        self._limits = {name: parse(rule) for name, rule in rules.items()}
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, bucket: str, client: str) -> bool:
        """Count one request; False when the client is over the bucket's limit."""
        return self._limiter.hit(self._limits[bucket], bucket, client)

    def describe(self, bucket: str) -> str:
        limit = self._limits[bucket]
        return f"{limit.amount} per {limit.multiples if limit.multiples > 1 else ''}{limit.GRANULARITY.name}"
