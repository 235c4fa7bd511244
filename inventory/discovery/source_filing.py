"""How a source scan's findings become inventory rows and CBOM components, one way for
both, so the stored scan, its CBOM and that CBOM re-imported give the same verdicts.

A finding's usage is keyed by file, algorithm and parameters: the same call moving to
another line is the same usage (its evidence names the new line); a usage per file keeps
the inventory readable while every occurrence stays listed.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

from inventory.choices import CryptoFunction, Primitive
from inventory.discovery.code.engine import Finding
from inventory.discovery.source import SourceResult
from inventory.discovery.stacks.component import Component

_SIGNATURES = {"RSA", "ECDSA", "DSA", "EC"}
_WEAK_DIGESTS = {"SHA-1": "SHA1", "MD5": "MD5"}
PRIMITIVES = {p.value for p in Primitive}
FUNCTIONS = {f.value for f in CryptoFunction}


def catalog_name(f: Finding) -> str:
    """The spelling the catalog classifies: a signature over SHA-1 or MD5 keeps its hash
    (classically broken whatever the key), an HMAC or KDF names its digest."""
    alg = f.algorithm
    up = alg.upper()
    if f.digest in _WEAK_DIGESTS and up in _SIGNATURES and f.primitive == "signature":
        return f"{'ECDSA' if up == 'EC' else up}-{_WEAK_DIGESTS[f.digest]}"
    if up == "HMAC" and f.digest:
        return "HMAC-" + f.digest.replace("-", "")
    if up in ("PBKDF2", "HKDF") and f.digest:
        return (
            f"{up}-HMAC-{f.digest.replace('-', '')}"
            if up == "PBKDF2"
            else f"HKDF-{f.digest.replace('-', '')}"
        )
    return alg


def primitive_of(f: Finding) -> Primitive:
    p = f.primitive if f.primitive in PRIMITIVES else "other"
    if f.algorithm.upper() in ("ECDH", "X25519", "X448", "DH") or "MLKEM" in f.algorithm.upper():
        p = "key_exchange"
    return Primitive(p)


def function_of(f: Finding) -> CryptoFunction:
    return CryptoFunction(f.function if f.function in FUNCTIONS else "other")


def group_key(f: Finding) -> tuple[Any, ...]:
    return (f.path, catalog_name(f), f.key_size, f.curve, f.mode, f.padding, f.digest, f.protocol)


def grouped(findings: list[Finding]) -> dict[tuple[Any, ...], list[Finding]]:
    groups: dict[tuple[Any, ...], list[Finding]] = defaultdict(list)
    for f in findings:
        groups[group_key(f)].append(f)
    return groups


def usage_suffix(key: tuple[Any, ...]) -> str:
    digest = hashlib.sha256(repr(key[1:]).encode()).hexdigest()[:12]
    return f"code:{key[0]}:{key[1]}:{digest}"


def parameters(f: Finding) -> str:
    parts = []
    for name in ("key_size", "curve", "mode", "padding", "digest", "protocol"):
        value = getattr(f, name)
        if value is not None:
            parts.append(f"{name.replace('_', ' ')} {value}")
    for name, why in sorted(f.unknown.items()):
        parts.append(f"{name.replace('_', ' ')} unknown ({why})")
    return ", ".join(parts)


def evidence(group: list[Finding], limit: int = 20) -> str:
    first = group[0]
    where = "; ".join(f"{f.path}:{f.line}:{f.column} `{f.code[:120]}`" for f in group[:limit])
    more = f" and {len(group) - limit} more" if len(group) > limit else ""
    params = parameters(first)
    notes = sorted({n for f in group for n in f.notes})[:5]
    text = f"{first.api} ({first.library}): {first.algorithm}" + (f", {params}" if params else "")
    text += f"; at {where}{more}"
    if notes:
        text += "; " + "; ".join(notes)
    return text


def unknown_note(group: list[Finding]) -> str | None:
    """What the code leaves unstated, over every occurrence: 'key size unknown: size; not
    stated in the code'."""
    seen: dict[str, list[str]] = {}
    for f in group:
        for name, why in f.unknown.items():
            if why not in seen.setdefault(name, []):
                seen[name].append(why)
    parts = [f"{k.replace('_', ' ')} unknown: {'; '.join(v)}" for k, v in sorted(seen.items())]
    return ". ".join(parts) or None


def occurrences(group: list[Finding]) -> list[dict[str, Any]]:
    return [
        {"location": f.path, "line": f.line, "offset": f.column, "additionalContext": f.api}
        for f in group
    ]


def component_key(result: SourceResult, c: Component) -> str:
    return f"{c.ecosystem}:{c.name}"


__all__ = [
    "Component",
    "catalog_name",
    "evidence",
    "function_of",
    "group_key",
    "grouped",
    "occurrences",
    "parameters",
    "primitive_of",
    "unknown_note",
    "usage_suffix",
]
