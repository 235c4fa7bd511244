"""An asset's usages as a person reads them: the same use of the same algorithm once, with
how many times and where it was seen (file:line from a CBOM's `evidence.occurrences`),
the most urgent first.

A code scanner reports an algorithm once per call site: 56 components may be 6 uses seen in
50 places. Usages are grouped by what they are (algorithm, primitive, function, protocol,
key size or parameter set, library, certificate) and keep every usage, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from inventory.choices import QuantumStatus
from inventory.models import CryptoUsage

URGENCY = (
    QuantumStatus.BROKEN,
    QuantumStatus.WEAKENED,
    QuantumStatus.UNKNOWN,
    QuantumStatus.HYBRID,
    QuantumStatus.RESISTANT,
)


@dataclass(frozen=True)
class Location:
    """Where a scanner saw a component: a file (or image path), line, offset, and what it
    called there."""

    file: str
    line: int | None = None
    offset: int | None = None
    context: str | None = None

    def __str__(self) -> str:
        out = self.file
        if self.line is not None:
            out += f":{self.line}"
            if self.offset is not None:
                out += f":{self.offset}"
        return out


@dataclass
class UsageGroup:
    first: CryptoUsage
    usages: list[CryptoUsage] = field(default_factory=list)
    spellings: list[str] = field(default_factory=list)  # as the sources wrote the name
    locations: list[Location] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)  # evidence that names no file:line

    @property
    def count(self) -> int:
        return len(self.usages)


def locations_of(usage: CryptoUsage) -> list[Location]:
    """`evidence.occurrences` of the CBOM components this usage stands for."""
    extra: dict[str, Any] = usage.cbom_extra or {}
    out: list[Location] = []
    for component in extra.get("components") or ():
        evidence = component.get("evidence") if isinstance(component, dict) else None
        occurrences = evidence.get("occurrences") if isinstance(evidence, dict) else None
        for occ in occurrences if isinstance(occurrences, list) else ():
            if not isinstance(occ, dict) or not isinstance(occ.get("location"), str):
                continue
            out.append(
                Location(
                    occ["location"],
                    _int(occ.get("line")),
                    _int(occ.get("offset")),
                    _text(occ.get("additionalContext")),
                )
            )
    return out


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _key(u: CryptoUsage) -> tuple[Any, ...]:
    return (
        u.algorithm,
        u.primitive,
        u.function,
        u.quantum_status,
        u.protocol,
        u.key_size,
        u.parameter_set,
        u.library,
        u.cert_fingerprint_sha256 or u.cert_serial or u.cert_subject,
    )


def group_usages(usages: Iterable[CryptoUsage]) -> list[UsageGroup]:
    """Usages grouped by what they are; broken first, then weakened, unknown, hybrid and
    resistant; by algorithm name within each."""
    groups: dict[tuple[Any, ...], UsageGroup] = {}
    for usage in sorted(usages, key=lambda u: u.id):
        group = groups.get(_key(usage))
        if group is None:
            group = groups[_key(usage)] = UsageGroup(first=usage)
        group.usages.append(usage)
        if usage.algorithm_raw and usage.algorithm_raw not in group.spellings:
            group.spellings.append(usage.algorithm_raw)
        found = locations_of(usage)
        group.locations.extend(loc for loc in found if loc not in group.locations)
        if not found and usage.evidence and usage.evidence not in group.evidence:
            group.evidence.append(usage.evidence)
    for group in groups.values():
        group.locations.sort(
            key=lambda loc: (loc.file, loc.line or 0, loc.offset or 0, loc.context or "")
        )
    return sorted(
        groups.values(),
        key=lambda g: (
            URGENCY.index(g.first.quantum_status),
            g.first.algorithm.casefold(),
            str(g.first.function),
        ),
    )
