"""Discovery: the scan scopes an organization registered as its own, and each scan's record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

import core.models.job  # noqa: F401  (scan_runs.job_id refers to jobs)
from core.models.base import Base, TenantMixin, TimestampMixin, UTCDateTime, utcnow


class ScanScope(TenantMixin, TimestampMixin, Base):
    """A network (CIDR or host name, optional ports) or a directory the org may scan.

    One host may hold several port sets ("443" and "22,2222" are two scopes); the same port
    set twice is a conflict, and no ports ("any") counts as a port set of its own."""

    __tablename__ = "scan_scopes"
    __table_args__ = (
        Index(
            "uq_scan_scopes_value_ports",
            "organization_id",
            "kind",
            "value",
            text("coalesce(ports, '')"),
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # "network" or "path"
    value: Mapped[str] = mapped_column(String(300))  # "10.0.0.0/24", "db.example", "/etc/pki"
    ports: Mapped[str | None] = mapped_column(String(200))  # "443,8443,9000-9100"; None = any
    note: Mapped[str | None] = mapped_column(Text)


class ScanRun(TenantMixin, Base):
    """One scan: what was asked, what each target answered, and what it changed."""

    __tablename__ = "scan_runs"
    __table_args__ = (Index("ix_scan_runs_org_id", "organization_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # tls, ssh, certs
    targets: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="running")
    job_id: Mapped[int | None] = mapped_column(  # indexed: a job's delete sets it NULL
        Integer, ForeignKey("jobs.id", ondelete="SET NULL"), nullable=True, index=True
    )
    created_by: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    results: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
