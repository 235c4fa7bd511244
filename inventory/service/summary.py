"""Inventory summary: counts by quantum status, sector and algorithm."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Organization
from core.tenancy import Principal, scoped
from inventory.choices import QuantumStatus
from inventory.models import Asset, CryptoUsage

VULNERABLE = (QuantumStatus.BROKEN, QuantumStatus.WEAKENED)


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
    out.assets = session.scalar(narrow(select(func.count(Asset.id)), Asset)) or 0
    out.usages = session.scalar(narrow(select(func.count(CryptoUsage.id)), CryptoUsage)) or 0
    # GROUP BY asset_id reads ix_usages_asset_status in order; COUNT(DISTINCT) would sort
    # every vulnerable usage first (1.4 s against 0.3 s at 500,000 usages on SQLite)
    vulnerable = narrow(
        select(CryptoUsage.asset_id)
        .where(CryptoUsage.quantum_status.in_(VULNERABLE))
        .group_by(CryptoUsage.asset_id),
        CryptoUsage,
    ).subquery()
    out.vulnerable_assets = session.scalar(select(func.count()).select_from(vulnerable)) or 0
    out.by_status = {s.value: 0 for s in QuantumStatus}
    for status, count in session.execute(
        narrow(
            select(CryptoUsage.quantum_status, func.count()).group_by(CryptoUsage.quantum_status),
            CryptoUsage,
        )
    ):
        out.by_status[QuantumStatus(status).value] = count
    # per organization from ix_usages_org_status, then folded by sector: a join of every
    # usage with its organization costs seconds at 500,000 usages
    per_org = session.execute(
        narrow(
            select(CryptoUsage.organization_id, CryptoUsage.quantum_status, func.count()).group_by(
                CryptoUsage.organization_id, CryptoUsage.quantum_status
            ),
            CryptoUsage,
        )
    ).all()
    sector_of = dict(
        session.execute(
            select(Organization.id, Organization.sector).where(
                Organization.id.in_({org for org, _, _ in per_org})
            )
        ).all()
    )
    for org, status, count in per_org:
        bucket = out.by_sector.setdefault(str(sector_of[org].value), {})
        key = QuantumStatus(status).value
        bucket[key] = bucket.get(key, 0) + count
    for algorithm, status, count in session.execute(
        narrow(
            select(CryptoUsage.algorithm, CryptoUsage.quantum_status, func.count())
            .group_by(CryptoUsage.algorithm, CryptoUsage.quantum_status)
            .order_by(func.count().desc(), CryptoUsage.algorithm),
            CryptoUsage,
        )
    ):
        out.by_algorithm.append(
            {"algorithm": algorithm, "quantum_status": QuantumStatus(status).value, "count": count}
        )
    return out
