"""Reporting to a supervisor (started and stopped by the reporting organization alone),
what it shares, its signed report, and the supervisor's view: aggregates only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from app import supervision_report
from app.api.deps import InventoryReader, InventoryWriter, SessionDep
from app.api.routing import WorkerRoute
from app.api.schemas.common import file_answer
from app.api.schemas.sectors import (
    RelationOut,
    RelationsOut,
    ReportIn,
    ReportingIn,
    SharedFiguresOut,
    SupervisedOut,
    SupervisionOut,
)
from core.field_limits import RowId
from inventory.service.organizations import target_org
from migration.sectors import report, supervision
from migration.sectors.models import SharedFigures

router = APIRouter(route_class=WorkerRoute, prefix="/api/v1", tags=["supervision"])


def _relation(session: Any, org_id: int, relation_id: RowId) -> dict[str, Any]:
    both = supervision.relations_of(session, org_id)
    return next(r for r in both["reports_to"] if r["id"] == relation_id)


@router.get("/reporting", response_model=RelationsOut)
def relations(
    session: SessionDep, principal: InventoryReader, organization_id: RowId | None = None
) -> dict[str, Any]:
    """Both sides: whom the organization reports to, and who reports to it."""
    return supervision.relations_of(session, target_org(session, principal, organization_id))


@router.post("/reporting", response_model=RelationOut, status_code=status.HTTP_201_CREATED)
def start_reporting(
    data: ReportingIn, session: SessionDep, principal: InventoryWriter
) -> dict[str, Any]:
    """Start reporting to a supervising organization (by slug). Only the organization's own
    officers or administrators can; both organizations' audit logs record it."""
    org_id = target_org(session, principal, data.organization_id)
    row = supervision.start_reporting(session, principal, org_id, data.supervisor)
    return _relation(session, org_id, row.id)


@router.post("/reporting/{relation_id}/stop", response_model=RelationOut)
def stop_reporting(
    relation_id: RowId, session: SessionDep, principal: InventoryWriter
) -> dict[str, Any]:
    org_id = principal.organization_id
    supervision.stop_reporting(session, principal, org_id, relation_id)
    return _relation(session, org_id, relation_id)


@router.get("/reporting/shared", response_model=SharedFiguresOut)
def shared(
    session: SessionDep, principal: InventoryReader, organization_id: RowId | None = None
) -> dict[str, Any]:
    """Exactly what the organization's supervisors see of it (empty if it reports to none)."""
    org_id = target_org(session, principal, organization_id)
    row = session.get(SharedFigures, org_id)
    return dict(row.figures) if row else {}


@router.post("/reporting/shared/refresh", response_model=SharedFiguresOut)
def refresh_shared(
    session: SessionDep, principal: InventoryWriter, organization_id: RowId | None = None
) -> dict[str, Any]:
    org_id = target_org(session, principal, organization_id)
    supervision.refresh_on_request(session, principal, org_id)
    row = session.get(SharedFigures, org_id)
    return dict(row.figures) if row else {}


@router.post(
    "/reporting/report",
    response_class=Response,
    responses=file_answer("The signed report.", *report.MEDIA_TYPES.values()),
)
def issue_report(
    data: ReportIn,
    session: SessionDep,
    principal: InventoryReader,
    organization_id: RowId | None = None,
) -> Response:
    """The organization's signed report for its supervisor: coverage, procedure, plan
    progress, deadlines at risk (English or Korean; JSON, Markdown or printable HTML).
    Check it offline against GET /api/v1/testbed/report-key."""
    org_id = target_org(session, principal, organization_id)
    issued = supervision_report.issue(
        session, principal, org_id, data.format, data.lang, data.supervisor
    )
    return Response(
        issued.text,
        media_type=issued.media_type,
        headers={"Content-Disposition": f'attachment; filename="{issued.filename}"'},
    )


@router.get("/supervision", response_model=SupervisionOut)
def supervisor_view(
    session: SessionDep, principal: InventoryReader, organization_id: RowId | None = None
) -> dict[str, Any]:
    """For each organization reporting to yours: coverage of its sector targets, procedure
    status, plan progress and deadlines at risk; and sector aggregates. Counts only."""
    return supervision.supervisor_view(session, target_org(session, principal, organization_id))


@router.get("/supervision/{org_id}", response_model=SupervisedOut)
def supervised(
    org_id: RowId,
    session: SessionDep,
    principal: InventoryReader,
    organization_id: RowId | None = None,
) -> dict[str, Any]:
    """One organization reporting to yours (404 for any that does not)."""
    supervisor_id = target_org(session, principal, organization_id)
    return supervision.supervised(session, supervisor_id, org_id)
