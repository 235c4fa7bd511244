"""Agency pages: plans, versions as a timeline, progress, the task list (filter, search,
sort, work it), comparison, judgement, exports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api.deps import SessionDep
from app.api.routers import plans as api_plans
from app.web.charts import hbar
from app.web.core import (
    FormState,
    User,
    WebUser,
    form_model,
    form_post,
    gettext_of,
    lang_of,
    page,
    redirect_with,
    refused,
    render,
)
from app.web.lists import csv_response, enum_filters, url_with
from app.web.timeline import deadline_marks, timeline_chart
from core.i18n import N_
from core.labels import label
from core.tenancy import get_scoped, scoped
from inventory.service.organizations import target_org
from migration import service
from migration.compare import judge
from migration.models import Plan, PlanTask, PlanVersion, TaskStatus
from migration.profiles import Profile, ProfileError, UnknownProfile, builtin_profiles
from migration.task_list import SORT_KEYS, TaskQuery, count_tasks, task_list
from migration.timeline import first_flagged, version_view

router = APIRouter(include_in_schema=False)
TASKS_PER_PAGE = 50
PLAN_STARTED = N_("Plan generation has started.")
VERSION_MADE = N_("Version {number} was made from the current inventory.")
TASK_SAVED = N_("Saved: {asset} · {algorithm} is now “{status}”.")
TASK_UNCHANGED = N_("Nothing changed: {asset} · {algorithm} was already “{status}”.")
TASK_FILTERS = ("phase", "status", "sector", "flagged", "q", "sort", "dir")


def _profiles(session: Any, org_id: int) -> list[tuple[str, str]]:
    out = [(p.id, p.name) for p in builtin_profiles().values()]
    out += [(c.profile_id, c.name) for c in service.custom_profiles(session, org_id)]
    return sorted(out)


def _plans_page(
    request: Request, session: Session, user: WebUser, form: FormState | None
) -> Response:
    user.principal.require_read()
    rows = list(session.scalars(scoped(select(Plan), Plan, user.principal).order_by(Plan.id)))
    org_id = target_org(session, user.principal, None)
    _ = gettext_of(request)
    profiles = [(pid, f"{pid} · {_(name)}") for pid, name in _profiles(session, org_id)]
    about = sorted(builtin_profiles().values(), key=lambda p: p.id)  # what each one asks
    context = {"plans": rows, "profiles": profiles, "about": about}
    return render(request, "plans.html", context, form=form)


@router.get("/plans")
@page
def plans(request: Request, user: User, session: SessionDep) -> Response:
    return _plans_page(request, session, user, None)


@router.post("/plans")
@page
@form_post("plan", _plans_page)
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
        name=name.strip() or None,
        crqc_year=crqc_year.strip() or None,
        capacity=capacity.strip() or None,
        start=start or None,
        background=True,
    )
    user.principal.require_write()
    org_id = target_org(session, user.principal, None)
    job = api_plans.start_plan_job(request.app.state.jobs, session, user.principal, org_id, data)
    return redirect_with(request, f"/jobs/{job.id}", PLAN_STARTED)


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
    return redirect_with(
        request, f"/plans/{plan_id}/versions/{out.number}", VERSION_MADE, number=out.number
    )


def _profile_of(session: Session, version: PlanVersion) -> Profile | None:
    """The version's profile, if it can still be read (a custom one may be gone)."""
    try:
        return service.resolve_profile(session, version.organization_id, version.profile_id)
    except (UnknownProfile, ProfileError):
        return None


def phase_namer(profile: Profile | None, _: Callable[[str], str]) -> Callable[[str], str]:
    """A phase id in words: the profile's name for it, or the label of a wave outside every
    phase, in the reader's language."""
    names = {p.id: p.name for p in profile.phases} if profile else {}

    def name(phase: str) -> str:
        return _(names[phase]) if phase in names else _(label(phase))

    return name


