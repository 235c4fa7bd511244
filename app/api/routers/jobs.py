"""Jobs of any kind (benchmarks, background plan generation): status and progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from app.api.deps import PrincipalDep, SessionDep
from app.api.pagination import Cursor, Limit, page
from app.api.schemas import Page
from inventory.models import Job, JobStatus
from inventory.tenancy import get_scoped, scoped

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
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


@router.get("", response_model=Page[JobOut])
def list_jobs(
    session: SessionDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = 0,
    kind: str | None = None,
) -> dict:
    stmt = scoped(select(Job), Job, principal).where(Job.id > cursor)
    if kind:
        stmt = stmt.where(Job.kind == kind)
    return page(list(session.scalars(stmt.order_by(Job.id).limit(limit))), JobOut, limit)


@router.get("/{job_id}", response_model=JobOut)
def get_job(job_id: int, session: SessionDep, principal: PrincipalDep) -> Job:
    return get_scoped(session, Job, job_id, principal)
