"""Jobs: their status and progress, and the 202 answer of a request that started one."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.api.schemas.common import RowOut
from core.models import JobStatus


class JobOut(RowOut):
    id: int
    organization_id: int
    kind: str
    status: JobStatus
    progress: float
    message: str | None
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobAccepted(BaseModel):
    """A job was queued; it runs once the request has committed."""

    job_id: int
    status: Literal["queued"]
    follow: str = Field(description="Where to follow the job: `/api/v1/jobs/{job_id}`.")


JOB_ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {"model": JobAccepted, "description": "Queued as a job; follow it at `follow`."}
}
"""`responses=` of a route that may answer 202 with a job instead of its usual body."""
