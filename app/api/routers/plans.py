"""Migration plans: generate, regenerate (new version), read, compare, export, track."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api.deps import InventoryReader, InventoryWriter, SessionDep
from app.api.job_accepted import job_accepted
from app.api.routing import WorkerRoute
from app.api.schemas.common import file_answer
from app.api.schemas.jobs import JOB_ACCEPTED
from app.api.schemas.plans import (
    JudgeIn,
    JudgeOut,
    PlanCreate,
    PlanHead,
    PlanListItem,
    PlanOut,
    Regenerate,
    StatusChange,
    TaskOut,
    TaskPage,
    VersionComparison,
    VersionDetail,
    VersionOut,
    WhatIf,
)
from core.audit import record
from core.db import READ_ONLY
from core.errors import InputError, said_of
from core.field_limits import Int64, RowId
from core.i18n import say
from core.jobs import PLANNING, JobBackend, JobContext, job_kind, principal_from, submit
from core.models import Job
from core.tenancy import NotFound, Principal, get_scoped, scoped
from inventory.service.organizations import target_org
from migration import report, service
from migration.compare import judge
from migration.export import export_chunks
from migration.models import Plan, PlanTask, PlanVersion, TaskStatus
from migration.profiles import Profile, ProfileError, UnknownProfile
from migration.scheduler import PlanParams

router = APIRouter(route_class=WorkerRoute, prefix="/api/v1/plans", tags=["plans"])


def _params(what_if: WhatIf, base: dict[str, Any] | None = None) -> PlanParams:
    base = base or {}
    start = what_if.start or date.today()
    return PlanParams(
        start=start,
        crqc_year=what_if.crqc_year or base.get("crqc_year", 2035),
        capacity=what_if.capacity or base.get("capacity", 40),
        migration_years=what_if.migration_years
        if what_if.migration_years is not None
        else base.get("migration_years", 3),
    )


def _plan_out(plan: Plan, versions: list[PlanVersion]) -> PlanOut:
    head = PlanHead.model_validate(plan).model_dump()
    return PlanOut(**head, versions=[VersionOut.model_validate(v) for v in versions])


def _profile_in_body(session: Any, org_id: int, profile_id: str, field: str) -> Profile:
    """A profile named in the request body: an unknown one is bad input at `field` (422)."""
    try:
        return service.resolve_profile(session, org_id, profile_id)
    except UnknownProfile as exc:
        raise InputError(said_of(exc), field) from None


def _generate(
    session: Any, org_id: int, profile: str, params: PlanParams, **kw: Any
) -> PlanVersion:
    try:
        return service.generate(session, org_id, profile, params, **kw)
    except UnknownProfile as exc:
        raise InputError(said_of(exc), "profile") from None
    except ProfileError as exc:
        raise InputError(exc.said, exc.field or "profile") from None


def start_plan_job(
    jobs: JobBackend, session: Any, principal: Principal, org_id: int, data: PlanCreate
) -> Job:
    """Plan generation as a job (runs once the caller's transaction commits); a profile the
    organization cannot use is refused now, not in the job."""
    _profile_in_body(session, org_id, data.profile, "profile")
    return submit(jobs, session, principal, org_id, "plan", data.model_dump(mode="json"))


@job_kind("plan")
def _plan_job(ctx: JobContext, progress: Any) -> dict[str, Any]:
    """Generate a plan version from the job's params (on whichever process runs it)."""
    data = PlanCreate.model_validate(ctx.params)
    progress(0.05, say(PLANNING, profile=data.profile))
    with ctx.sessions.begin() as s:
        version = _generate(
            s, ctx.organization_id, data.profile, _params(data),
            name=data.name, created_by=ctx.created_by,
            actor=principal_from(ctx.payload["principal"]),
        )  # fmt: skip
        return {"plan_id": version.plan_id, "version": version.number, "summary": version.summary}


def scoped_version(session: Any, plan_id: int, number: int, principal: Principal) -> PlanVersion:
    plan = get_scoped(session, Plan, plan_id, principal)
    version = service.version_by_number(session, plan.id, number)
    if version is None:
        raise NotFound(f"plan {plan_id} has no version {number}")
    return version


@router.post(
    "", response_model=PlanOut, status_code=status.HTTP_201_CREATED, responses=JOB_ACCEPTED
)
def create_plan(
    data: PlanCreate, request: Request, session: SessionDep, principal: InventoryWriter
) -> Any:
    """Plan the organization's inventory under a profile; stores version 1.

    Large inventories: pass `background: true` to get a job at once (202)."""
    org_id = target_org(session, principal, data.organization_id)
    if data.background:
        return job_accepted(
            start_plan_job(request.app.state.jobs, session, principal, org_id, data)
        )
    version = _generate(
        session, org_id, data.profile, _params(data), name=data.name, actor=principal
    )
    return _plan_out(version.plan, [version])


@router.get("", response_model=list[PlanListItem])
def list_plans(session: SessionDep, principal: InventoryReader) -> list[PlanListItem]:
    plans = session.scalars(scoped(select(Plan), Plan, principal).order_by(Plan.id))
    return [
        PlanListItem(**PlanHead.model_validate(p).model_dump(), versions=len(p.versions))
        for p in plans
    ]


@router.get("/{plan_id}", response_model=PlanOut)
def get_plan(plan_id: RowId, session: SessionDep, principal: InventoryReader) -> PlanOut:
    plan = get_scoped(session, Plan, plan_id, principal)
    return _plan_out(plan, list(plan.versions))


@router.delete("/{plan_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_plan(plan_id: RowId, session: SessionDep, principal: InventoryWriter) -> Response:
    plan = get_scoped(session, Plan, plan_id, principal)
    record(session, principal, "delete", "plan", plan.id, plan.organization_id, {"name": plan.name})
    session.delete(plan)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{plan_id}/versions", response_model=VersionOut, status_code=status.HTTP_201_CREATED)
def regenerate(
    plan_id: RowId, data: Regenerate, session: SessionDep, principal: InventoryWriter
) -> PlanVersion:
    """A new version from the current inventory; unset what-if values keep the last ones."""
    plan = get_scoped(session, Plan, plan_id, principal)
    last = service.latest_version(session, plan.id)
    base = last.params if last else {}
    if data.start is None and "start" in base:
        data = data.model_copy(update={"start": date.fromisoformat(base["start"])})
    version = _generate(
        session,
        plan.organization_id,
        data.profile or plan.profile_id,
        _params(data, base),
        plan_id=plan.id,
        actor=principal,
    )
    return version


@router.get("/{plan_id}/versions/{number}", response_model=VersionDetail)
def get_version(
    plan_id: RowId, number: RowId, session: SessionDep, principal: InventoryReader
) -> VersionDetail:
    """A version's summary and its progress per phase and sector."""
    version = scoped_version(session, plan_id, number, principal)
    progress = service.version_progress(session, version.id)
    return VersionDetail(**VersionOut.model_validate(version).model_dump(), progress=progress)


@router.get("/{plan_id}/versions/{number}/tasks", response_model=TaskPage)
def list_tasks(
    plan_id: RowId,
    number: RowId,
    session: SessionDep,
    principal: InventoryReader,
    phase: str | None = None,
    task_status: Annotated[TaskStatus | None, Query(alias="status")] = None,
    flagged: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[Int64, Query(ge=0)] = 0,
) -> dict[str, Any]:
    version = scoped_version(session, plan_id, number, principal)
    stmt = select(PlanTask).where(PlanTask.version_id == version.id)
    if phase:
        stmt = stmt.where(PlanTask.phase == phase)
    if task_status:
        stmt = stmt.where(PlanTask.status == task_status)
    rows = service.task_dicts(session, session.scalars(stmt.order_by(PlanTask.position)))
    if flagged is not None:
        rows = [r for r in rows if bool(r["flags"]) == flagged]
    return {"total": len(rows), "items": rows[offset : offset + limit]}


@router.get(
    "/{plan_id}/versions/{number}/export",
    response_class=Response,
    responses=file_answer("The version as a file to download.", *report.MEDIA_TYPES.values()),
)
def export_version(
    plan_id: RowId,
    number: RowId,
    session: SessionDep,
    principal: InventoryReader,
    fmt: Annotated[str, Query(alias="format", pattern="^(csv|json|md|html)$")] = "json",
    lang: Annotated[
        str | None,
        Query(
            pattern="^(en|ko)$",
            description="Language of CSV, Markdown and HTML; JSON keeps its machine names "
            "and gives its sentences (reasons) in it",
        ),
    ] = None,
) -> Response:
    """CSV, JSON, Markdown, or HTML with an inline SVG timeline, streamed as it is written."""
    version = scoped_version(session, plan_id, number, principal)
    filename = f"plan-{plan_id}-v{number}.{fmt}"
    return StreamingResponse(
        _exported(session.get_bind(), version.id, fmt, lang),
        media_type=report.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _exported(bind: Any, version_id: int, fmt: str, lang: str | None) -> Iterator[bytes]:
    """The export in pieces, read in a transaction of its own: the request's has committed
    by the time the body is sent (SessionDep), and a version's tasks never change but for
    their status, which this transaction reads as of one moment."""
    with Session(bind, execution_options=READ_ONLY) as session, session.begin():
        version = session.get(PlanVersion, version_id)
        if version is None:  # deleted since the request was authorized: an empty file
            return
        for chunk in export_chunks(session, version, fmt, lang):
            yield chunk.encode("utf-8")


@router.get("/{plan_id}/compare", response_model=VersionComparison)
def compare_versions(
    plan_id: RowId,
    session: SessionDep,
    principal: InventoryReader,
    from_version: Annotated[RowId, Query(alias="from", ge=1)],
    to_version: Annotated[RowId, Query(alias="to", ge=1)],
) -> dict[str, Any]:
    old = scoped_version(session, plan_id, from_version, principal)
    new = scoped_version(session, plan_id, to_version, principal)
    diff = service.compare(
        service.task_dicts(session, service.tasks_of(session, old.id)),
        service.task_dicts(session, service.tasks_of(session, new.id)),
    )
    return {"from": old, "to": new} | diff


@router.patch("/tasks/{task_id}", response_model=TaskOut)
def change_status(
    task_id: RowId, data: StatusChange, session: SessionDep, principal: InventoryWriter
) -> dict[str, Any]:
    task = get_scoped(session, PlanTask, task_id, principal)
    service.set_status(task, data.status, data.note, actor=principal)
    session.flush()
    return service.task_dict(task)


@router.post("/judge", response_model=JudgeOut)
def judge_inventory(
    data: JudgeIn, session: SessionDep, principal: InventoryReader
) -> dict[str, Any]:
    """The organization's usages under several profiles side by side, with disagreements."""
    org_id = target_org(session, principal, data.organization_id)
    profiles = [_profile_in_body(session, org_id, p, "profiles") for p in data.profiles]
    judgements = judge(service.load_inventory(session, org_id), profiles)
    items = [j.as_dict() for j in judgements if j.disagreements or not data.disagreements_only]
    return {
        "profiles": [p.id for p in profiles],
        "usages": len(judgements),
        "with_disagreements": sum(1 for j in judgements if j.disagreements),
        "items": items,
    }
