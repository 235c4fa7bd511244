"""Inventory summary: counts by quantum status, sector and algorithm, read from the
counters the database keeps current on every write (`inventory.models.counters`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Organization
from core.tenancy import Principal, scoped
from inventory.choices import QuantumStatus
from inventory.models import AssetCount, UsageCount


@dataclass
class InventorySummary:
    organizations: int = 0
    assets: int = 0
    usages: int = 0
    vulnerable_assets: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_sector: dict[str, dict[str, int]] = field(default_factory=dict)
    by_algorithm: list[dict[str, Any]] = field(default_factory=list)


def summarize(
    session: Session, principal: Principal, organization_id: int | None = None
) -> InventorySummary:
    principal.require_read()

    def narrow(stmt: Any, model: type) -> Any:
        stmt = scoped(stmt, model, principal)
        if organization_id is not None:
            stmt = stmt.where(model.organization_id == organization_id)  # type: ignore[attr-defined]
        return stmt

    out = InventorySummary()
    org_stmt = select(func.count(Organization.id))
    if not principal.is_admin:
        org_stmt = org_stmt.where(Organization.id == principal.organization_id)
    elif organization_id is not None:
        org_stmt = org_stmt.where(Organization.id == organization_id)
    out.organizations = session.scalar(org_stmt) or 0
    # from the counters the database keeps per write (inventory.models.counters): a few
    # dozen rows, where grouping 500,000 usages cost most of a second on every call
    assets, vulnerable = session.execute(
        narrow(select(func.sum(AssetCount.assets), func.sum(AssetCount.vulnerable)), AssetCount)
    ).one()
    out.assets, out.vulnerable_assets = int(assets or 0), int(vulnerable or 0)
    out.by_status = {s.value: 0 for s in QuantumStatus}
    per_org: dict[tuple[int, str], int] = defaultdict(int)
    per_algorithm: dict[tuple[str, str], int] = defaultdict(int)
    for org, algorithm, status, count in session.execute(
        narrow(
            select(
                UsageCount.organization_id,
                UsageCount.algorithm,
                UsageCount.quantum_status,
                UsageCount.usages,
            ).where(UsageCount.usages > 0),
            UsageCount,
        )
    ):
        key = QuantumStatus(status).value
        out.usages += count
        out.by_status[key] += count
        per_org[(org, key)] += count
        per_algorithm[(algorithm, key)] += count
    sector_of = dict(
        session.execute(
            select(Organization.id, Organization.sector).where(
                Organization.id.in_({org for org, _ in per_org})
            )
        ).all()
    )
    for (org, key), count in per_org.items():
        bucket = out.by_sector.setdefault(str(sector_of[org].value), {})
        bucket[key] = bucket.get(key, 0) + count
    out.by_algorithm = [
        {"algorithm": algorithm, "quantum_status": status, "count": count}
        for (algorithm, status), count in sorted(
            per_algorithm.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1])
        )
    ]
    return out