def _task_query(request: Request) -> TaskQuery:
    params = request.query_params
    status = enum_filters(request, {"status": TaskStatus})[0].get("status")
    return TaskQuery(
        phase=(params.get("phase") or None),
        status=status,
        sector=(params.get("sector") or None),
        flagged=params.get("flagged") == "1",
        q=(params.get("q") or "").strip()[:200] or None,
        sort=params.get("sort") or "position",
        descending=params.get("dir") == "desc",
    )


@router.get("/plans/{plan_id}/versions/{number}")
@page
def version(
    plan_id: int,
    number: int,
    request: Request,
    user: User,
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    at: Annotated[int | None, Query(ge=1)] = None,
    fmt: Annotated[str | None, Query(alias="format", pattern="^csv$")] = None,
) -> Response:
    user.principal.require_read()
    v = api_plans.scoped_version(session, plan_id, number, user.principal)
    _ = gettext_of(request)
    profile = _profile_of(session, v)
    phase_name = phase_namer(profile, _)
    if fmt == "csv":
        return _tasks_csv(request, v, _task_query(request), phase_name)
    view = version_view(session, v.id)
    progress, waves = view.progress, view.waves
    flagged, n_flagged = first_flagged(session, v.id, 20), view.flagged
    query = _task_query(request)
    at_task = None
    if at is not None:
        at_task = session.get(PlanTask, at)
        if at_task is None or at_task.version_id != v.id:
            at_task = None
    tasks = task_list(session, v.id, query, TASKS_PER_PAGE, cursor, at_task)
    total, exact = progress["overall"]["tasks"], True
    if query.filtered:
        total, exact = count_tasks(session, v.id, query)
    keep = {k: request.query_params.get(k) for k in TASK_FILTERS}
    base = request.url.path
    marks = deadline_marks(profile, lambda value: _(label(value)))
    start = date.fromisoformat(v.params["start"]) if v.params.get("start") else None
    chart, legend = timeline_chart(
        waves,
        profile,
        marks,
        start,
        phase_name,
        _("Effort per quarter and the profile's deadlines"),
    )
    phase_chart = hbar(
        [(k, float(g["percent_done"])) for k, g in progress["by_phase"].items()],
        _("Percent done per phase"),
        unit="%",
        labels={k: phase_name(k) for k in progress["by_phase"]},
        links={k: url_with(base, {"phase": k}) + "#h-tasks" for k in progress["by_phase"]},
    )
    sector_chart = hbar(
        [(k, float(g["percent_done"])) for k, g in progress["by_sector"].items()],
        _("Percent done per sector"),
        unit="%",
        labels={k: _(label(k)) for k in progress["by_sector"]},
        links={k: url_with(base, {"sector": k}) + "#h-tasks" for k in progress["by_sector"]},
    )
    return render(
        request,
        "version.html",
        {
            "v": v,
            "profile": profile,
            "progress": progress,
            "timeline": chart,
            "legend": legend,
            "marks": marks,
            "waves": waves,
            "flagged": flagged,
            "n_flagged": n_flagged,
            "tasks": tasks.rows,
            "total": total,
            "exact": exact,
            "query": query,
            "keep": keep,
            "next_url": url_with(base, keep, cursor=tasks.next_cursor) + "#h-tasks"
            if tasks.next_cursor
            else None,
            "first_url": url_with(base, keep) + "#h-tasks" if (cursor or at) else None,
            "sort_url": lambda c: (
                url_with(
                    base,
                    keep,
                    sort=c,
                    dir="desc" if query.sort == c and not query.descending else None,
                )
                + "#h-tasks"
            ),
            "here_url": url_with(base, {**keep, "cursor": cursor, "at": at}),
            "csv_url": url_with(base, keep, format="csv"),
            "statuses": list(TaskStatus),
            "phase_name": phase_name,
            "phases": list(progress["by_phase"]),
            "sectors": list(progress["by_sector"]),
            "sort_keys": list(SORT_KEYS),
            "phase_chart": phase_chart,
            "sector_chart": sector_chart,
            "other_versions": [x.number for x in v.plan.versions if x.number != v.number],
        },
    )


