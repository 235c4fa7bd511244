"""Stored plans: a plan has numbered, immutable versions (snapshots) holding its tasks.

Only a task's status changes after a version is written. User-defined profiles are
stored per organization as validated JSON.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Float,
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
from migration import links  # noqa: F401  (the link triggers for `create_all`)
from migration.choices import TaskStatus


def _owned(back_populates: str, order_by: str) -> Any:
    """Children that live and die with their parent (the database deletes them with it)."""
    return relationship(
        back_populates=back_populates,
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by=order_by,
    )


class Plan(TenantMixin, TimestampMixin, Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    profile_id: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)

    versions: Mapped[list[PlanVersion]] = _owned("plan", "PlanVersion.number")


class PlanVersion(TenantMixin, Base):
    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("plans.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    profile_id: Mapped[str] = mapped_column(String(64))
    profile_version: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Each distinct risk part ({name, points, reason}) of the version's tasks, once: a task's
    # stored `risk.parts` holds indexes into this list (`service.shown_risk` writes them
    # out). Thousands of tasks share a few hundred parts; versions stored before migration
    # 0012 have None here and full parts in their tasks. Loaded only when read.
    risk_parts: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, deferred=True)
    created_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="versions")
    # no foreign key under it (migration 0022): a delete trigger deletes a version's tasks
    tasks: Mapped[list[PlanTask]] = relationship(
        back_populates="version",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PlanTask.position",
        primaryjoin="PlanVersion.id == foreign(PlanTask.version_id)",
    )


class PlanTask(TenantMixin, Base):
    """One migration task in one version. Usage and asset links survive their deletion.

    No foreign keys (migration 0022): four checks per row were most of the database's work
    in storing a 415,000-task version. Triggers delete a version's tasks with it and set a
    deleted usage's or asset's links to NULL; the writer checks a version's links once
    (`migration.links`, which says why no link can dangle)."""

    __tablename__ = "plan_tasks"
    __table_args__ = (
        UniqueConstraint("version_id", "key"),
        # the timeline page's GROUP BY reads this index alone (migration 0009); it also
        # serves (version, wave) lookups (ix_plan_tasks_version_wave went in 0012)
        # Deleting a usage or an asset sets its tasks' link to NULL: without these the
        # database reads every task of every version for each row deleted (0012).
        Index("ix_plan_tasks_usage_id", "usage_id"),
        Index("ix_plan_tasks_asset_id", "asset_id"),
        # the task list sorted by deadline walks this instead of sorting the version (0020)
        Index("ix_plan_tasks_version_deadline", "version_id", "deadline", "id"),
        Index(
            "ix_plan_tasks_version_timeline",
            *("version_id", "wave", "wave_label", "phase", "sector", "status", "effort"),
            "deadline",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # the organization of the task's version; no foreign key and no index (0022): the
    # organization's versions take their tasks with them, and no query reads by it
    organization_id: Mapped[int] = mapped_column(Integer)
    # no index of its own: (version_id, key) and the timeline index lead with it (0015);
    # deleting the version deletes its tasks (trigger plan_tasks_version_delete, 0022)
    version_id: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    # stable across versions: usage:<ref>. Compared bytewise on PostgreSQL (collation "C",
    # as SQLite compares it): the unique (version_id, key) index is the dearest of a task's
    # to keep, and the database's language collation made each comparison a strcoll (0021).
    key: Mapped[str] = mapped_column(
        String(220).with_variant(String(220, collation="C"), "postgresql")
    )
    # NULL once the usage or asset is deleted (triggers plan_tasks_usage_delete and
    # plan_tasks_asset_delete, 0022, which find the tasks by the indexes above)
    usage_id: Mapped[int | None] = mapped_column(Integer)
    asset_id: Mapped[int | None] = mapped_column(Integer)
    asset_name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(40))
    algorithm: Mapped[str] = mapped_column(String(120))
    use: Mapped[str] = mapped_column(String(40))
    quantum_status: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(120))
    alternatives: Mapped[list[str]] = mapped_column(JSON)
    effort: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    risk: Mapped[dict[str, Any]] = mapped_column(JSON)
    unit: Mapped[int] = mapped_column(Integer)
    wave: Mapped[int] = mapped_column(Integer)
    wave_label: Mapped[str] = mapped_column(String(10))
    wave_start: Mapped[date] = mapped_column(Date)
    wave_end: Mapped[date] = mapped_column(Date)
    phase: Mapped[str] = mapped_column(String(40))
    deadline: Mapped[date | None] = mapped_column(Date)
    deadline_rule: Mapped[str | None] = mapped_column(String(60))
    deadline_source: Mapped[str | None] = mapped_column(String(80))
    flags: Mapped[list[str]] = mapped_column(JSON)
    # The sentences saying why the task is where it is. Versions stored since migration 0021
    # keep each distinct sentence once in `plan_reasons` and hold their numbers here
    # (`service.task_dicts` writes them out); older versions hold the sentences themselves.
    reasons: Mapped[list[str] | list[int]] = mapped_column(JSON)
    blocking_chain: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus), default=TaskStatus.PLANNED)
    status_note: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    version: Mapped[PlanVersion] = relationship(
        back_populates="tasks", primaryjoin="PlanVersion.id == foreign(PlanTask.version_id)"
    )


class PlanReason(TenantMixin, Base):
    """One distinct reason sentence of a stored version, numbered in the order the version's
    tasks (in plan order) first give it: a task's `reasons` holds these numbers. A
    100,000-asset plan has ~415,000 tasks whose reasons were about half of each stored row
    (~420 of ~850 characters) but repeat (a unit's own sentences, then tails shared by
    thousands of tasks): each is written once here instead (migration 0021)."""

    __tablename__ = "plan_reasons"

    version_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("plan_versions.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(Text)


class CustomProfile(TenantMixin, TimestampMixin, Base):
    """A user-defined policy profile, validated before it is stored."""

    __tablename__ = "custom_profiles"
    __table_args__ = (UniqueConstraint("organization_id", "profile_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[str] = mapped_column(String(length("custom_profiles", "profile_id")))
    version: Mapped[str] = mapped_column(String(length("custom_profiles", "version")))
    name: Mapped[str] = mapped_column(String(length("custom_profiles", "name")))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class TimelineCell(Base):
    """A stored version's tasks counted per (wave, phase, sector, status): what its timeline
    page shows. Filled once when the version is stored (`timeline.store_cells`); a trigger
    moves a task's counts when its status changes, and any other change to a version's
    tasks drops its cells, so the page falls back to counting the tasks (migration 0011)."""

    __tablename__ = "plan_timeline_cells"

    version_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("plan_versions.id", ondelete="CASCADE"), primary_key=True
    )
    wave: Mapped[int] = mapped_column(Integer, primary_key=True)
    wave_label: Mapped[str] = mapped_column(String(10), primary_key=True)
    phase: Mapped[str] = mapped_column(String(40), primary_key=True)
    sector: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus), primary_key=True)
    tasks: Mapped[int] = mapped_column(Integer)
    effort: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[date | None] = mapped_column(Date)  # earliest; never raised on a move
    flagged: Mapped[int] = mapped_column(Integer)
