"""Discovery: scan scopes, scan jobs, and the record of each scan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api.deps import (
    AdminForDirectories,
    InventoryReader,
    InventoryWriter,
    SessionDep,
    request_write_turn,
)
from app.api.job_accepted import job_accepted
from app.api.routing import WorkerRoute
from app.api.schemas.discovery import ScanIn, ScanOut, ScopeIn, ScopeOut
from app.api.schemas.jobs import JobAccepted
from core.audit import record
from core.field_limits import RowId
from core.i18n import say
from core.jobs import SCANNING, JobContext, job_kind, principal_from, submit
from core.models import Job
from core.tenancy import NotFound, Principal
from inventory.discovery import service
from inventory.models import ScanRun
from inventory.service.organizations import target_org

router = APIRouter(route_class=WorkerRoute, prefix="/api/v1", tags=["discovery"])
OrgQuery = Annotated[
    RowId | None, Query(description="Target organization (admins); default: yours")
]


@router.post(
    "/scan-scopes", response_model=ScopeOut, status_code=201, dependencies=[AdminForDirectories]
)
def add_scope(
    body: ScopeIn, session: SessionDep, principal: InventoryWriter, organization_id: OrgQuery = None
) -> Any:
    """Register a network (CIDR or host name, optional ports) or a directory as the org's own.

    A directory is on this server's disk, so only an administrator may open one to scans."""
    org_id = target_org(session, principal, organization_id)
    row = service.add_scope(session, org_id, body.kind, body.value, body.ports, body.note)
    record(session, principal, "create", "scan_scope", row.id, org_id, {"value": row.value})
    return row


@router.get("/scan-scopes", response_model=list[ScopeOut])
def list_scopes(
    session: SessionDep, principal: InventoryReader, organization_id: OrgQuery = None
) -> Any:
    org_id = target_org(session, principal, organization_id)
    return service.list_scopes(session, org_id)


@router.delete("/scan-scopes/{scope_id}", status_code=204)
def delete_scope(
    scope_id: RowId,
    session: SessionDep,
    principal: InventoryWriter,
    organization_id: OrgQuery = None,
) -> None:
    org_id = target_org(session, principal, organization_id)
    service.delete_scope(session, org_id, scope_id)
    record(session, principal, "delete", "scan_scope", scope_id, org_id, {})


def _prepare(session: Session, org_id: int, body: ScanIn) -> service.ScanRequest:
    """The scan's targets, checked against the organization's scopes (403 if outside)."""
    req = service.prepare(
        session,
        org_id,
        body.kind,
        body.targets,
        timeout=body.timeout,
        concurrency=body.concurrency,
        password_env=body.password_env,
    )
    req.name = body.name
    return req


def start_scan_job(request: Request, principal: Principal, org: int | None, body: ScanIn) -> Job:
    """Start a scan job in a transaction of its own; out-of-scope targets stop here, before
    a packet is sent (the API's `POST /scans` and the web console's scan form)."""
    with request.app.state.sessionmaker.begin() as session:
        org_id = target_org(session, principal, org)
        req = _prepare(session, org_id, body)
        params = {"scan": body.kind, "targets": len(req.labels)}
        private = {"body": body.model_dump(mode="json")}
        return submit(
            request.app.state.jobs, session, principal, org_id, "scan", params, private=private
        )


@job_kind("scan")
def _scan_job(ctx: JobContext, progress: Callable[[float, str], None]) -> dict:
    """Run a scan; its targets are checked against the scopes again where it runs."""
    body, org_id = ScanIn.model_validate(ctx.payload["body"]), ctx.organization_id
    principal = principal_from(ctx.payload["principal"])
    with ctx.sessions.plain.begin() as session:
        req = _prepare(session, org_id, body)
    started = datetime.now(UTC)
    progress(0.0, say(SCANNING, n=len(req.labels), kind=body.kind))
    results = service.run(req, lambda f, m: progress(0.95 * f, m))
    with ctx.sessions.begin() as job_session:
        scan = service.record_scan(
            job_session, org_id, req, results, principal.name, ctx.job_id, started
        )
        counts = service.counts(scan.summary or {})
        record(job_session, principal, "scan", body.kind, scan.id, org_id, counts)
        return {"scan_id": scan.id, **counts, "follow": f"/api/v1/scans/{scan.id}"}


@router.post("/scans", status_code=202, response_model=JobAccepted)
async def start_scan(
    body: ScanIn, request: Request, principal: InventoryWriter, organization_id: OrgQuery = None
) -> Any:
    """Start a scan job. Progress at `/api/v1/jobs/{job_id}`; its result names the scan."""
    async with request_write_turn(request):
        job = await run_in_threadpool(start_scan_job, request, principal, organization_id, body)
    return job_accepted(job)


@router.get("/scans", response_model=list[ScanOut], response_model_exclude={"results"})
def list_scans(
    session: SessionDep,
    principal: InventoryReader,
    organization_id: OrgQuery = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Any:
    org_id = target_org(session, principal, organization_id)
    stmt = (
        select(ScanRun)
        .where(ScanRun.organization_id == org_id)
        .order_by(ScanRun.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


@router.get("/scans/{scan_id}", response_model=ScanOut)
def get_scan(scan_id: RowId, session: SessionDep, principal: InventoryReader) -> Any:
    row = session.get(ScanRun, scan_id)
    if row is None or (not principal.is_admin and row.organization_id != principal.organization_id):
        raise NotFound(f"scan {scan_id} not found")
    return row
