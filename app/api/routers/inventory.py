"""Inventory-wide views: the summary and the algorithm catalog."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import InventoryReader, SessionDep
from app.api.routing import WorkerRoute
from app.api.schemas.inventory import CatalogIndex, Classification, SummaryOut
from core.field_limits import RowId
from core.i18n import N_, say
from core.tenancy import NotFound
from inventory.catalog import get_catalog
from inventory.catalog.models import AlgorithmInfo
from inventory.choices import Primitive
from inventory.service.summary import summarize

router = APIRouter(route_class=WorkerRoute, prefix="/api/v1", tags=["inventory"])


@router.get("/inventory/summary", response_model=SummaryOut)
def inventory_summary(
    session: SessionDep, principal: InventoryReader, organization_id: RowId | None = None
) -> dict:
    return asdict(summarize(session, principal, organization_id))


@router.get("/catalog", response_model=CatalogIndex)
def catalog_index() -> dict:
    catalog = get_catalog()
    return {"version": catalog.version, "algorithms": sorted(catalog.names())}


@router.get("/catalog/classify", response_model=Classification)
def classify(
    name: Annotated[str, Query(min_length=1, max_length=200)],
    key_size: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    parameter_set: Annotated[str | None, Query(max_length=80)] = None,
    curve: Annotated[str | None, Query(max_length=80)] = None,
    primitive: Primitive | None = None,
) -> dict:
    """How the catalog reads a spelling: canonical name, quantum status and why."""
    result = get_catalog().classify(
        name, key_size=key_size, parameter_set=parameter_set, curve=curve, primitive=primitive
    )
    return {
        "canonical": result.canonical,
        "known": result.known,
        "quantum_status": result.status.value,
        "reason": result.reason,
    }


@router.get("/catalog/{name}", response_model=AlgorithmInfo)
def catalog_entry(name: str) -> AlgorithmInfo:
    info = get_catalog().get(name)
    if info is None:
        raise NotFound(say(N_("algorithm '{name}' is not in the catalog"), name=name))
    return info
