"""API keys: admins issue and revoke them; the secret is shown once."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from app.api.deps import Admin, SessionDep
from app.api.routing import WorkerRoute
from app.api.schemas.access import ApiKeyCreated, ApiKeyIn, ApiKeyOut
from core.apikeys import issue_key, revoke
from core.audit import record
from core.field_limits import RowId
from core.models import ApiKey
from core.tenancy import NotFound, scoped
from inventory.service.organizations import get_organization

router = APIRouter(route_class=WorkerRoute, prefix="/api/v1/api-keys", tags=["api keys"])


@router.get("", response_model=list[ApiKeyOut])
def list_keys(session: SessionDep, principal: Admin) -> list:
    return list(session.scalars(scoped(select(ApiKey), ApiKey, principal).order_by(ApiKey.id)))


@router.post("", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED)
def create_key(data: ApiKeyIn, session: SessionDep, principal: Admin) -> dict:
    get_organization(session, data.organization_id, principal)
    row, secret = issue_key(session, data.organization_id, data.role, data.name)
    record(
        session,
        principal,
        "create",
        "api_key",
        row.id,
        row.organization_id,
        {"role": row.role.value, "name": row.name},
    )
    return {**ApiKeyOut.model_validate(row).model_dump(), "secret": secret}


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_key(key_id: RowId, session: SessionDep, principal: Admin) -> None:
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"API key {key_id} not found")
    revoke(session, row)
    record(session, principal, "revoke", "api_key", row.id, row.organization_id, None)
