from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import InventoryReader, InventoryWriter, SessionDep
from app.api.pagination import Cursor, Limit, page
from app.api.routing import WorkerRoute
from app.api.schemas.common import Page
from app.api.schemas.inventory import UsageOut
from core.field_limits import RowId
from inventory.schemas import UsageIn, UsagePatch
from inventory.service import usages as svc

router = APIRouter(route_class=WorkerRoute, prefix="/api/v1/usages", tags=["crypto usages"])


@router.get("", response_model=Page[UsageOut])
def list_usages(
    session: SessionDep,
    principal: InventoryReader,
    filters: Annotated[svc.UsageFilter, Query()],
    limit: Limit = 100,
    cursor: Cursor = 0,
):
    rows = svc.list_usages(session, principal, filters, limit=limit, after_id=cursor)
    return page(rows, UsageOut, limit)


@router.post("", response_model=UsageOut, status_code=status.HTTP_201_CREATED)
def create_usage(data: UsageIn, principal: InventoryWriter, session: SessionDep):
    return svc.create_usage(session, data, principal)


@router.get("/{usage_id}", response_model=UsageOut)
def get_usage(usage_id: RowId, session: SessionDep, principal: InventoryReader):
    return svc.get_usage(session, usage_id, principal)


@router.patch("/{usage_id}", response_model=UsageOut)
def update_usage(
    usage_id: RowId, data: UsagePatch, principal: InventoryWriter, session: SessionDep
):
    return svc.update_usage(session, usage_id, data, principal)


@router.delete("/{usage_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_usage(usage_id: RowId, principal: InventoryWriter, session: SessionDep) -> None:
    svc.delete_usage(session, usage_id, principal)
