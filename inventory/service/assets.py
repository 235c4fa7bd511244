"""Assets: create, read, update, delete and list, always inside the caller's organization."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core.audit import record
from core.choices import Sector
from core.errors import Conflict
from core.field_limits import RowId
from core.i18n import N_, say
from core.patching import apply_changes
from core.tenancy import Principal, get_scoped, scoped
from inventory.choices import AssetType, Criticality, Environment, Exposure, QuantumStatus
from inventory.models import Asset, CryptoUsage
from inventory.schemas import AssetIn, AssetPatch
from inventory.search_index import ASSETS, matches
from inventory.service.filters import where_equal, where_sector
from inventory.service.organizations import target_org
from inventory.service.refs import new_ref


def create_asset(session: Session, data: AssetIn, principal: Principal) -> Asset:
    org_id = target_org(session, principal, data.organization_id)
    ref = data.ref or new_ref("asset", data.name)
    if session.scalar(select(Asset.id).where(Asset.organization_id == org_id, Asset.ref == ref)):
        raise Conflict(say(N_("asset ref '{ref}' already exists in this organization"), ref=ref))
    asset = Asset(
        organization_id=org_id, ref=ref, **data.model_dump(exclude={"organization_id", "ref"})
    )
    session.add(asset)
    session.flush()
    record(
        session, principal, "create", "asset", asset.id, org_id, {"ref": ref, "name": asset.name}
    )
    return asset


def get_asset(session: Session, asset_id: int, principal: Principal) -> Asset:
    return get_scoped(session, Asset, asset_id, principal)


def update_asset(session: Session, asset_id: int, data: AssetPatch, principal: Principal) -> Asset:
    asset = get_scoped(session, Asset, asset_id, principal)
    changes = data.model_dump(exclude_unset=True)
    apply_changes(asset, changes)
    record(
        session,
        principal,
        "update",
        "asset",
        asset.id,
        asset.organization_id,
        {k: str(v) for k, v in changes.items()},
    )
    return asset


def delete_asset(session: Session, asset_id: int, principal: Principal) -> None:
    asset = get_scoped(session, Asset, asset_id, principal)
    record(
        session, principal, "delete", "asset", asset.id, asset.organization_id, {"ref": asset.ref}
    )
    session.delete(asset)


class AssetFilter(BaseModel):
    """What the asset lists (API query, web page) narrow by; a filter left at None does not."""

    model_config = ConfigDict(frozen=True)

    organization_id: RowId | None = None
    sector: Sector | None = None
    asset_type: AssetType | None = None
    exposure: Exposure | None = None
    criticality: Criticality | None = None
    environment: Environment | None = None
    quantum_status: QuantumStatus | None = Field(
        None, description="Assets with at least one usage of this status."
    )
    algorithm: str | None = Field(
        None, max_length=120, description="Assets with at least one usage of this canonical name."
    )
    q: str | None = Field(
        None, max_length=200, description="Name contains (any case; % and _ are literal)"
    )


# filters whose value an asset's column of the same name must equal
_SAME_NAMED = ("organization_id", "asset_type", "exposure", "criticality", "environment")


def list_assets(
    session: Session, principal: Principal, flt: AssetFilter, *, limit: int, after_id: int = 0
) -> list[Asset]:
    """Keyset pagination by id: constant cost per page however deep the page is."""
    stmt: Any = scoped(select(Asset), Asset, principal).where(Asset.id > after_id)
    stmt = where_equal(stmt, Asset, flt, _SAME_NAMED)
    stmt = where_sector(stmt, Asset.organization_id, flt.sector)
    if flt.q:
        stmt = stmt.where(matches(session, ASSETS, Asset, ("name",), flt.q))
    usage_conds = []
    if flt.quantum_status is not None:
        usage_conds.append(CryptoUsage.quantum_status == flt.quantum_status)
    if flt.algorithm:
        usage_conds.append(CryptoUsage.algorithm == flt.algorithm)
    if usage_conds:
        # asset_id > after_id repeats the cursor inside the probe, so a merge join can
        # start at the cursor instead of at the first usage
        stmt = stmt.where(
            exists().where(
                CryptoUsage.asset_id == Asset.id, CryptoUsage.asset_id > after_id, *usage_conds
            )
        )
    return list(session.scalars(stmt.order_by(Asset.id).limit(limit)))
