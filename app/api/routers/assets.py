from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import InventoryReader, InventoryWriter, SessionDep
from app.api.pagination import Cursor, Limit, page
from app.api.routing import WorkerRoute
from app.api.schemas.common import Page
from app.api.schemas.inventory import AssetOut
from core.field_limits import RowId
from inventory.schemas import AssetIn, AssetPatch
from inventory.service import assets as svc

router = APIRouter(route_class=WorkerRoute, prefix="/api/v1/assets", tags=["assets"])


@router.get("", response_model=Page[AssetOut])
def list_assets(
    session: SessionDep,
    principal: InventoryReader,
    filters: Annotated[svc.AssetFilter, Query()],
    limit: Limit = 100,
    cursor: Cursor = 0,
):
    rows = svc.list_assets(session, principal, filters, limit=limit, after_id=cursor)
    return page(rows, AssetOut, limit)


@router.post("", response_model=AssetOut, status_code=status.HTTP_201_CREATED)
def create_asset(data: AssetIn, principal: InventoryWriter, session: SessionDep):
    return svc.create_asset(session, data, principal)


@router.get("/{asset_id}", response_model=AssetOut)
def get_asset(asset_id: RowId, session: SessionDep, principal: InventoryReader):
    return svc.get_asset(session, asset_id, principal)


@router.patch("/{asset_id}", response_model=AssetOut)
def update_asset(
    asset_id: RowId, data: AssetPatch, principal: InventoryWriter, session: SessionDep
):
    return svc.update_asset(session, asset_id, data, principal)


@router.delete("/{asset_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_asset(asset_id: RowId, principal: InventoryWriter, session: SessionDep) -> None:
    svc.delete_asset(session, asset_id, principal)
