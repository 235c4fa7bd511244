from __future__ import annotations

from fastapi import APIRouter, status

from app.api.deps import Admin, InventoryReader, InventoryWriter, SessionDep
from app.api.routing import WorkerRoute
from app.api.schemas.inventory import OrganizationOut
from core.field_limits import RowId
from inventory.schemas import OrganizationIn, OrganizationPatch
from inventory.service import organizations as svc

router = APIRouter(route_class=WorkerRoute, prefix="/api/v1/organizations", tags=["organizations"])


@router.get("", response_model=list[OrganizationOut])
def list_organizations(session: SessionDep, principal: InventoryReader) -> list:
    return svc.list_organizations(session, principal)


@router.post("", response_model=OrganizationOut, status_code=status.HTTP_201_CREATED)
def create_organization(data: OrganizationIn, session: SessionDep, principal: Admin):
    return svc.create_organization(session, data, principal)


@router.get("/{org_id}", response_model=OrganizationOut)
def get_organization(org_id: RowId, session: SessionDep, principal: InventoryReader):
    return svc.get_organization(session, org_id, principal)


@router.patch("/{org_id}", response_model=OrganizationOut)
def update_organization(
    org_id: RowId, data: OrganizationPatch, session: SessionDep, principal: InventoryWriter
):
    return svc.update_organization(session, org_id, data, principal)


@router.delete("/{org_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_organization(org_id: RowId, session: SessionDep, principal: Admin) -> None:
    svc.delete_organization(session, org_id, principal)
