"""Jobs of any kind (benchmarks, imports, plan generation): status and progress.

Vendors get the testbed only, so they see their organization's testbed jobs and no others:
an import or plan job carries inventory data in its report and summary.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from app.api.deps import AnyRole, SessionDep, TestbedWriter
from app.api.pagination import Cursor, Limit, page
from app.api.schemas import Page
from core.choices import Role
from core.jobs import cancel_job
from core.models import Job, JobStatus
from core.tenancy import NotFound, Principal, get_scoped, scoped
from testbed import benchmark_runs

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])

TESTBED_JOB_KINDS = frozenset({benchmark_runs.JOB_KIND})


def _visible_kinds(principal: Principal) -> frozenset[str] | None:
    """The job kinds the principal may see; None means every kind."""
    return TESTBED_JOB_KINDS if principal.role is Role.VENDOR else None


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
    principal: AnyRole,
    limit: Limit = 50,
    cursor: Cursor = 0,
    kind: str | None = None,
) -> dict:
    stmt = scoped(select(Job), Job, principal).where(Job.id > cursor)
    if kind:
        stmt = stmt.where(Job.kind == kind)
    kinds = _visible_kinds(principal)
    if kinds is not None:
        stmt = stmt.where(Job.kind.in_(kinds))
    return page(list(session.scalars(stmt.order_by(Job.id).limit(limit))), JobOut, limit)


@router.get("/{job_id}", response_model=JobOut)
def get_job(job_id: int, session: SessionDep, principal: AnyRole) -> Job:
    job = get_scoped(session, Job, job_id, principal)
    kinds = _visible_kinds(principal)
    if kinds is not None and job.kind not in kinds:
        raise NotFound(f"Job {job_id} not found")
    return job


@router.post("/{job_id}/cancel", response_model=JobOut)
def cancel(job_id: int, session: SessionDep, principal: TestbedWriter) -> Job:
    """Cancel a queued or running job: it stops at its next progress step and its work is
    rolled back. A job that is already over answers 409."""
    job = get_job(job_id, session, principal)
    if job.kind not in TESTBED_JOB_KINDS:
        principal.require_write()  # inventory and plan jobs: officers and admins
    if not cancel_job(session, job):
        raise HTTPException(status.HTTP_409_CONFLICT, f"job {job_id} is already {job.status.value}")
    return job
