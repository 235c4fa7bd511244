"""The overview's two views the summary lacks: assets by exposure, and what breaks first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core.tenancy import Principal, scoped
from inventory.choices import Criticality, Exposure, QuantumStatus
from inventory.models import Asset, AssetCount, CryptoUsage


def assets_by_exposure(
    session: Session, principal: Principal, organization_id: int | None = None
) -> dict[str, dict[str, int]]:
    """{exposure: {"assets": n, "vulnerable": m}}: m assets hold a broken or weakened usage.

    Read from the counters the database keeps per write (`inventory.models.counters`)."""
    principal.require_read()
    stmt: Any = scoped(
        select(AssetCount.exposure, func.sum(AssetCount.assets), func.sum(AssetCount.vulnerable)),
        AssetCount,
        principal,
    )
    if organization_id is not None:
        stmt = stmt.where(AssetCount.organization_id == organization_id)
    out = {e.value: {"assets": 0, "vulnerable": 0} for e in Exposure}
    for exposure, assets, vulnerable in session.execute(stmt.group_by(AssetCount.exposure)):
        out[Exposure(exposure).value] = {"assets": int(assets), "vulnerable": int(vulnerable)}
    return out


EXPOSURE_ORDER = (Exposure.INTERNET_FACING, Exposure.INTERNAL, Exposure.ISOLATED)
CRITICALITY_ORDER = (Criticality.CRITICAL, Criticality.HIGH, Criticality.MEDIUM, Criticality.LOW)


BUCKETS = [(e, c) for e in EXPOSURE_ORDER for c in CRITICALITY_ORDER]
BreaksCursor = tuple[int, int, int]  # (bucket index, secrecy years, usage id) of the last row


def breaks_first(
    session: Session, principal: Principal, limit: int = 10, organization_id: int | None = None
) -> list[tuple[CryptoUsage, Asset]]:
    """Broken usages first on the most exposed, most critical assets, longest secrecy first.

    The order reads as its reason: a quantum computer breaks these algorithms (Shor), the
    asset faces the internet, it is critical, and its data must stay secret longest
    (harvest now, decrypt later). Buckets of (exposure, criticality) are read in that
    order until `limit` rows are found, so the usual answer costs one small query instead
    of sorting every broken usage.
    """
    return breaks_first_page(session, principal, limit, None, organization_id)[0]


def breaks_first_page(
    session: Session,
    principal: Principal,
    limit: int,
    after: BreaksCursor | None = None,
    organization_id: int | None = None,
) -> tuple[list[tuple[CryptoUsage, Asset]], BreaksCursor | None]:
    """A page of `breaks_first`'s whole order after `after`, and the cursor of the next
    page (None on the last): "see all" pages through every broken usage by keyset, each
    page one small query per (exposure, criticality) bucket it touches."""
    principal.require_read()
    out: list[tuple[CryptoUsage, Asset, int]] = []
    start = after[0] if after else 0
    for index in range(start, len(BUCKETS)):
        exposure, criticality = BUCKETS[index]
        stmt: Any = scoped(
            select(CryptoUsage, Asset)
            .join(Asset, Asset.id == CryptoUsage.asset_id)
            .where(
                CryptoUsage.quantum_status == QuantumStatus.BROKEN,
                Asset.exposure == exposure,
                Asset.criticality == criticality,
            ),
            CryptoUsage,
            principal,
        )
        if organization_id is not None:
            stmt = stmt.where(CryptoUsage.organization_id == organization_id)
        if after is not None and index == after[0]:
            _, secrecy, usage_id = after
            stmt = stmt.where(
                or_(
                    Asset.secrecy_years < secrecy,
                    and_(Asset.secrecy_years == secrecy, CryptoUsage.id > usage_id),
                )
            )
        stmt = stmt.order_by(Asset.secrecy_years.desc(), CryptoUsage.id)
        want = limit + 1 - len(out)
        out += [(u, a, index) for u, a in session.execute(stmt.limit(want))]
        if len(out) > limit:
            break
    rows = [(u, a) for u, a, _ in out[:limit]]
    if len(out) <= limit:
        return rows, None
    u, a, index = out[limit - 1]
    return rows, (index, a.secrecy_years, u.id)
