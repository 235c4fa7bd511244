"""One library or runtime a source tree is built on, as its manifests name it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Component:
    """A library or runtime a manifest, lock file, SBOM or package list names."""

    ecosystem: str  # pypi, maven, golang, npm, cargo, deb, generic
    name: str
    version: str | None
    path: str  # where it was read
    line: int | None = None
    product: str | None = None  # the stack catalog's product, when it knows this component
    direct: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}
