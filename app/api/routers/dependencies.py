from __future__ import annotations

from fastapi import APIRouter, status

from app.api.deps import InventoryReader, InventoryWriter, SessionDep
from app.api.pagination import Cursor, Limit, page
from app.api.routing import WorkerRoute
from app.api.schemas.common import Page
from app.api.schemas.inventory import DependencyOut
from core.field_limits import RowId
from inventory.schemas import DependencyIn
from inventory.service import dependencies as svc

router = APIRouter(route_class=WorkerRoute, prefix="/api/v1/dependencies", tags=["dependencies"])


@router.get("", response_model=Page[DependencyOut])
def list_dependencies(
    session: SessionDep,
    principal: InventoryReader,
    limit: Limit = 100,
    cursor: Cursor = 0,
    asset_id: RowId | None = None,
    organization_id: RowId | None = None,
):
    rows = svc.list_dependencies(
        session,
        principal,
        asset_id=asset_id,
        organization_id=organization_id,
        limit=limit,
        after_id=cursor,
    )
    return page(rows, DependencyOut, limit)


@router.post("", response_model=DependencyOut, status_code=status.HTTP_201_CREATED)
def create_dependency(data: DependencyIn, principal: InventoryWriter, session: SessionDep):
    return svc.create_dependency(session, data, principal)


@router.get("/{dep_id}", response_model=DependencyOut)
def get_dependency(dep_id: RowId, session: SessionDep, principal: InventoryReader):
    return svc.get_dependency(session, dep_id, principal)


@router.delete("/{dep_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_dependency(dep_id: RowId, principal: InventoryWriter, session: SessionDep) -> None:
    svc.delete_dependency(session, dep_id, principal)
