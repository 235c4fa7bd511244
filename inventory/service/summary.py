"""Inventory summary: counts by quantum status, sector and algorithm."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from inventory.choices import QuantumStatus
from inventory.models import Asset, CryptoUsage, Organization
from inventory.tenancy import Principal, scoped

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
    out.vulnerable_assets = (
        session.scalar(
            narrow(
                select(func.count(distinct(CryptoUsage.asset_id))).where(
                    CryptoUsage.quantum_status.in_(VULNERABLE)
                ),
                CryptoUsage,
            )
        )
        or 0
    )
    out.by_status = {s.value: 0 for s in QuantumStatus}
    for status, count in session.execute(
        narrow(
            select(CryptoUsage.quantum_status, func.count()).group_by(CryptoUsage.quantum_status),
            CryptoUsage,
        )
    ):
        out.by_status[QuantumStatus(status).value] = count
    for sector, status, count in session.execute(
        narrow(
            select(Organization.sector, CryptoUsage.quantum_status, func.count())
            .join(Organization, Organization.id == CryptoUsage.organization_id)
            .group_by(Organization.sector, CryptoUsage.quantum_status),
            CryptoUsage,
        )
    ):
        out.by_sector.setdefault(str(sector.value), {})[QuantumStatus(status).value] = count
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
