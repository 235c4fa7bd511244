"""The import's warnings: what the document says that the model cannot hold, each naming a
JSON path. Repeats of the same field (same path up to list indexes) are counted in one line.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Container, Iterable

from inventory.exchange.cbom_import.fields import child_path

NOT_HELD = "not held by the inventory model"
_INDEX_RE = re.compile(r"\[\d+\]")


class Notes:
    """Warnings in the order first seen; `render` counts the repeats.

    >>> notes = Notes()
    >>> for i in range(3):
    ...     notes.add(f"$.components[{i}].hashes", NOT_HELD)
    >>> notes.render()
    ['$.components[0].hashes: not held by the inventory model (and 2 more like it)']
    """

    def __init__(self) -> None:
        self._order: list[str] = []
        self._first: dict[str, tuple[str, str]] = {}
        self._count: dict[str, int] = defaultdict(int)
        self.kept: set[str] = set()  # paths of crypto components stored verbatim

    def add(self, path: str, message: str, group: str | None = None) -> None:
        if message.startswith(NOT_HELD) and self.kept:
            for part in (".cryptoProperties", ".evidence"):
                if part in path and path.split(part, 1)[0] in self.kept:
                    return  # kept in cbom_extra
        key = (group or "") + "|" + _INDEX_RE.sub("[*]", path) + "|" + (group or message)
        if key not in self._first:
            self._first[key] = (path, message)
            self._order.append(key)
        self._count[key] += 1

    def unread(self, obj: Iterable[str], path: str, read: Container[str]) -> None:
        """Report each key of `obj` the importer does not read as not held."""
        for k in obj:
            if k not in read:
                self.add(child_path(path, k), NOT_HELD)

    def render(self) -> list[str]:
        out = []
        for key in self._order:
            path, message = self._first[key]
            n = self._count[key] - 1
            more = f" (and {n} more like it)" if n else ""
            out.append(f"{path}: {message}{more}")
        return out
