"""The audit log, read-only: admins see all, officers and auditors their own organization."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from app.api.deps import InventoryReader, SessionDep
from app.api.pagination import Limit
from app.api.routing import WorkerRoute
from app.api.schemas.access import AuditOut
from core.field_limits import RowId
from core.models import AuditEntry
from core.tenancy import scoped

router = APIRouter(route_class=WorkerRoute, prefix="/api/v1/audit", tags=["audit"])


@router.get("", response_model=list[AuditOut])
def list_audit(
    session: SessionDep,
    principal: InventoryReader,
    limit: Limit = 100,
    before_id: RowId | None = None,
    entity: str | None = None,
) -> list:
    """Newest first; pass the last id seen as `before_id` for the next page."""
    stmt = scoped(select(AuditEntry), AuditEntry, principal)
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    return list(session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit)))
