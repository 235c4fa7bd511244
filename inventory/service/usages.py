"""Crypto usages: every write is classified against the catalog before it is stored."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import record
from core.choices import Sector
from core.errors import Conflict
from core.field_limits import RowId
from core.i18n import N_, say
from core.patching import apply_changes
from core.tenancy import Principal, get_scoped, scoped
from inventory.choices import CryptoFunction, Primitive, QuantumStatus, Source
from inventory.classification import classify_usage
from inventory.models import Asset, CryptoUsage
from inventory.schemas import UsageIn, UsagePatch
from inventory.service.filters import where_equal, where_sector
from inventory.service.refs import new_ref

_RECLASSIFY = {"algorithm", "key_size", "parameter_set", "curve", "primitive"}


def create_usage(session: Session, data: UsageIn, principal: Principal) -> CryptoUsage:
    asset = get_scoped(session, Asset, data.asset_id, principal)
    ref = data.ref or new_ref("crypto", data.algorithm)
    if session.scalar(
        select(CryptoUsage.id).where(
            CryptoUsage.organization_id == asset.organization_id, CryptoUsage.ref == ref
        )
    ):
        raise Conflict(
            say(N_("crypto usage ref '{ref}' already exists in this organization"), ref=ref)
        )
    fields = data.model_dump(exclude={"asset_id", "ref", "algorithm", "curve"}, exclude_none=True)
    usage = CryptoUsage(
        organization_id=asset.organization_id,
        asset_id=asset.id,
        ref=ref,
        algorithm_raw=data.algorithm,
        **fields,
    )
    if usage.parameter_set is None and data.curve:
        usage.parameter_set = data.curve
    classify_usage(usage, curve=data.curve)
    session.add(usage)
    session.flush()
    record(
        session,
        principal,
        "create",
        "crypto_usage",
        usage.id,
        usage.organization_id,
        {"ref": ref, "algorithm": usage.algorithm, "asset_id": asset.id},
    )
    return usage


def get_usage(session: Session, usage_id: int, principal: Principal) -> CryptoUsage:
    return get_scoped(session, CryptoUsage, usage_id, principal)


def update_usage(
    session: Session, usage_id: int, data: UsagePatch, principal: Principal
) -> CryptoUsage:
    usage = get_scoped(session, CryptoUsage, usage_id, principal)
    changes = data.model_dump(exclude_unset=True)
    curve = changes.pop("curve", None)
    if "algorithm" in changes:
        if changes["algorithm"] is not None:
            usage.algorithm_raw = changes["algorithm"]
        del changes["algorithm"]
    apply_changes(usage, changes)
    if curve and usage.parameter_set is None:
        usage.parameter_set = curve
    if _RECLASSIFY & data.model_fields_set:
        classify_usage(usage, curve=curve)
    record(
        session,
        principal,
        "update",
        "crypto_usage",
        usage.id,
        usage.organization_id,
        {k: str(v) for k, v in data.model_dump(exclude_unset=True).items()},
    )
    return usage


def delete_usage(session: Session, usage_id: int, principal: Principal) -> None:
    usage = get_scoped(session, CryptoUsage, usage_id, principal)
    record(
        session,
        principal,
        "delete",
        "crypto_usage",
        usage.id,
        usage.organization_id,
        {"ref": usage.ref},
    )
    session.delete(usage)


class UsageFilter(BaseModel):
    """What the usage lists (API query, web page) narrow by; a filter left at None does not."""

    model_config = ConfigDict(frozen=True)

    organization_id: RowId | None = None
    asset_id: RowId | None = None
    sector: Sector | None = None
    quantum_status: QuantumStatus | None = None
    algorithm: str | None = Field(None, max_length=120)
    primitive: Primitive | None = None
    function: CryptoFunction | None = None
    source: Source | None = None


# filters whose value a usage's column of the same name must equal
_SAME_NAMED = (
    "organization_id",
    "asset_id",
    "quantum_status",
    "algorithm",
    "primitive",
    "function",
    "source",
)


def list_usages(
    session: Session, principal: Principal, flt: UsageFilter, *, limit: int, after_id: int = 0
) -> list[CryptoUsage]:
    stmt: Any = scoped(select(CryptoUsage), CryptoUsage, principal).where(CryptoUsage.id > after_id)
    stmt = where_equal(stmt, CryptoUsage, flt, _SAME_NAMED)
    stmt = where_sector(stmt, CryptoUsage.organization_id, flt.sector)
    return list(session.scalars(stmt.order_by(CryptoUsage.id).limit(limit)))
