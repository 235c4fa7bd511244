"""Validated input shapes shared by the API, the CSV importer and the demo generator."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from core.choices import Sector, Tier
from core.field_limits import RowId, limit
from core.input_model import InputModel
from core.models import Organization
from inventory.choices import (
    AssetType,
    Criticality,
    CryptoFunction,
    DataSensitivity,
    DependencyKind,
    Environment,
    Exposure,
    Primitive,
    Source,
)
from inventory.models import Asset, CryptoUsage, Dependency

Ref = Field(default=None, min_length=1, max_length=limit(Asset, "ref"), pattern=r"^[^\s]+$")


def _len(model: Any, name: str) -> Any:
    """An optional text field bounded by its column's limit (see core.field_limits)."""
    return Field(default=None, max_length=limit(model, name))


class OrganizationIn(InputModel):
    slug: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1, max_length=limit(Organization, "name"))
    sector: Sector
    tier: Tier
    country: str = Field(default="KR", min_length=2, max_length=2, pattern=r"^[A-Z]{2}$")
    description: str | None = _len(Organization, "description")


class OrganizationPatch(InputModel):
    name: str | None = Field(default=None, min_length=1, max_length=limit(Organization, "name"))
    sector: Sector | None = None
    tier: Tier | None = None
    country: str | None = Field(default=None, min_length=2, max_length=2, pattern=r"^[A-Z]{2}$")
    description: str | None = _len(Organization, "description")


class AssetFields(InputModel):
    name: str | None = Field(default=None, min_length=1, max_length=limit(Asset, "name"))
    asset_type: AssetType | None = None
    description: str | None = _len(Asset, "description")
    owner: str | None = _len(Asset, "owner")
    environment: Environment | None = None
    criticality: Criticality | None = None
    exposure: Exposure | None = None
    data_sensitivity: DataSensitivity | None = None
    secrecy_years: int | None = Field(default=None, ge=0, le=100)
    vendor: str | None = _len(Asset, "vendor")
    product: str | None = _len(Asset, "product")
    version: str | None = _len(Asset, "version")
    location: str | None = _len(Asset, "location")


class AssetIn(AssetFields):
    organization_id: RowId | None = Field(default=None, description="Admins only; else your own.")
    ref: str | None = Ref
    name: str = Field(min_length=1, max_length=limit(Asset, "name"))
    asset_type: AssetType
    environment: Environment = Environment.PRODUCTION
    criticality: Criticality = Criticality.MEDIUM
    exposure: Exposure = Exposure.INTERNAL
    data_sensitivity: DataSensitivity = DataSensitivity.INTERNAL
    secrecy_years: int = Field(default=0, ge=0, le=100)


class AssetPatch(AssetFields):
    pass


class UsageFields(InputModel):
    algorithm: str | None = Field(
        default=None,
        min_length=1,
        # an unknown name is stored as seen in `algorithm`, the shorter of the two columns
        max_length=limit(CryptoUsage, "algorithm"),
        description="Any spelling, OID or name.",
    )
    primitive: Primitive | None = None
    function: CryptoFunction | None = None
    protocol: str | None = _len(CryptoUsage, "protocol")
    key_size: int | None = Field(default=None, ge=1, le=1_000_000)
    parameter_set: str | None = _len(CryptoUsage, "parameter_set")
    curve: str | None = Field(default=None, max_length=80, description="Used for naming only.")
    mode: str | None = _len(CryptoUsage, "mode")
    padding: str | None = _len(CryptoUsage, "padding")
    library: str | None = _len(CryptoUsage, "library")
    library_version: str | None = _len(CryptoUsage, "library_version")
    cert_subject: str | None = _len(CryptoUsage, "cert_subject")
    cert_issuer: str | None = _len(CryptoUsage, "cert_issuer")
    cert_serial: str | None = _len(CryptoUsage, "cert_serial")
    cert_not_before: datetime | None = None
    cert_not_after: datetime | None = None
    cert_fingerprint_sha256: str | None = Field(
        default=None, pattern=r"^[0-9a-fA-F]{64}$", max_length=64
    )
    cert_public_key_algorithm: str | None = _len(CryptoUsage, "cert_public_key_algorithm")
    evidence: str | None = _len(CryptoUsage, "evidence")
    notes: str | None = _len(CryptoUsage, "notes")
    first_seen: datetime | None = None
    last_seen: datetime | None = None


class UsageIn(UsageFields):
    asset_id: RowId
    ref: str | None = Ref
    algorithm: str = Field(min_length=1, max_length=limit(CryptoUsage, "algorithm"))
    primitive: Primitive
    function: CryptoFunction = CryptoFunction.OTHER
    source: Source = Source.API


class UsagePatch(UsageFields):
    pass


class DependencyIn(InputModel):
    dependent_id: RowId = Field(description="The asset that relies on the provider.")
    provider_id: RowId = Field(description="The asset relied on; it migrates first.")
    kind: DependencyKind
    description: str | None = _len(Dependency, "description")
