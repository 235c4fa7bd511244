"""Access: API keys (the secret is shown once) and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from app.api.schemas.common import RowOut
from core.choices import Role
from core.field_limits import RowId, limit
from core.input_model import InputModel
from core.models import ApiKey


class ApiKeyOut(RowOut):
    id: int
    organization_id: int
    name: str
    role: Role
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    secret: str


class ApiKeyIn(InputModel):
    organization_id: RowId
    role: Role
    name: str = Field(min_length=1, max_length=limit(ApiKey, "name"))


class AuditOut(RowOut):
    id: int
    organization_id: int
    at: datetime
    actor: str
    api_key_id: int | None
    action: str
    entity: str
    entity_id: str | None
    detail: dict[str, Any] | None