TASK_COLUMNS = ("position", "asset_name", "sector", "algorithm", "target", "wave_label", "phase",
                "deadline", "status", "flags")  # fmt: skip


def _tasks_csv(
    request: Request, v: PlanVersion, query: TaskQuery, phase_name: Callable[[str], str]
) -> Response:
    """The task list exactly as shown (its filters and order, every page) as CSV, in the
    page's language."""
    _ = gettext_of(request)

    def cell(task: PlanTask, column: str) -> object:
        value = getattr(task, column)
        if column == "position":
            return value + 1
        if column == "phase":
            return phase_name(value)
        if column in ("sector", "status"):
            return _(label(value))
        if column == "flags":
            return "; ".join(_(label(f)) for f in value or [])
        return value

    def rows(s: Session) -> Any:
        cursor = None
        while True:
            page = task_list(s, v.id, query, 1000, cursor)
            yield from ([cell(t, c) for c in TASK_COLUMNS] for t in page.rows)
            if page.next_cursor is None:
                return
            cursor = page.next_cursor
            s.expunge_all()

    header = [_(label(c)) for c in TASK_COLUMNS]
    name = f"plan-{v.plan_id}-v{v.number}-{_('tasks')}.csv"
    return csv_response(request, name, header, rows)


@router.post("/plans/tasks/{task_id}")
@page
def change_status(
    task_id: int,
    request: Request,
    user: User,
    session: SessionDep,
    status: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    user.principal.require_write()
    data = form_model(api_plans.StatusChange, status=status, note=note or None)
    task = get_scoped(session, PlanTask, task_id, user.principal)
    _ = gettext_of(request)
    target = back if back.startswith("/plans/") and not back.startswith("//") else "/plans"
    shown = {"asset": task.asset_name, "algorithm": task.algorithm}
    if task.status == data.status and (task.status_note or None) == data.note:
        return redirect_with(
            request, f"{target}#task-{task.id}", TASK_UNCHANGED, **shown,
            status=_(label(task.status)),
        )  # fmt: skip
    api_plans.change_status(task_id, data, session, user.principal)
    return redirect_with(
        request, f"{target}#task-{task.id}", TASK_SAVED, **shown, status=_(label(data.status))
    )


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
    _ = gettext_of(request)
    phase_name = phase_namer(_profile_of(session, diff["to"]), _)
    return render(
        request, "compare.html", {"plan_id": plan_id, "d": diff, "phase_name": phase_name}
    )


@router.get("/plans/{plan_id}/versions/{number}/export")
@page
def export(
    plan_id: int,
    number: int,
    request: Request,
    user: User,
    session: SessionDep,
    fmt: Annotated[str, Query(alias="format", pattern="^(csv|json|md|html)$")] = "json",
) -> Response:
    user.principal.require_read()
    lang = lang_of(request)
    response = api_plans.export_version(plan_id, number, session, user.principal, fmt, lang)
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
        chosen = []
        for pid in data.profiles:
            try:
                chosen.append(service.resolve_profile(session, org_id, pid))
            except UnknownProfile as exc:
                raise refused(422, exc, "query.profile") from None
        judgements = judge(service.load_inventory(session, org_id), chosen, lang=lang_of(request))
        # Profiles can only disagree when there are two: with one, every usage is listed.
        hide_agreements = disagreements_only and len(chosen) > 1
        items = [j for j in judgements if j.disagreements or not hide_agreements]
        result = {
            "profiles": [p.id for p in chosen],
            "usages": len(judgements),
            "with_disagreements": sum(1 for j in judgements if j.disagreements),
            "items": items[:200],
            "more": max(0, len(items) - 200),
        }
    _ = gettext_of(request)
    return render(
        request,
        "judge.html",
        {
            "profiles": [(pid, _(name)) for pid, name in _profiles(session, org_id)],
            "chosen": profile or [],
            "result": result,
            "disagreements_only": disagreements_only,
        },
    )
