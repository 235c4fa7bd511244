"""`scan_stacks`: the software stacks of a walked tree, named by the stack catalog."""

from __future__ import annotations

from pathlib import Path

from inventory.discovery.code.engine import Finding
from inventory.discovery.code.walk import Walked, check_text
from inventory.discovery.stacks import readers
from inventory.discovery.stacks.catalog import stack_catalog
from inventory.discovery.stacks.component import Component

MAX_BYTES = 20_000_000  # package lists and SBOMs run large


def scan_stacks(
    root: Path, walked: Walked
) -> tuple[list[Component], list[Finding], dict[str, list[str]]]:
    """Components the catalog knows (the rest of an SBOM is not cryptography), each once
    per (ecosystem, name, version), at the first place it was read."""
    catalog = stack_catalog()
    found: dict[tuple[str, str, str | None], Component] = {}
    skipped: dict[str, list[str]] = {}
    sizes = dict(walked.files)
    candidates = [(rel, readers.kind_of(rel)) for rel, _ in walked.files]
    for rel, kind in candidates:
        if kind is None:
            continue
        path = root / rel
        if sizes.get(rel, 0) > MAX_BYTES:
            skipped.setdefault("huge", []).append(rel)
            continue
        try:
            data = path.read_bytes()
        except OSError:
            skipped.setdefault("unreadable", []).append(rel)
            continue
        reason = (
            check_text(data)
            if kind not in ("sbom-json", "npm-lock")
            else ("binary" if b"\0" in data[:8192] else None)
        )
        if reason is not None:
            skipped.setdefault(reason, []).append(rel)
            continue
        try:
            text = data.decode("utf-8")
            components = readers.read(kind, rel, text)
        except (ValueError, UnicodeDecodeError, KeyError, TypeError, AttributeError) as exc:
            skipped.setdefault(f"unparsable {kind}", []).append(f"{rel}: {exc}"[:200])
            continue
        for c in components:
            product = catalog.product_of(c.ecosystem, c.name)
            if product is None:
                continue
            c.product = product
            found.setdefault((c.ecosystem, c.name, c.version), c)
    return sorted(found.values(), key=lambda c: (c.path, c.line or 0, c.name)), [], skipped
