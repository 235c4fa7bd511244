"""Sector guideline tables: an organization's own catalogs, asset tags, targets tied by
hand and declared absent, its adoption procedure with evidence, whom it reports to, and
the aggregates it shares with its supervisors (migration 0019)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from core.choices import Sector
from core.models.base import Base, TenantMixin, TimestampMixin, UTCDateTime, enum_column, utcnow
from migration.sectors.choices import EvidenceKind, StepStatus

TARGET_KEY = 130  # "catalog/target": two ids of at most 64 characters


class SectorCatalogRow(TenantMixin, TimestampMixin, Base):
    """A user-defined sector catalog, validated before it is stored."""

    __tablename__ = "sector_catalogs"
    __table_args__ = (UniqueConstraint("organization_id", "catalog_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    catalog_id: Mapped[str] = mapped_column(String(64))
    sector: Mapped[Sector] = mapped_column(enum_column(Sector))
    version: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class AssetTag(TenantMixin, Base):
    """A word an organization puts on an asset; catalog match rules can ask for it."""

    __tablename__ = "asset_tags"
    __table_args__ = (
        UniqueConstraint("asset_id", "tag"),
        Index("ix_asset_tags_org_tag", "organization_id", "tag"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("assets.id", ondelete="CASCADE"), index=True
    )
    tag: Mapped[str] = mapped_column(String(60))


class TargetTie(TenantMixin, Base):
    """An asset tied to a target by a person (rules tie the rest when the check runs)."""

    __tablename__ = "target_ties"
    __table_args__ = (
        UniqueConstraint("asset_id", "target_key"),
        Index("ix_target_ties_org_target", "organization_id", "target_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("assets.id", ondelete="CASCADE"), index=True
    )
    target_key: Mapped[str] = mapped_column(String(TARGET_KEY))
    tied_by: Mapped[str] = mapped_column(String(120))
    tied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TargetAbsence(TenantMixin, Base):
    """A target the organization says it does not have, why, and who said so."""

    __tablename__ = "target_absences"
    __table_args__ = (UniqueConstraint("organization_id", "target_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_key: Mapped[str] = mapped_column(String(TARGET_KEY))
    reason: Mapped[str] = mapped_column(String(2000))
    declared_by: Mapped[str] = mapped_column(String(120))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProcedureStep(TenantMixin, Base):
    """Where one step of an adoption procedure stands for one organization."""

    __tablename__ = "procedure_steps"
    __table_args__ = (UniqueConstraint("organization_id", "procedure_id", "step_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[str] = mapped_column(String(64))
    step_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[StepStatus] = mapped_column(
        enum_column(StepStatus), default=StepStatus.NOT_STARTED
    )
    owner: Mapped[str | None] = mapped_column(String(200))
    started_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(2000))
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ProcedureEvidence(TenantMixin, Base):
    """A file, a link or a plan version that shows a step's work."""

    __tablename__ = "procedure_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    step_row_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("procedure_steps.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[EvidenceKind] = mapped_column(enum_column(EvidenceKind))
    label: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000))
    file_name: Mapped[str | None] = mapped_column(String(255))
    media_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    plan_version_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("plan_versions.id", ondelete="SET NULL"), index=True
    )
    added_by: Mapped[str] = mapped_column(String(120))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportingRelation(TenantMixin, Base):
    """The organization (`organization_id`) reports to `supervisor_id`: from `started_at`
    until `stopped_at`. Only the reporting organization starts and stops it."""

    __tablename__ = "reporting_relations"

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_by: Mapped[str] = mapped_column(String(120))
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stopped_by: Mapped[str | None] = mapped_column(String(120))


class SharedFigures(Base):
    """The aggregates a reporting organization shares: counts and states, never a name,
    an endpoint or evidence. Rewritten whenever they may have changed (`supervision`)."""

    __tablename__ = "shared_figures"

    organization_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
