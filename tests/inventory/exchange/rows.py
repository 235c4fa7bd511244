"""What an import left in the database for one organization, keyed as the document named it."""

from __future__ import annotations

from sqlalchemy import select

from core.db import transaction
from inventory.models import Asset, CryptoUsage, Dependency


def inventory_rows(
    url: str, org: int
) -> tuple[dict[str, Asset], dict[str, CryptoUsage], list[Dependency]]:
    """The organization's assets and usages by ``ref``, and its dependencies."""
    with transaction(url) as s:
        assets = {a.ref: a for a in s.scalars(select(Asset).where(Asset.organization_id == org))}
        usages = {
            u.ref: u
            for u in s.scalars(select(CryptoUsage).where(CryptoUsage.organization_id == org))
        }
        deps = list(s.scalars(select(Dependency).where(Dependency.organization_id == org)))
    return assets, usages, deps
