"""Officer pages: overview, assets, an asset, imports and jobs."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from app.api.deps import SessionDep, job_kinds_seen_by, visible_job
from app.web.charts import STATUS_COLOURS, dependency_graph, hbar
from app.web.core import User, WebError, newest, page, redirect, render
from core.choices import Sector
from core.models import Job
from inventory.choices import AssetType, Criticality, Environment, Exposure, QuantumStatus
from inventory.exchange.imports import JOB_KIND, Document, ImportKind, start_import_job
from inventory.service import assets as asset_svc
from inventory.service.dependencies import list_dependencies
from inventory.service.organizations import target_org
from inventory.service.overview import assets_by_exposure, breaks_first
from inventory.service.summary import summarize
from inventory.service.usages import UsageFilter, list_usages

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
FILTERS = {
    "sector": Sector,
    "asset_type": AssetType,
    "exposure": Exposure,
    "criticality": Criticality,
    "environment": Environment,
    "quantum_status": QuantumStatus,
}


@router.get("/overview")
@page
def overview(request: Request, user: User, session: SessionDep) -> Response:
    s = summarize(session, user.principal)
    exposure = assets_by_exposure(session, user.principal)
    first = breaks_first(session, user.principal, limit=10)
    algorithms: dict[str, int] = {}
    for row in s.by_algorithm:
        algorithms[row["algorithm"]] = algorithms.get(row["algorithm"], 0) + row["count"]
    top_algorithms = sorted(algorithms.items(), key=lambda kv: (-kv[1], kv[0]))[:12]
    sectors = {sector: sum(counts.values()) for sector, counts in s.by_sector.items()}
    charts = {
        "status": hbar(
            list(s.by_status.items()), "usages by quantum status", colours=STATUS_COLOURS
        ),
        "sector": hbar(sorted(sectors.items()), "usages by sector"),
        "algorithm": hbar(top_algorithms, "usages by algorithm (top 12)"),
        "exposure": hbar([(k, v["assets"]) for k, v in exposure.items()], "assets by exposure"),
    }
    return render(
        request,
        "overview.html",
        {
            "s": s,
            "exposure": exposure,
            "first": first,
            "charts": charts,
            "top_algorithms": top_algorithms,
            "sectors": sectors,
        },
    )


@router.get("/assets")
@page
def assets(
    request: Request,
    user: User,
    session: SessionDep,
    cursor: Annotated[int, Query(ge=0)] = 0,
    q: Annotated[str | None, Query(max_length=200)] = None,
    algorithm: Annotated[str | None, Query(max_length=120)] = None,
) -> Response:
    user.principal.require_read()
    chosen: dict[str, str] = {}
    values = {}
    for name, enum in FILTERS.items():
        raw = request.query_params.get(name) or None
        if raw is None:
            continue
        try:
            values[name] = enum(raw)
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            raise WebError(422, f"'{raw}' is not one of: {allowed}", f"query.{name}") from None
        chosen[name] = raw
    flt = asset_svc.AssetFilter(q=q or None, algorithm=algorithm or None, **values)
    rows = asset_svc.list_assets(session, user.principal, flt, limit=PAGE_SIZE, after_id=cursor)
    next_cursor = rows[-1].id if len(rows) == PAGE_SIZE else None
    keep = {**chosen, **({"q": q} if q else {}), **({"algorithm": algorithm} if algorithm else {})}
    return render(
        request,
        "assets.html",
        {
            "rows": rows,
            "filters": FILTERS,
            "chosen": chosen,
            "q": q or "",
            "algorithm": algorithm or "",
            "next_cursor": next_cursor,
            "keep": keep,
            "cursor": cursor,
        },
    )


@router.get("/assets/{asset_id}")
@page
def asset(asset_id: int, request: Request, user: User, session: SessionDep) -> Response:
    user.principal.require_read()
    a = asset_svc.get_asset(session, asset_id, user.principal)
    usages = list_usages(session, user.principal, UsageFilter(asset_id=a.id), limit=500)
    deps = list_dependencies(session, user.principal, asset_id=a.id, limit=200)
    providers = [
        (d.provider_id, d.provider.name, d.kind.value) for d in deps if d.dependent_id == a.id
    ]
    dependents = [
        (d.dependent_id, d.dependent.name, d.kind.value) for d in deps if d.provider_id == a.id
    ]
    graph = dependency_graph(
        a.name, [(i, n) for i, n, _ in providers], [(i, n) for i, n, _ in dependents]
    )
    return render(
        request,
        "asset.html",
        {
            "a": a,
            "usages": usages,
            "providers": providers,
            "dependents": dependents,
            "graph": graph,
        },
    )


@router.get("/imports")
@page
def imports(request: Request, user: User, session: SessionDep) -> Response:
    user.principal.require_read()
    jobs = newest(session, Job, user.principal, Job.kind == JOB_KIND, limit=20)
    return render(request, "imports.html", {"jobs": jobs})


@router.post("/imports")
@page
def start_import(
    request: Request,
    user: User,
    session: SessionDep,
    kind: Annotated[str, Form(pattern="^(cbom|csv)$")],
    file: Annotated[UploadFile, File()],
) -> Response:
    user.principal.require_write()
    payload = file.file.read()
    if not payload:
        raise WebError(422, "the file is empty", "file")
    org_id = target_org(session, user.principal, None)
    doc = Document(cast(ImportKind, kind), payload)
    job = start_import_job(request.app.state.jobs, session, user.principal, org_id, doc)
    return redirect(f"/jobs/{job.id}")  # sent once the job's row has committed


@router.get("/jobs/{job_id}")
@page
def job(job_id: int, request: Request, user: User, session: SessionDep) -> Response:
    j = visible_job(job_id, session, user.principal, job_kinds_seen_by(user.principal))
    return render(request, "job.html", {"j": j, "result": j.result or {}})
