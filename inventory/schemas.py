"""Validated input shapes shared by the API, the CSV importer and the demo generator."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from inventory.choices import (
    AssetType,
    Criticality,
    CryptoFunction,
    DataSensitivity,
    DependencyKind,
    Environment,
    Exposure,
    Primitive,
    Sector,
    Source,
    Tier,
)

Ref = Field(default=None, min_length=1, max_length=200, pattern=r"^[^\s]+$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OrganizationIn(_Strict):
    slug: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1, max_length=200)
    sector: Sector
    tier: Tier
    country: str = Field(default="KR", min_length=2, max_length=2, pattern=r"^[A-Z]{2}$")
    description: str | None = Field(default=None, max_length=5000)


class OrganizationPatch(_Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    sector: Sector | None = None
    tier: Tier | None = None
    country: str | None = Field(default=None, min_length=2, max_length=2, pattern=r"^[A-Z]{2}$")
    description: str | None = Field(default=None, max_length=5000)


class AssetFields(_Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    asset_type: AssetType | None = None
    description: str | None = Field(default=None, max_length=5000)
    owner: str | None = Field(default=None, max_length=200)
    environment: Environment | None = None
    criticality: Criticality | None = None
    exposure: Exposure | None = None
    data_sensitivity: DataSensitivity | None = None
    secrecy_years: int | None = Field(default=None, ge=0, le=100)
    vendor: str | None = Field(default=None, max_length=200)
    product: str | None = Field(default=None, max_length=200)
    version: str | None = Field(default=None, max_length=100)
    location: str | None = Field(default=None, max_length=300)


class AssetIn(AssetFields):
    organization_id: int | None = Field(default=None, description="Admins only; else your own.")
    ref: str | None = Ref
    name: str = Field(min_length=1, max_length=200)
    asset_type: AssetType
    environment: Environment = Environment.PRODUCTION
    criticality: Criticality = Criticality.MEDIUM
    exposure: Exposure = Exposure.INTERNAL
    data_sensitivity: DataSensitivity = DataSensitivity.INTERNAL
    secrecy_years: int = Field(default=0, ge=0, le=100)


class AssetPatch(AssetFields):
    pass


class UsageFields(_Strict):
    algorithm: str | None = Field(
        default=None, min_length=1, max_length=200, description="Any spelling, OID or name."
    )
    primitive: Primitive | None = None
    function: CryptoFunction | None = None
    protocol: str | None = Field(default=None, max_length=60)
    key_size: int | None = Field(default=None, ge=1, le=1_000_000)
    parameter_set: str | None = Field(default=None, max_length=80)
    curve: str | None = Field(default=None, max_length=80, description="Used for naming only.")
    mode: str | None = Field(default=None, max_length=40)
    padding: str | None = Field(default=None, max_length=40)
    library: str | None = Field(default=None, max_length=120)
    library_version: str | None = Field(default=None, max_length=60)
    cert_subject: str | None = Field(default=None, max_length=500)
    cert_issuer: str | None = Field(default=None, max_length=500)
    cert_serial: str | None = Field(default=None, max_length=100)
    cert_not_before: datetime | None = None
    cert_not_after: datetime | None = None
    cert_fingerprint_sha256: str | None = Field(
        default=None, pattern=r"^[0-9a-fA-F]{64}$", max_length=64
    )
    cert_public_key_algorithm: str | None = Field(default=None, max_length=120)
    evidence: str | None = Field(default=None, max_length=20000)
    notes: str | None = Field(default=None, max_length=5000)
    first_seen: datetime | None = None
    last_seen: datetime | None = None


class UsageIn(UsageFields):
    asset_id: int
    ref: str | None = Ref
    algorithm: str = Field(min_length=1, max_length=200)
    primitive: Primitive
    function: CryptoFunction = CryptoFunction.OTHER
    source: Source = Source.API


class UsagePatch(UsageFields):
    pass


class DependencyIn(_Strict):
    dependent_id: int = Field(description="The asset that relies on the provider.")
    provider_id: int = Field(description="The asset relied on; it migrates first.")
    kind: DependencyKind
    description: str | None = Field(default=None, max_length=2000)
