"""Imports and exports: CycloneDX CBOM and CSV. Each import lands whole or not at all."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response

from app.api.deps import PrincipalDep, SessionDep
from app.api.schemas import ImportReportOut
from inventory.errors import InputError
from inventory.exchange import csv_io
from inventory.exchange.cbom_export import export_cbom
from inventory.exchange.cbom_import import import_cbom
from inventory.service.assets import target_org
from inventory.service.audit import record
from inventory.tenancy import Principal

router = APIRouter(prefix="/api/v1", tags=["exchange"])

OrgQuery = Annotated[int | None, Query(description="Target organization (admins); default: yours")]


def _run_import(
    request: Request, principal: Principal, org: int | None, kind: str, payload: bytes
) -> dict:
    principal.require_write()
    session = request.app.state.sessionmaker()
    try:
        with session.begin():
            org_id = target_org(session, principal, org)
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
    finally:
        session.close()


@router.post("/imports/cbom", response_model=ImportReportOut)
async def import_cbom_endpoint(
    request: Request, principal: PrincipalDep, organization_id: OrgQuery = None
) -> dict:
    """Import a CycloneDX 1.4 to 1.7 (CBOM) JSON document sent as the request body."""
    payload = await request.body()  # size already capped by the BodySizeLimit middleware
    return await run_in_threadpool(
        _run_import, request, principal, organization_id, "cbom", payload
    )


@router.post("/imports/csv", response_model=ImportReportOut)
async def import_csv_endpoint(
    request: Request, principal: PrincipalDep, organization_id: OrgQuery = None
) -> dict:
    """Import a spreadsheet (CSV, documented header) sent as the request body."""
    payload = await request.body()  # size already capped by the BodySizeLimit middleware
    return await run_in_threadpool(_run_import, request, principal, organization_id, "csv", payload)


@router.get("/exports/cbom")
def export_cbom_endpoint(
    session: SessionDep,
    principal: PrincipalDep,
    organization_id: OrgQuery = None,
    spec_version: Literal["1.6", "1.7"] = "1.6",
) -> Response:
    principal.require_read()
    org_id = target_org(session, principal, organization_id)
    body = export_cbom(session, org_id, spec_version)
    return Response(body, media_type="application/vnd.cyclonedx+json")


@router.get("/exports/csv", response_class=PlainTextResponse)
def export_csv_endpoint(
    session: SessionDep, principal: PrincipalDep, organization_id: OrgQuery = None
) -> Response:
    principal.require_read()
    org_id = target_org(session, principal, organization_id)
    return PlainTextResponse(csv_io.export_csv(session, org_id), media_type="text/csv")


@router.get("/imports/csv/template", response_class=PlainTextResponse)
def csv_template() -> Response:
    return PlainTextResponse(csv_io.template(), media_type="text/csv")
