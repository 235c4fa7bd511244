"""Assets, the cryptography used inside them, and the dependencies between them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.field_limits import length
from core.models.base import (
    Base,
    TenantMixin,
    TimestampMixin,
    UTCDateTime,
    enum_column,
    utcnow,
)
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


def _asset_text(column: str) -> String:
    """An asset's text column, its length declared in `core.field_limits`."""
    return String(length("assets", column))


def _usage_text(column: str) -> String:
    """A usage's text column, its length declared in `core.field_limits`."""
    return String(length("crypto_usages", column))


def _keyed_by_ref(*indexes: Index, pagination: str) -> tuple[UniqueConstraint | Index, ...]:
    """Table arguments of a tenant table whose rows a source names by ``ref``.

    ``ref`` is unique within an organization, and the index named ``pagination`` serves keyset
    pagination inside one tenant: WHERE organization_id = ? AND id > ? ORDER BY id.
    """
    return (
        UniqueConstraint("organization_id", "ref"),
        Index(pagination, "organization_id", "id"),
        *indexes,
    )


class Asset(TenantMixin, TimestampMixin, Base):
    __tablename__ = "assets"
    __table_args__ = _keyed_by_ref(
        Index("ix_assets_org_type", "organization_id", "asset_type"),
        Index("ix_assets_org_exposure", "organization_id", "exposure"),
        pagination="ix_assets_org_id",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(_asset_text("ref"))  # stable key within the org (CBOM bom-ref)
    name: Mapped[str] = mapped_column(_asset_text("name"))
    asset_type: Mapped[AssetType] = mapped_column(enum_column(AssetType))
    description: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(_asset_text("owner"))
    environment: Mapped[Environment] = mapped_column(
        enum_column(Environment), default=Environment.PRODUCTION
    )
    criticality: Mapped[Criticality] = mapped_column(
        enum_column(Criticality), default=Criticality.MEDIUM
    )
    exposure: Mapped[Exposure] = mapped_column(enum_column(Exposure), default=Exposure.INTERNAL)
    data_sensitivity: Mapped[DataSensitivity] = mapped_column(
        enum_column(DataSensitivity), default=DataSensitivity.INTERNAL
    )
    secrecy_years: Mapped[int] = mapped_column(Integer, default=0)
    vendor: Mapped[str | None] = mapped_column(_asset_text("vendor"))
    product: Mapped[str | None] = mapped_column(_asset_text("product"))
    version: Mapped[str | None] = mapped_column(_asset_text("version"))
    location: Mapped[str | None] = mapped_column(_asset_text("location"))  # host:port, URL, site

    usages: Mapped[list[CryptoUsage]] = relationship(
        back_populates="asset", cascade="all, delete-orphan", passive_deletes=True
    )


class CryptoUsage(TenantMixin, TimestampMixin, Base):
    """One use of one algorithm inside one asset, with the evidence it was seen by."""

    __tablename__ = "crypto_usages"
    __table_args__ = _keyed_by_ref(
        Index("ix_usages_org_status", "organization_id", "quantum_status"),
        Index("ix_usages_org_algorithm", "organization_id", "algorithm"),
        # the summary's count per algorithm and status reads this index alone (migration 0009)
        Index("ix_usages_org_algorithm_status", "organization_id", "algorithm", "quantum_status"),
        # "assets having a usage with this status / algorithm" probes these per asset
        Index("ix_usages_asset_status", "asset_id", "quantum_status"),
        Index("ix_usages_asset_algorithm", "asset_id", "algorithm"),
        pagination="ix_usages_org_id",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(_usage_text("ref"))
    asset_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("assets.id", ondelete="CASCADE"), index=True
    )
    # catalog canonical name, or as seen
    algorithm: Mapped[str] = mapped_column(_usage_text("algorithm"))
    # the spelling the source used
    algorithm_raw: Mapped[str] = mapped_column(_usage_text("algorithm_raw"))
    primitive: Mapped[Primitive] = mapped_column(enum_column(Primitive))
    function: Mapped[CryptoFunction] = mapped_column(
        enum_column(CryptoFunction), default=CryptoFunction.OTHER
    )
    # "TLS 1.3", "SSH-2", "IKEv2"
    protocol: Mapped[str | None] = mapped_column(_usage_text("protocol"))
    key_size: Mapped[int | None] = mapped_column(Integer)
    parameter_set: Mapped[str | None] = mapped_column(_usage_text("parameter_set"))
    mode: Mapped[str | None] = mapped_column(_usage_text("mode"))
    padding: Mapped[str | None] = mapped_column(_usage_text("padding"))
    library: Mapped[str | None] = mapped_column(_usage_text("library"))
    library_version: Mapped[str | None] = mapped_column(_usage_text("library_version"))

    quantum_status: Mapped[QuantumStatus] = mapped_column(enum_column(QuantumStatus))
    status_reason: Mapped[str] = mapped_column(Text)
    catalog_version: Mapped[str] = mapped_column(_usage_text("catalog_version"))

    cert_subject: Mapped[str | None] = mapped_column(_usage_text("cert_subject"))
    cert_issuer: Mapped[str | None] = mapped_column(_usage_text("cert_issuer"))
    cert_serial: Mapped[str | None] = mapped_column(_usage_text("cert_serial"))
    cert_not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cert_not_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cert_fingerprint_sha256: Mapped[str | None] = mapped_column(
        _usage_text("cert_fingerprint_sha256")
    )
    cert_public_key_algorithm: Mapped[str | None] = mapped_column(
        _usage_text("cert_public_key_algorithm")
    )

    source: Mapped[Source] = mapped_column(enum_column(Source), default=Source.MANUAL)
    evidence: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notes: Mapped[str | None] = mapped_column(Text)
    # What a CycloneDX CBOM said that the columns above cannot hold: the bom-ref of the
    # component this usage came from and, verbatim, the crypto components it stands for
    # (cryptoProperties, evidence, dependsOn/provides between them); see cbom_import.
    cbom_extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    asset: Mapped[Asset] = relationship(back_populates="usages")


class Dependency(TenantMixin, Base):
    """`dependent` relies on `provider`: the provider migrates first."""

    __tablename__ = "dependencies"
    __table_args__ = (UniqueConstraint("dependent_id", "provider_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dependent_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("assets.id", ondelete="CASCADE"), index=True
    )
    provider_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("assets.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DependencyKind] = mapped_column(enum_column(DependencyKind))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    dependent: Mapped[Asset] = relationship(foreign_keys=[dependent_id])
    provider: Mapped[Asset] = relationship(foreign_keys=[provider_id])
