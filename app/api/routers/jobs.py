"""Jobs of any kind (benchmarks, imports, plan generation): status and progress.

Vendors get the testbed only, so they see their organization's testbed jobs and no others
(`app.api.deps.job_kinds_seen_by`).
"""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from app.api.deps import (
    AnyRole,
    CancellableJob,
    SeenJobKinds,
    SessionDep,
    TestbedWriter,
    VisibleJob,
)
from app.api.pagination import Cursor, Limit, page
from app.api.routing import WorkerRoute
from app.api.schemas.common import Page
from app.api.schemas.jobs import JobOut
from core.audit import record
from core.errors import Conflict
from core.i18n import N_, say
from core.jobs import cancel_job
from core.models import Job
from core.tenancy import scoped

router = APIRouter(route_class=WorkerRoute, prefix="/api/v1/jobs", tags=["jobs"])


@router.get("", response_model=Page[JobOut])
def list_jobs(
    session: SessionDep,
    principal: AnyRole,
    kinds: SeenJobKinds,
    limit: Limit = 50,
    cursor: Cursor = 0,
    kind: str | None = None,
) -> dict:
    stmt = scoped(select(Job), Job, principal).where(Job.id > cursor)
    if kind:
        stmt = stmt.where(Job.kind == kind)
    if kinds is not None:
        stmt = stmt.where(Job.kind.in_(kinds))
    return page(list(session.scalars(stmt.order_by(Job.id).limit(limit))), JobOut, limit)


@router.get("/{job_id}", response_model=JobOut)
def get_job(job: VisibleJob) -> Job:
    return job


@router.post("/{job_id}/cancel", response_model=JobOut)
def cancel(principal: TestbedWriter, job: CancellableJob, session: SessionDep) -> Job:
    """Cancel a queued or running job: it stops at its next progress step and its work is
    rolled back. Inventory and plan jobs: officers and admins only. A job that is already
    over answers 409."""
    if not cancel_job(session, job):
        raise Conflict(say(N_("job {id} is already {status}"), id=job.id, status=job.status.value))
    record(session, principal, "cancel", "job", job.id, job.organization_id, {"kind": job.kind})
    return job
