"""The adoption procedure as tracked work: steps with status, owner, dates and evidence."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from app.api.deps import InventoryReader, InventoryWriter, SessionDep, request_write_turn
from app.api.routing import WorkerRoute
from app.api.schemas.common import file_answer
from app.api.schemas.sectors import (
    EvidenceIn,
    EvidenceOut,
    ProcedureOut,
    ServedStep,
    StepOut,
    StepPatch,
)
from core.field_limits import RowId
from core.tenancy import get_scoped
from inventory.service.organizations import target_org
from migration.models import PlanVersion
from migration.sectors import procedure

router = APIRouter(route_class=WorkerRoute, prefix="/api/v1/procedure", tags=["procedure"])


def _step(session: Any, org_id: int, procedure_id: str, step_id: str) -> dict[str, Any]:
    found = next(p for p in procedure.view(session, org_id) if p["id"] == procedure_id)
    return next(s for s in found["steps"] if s["id"] == step_id)


@router.get("", response_model=list[ProcedureOut])
def get_procedure(
    session: SessionDep, principal: InventoryReader, organization_id: RowId | None = None
) -> list[dict[str, Any]]:
    """The Korean pilot model's steps and GSMA PQ.03's phases, as the organization stands."""
    return procedure.view(session, target_org(session, principal, organization_id))


@router.patch("/{procedure_id}/{step_id}", response_model=StepOut)
def update_step(
    procedure_id: str,
    step_id: str,
    data: StepPatch,
    session: SessionDep,
    principal: InventoryWriter,
) -> dict[str, Any]:
    """Change a step's status, owner, dates or note (only the fields given; null clears)."""
    org_id = target_org(session, principal, data.organization_id)
    given = data.model_dump(exclude_unset=True, exclude={"organization_id"})
    procedure.update_step(session, principal, org_id, procedure_id, step_id, **given)
    return _step(session, org_id, procedure_id, step_id)


@router.post(
    "/{procedure_id}/{step_id}/evidence",
    response_model=EvidenceOut,
    status_code=status.HTTP_201_CREATED,
)
def add_evidence(
    procedure_id: str,
    step_id: str,
    data: EvidenceIn,
    session: SessionDep,
    principal: InventoryWriter,
) -> dict[str, Any]:
    """A link, or one of the organization's plan versions: the version then serves the step."""
    org_id = target_org(session, principal, data.organization_id)
    item = procedure.add_evidence(
        session, principal, org_id, procedure_id, step_id,
        label=data.label, url=data.url, plan_version_id=data.plan_version_id,
    )  # fmt: skip
    return procedure.evidence_dict(item)


@router.post(
    "/{procedure_id}/{step_id}/evidence/file",
    response_model=EvidenceOut,
    status_code=status.HTTP_201_CREATED,
)
async def add_evidence_file(
    procedure_id: str,
    step_id: str,
    request: Request,
    principal: InventoryWriter,
    filename: Annotated[str, Query(min_length=1, max_length=255)],
    label: Annotated[str | None, Query(max_length=200)] = None,
    organization_id: RowId | None = None,
) -> dict[str, Any]:
    """A file kept as evidence (the request body, as is); its SHA-256 is recorded."""
    content = await request.body()
    media = request.headers.get("content-type", "application/octet-stream")

    def add() -> dict[str, Any]:  # on a worker thread: a write must never block the loop
        with request.app.state.sessionmaker.begin() as session:  # committed before the answer
            org_id = target_org(session, principal, organization_id)
            item = procedure.add_evidence(
                session, principal, org_id, procedure_id, step_id,
                label=label, file_name=filename, content=content, media_type=media,
            )  # fmt: skip
            return procedure.evidence_dict(item)

    async with request_write_turn(request):
        return await run_in_threadpool(add)


@router.get(
    "/evidence/{evidence_id}/file",
    response_class=Response,
    responses=file_answer("The evidence file as it was stored.", "application/octet-stream"),
)
def get_evidence_file(
    evidence_id: RowId,
    session: SessionDep,
    principal: InventoryReader,
    organization_id: RowId | None = None,
) -> Response:
    org_id = target_org(session, principal, organization_id)
    item = procedure.evidence_file(session, org_id, evidence_id)
    name = (item.file_name or "evidence").replace('"', "_")
    return Response(
        item.content or b"",
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.delete("/evidence/{evidence_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_evidence(
    evidence_id: RowId,
    session: SessionDep,
    principal: InventoryWriter,
    organization_id: RowId | None = None,
) -> Response:
    org_id = target_org(session, principal, organization_id)
    procedure.remove_evidence(session, principal, org_id, evidence_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/plan-versions/{version_id}", response_model=list[ServedStep])
def steps_served(
    version_id: RowId, session: SessionDep, principal: InventoryReader
) -> list[dict[str, str]]:
    """The procedure steps a plan version serves."""
    version = get_scoped(session, PlanVersion, version_id, principal)
    return procedure.steps_served_by(session, version.id)
