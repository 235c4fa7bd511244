"""One search box over the inventory: asset names, references, owners and locations, and
the usages' algorithms (as written and canonical), references and evidence (file:line,
JSON path, host), partial and case-insensitive.

Each kind of match reads at most `limit` + 1 rows, so a common word costs one short read
and the answer says "more" instead of counting every match.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.tenancy import Principal, scoped
from inventory.models import Asset, CryptoUsage
from inventory.service.listing import escape_like

ASSET_FIELDS = ("name", "ref", "owner", "location", "vendor", "product")
USAGE_FIELDS = ("algorithm", "algorithm_raw", "ref", "evidence", "library", "cert_subject")


@dataclass
class Hit:
    asset: Asset
    fields: list[str] = field(default_factory=list)  # asset columns that matched
    usages: list[CryptoUsage] = field(default_factory=list)  # its usages that matched


@dataclass
class SearchResult:
    text: str
    hits: list[Hit]
    more: bool  # more assets or usages match than are shown


def search(session: Session, principal: Principal, text: str, limit: int = 50) -> SearchResult:
    principal.require_read()
    text = text.strip()
    if not text:
        return SearchResult(text, [], False)
    pattern = f"%{escape_like(text)}%"
    lowered = text.casefold()

    def like(columns: Sequence[object]) -> object:
        return or_(*(column.ilike(pattern, escape="\\") for column in columns))  # type: ignore[attr-defined]

    asset_cols = [getattr(Asset, name) for name in ASSET_FIELDS]
    assets = list(
        session.scalars(
            scoped(select(Asset), Asset, principal)
            .where(like(asset_cols))
            .order_by(Asset.id)
            .limit(limit + 1)
        )
    )
    usage_cols = [getattr(CryptoUsage, name) for name in USAGE_FIELDS]
    usages = list(
        session.scalars(
            scoped(select(CryptoUsage), CryptoUsage, principal)
            .where(like(usage_cols))
            .order_by(CryptoUsage.id)
            .limit(limit + 1)
        )
    )
    more = len(assets) > limit or len(usages) > limit
    hits: dict[int, Hit] = {}
    for asset in assets[:limit]:
        matched = [
            name for name in ASSET_FIELDS if lowered in str(getattr(asset, name) or "").casefold()
        ]
        hits[asset.id] = Hit(asset, matched)
    for usage in usages[:limit]:
        hit = hits.get(usage.asset_id)
        if hit is None:
            hit = hits[usage.asset_id] = Hit(usage.asset)
        hit.usages.append(usage)
    ordered = sorted(hits.values(), key=lambda h: (h.asset.name.casefold(), h.asset.id))
    return SearchResult(text, ordered, more)
