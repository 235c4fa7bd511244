"""Slow down API-key guessing: too many failed keys from one client address answer 429.

Counted per client address only, not per key prefix: keys are 256-bit random, so a prefix
tells an attacker nothing, while locking a prefix would let anyone who saw a key's prefix
lock its owner out. A blocked address is refused before its key is even looked at, so the
429 is no oracle for a valid key; other addresses are not affected.

State lives behind `FailureLimiter`: in the process (`InProcessFailureLimiter`, the
embedded default) or in PostgreSQL for several API processes (`SharedFailureLimiter`).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy.orm import Session

from core import shared_limits


class FailureLimiter(Protocol):
    def retry_after(self, client: str, session: Session | None = None) -> int | None:
        """Seconds the client must wait before trying again, or None if it may try now.

        ``session``: a read-only session the caller has open anyway (the key lookup's), so
        a limiter kept in the database reads through it instead of taking a connection.
        """
        ...

    def record_failure(self, client: str) -> None:
        """Count one failed authentication of the client."""
        ...


class InProcessFailureLimiter:
    """At most `limit` failures per client within a sliding `window` of seconds.

    >>> limiter = InProcessFailureLimiter(limit=2, window=10.0, clock=lambda: 0.0)
    >>> limiter.record_failure("10.0.0.1"); limiter.retry_after("10.0.0.1") is None
    True
    >>> limiter.record_failure("10.0.0.1"); limiter.retry_after("10.0.0.1")
    10
    >>> limiter.retry_after("10.0.0.2") is None
    True
    """

    def __init__(
        self,
        limit: int = 10,
        window: float = 60.0,
        *,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.max_clients = max_clients  # bounds memory under a spray from many addresses
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float] | None:
        times = self._failures.get(client)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[client]
            return None
        return times

    def retry_after(self, client: str, session: Session | None = None) -> int | None:
        with self._lock:
            now = self._clock()
            times = self._recent(client, now)
            if times is None or len(times) < self.limit:
                return None
            # Free again once enough of the oldest failures have left the window.
            wait = times[len(times) - self.limit] + self.window - now
            return max(1, math.ceil(wait))

    def record_failure(self, client: str) -> None:
        with self._lock:
            now = self._clock()
            times = self._recent(client, now)
            if times is None:
                times = deque(maxlen=self.limit)
                self._failures[client] = times
                while len(self._failures) > self.max_clients:
                    self._failures.popitem(last=False)
            self._failures.move_to_end(client)
            times.append(now)


class SharedFailureLimiter:
    """`limit` failures per `window` per client, counted in PostgreSQL by every API process.

    A token bucket (``limit`` tokens, refilled at ``limit / window`` per second): a client
    that spent them all waits until one is back, then may try once more.
    """

    def __init__(self, sessions: Any, limit: int = 10, window: float = 60.0) -> None:
        self.sessions = sessions
        self.limit = limit
        self.rate = limit / window

    def retry_after(self, client: str, session: Session | None = None) -> int | None:
        if session is not None:
            return shared_limits.peek(session, "auth-failures", client, self.limit, self.rate)
        with self.sessions() as own:
            return shared_limits.peek(own, "auth-failures", client, self.limit, self.rate)

    def record_failure(self, client: str) -> None:
        shared_limits.take(
            self.sessions, "auth-failures", client, self.limit, self.rate, spend_when_empty=True
        )
