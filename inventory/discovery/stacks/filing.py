"""A source scan's components filed as library assets the scanned asset depends on.

One library asset per (scanned asset, ecosystem, package), ref
``scan:stack:<asset ref>|<ecosystem>:<name>``, with the stack catalog's product in
``product`` and the version read in ``version``; a ``uses_library`` dependency makes it a
provider of the scanned asset, so the planner moves it first. A component no longer read
on a re-scan is removed with its dependency and listed as disappeared.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory.choices import AssetType, DependencyKind
from inventory.discovery.stacks.catalog import CAPABILITIES, stack_catalog
from inventory.models import Asset, Dependency


def library_ref(asset_ref: str, ecosystem: str, name: str) -> str:
    ref = f"scan:stack:{asset_ref}|{ecosystem}:{name}"
    if len(ref) <= 200:
        return ref
    return f"scan:stack:sha256:{hashlib.sha256(ref.encode()).hexdigest()}"


def readiness_text(product: str, version: str | None) -> str:
    cat = stack_catalog()
    return "; ".join(
        cat.readiness(product, version, cap).sentence()
        for cap in CAPABILITIES
        if cap in (cat.products.get(product, {}).get("capabilities") or {}) or cat.via(product)
    )


def _library_name(c: Any, owner: str) -> str:
    product = stack_catalog().name(c.product or c.name)
    return f"{product} {c.version or ''} ({c.name}) in {owner}"[:200]


def file_components(
    session: Session, org_id: int, asset: Asset, result: Any, now: datetime, summary: dict[str, Any]
) -> None:
    prefix = f"scan:stack:{asset.ref}|"
    existing = {
        a.ref: a
        for a in session.scalars(
            select(Asset).where(
                Asset.organization_id == org_id, Asset.ref.like(prefix.replace("%", r"\%") + "%")
            )
        )
    }
    deps = {
        d.provider_id: d
        for d in session.scalars(
            select(Dependency).where(
                Dependency.dependent_id == asset.id, Dependency.kind == DependencyKind.USES_LIBRARY
            )
        )
    }
    summary.setdefault("components_appeared", [])
    summary.setdefault("components_disappeared", [])
    summary.setdefault("components_kept", 0)
    wanted: set[str] = set()
    for c in result.components:
        ref = library_ref(asset.ref, c.ecosystem, c.name)
        if ref in wanted:
            continue
        wanted.add(ref)
        where = f"{c.path}:{c.line}" if c.line else c.path
        description = (
            f"{c.ecosystem} package {c.name} {c.version or '(version not stated)'}"
            f" read from {where} by source scan at {now.date()}. "
            f"{readiness_text(c.product or '', c.version)}."
        )
        lib = existing.get(ref)
        if lib is None:
            lib = Asset(
                organization_id=org_id,
                ref=ref,
                name=_library_name(c, asset.name),
                asset_type=AssetType.LIBRARY_FIRMWARE,
                vendor=c.ecosystem[:200],
                product=(c.product or c.name)[:200],
                version=(c.version or None) and c.version[:100],
                location=where[:300],
                description=description,
                exposure=asset.exposure,
                criticality=asset.criticality,
            )
            session.add(lib)
            session.flush()
            summary["components_appeared"].append(
                {"ref": ref, "name": c.name, "version": c.version}
            )
        else:
            if lib.version != c.version:
                summary["components_appeared"].append(
                    {"ref": ref, "name": c.name, "version": c.version, "was": lib.version}
                )
            else:
                summary["components_kept"] += 1
            lib.version = (c.version or None) and c.version[:100]
            lib.description, lib.location = description, where[:300]
        if lib.id not in deps:
            session.add(
                Dependency(
                    organization_id=org_id,
                    dependent_id=asset.id,
                    provider_id=lib.id,
                    kind=DependencyKind.USES_LIBRARY,
                    description=f"read from {where}",
                )
            )
            deps[lib.id] = None  # type: ignore[assignment]
    for ref, lib in existing.items():
        if ref not in wanted:
            summary["components_disappeared"].append(
                {"ref": ref, "name": lib.product, "version": lib.version}
            )
            session.delete(lib)
