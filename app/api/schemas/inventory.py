"""The inventory's answers: organizations, assets, usages, dependencies, summary, catalog."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from app.api.schemas.common import RowOut
from core.choices import Sector, Tier
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


class OrganizationOut(RowOut):
    id: int
    slug: str
    name: str
    sector: Sector
    tier: Tier
    country: str
    description: str | None
    created_at: datetime


class AssetOut(RowOut):
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


class UsageOut(RowOut):
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


class DependencyOut(RowOut):
    id: int
    organization_id: int
    dependent_id: int
    provider_id: int
    kind: DependencyKind
    description: str | None


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


class CatalogIndex(BaseModel):
    version: str
    algorithms: list[str]


class Classification(BaseModel):
    """How the catalog reads a spelling."""

    canonical: str
    known: bool
    quantum_status: QuantumStatus
    reason: str
