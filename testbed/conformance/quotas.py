"""Per-organization rate limits and quotas: in-process token buckets (the embedded default).

Two buckets per organization:

- ``requests``: every session creation and answer takes one token; 60 tokens, refilled at one
  per second.
- ``expensive``: a session whose preparation runs a costly operation takes one more token:
  Classic McEliece key generation (``kem_sender``) and SLH-DSA signing
  (``sig_vendor_verifies``). 3 tokens, refilled at one per 120 seconds.

An empty bucket raises :class:`RateLimited` with the seconds until a token is back; the API
answers 429 with ``Retry-After``. The embedded default keeps the buckets in the API process;
the scaled mode (PostgreSQL) uses :class:`SharedTokenBuckets`, rows in the database that
every API process and worker counts against (:meth:`VendorLimits.shared`).

>>> b = TokenBuckets(capacity=1, per_second=0.5)
>>> b.take(7, now=0.0)
>>> try:
...     b.take(7, now=0.5)
... except RateLimited as exc:
...     exc.retry_after
2
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Any

from core import shared_limits
from core.i18n import N_, Said, say

#: the organization's limits, as a page names them (`limit_reached`)
REQUEST_RATE = N_("request rate")
EXPENSIVE_QUOTA = N_("expensive-algorithm quota")


def limit_reached(limit: str) -> Said:
    """ "<limit> limit reached for your organization", the limit said in the reader's words
    when it is one of ours (a bucket named otherwise is quoted as written)."""
    name = say(limit) if limit in (REQUEST_RATE, EXPENSIVE_QUOTA) else limit
    return say(N_("{limit} limit reached for your organization"), limit=name)


class RateLimited(Exception):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """One token bucket per key: ``capacity`` tokens, refilled at ``per_second``."""

    def __init__(self, capacity: float, per_second: float, name: str = "requests") -> None:
        self.capacity = capacity
        self.per_second = per_second
        self.name = name
        self._buckets: dict[object, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: object, cost: float = 1.0, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket(self.capacity, now))
            bucket.tokens = min(
                self.capacity, bucket.tokens + (now - bucket.updated) * self.per_second
            )
            bucket.updated = now
            if bucket.tokens >= cost:
                bucket.tokens -= cost
                return
            wait = math.ceil((cost - bucket.tokens) / self.per_second)
        raise RateLimited(limit_reached(self.name), max(wait, 1))


class SharedTokenBuckets:
    """`TokenBuckets` kept in PostgreSQL (``rate_limit_buckets``): one count for all processes."""

    def __init__(
        self, sessions: Any, capacity: float, per_second: float, name: str = "requests"
    ) -> None:
        self.sessions = sessions
        self.capacity = capacity
        self.per_second = per_second
        self.name = name

    def take(self, key: object, cost: float = 1.0, now: float | None = None) -> None:
        wait = shared_limits.take(
            self.sessions, f"vendor:{self.name}", str(key), self.capacity, self.per_second, cost
        )
        if wait is not None:
            raise RateLimited(limit_reached(self.name), wait)


def is_expensive(algorithm: str, check: str) -> bool:
    """Classic McEliece key generation and SLH-DSA signing are the costly preparations."""
    if algorithm.startswith("Classic-McEliece") and check == "kem_sender":
        return True
    return algorithm.startswith("SLH-DSA") and check == "sig_vendor_verifies"


class VendorLimits:
    def __init__(
        self,
        requests: TokenBuckets | SharedTokenBuckets | None = None,
        expensive: TokenBuckets | SharedTokenBuckets | None = None,
    ) -> None:
        self.requests = requests or TokenBuckets(60, 1.0, REQUEST_RATE)
        self.expensive = expensive or TokenBuckets(3, 1 / 120, EXPENSIVE_QUOTA)

    @classmethod
    def shared(cls, sessions: Any) -> VendorLimits:
        """The same limits, counted in the database across every process."""
        return cls(
            SharedTokenBuckets(sessions, 60, 1.0, REQUEST_RATE),
            SharedTokenBuckets(sessions, 3, 1 / 120, EXPENSIVE_QUOTA),
        )

    def charge(self, organization_id: int, algorithm: str | None = None, check: str = "") -> None:
        """Take the tokens a request costs, or raise :class:`RateLimited`."""
        if algorithm is not None and is_expensive(algorithm, check):
            self.expensive.take(organization_id)
        self.requests.take(organization_id)
