"""Organizations (the tenants), their API keys and the audit log of writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.choices import Role, Sector, Tier
from core.field_limits import length
from core.models.base import (
    Base,
    TenantMixin,
    TimestampMixin,
    UTCDateTime,
    enum_column,
    utcnow,
)


class Organization(TimestampMixin, Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(length("organizations", "slug")), unique=True)
    name: Mapped[str] = mapped_column(String(length("organizations", "name")))
    sector: Mapped[Sector] = mapped_column(enum_column(Sector))
    tier: Mapped[Tier] = mapped_column(enum_column(Tier))
    country: Mapped[str] = mapped_column(String(length("organizations", "country")), default="KR")
    description: Mapped[str | None] = mapped_column(Text)


class ApiKey(TenantMixin, Base):
    """An API key; only a SHA-256 digest of the secret is stored (keys are 256-bit random)."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEntry(TenantMixin, Base):
    """Who wrote what, when. Written in the same transaction as the change it records."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    api_key_id: Mapped[int | None] = mapped_column(  # indexed: a key's delete sets it NULL
        Integer, ForeignKey("api_keys.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(32))  # create / update / delete / import
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
