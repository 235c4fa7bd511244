"""Imports and exports: CycloneDX CBOM and CSV. Each import lands whole or not at all."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response

from app.api.deps import InventoryReader, InventoryWriter, SessionDep, request_write_turn
from app.api.job_accepted import job_accepted
from app.api.routing import WorkerRoute
from app.api.schemas.common import file_answer
from app.api.schemas.inventory import ImportReportOut
from app.api.schemas.jobs import JOB_ACCEPTED
from core.field_limits import RowId
from core.tenancy import Principal
from inventory.exchange import csv_io
from inventory.exchange.cbom_export import export_cbom
from inventory.exchange.imports import Document, import_document, start_import_job
from inventory.service.organizations import target_org

router = APIRouter(route_class=WorkerRoute, prefix="/api/v1", tags=["exchange"])

OrgQuery = Annotated[
    RowId | None, Query(description="Target organization (admins); default: yours")
]


def _run_import(
    request: Request, principal: Principal, org: int | None, doc: Document, background: bool
) -> Any:
    with request.app.state.sessionmaker.begin() as session:
        org_id = target_org(session, principal, org)
        if not background:
            return {"kind": doc.kind, "report": import_document(session, principal, org_id, doc)}
        job = start_import_job(request.app.state.jobs, session, principal, org_id, doc)
        return job_accepted(job)  # sent once this transaction has committed


Background = Annotated[
    bool, Query(description="Run as a job: 202 at once, follow it at /api/v1/jobs/{id}.")
]


@router.post("/imports/{kind}", response_model=ImportReportOut, responses=JOB_ACCEPTED)
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
    doc = Document(kind, payload)
    async with request_write_turn(request):
        return await run_in_threadpool(
            _run_import, request, principal, organization_id, doc, background
        )


@router.get(
    "/exports/cbom",
    response_class=Response,
    responses=file_answer("The CycloneDX CBOM document.", "application/vnd.cyclonedx+json"),
)
def export_cbom_endpoint(
    session: SessionDep,
    principal: InventoryReader,
    organization_id: OrgQuery = None,
    spec_version: Literal["1.6", "1.7"] = "1.6",
) -> Response:
    org_id = target_org(session, principal, organization_id)
    body = export_cbom(session, org_id, spec_version)
    return Response(body, media_type="application/vnd.cyclonedx+json")


@router.get(
    "/exports/csv",
    response_class=PlainTextResponse,
    responses=file_answer("The inventory as CSV.", "text/csv"),
)
def export_csv_endpoint(
    session: SessionDep, principal: InventoryReader, organization_id: OrgQuery = None
) -> Response:
    org_id = target_org(session, principal, organization_id)
    return PlainTextResponse(csv_io.export_csv(session, org_id), media_type="text/csv")


@router.get(
    "/imports/csv/template",
    response_class=PlainTextResponse,
    responses=file_answer("The CSV header to fill in.", "text/csv"),
)
def csv_template() -> Response:
    return PlainTextResponse(csv_io.template(), media_type="text/csv")
