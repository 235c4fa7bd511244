"""Testbed rows: vendor products and stored benchmark results, each owned by an organization."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

import core.models.job  # noqa: F401  (a foreign key refers to jobs)
from core.models.base import Base, TenantMixin, UTCDateTime, utcnow


class Product(TenantMixin, Base):
    """A vendor's product under test: name, version and the algorithms it claims."""

    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("organization_id", "name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(100))
    algorithms: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BenchmarkRecord(TenantMixin, Base):
    """One engine x algorithm measurement, from one benchmark job."""

    __tablename__ = "benchmark_records"
    __table_args__ = (Index("ix_benchmark_records_org_alg", "organization_id", "algorithm"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("jobs.id", ondelete="SET NULL"), index=True
    )
    product_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("products.id", ondelete="SET NULL"), index=True
    )
    engine: Mapped[str] = mapped_column(String(40))
    engine_version: Mapped[str] = mapped_column(String(80))
    algorithm: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))  # kem / signature
    baseline_for: Mapped[str | None] = mapped_column(String(120))  # set on classical baselines
    operations: Mapped[dict[str, Any]] = mapped_column(JSON)
    sizes: Mapped[dict[str, int]] = mapped_column(JSON)
    machine: Mapped[dict[str, Any]] = mapped_column(JSON)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
