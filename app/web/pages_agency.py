"""Agency pages: plans, versions as a timeline, progress, tasks, comparison, judgement, exports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy import select

from app.api.deps import SessionDep
from app.api.routers import plans as api_plans
from app.web.charts import hbar
from app.web.core import User, form_model, page, redirect, render
from core.errors import InputError
from core.tenancy import get_scoped, scoped
from inventory.service.organizations import target_org
from migration import report, service
from migration.models import Plan, TaskStatus
from migration.profiles import builtin_profiles
from migration.timeline import first_flagged, task_page, version_view

router = APIRouter(include_in_schema=False)
TASKS_PER_PAGE = 50


def _profiles(session: Any, org_id: int) -> list[tuple[str, str]]:
    out = [(p.id, p.name) for p in builtin_profiles().values()]
    out += [(c.profile_id, c.name) for c in service.custom_profiles(session, org_id)]
    return sorted(out)


@router.get("/plans")
@page
def plans(request: Request, user: User, session: SessionDep) -> Response:
    user.principal.require_read()
    rows = list(session.scalars(scoped(select(Plan), Plan, user.principal).order_by(Plan.id)))
    org_id = target_org(session, user.principal, None)
    return render(request, "plans.html", {"plans": rows, "profiles": _profiles(session, org_id)})


@router.post("/plans")
@page
def create_plan(
    request: Request,
    user: User,
    session: SessionDep,
    profile: Annotated[str, Form(max_length=64)],
    name: Annotated[str, Form(max_length=200)] = "",
    crqc_year: Annotated[str, Form(max_length=8)] = "",
    capacity: Annotated[str, Form(max_length=12)] = "",
    start: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    data = form_model(
        api_plans.PlanCreate,
        profile=profile,
        name=name or None,
        crqc_year=crqc_year or None,
        capacity=capacity or None,
        start=start or None,
        background=True,
    )
    user.principal.require_write()
    org_id = target_org(session, user.principal, None)
    job = api_plans.start_plan_job(request.app.state.jobs, session, user.principal, org_id, data)
    return redirect(f"/jobs/{job.id}")


@router.get("/plans/{plan_id}")
@page
def plan(plan_id: int, request: Request, user: User, session: SessionDep) -> Response:
    user.principal.require_read()
    p = get_scoped(session, Plan, plan_id, user.principal)
    return render(request, "plan.html", {"p": p, "versions": list(p.versions)})


@router.post("/plans/{plan_id}/versions")
@page
def regenerate(plan_id: int, request: Request, user: User, session: SessionDep) -> Response:
    user.principal.require_write()
    out = api_plans.regenerate(plan_id, api_plans.Regenerate(), session, user.principal)
    return redirect(f"/plans/{plan_id}/versions/{out.number}")


@router.get("/plans/{plan_id}/versions/{number}")
@page
def version(
    plan_id: int,
    number: int,
    request: Request,
    user: User,
    session: SessionDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    phase: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    user.principal.require_read()
    v = api_plans.scoped_version(session, plan_id, number, user.principal)
    view = version_view(session, v.id)
    progress, waves = view.progress, view.waves
    flagged, n_flagged = first_flagged(session, v.id, 20), view.flagged
    tasks = task_page(session, v.id, offset, TASKS_PER_PAGE, phase)
    phase_chart = hbar(
        [(k, float(g["percent_done"])) for k, g in progress["by_phase"].items()],
        "percent done per phase",
        unit="%",
    )
    sector_chart = hbar(
        [(k, float(g["percent_done"])) for k, g in progress["by_sector"].items()],
        "percent done per sector",
        unit="%",
    )
    return render(
        request,
        "version.html",
        {
            "v": v,
            "progress": progress,
            "timeline": Markup(report.timeline_svg(waves)),
            "waves": waves,
            "flagged": flagged,
            "n_flagged": n_flagged,
            "tasks": tasks,
            "offset": offset,
            "phase": phase or "",
            "page_size": TASKS_PER_PAGE,
            "statuses": list(TaskStatus),
            "phase_chart": phase_chart,
            "sector_chart": sector_chart,
            "other_versions": [x.number for x in v.plan.versions if x.number != v.number],
        },
    )


@router.post("/plans/tasks/{task_id}")
@page
def change_status(
    task_id: int,
    request: Request,
    user: User,
    session: SessionDep,
    status: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    user.principal.require_write()
    data = form_model(api_plans.StatusChange, status=status, note=note or None)
    task = api_plans.change_status(task_id, data, session, user.principal)
    target = back if back.startswith("/plans/") and not back.startswith("//") else "/plans"
    return redirect(f"{target}#task-{task['id']}")


@router.get("/plans/{plan_id}/compare")
@page
def compare(
    plan_id: int,
    request: Request,
    user: User,
    session: SessionDep,
    from_version: Annotated[int, Query(alias="from", ge=1)],
    to_version: Annotated[int, Query(alias="to", ge=1)],
) -> Response:
    user.principal.require_read()
    diff = api_plans.compare_versions(plan_id, session, user.principal, from_version, to_version)
    return render(request, "compare.html", {"plan_id": plan_id, "d": diff})


@router.get("/plans/{plan_id}/versions/{number}/export")
@page
def export(
    plan_id: int,
    number: int,
    user: User,
    session: SessionDep,
    fmt: Annotated[str, Query(alias="format", pattern="^(csv|json|md|html)$")] = "json",
) -> Response:
    user.principal.require_read()
    response = api_plans.export_version(plan_id, number, session, user.principal, fmt)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/judge")
@page
def judge_page(
    request: Request,
    user: User,
    session: SessionDep,
    profile: Annotated[list[str] | None, Query(max_length=10)] = None,
    disagreements_only: bool = True,
) -> Response:
    user.principal.require_read()
    org_id = target_org(session, user.principal, None)
    result = None
    if profile:
        data = form_model(
            api_plans.JudgeIn, profiles=profile, disagreements_only=disagreements_only
        )
        try:
            result = api_plans.judge_inventory(data, session, user.principal)
        except InputError as exc:
            raise InputError(exc.message, "query.profile") from None
        result["more"] = max(0, len(result["items"]) - 200)
        result["items"] = result["items"][:200]
    return render(
        request,
        "judge.html",
        {
            "profiles": _profiles(session, org_id),
            "chosen": profile or [],
            "result": result,
            "disagreements_only": disagreements_only,
        },
    )
