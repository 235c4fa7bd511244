"""Imports and exports: CycloneDX CBOM and CSV. Each import lands whole or not at all."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy.orm import Session

from app.api.deps import InventoryReader, InventoryWriter, SessionDep
from app.api.schemas import ImportReportOut
from core.audit import record
from core.errors import InputError
from core.jobs import JobContext, caller, job_kind, principal_from, start_job
from core.models import Job
from core.tenancy import Principal
from inventory.exchange import csv_io
from inventory.exchange.cbom_export import export_cbom
from inventory.exchange.cbom_import import import_cbom
from inventory.service.organizations import target_org

router = APIRouter(prefix="/api/v1", tags=["exchange"])

OrgQuery = Annotated[int | None, Query(description="Target organization (admins); default: yours")]


def _import(session: Session, principal: Principal, org_id: int, kind: str, payload: bytes) -> dict:
    """Parse and write one import inside the caller's transaction; returns the report."""
    if kind == "cbom":
        report = asdict(import_cbom(session, org_id, payload))
    else:
        try:
            text = payload.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text (byte {exc.start})", "body") from exc
        report = asdict(csv_io.import_csv(session, org_id, text))
    summary = {k: v for k, v in report.items() if isinstance(v, int)}
    record(session, principal, "import", kind, None, org_id, summary)
    return {"kind": kind, "report": report}


def _run_import(
    request: Request,
    principal: Principal,
    org: int | None,
    kind: str,
    payload: bytes,
    background: bool,
) -> Any:
    sessions = request.app.state.sessionmaker
    with sessions.begin() as session:
        org_id = target_org(session, principal, org)
        if not background:
            return _import(session, principal, org_id, kind, payload)
        job = Job(
            organization_id=org_id,
            kind="import",
            created_by=principal.name,
            params={"format": kind, "bytes": len(payload)},
        )
        private = {"data": base64.b64encode(payload).decode(), "principal": caller(principal)}
        job_id = start_job(request.app.state.jobs, session, job, private)

    body = {"job_id": job_id, "status": "queued", "follow": f"/api/v1/jobs/{job_id}"}
    return JSONResponse(status_code=status.HTTP_202_ACCEPTED, content=body)


@job_kind("import")
def _import_job(ctx: JobContext, progress: Callable[[float, str], None]) -> dict:
    kind, payload = ctx.params["format"], base64.b64decode(ctx.payload["data"])
    progress(0.05, f"importing {kind} ({len(payload)} bytes)")
    with ctx.sessions.begin() as job_session:
        principal = principal_from(ctx.payload["principal"])
        return _import(job_session, principal, ctx.organization_id, kind, payload)


Background = Annotated[
    bool, Query(description="Run as a job: 202 at once, follow it at /api/v1/jobs/{id}.")
]


@router.post("/imports/{kind}", response_model=ImportReportOut)
async def import_endpoint(
    kind: Literal["cbom", "csv"],
    request: Request,
    principal: InventoryWriter,
    organization_id: OrgQuery = None,
    background: Background = False,
) -> Any:
    """Import the request body: a CycloneDX 1.4 to 1.7 (CBOM) JSON document (`cbom`) or a
    spreadsheet saved as CSV with the documented header (`csv`)."""
    payload = await request.body()  # size already capped by the BodySizeLimit middleware
    return await run_in_threadpool(
        _run_import, request, principal, organization_id, kind, payload, background
    )


@router.get("/exports/cbom")
def export_cbom_endpoint(
    session: SessionDep,
    principal: InventoryReader,
    organization_id: OrgQuery = None,
    spec_version: Literal["1.6", "1.7"] = "1.6",
) -> Response:
    org_id = target_org(session, principal, organization_id)
    body = export_cbom(session, org_id, spec_version)
    return Response(body, media_type="application/vnd.cyclonedx+json")


@router.get("/exports/csv", response_class=PlainTextResponse)
def export_csv_endpoint(
    session: SessionDep, principal: InventoryReader, organization_id: OrgQuery = None
) -> Response:
    org_id = target_org(session, principal, organization_id)
    return PlainTextResponse(csv_io.export_csv(session, org_id), media_type="text/csv")


@router.get("/imports/csv/template", response_class=PlainTextResponse)
def csv_template() -> Response:
    return PlainTextResponse(csv_io.template(), media_type="text/csv")
