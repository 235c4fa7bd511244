"""The overview's two views the summary lacks: assets by exposure, and what breaks first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from inventory.choices import Criticality, Exposure, QuantumStatus
from inventory.models import Asset, CryptoUsage
from inventory.tenancy import Principal, scoped

VULNERABLE = (QuantumStatus.BROKEN, QuantumStatus.WEAKENED)


def assets_by_exposure(
    session: Session, principal: Principal, organization_id: int | None = None
) -> dict[str, dict[str, int]]:
    """{exposure: {"assets": n, "vulnerable": m}}: m assets hold a broken or weakened usage."""
    principal.require_read()
    stmt: Any = scoped(select(Asset.exposure, func.count()), Asset, principal)
    if organization_id is not None:
        stmt = stmt.where(Asset.organization_id == organization_id)
    out = {e.value: {"assets": 0, "vulnerable": 0} for e in Exposure}
    for exposure, count in session.execute(stmt.group_by(Asset.exposure)):
        out[Exposure(exposure).value]["assets"] = count
    vuln: Any = scoped(
        select(Asset.exposure, func.count(distinct(CryptoUsage.asset_id)))
        .join(Asset, Asset.id == CryptoUsage.asset_id)
        .where(CryptoUsage.quantum_status.in_(VULNERABLE)),
        CryptoUsage,
        principal,
    )
    if organization_id is not None:
        vuln = vuln.where(CryptoUsage.organization_id == organization_id)
    for exposure, count in session.execute(vuln.group_by(Asset.exposure)):
        out[Exposure(exposure).value]["vulnerable"] = count
    return out


_EXPOSURE_RANK = {Exposure.INTERNET_FACING: 0, Exposure.INTERNAL: 1, Exposure.ISOLATED: 2}


def breaks_first(
    session: Session, principal: Principal, limit: int = 10, organization_id: int | None = None
) -> list[tuple[CryptoUsage, Asset]]:
    """Broken usages first on the most exposed, most critical assets, longest secrecy first.

    The order reads as its reason: a quantum computer breaks these algorithms (Shor), the
    asset faces the internet, it is critical, and its data must stay secret longest
    (harvest now, decrypt later).
    """
    principal.require_read()
    exposure_rank = case(*((Asset.exposure == e, r) for e, r in _EXPOSURE_RANK.items()), else_=3)
    criticality_rank = case(
        (Asset.criticality == Criticality.CRITICAL, 0),
        (Asset.criticality == Criticality.HIGH, 1),
        (Asset.criticality == Criticality.MEDIUM, 2),
        else_=3,
    )
    stmt: Any = scoped(
        select(CryptoUsage, Asset)
        .join(Asset, Asset.id == CryptoUsage.asset_id)
        .where(CryptoUsage.quantum_status == QuantumStatus.BROKEN),
        CryptoUsage,
        principal,
    )
    if organization_id is not None:
        stmt = stmt.where(CryptoUsage.organization_id == organization_id)
    stmt = stmt.order_by(
        exposure_rank, criticality_rank, Asset.secrecy_years.desc(), CryptoUsage.id
    ).limit(limit)
    return [(u, a) for u, a in session.execute(stmt)]
