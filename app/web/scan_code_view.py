"""What the page of a source scan shows: findings by file with their catalog verdicts,
crypto libraries with their post-quantum readiness, and what was skipped and why."""

from __future__ import annotations

from typing import Any

MAX_ROWS = 1000


def code_scan_view(results: list[dict[str, Any]]) -> dict[str, Any]:
    from inventory.catalog import get_catalog
    from inventory.discovery import source_filing as sf
    from inventory.discovery.code.engine import Finding
    from inventory.discovery.stacks.catalog import stack_catalog

    cat, stacks = get_catalog(), stack_catalog()
    trees, findings, components = [], [], []
    for r in results:
        trees.append(
            {
                "name": r.get("name"),
                "target": r.get("target"),
                "status": r.get("status"),
                "error": r.get("error"),
                "files": r.get("files", 0),
                "lines": r.get("lines", 0),
                "parsed": r.get("parsed", 0),
                "cached": r.get("cached", 0),
                "total": r.get("findings_total", 0),
                "skipped": sorted((r.get("skipped") or {}).items()),
                "seconds": r.get("seconds"),
            }
        )
        for raw in (r.get("findings") or [])[:MAX_ROWS]:
            try:
                f = Finding(**raw)
            except TypeError:
                continue
            c = cat.classify(
                sf.catalog_name(f), key_size=f.key_size, curve=f.curve, primitive=sf.primitive_of(f)
            )
            findings.append(
                {
                    "where": f"{f.path}:{f.line}",
                    "algorithm": c.canonical,
                    "status": c.status.value,
                    "parameters": sf.parameters(f),
                    "api": f.api,
                    "code": f.code,
                }
            )
        for comp in (r.get("components") or [])[:MAX_ROWS]:
            product = comp.get("product") or ""
            gaps = [
                stacks.readiness(product, comp.get("version"), cap).sentence()
                for cap in ("tls_hybrid", "ml_kem", "ml_dsa", "slh_dsa")
                if stacks.readiness(product, comp.get("version"), cap).ready is False
            ]
            components.append(
                {
                    "where": f"{comp.get('path')}:{comp.get('line') or 1}",
                    "name": comp.get("name"),
                    "version": comp.get("version") or "",
                    "product": stacks.name(product),
                    "gaps": gaps,
                }
            )
    return {"trees": trees, "findings": findings, "components": components}
