"""The audit log: who wrote what, when, in the same transaction as the write."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.models import AuditEntry
from core.tenancy import Principal


def record(
    session: Session,
    principal: Principal,
    action: str,
    entity: str,
    entity_id: object | None,
    organization_id: int,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            organization_id=organization_id,
            actor=principal.name,
            api_key_id=principal.api_key_id,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            detail=detail,
        )
    )
