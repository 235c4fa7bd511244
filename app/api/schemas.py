"""Response shapes of the JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from core.choices import Role, Sector, Tier
from core.field_limits import limit
from core.models import ApiKey
from inventory.choices import (
    AssetType,
    Criticality,
    CryptoFunction,
    DataSensitivity,
    DependencyKind,
    Environment,
    Exposure,
    Primitive,
    QuantumStatus,
    Source,
)
from inventory.schemas import InputModel

T = TypeVar("T")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: int | None = None


class OrganizationOut(_Out):
    id: int
    slug: str
    name: str
    sector: Sector
    tier: Tier
    country: str
    description: str | None
    created_at: datetime


class AssetOut(_Out):
    id: int
    organization_id: int
    ref: str
    name: str
    asset_type: AssetType
    description: str | None
    owner: str | None
    environment: Environment
    criticality: Criticality
    exposure: Exposure
    data_sensitivity: DataSensitivity
    secrecy_years: int
    vendor: str | None
    product: str | None
    version: str | None
    location: str | None
    created_at: datetime
    updated_at: datetime


class UsageOut(_Out):
    id: int
    organization_id: int
    asset_id: int
    ref: str
    algorithm: str
    algorithm_raw: str
    primitive: Primitive
    function: CryptoFunction
    protocol: str | None
    key_size: int | None
    parameter_set: str | None
    mode: str | None
    padding: str | None
    library: str | None
    library_version: str | None
    quantum_status: QuantumStatus
    status_reason: str
    catalog_version: str
    cert_subject: str | None
    cert_issuer: str | None
    cert_serial: str | None
    cert_not_before: datetime | None
    cert_not_after: datetime | None
    cert_fingerprint_sha256: str | None
    cert_public_key_algorithm: str | None
    source: Source
    evidence: str | None
    first_seen: datetime
    last_seen: datetime
    notes: str | None


class DependencyOut(_Out):
    id: int
    organization_id: int
    dependent_id: int
    provider_id: int
    kind: DependencyKind
    description: str | None


class ApiKeyOut(_Out):
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
    organization_id: int
    role: Role
    name: str = Field(min_length=1, max_length=limit(ApiKey, "name"))


class SummaryOut(BaseModel):
    organizations: int
    assets: int
    usages: int
    vulnerable_assets: int
    by_status: dict[str, int]
    by_sector: dict[str, dict[str, int]]
    by_algorithm: list[dict[str, Any]]


class ImportReportOut(BaseModel):
    kind: str
    report: dict[str, Any]
