"""Jobs: long work (benchmarks, imports, plan generation) with progress and a durable record."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, TenantMixin, UTCDateTime, enum_column, utcnow


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def active(self) -> bool:
        return self in (JobStatus.QUEUED, JobStatus.RUNNING)


class Job(TenantMixin, Base):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_org_kind_status", "organization_id", "kind", "status"),
        Index("ix_jobs_status", "status"),  # recovery looks for queued and running jobs
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus), default=JobStatus.QUEUED)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str | None] = mapped_column(String(500))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Which attempt runs now (a queue retries a job whose worker died), and whether that
    # attempt's work has committed: a job's work commits at most once (see core.jobs).
    attempt: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    work_committed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The embedded runner's process that runs (or will run) the job, "host:pid:start", and
    # when it last said it is alive: another process on the same SQLite file recovers only
    # jobs whose runner is gone (migration 0015). Workers on PostgreSQL use the queue's own.
    owner: Mapped[str | None] = mapped_column(String(120))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JobPayload(Base):
    """A job's private arguments (who started it, uploaded bytes), beside the job row.

    They travelled inside the queue entry's JSON before; PostgreSQL caps a JSON value at
    255 MB, so a 200 MiB upload (base64: 267 MB) could not be queued. Deleted when the job
    is over: nobody reads them again (migration 0015).
    """

    __tablename__ = "job_payloads"

    job_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
    )
    private: Mapped[dict[str, Any]] = mapped_column(JSON)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)


class RateLimitBucket(Base):
    """One shared token bucket (scaled mode): vendor rates, quotas, failed-key counts.

    Not a tenant row: ``key`` names the organization or client address it counts. Times
    are the database's clock (epoch seconds), so API processes on several machines agree.
    """

    __tablename__ = "rate_limit_buckets"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
