"""A small thread-safe LRU for parsed key objects.

Engines keep parsed keys (bounded) so that a benchmark measures the operation, not the
parsing of the same key bytes again and again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class KeyCache(Generic[K, V]):
    """A bounded mapping; ``on_evict`` releases native resources of dropped values."""

    def __init__(self, maxsize: int = 32, on_evict: Callable[[V], None] | None = None):
        self._data: OrderedDict[K, V] = OrderedDict()
        self._maxsize = maxsize
        self._on_evict = on_evict
        self._lock = threading.Lock()

    def get(self, key: K, make: Callable[[], V]) -> V:
        """The cached value for ``key``, made with ``make()`` on a miss (thread-safe).

        An evicted value is released at once, so a caller must not keep using a value
        after many other keys have come in; engines use them within one call.
        """
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
                return value
        value = make()
        evicted = []
        with self._lock:
            existing = self._data.get(key)
            if existing is not None:  # another thread made it meanwhile
                evicted.append(value)
                value = existing
            else:
                self._data[key] = value
                while len(self._data) > self._maxsize:
                    evicted.append(self._data.popitem(last=False)[1])
        if self._on_evict is not None:
            for old in evicted:
                self._on_evict(old)
        return value

    def clear(self) -> None:
        with self._lock:
            olds = list(self._data.values())
            self._data.clear()
        if self._on_evict is not None:
            for old in olds:
                self._on_evict(old)
