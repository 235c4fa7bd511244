"""Slow down API-key guessing without locking out the people who share an address.

Failed keys are counted twice, in token buckets refilled over the window
(`AUTH_FAILURE_WINDOW_SECONDS`):

- per client address and key (`AUTH_FAILURE_LIMIT`, 10): a client that keeps sending one
  bad key (a revoked key in a script) is refused that key alone;
- per client address (`AUTH_CLIENT_FAILURE_LIMIT`, 100): a client spraying many keys is
  refused, but only keys that did not work from that address before. Everyone else behind
  the same NAT or proxy keeps working with the keys they were using.

A refused key is refused before it is looked up, so a 429 is no oracle for it. The key
itself is never kept, only its SHA-256 digest (as stored for every key). Both limiters use
the same token bucket, so `Retry-After` is the same on SQLite and PostgreSQL: the seconds
until one failure's worth has refilled.

State lives behind `FailureLimiter`: in the process (`InProcessFailureLimiter`, the
embedded default) or in PostgreSQL for several API processes (`SharedFailureLimiter`).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.orm import Session

from core import shared_limits

GOOD_KEY_SECONDS = 24 * 3600.0
"""How long a key that worked from an address keeps working there while that address is
over its failure budget."""


class FailureLimiter(Protocol):
    def retry_after(
        self, client: str, session: Session | None = None, key: str | None = None
    ) -> int | None:
        """Seconds the client must wait before trying ``key`` (a digest) again, or None.

        ``session``: a read-only session the caller has open anyway (the key lookup's), so
        a limiter kept in the database reads through it instead of taking a connection.
        """
        ...

    def record_failure(self, client: str, key: str | None = None) -> None:
        """Count one failed authentication of the client (with that key digest)."""
        ...

    def record_success(self, client: str, key: str, session: Session | None = None) -> None:
        """The key worked from this client: it keeps working here if the client is blocked."""
        ...


class _Buckets:
    """In-memory token buckets with `shared_limits`' arithmetic, bounded in number."""

    def __init__(self, capacity: float, per_second: float, max_keys: int, clock: Any) -> None:
        self.capacity, self.rate, self.max_keys, self.clock = capacity, per_second, max_keys, clock
        self.levels: OrderedDict[Any, tuple[float, float]] = OrderedDict()

    def level(self, key: Any) -> float:
        found = self.levels.get(key)
        if found is None:
            return self.capacity
        tokens, at = found
        return min(self.capacity, tokens + (self.clock() - at) * self.rate)

    def wait(self, key: Any) -> int | None:
        tokens = self.level(key)
        return None if tokens >= 1 else max(1, math.ceil((1 - tokens) / self.rate))

    def spend(self, key: Any) -> None:
        self.levels[key] = (max(0.0, self.level(key) - 1), self.clock())
        self.levels.move_to_end(key)
        while len(self.levels) > self.max_keys:  # a spray from many addresses: bounded
            self.levels.popitem(last=False)


class InProcessFailureLimiter:
    """`limit` failures per key and client and `client_limit` per client, per `window`.

    >>> limiter = InProcessFailureLimiter(limit=2, window=10.0, client_limit=3,
    ...                                   clock=lambda: 0.0)
    >>> for _ in range(2): limiter.record_failure("10.0.0.1", "k1")
    >>> limiter.retry_after("10.0.0.1", key="k1"), limiter.retry_after("10.0.0.1", key="k2")
    (5, None)
    >>> limiter.record_success("10.0.0.1", "good"); limiter.record_failure("10.0.0.1", "k2")
    >>> limiter.retry_after("10.0.0.1", key="k3"), limiter.retry_after("10.0.0.1", key="good")
    (4, None)
    >>> limiter.retry_after("10.0.0.2", key="k3") is None
    True
    """

    def __init__(
        self,
        limit: int = 10,
        window: float = 60.0,
        *,
        client_limit: int | None = None,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        client_limit = client_limit or 10 * limit
        self.pairs = _Buckets(limit, limit / window, max_clients, clock)
        self.clients = _Buckets(client_limit, client_limit / window, max_clients, clock)
        self.good: OrderedDict[tuple[str, str], float] = OrderedDict()
        self.max_clients = max_clients
        self._clock = clock
        self._lock = threading.Lock()

    def retry_after(
        self, client: str, session: Session | None = None, key: str | None = None
    ) -> int | None:
        with self._lock:
            if key is not None and (wait := self.pairs.wait((client, key))) is not None:
                return wait
            wait = self.clients.wait(client)
            if wait is not None and key is not None and self._worked(client, key):
                return None
            return wait

    def _worked(self, client: str, key: str) -> bool:
        at = self.good.get((client, key))
        return at is not None and self._clock() - at < GOOD_KEY_SECONDS

    def record_failure(self, client: str, key: str | None = None) -> None:
        with self._lock:
            self.clients.spend(client)
            if key is not None:
                self.pairs.spend((client, key))

    def record_success(self, client: str, key: str, session: Session | None = None) -> None:
        with self._lock:
            self.good[(client, key)] = self._clock()
            self.good.move_to_end((client, key))
            while len(self.good) > self.max_clients:
                self.good.popitem(last=False)


_PAIRS, _CLIENTS, _GOOD = "auth-key-failures", "auth-failures", "auth-good-keys"
_WORKED = text(
    "SELECT 1 FROM rate_limit_buckets WHERE scope = :scope AND key = :key"
    " AND updated_at > extract(epoch FROM clock_timestamp()) - :seconds"
)
_MARK = text(
    "INSERT INTO rate_limit_buckets (scope, key, tokens, updated_at)"
    " VALUES (:scope, :key, 1, extract(epoch FROM clock_timestamp()))"
    " ON CONFLICT (scope, key) DO UPDATE SET updated_at = EXCLUDED.updated_at"
)


class SharedFailureLimiter:
    """The same buckets in PostgreSQL (`rate_limit_buckets`), counted by every API process.

    Checking a key reads only; that a key worked from an address is written once per
    process, address and key every half day."""

    def __init__(
        self,
        sessions: Any,
        limit: int = 10,
        window: float = 60.0,
        *,
        client_limit: int | None = None,
    ) -> None:
        self.sessions = sessions
        self.limit, self.rate = limit, limit / window
        self.client_limit = client_limit or 10 * limit
        self.client_rate = self.client_limit / window
        self._marked: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._lock = threading.Lock()

    def _check(self, session: Session, client: str, key: str | None) -> int | None:
        if key is not None:
            wait = shared_limits.peek(session, _PAIRS, f"{client}|{key}", self.limit, self.rate)
            if wait is not None:
                return wait
        wait = shared_limits.peek(session, _CLIENTS, client, self.client_limit, self.client_rate)
        if wait is not None and key is not None:
            args = {"scope": _GOOD, "key": f"{client}|{key}", "seconds": GOOD_KEY_SECONDS}
            if session.execute(_WORKED, args).first() is not None:
                return None
        return wait

    def retry_after(
        self, client: str, session: Session | None = None, key: str | None = None
    ) -> int | None:
        if session is not None:
            return self._check(session, client, key)
        with self.sessions() as own:
            return self._check(own, client, key)

    def record_failure(self, client: str, key: str | None = None) -> None:
        shared_limits.take(
            self.sessions, _CLIENTS, client, self.client_limit, self.client_rate,
            spend_when_empty=True,
        )  # fmt: skip
        if key is not None:
            shared_limits.take(
                self.sessions, _PAIRS, f"{client}|{key}", self.limit, self.rate,
                spend_when_empty=True,
            )  # fmt: skip

    def record_success(self, client: str, key: str, session: Session | None = None) -> None:
        """Written once per process, address and key every half `GOOD_KEY_SECONDS` (kept
        in this process meanwhile), so ordinary traffic does not write on every request."""
        now = time.monotonic()
        with self._lock:
            marked = self._marked.get((client, key))
            if marked is not None and now - marked < GOOD_KEY_SECONDS / 2:
                return
            self._marked[(client, key)] = now
            self._marked.move_to_end((client, key))
            while len(self._marked) > 10_000:
                self._marked.popitem(last=False)
        with self.sessions.begin() as writer:
            writer.execute(_MARK, {"scope": _GOOD, "key": f"{client}|{key}"})
