"""Officer pages: overview, assets (list, search, one asset and its edit form), what
breaks first, imports and jobs."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.api.deps import SessionDep, job_kinds_seen_by, visible_job
from app.web.charts import STATUS_COLOURS, dependency_graph, hbar
from app.web.core import (
    FormState,
    User,
    WebError,
    WebUser,
    form_model,
    form_post,
    gettext_of,
    newest,
    page,
    redirect_with,
    render,
)
from app.web.lists import chosen_columns, csv_response, enum_filters, url_with
from core.choices import Sector
from core.i18n import N_
from core.labels import label
from core.models import Job
from inventory.choices import (
    AssetType,
    Criticality,
    DataSensitivity,
    Environment,
    Exposure,
    QuantumStatus,
)
from inventory.exchange.imports import JOB_KIND, Document, ImportKind, start_import_job
from inventory.models import Asset
from inventory.schemas import AssetPatch
from inventory.service import assets as asset_svc
from inventory.service import listing
from inventory.service.dependencies import list_dependencies
from inventory.service.organizations import target_org
from inventory.service.overview import assets_by_exposure, breaks_first, breaks_first_page
from inventory.service.search import search
from inventory.service.summary import summarize
from inventory.service.usage_groups import group_usages
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
ENUM_COLUMNS = {"asset_type", "exposure", "criticality", "environment", "data_sensitivity"}
EDITABLE = {
    "asset_type": AssetType,
    "exposure": Exposure,
    "criticality": Criticality,
    "environment": Environment,
    "data_sensitivity": DataSensitivity,
}
SAVED = N_("Saved the changes to {name}.")
NOTHING_CHANGED = N_("Nothing was changed on {name}.")


@router.get("/overview")
@page
def overview(request: Request, user: User, session: SessionDep) -> Response:
    s = summarize(session, user.principal)
    exposure = assets_by_exposure(session, user.principal)
    first = breaks_first(session, user.principal, limit=10)
    _ = gettext_of(request)
    algorithms: dict[str, int] = {}
    for row in s.by_algorithm:
        algorithms[row["algorithm"]] = algorithms.get(row["algorithm"], 0) + row["count"]
    top_algorithms = sorted(algorithms.items(), key=lambda kv: (-kv[1], kv[0]))[:12]
    sectors = {sector: sum(counts.values()) for sector, counts in s.by_sector.items()}

    def labelled(keys: Any) -> dict[str, str]:
        return {k: _(label(k)) for k in keys}

    charts = {
        "status": hbar(
            list(s.by_status.items()),
            _("Usages by quantum status"),
            colours=STATUS_COLOURS,
            labels=labelled(s.by_status),
            links={k: f"/assets?quantum_status={k}" for k in s.by_status},
        ),
        "sector": hbar(
            sorted(sectors.items()),
            _("Usages by sector"),
            labels=labelled(sectors),
            links={k: f"/assets?sector={k}" for k in sectors},
        ),
        "algorithm": hbar(
            top_algorithms,
            _("Usages by algorithm (top 12)"),
            links={
                k: url_with("/assets", {"algorithm": k, "exact": 1}) for k, _n in top_algorithms
            },
        ),
        "exposure": hbar(
            [(k, v["assets"]) for k, v in exposure.items()],
            _("Assets by exposure"),
            labels=labelled(exposure),
            links={k: f"/assets?exposure={k}" for k in exposure},
        ),
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


@router.get("/overview/breaks-first")
@page
def breaks_first_all(
    request: Request,
    user: User,
    session: SessionDep,
    after: Annotated[str | None, Query(max_length=60, pattern=r"^\d+\.\d+\.\d+$")] = None,
) -> Response:
    """Every usage a quantum computer breaks, in "what breaks first" order, a page at a time."""
    cursor = tuple(int(p) for p in after.split(".")) if after else None
    rows, next_cursor = breaks_first_page(session, user.principal, PAGE_SIZE, cursor)  # type: ignore[arg-type]
    broken = summarize(session, user.principal).by_status.get(QuantumStatus.BROKEN.value, 0)
    return render(
        request,
        "breaks_first.html",
        {
            "first": rows,
            "broken": broken,
            "next": ".".join(map(str, next_cursor)) if next_cursor else None,
            "after": after,
        },
    )


def _asset_query(request: Request) -> dict[str, Any]:
    """The list's filters, sort and columns as the query gives them."""
    q = (request.query_params.get("q") or "").strip()[:200] or None
    algorithm = (request.query_params.get("algorithm") or "").strip()[:120] or None
    values, chosen = enum_filters(request, FILTERS)
    sort = listing.Sort(
        request.query_params.get("sort") or "id", request.query_params.get("dir") == "desc"
    )
    flt = asset_svc.AssetFilter(q=q, algorithm=algorithm, **values)  # type: ignore[arg-type]
    exact = request.query_params.get("exact") == "1"
    columns = chosen_columns(request, listing.COLUMNS, listing.DEFAULT_COLUMNS)
    keep: dict[str, Any] = {**chosen, "q": q, "algorithm": algorithm, "exact": 1 if exact else None}
    if columns != list(listing.DEFAULT_COLUMNS):
        keep["cols"] = columns
    if sort.column != "id" or sort.descending:
        keep |= {"sort": sort.column, "dir": "desc" if sort.descending else None}
    return {"flt": flt, "sort": sort, "exact": exact, "columns": columns, "keep": keep,
            "chosen": chosen, "q": q or "", "algorithm": algorithm or ""}  # fmt: skip


@router.get("/assets")
@page
def assets(
    request: Request,
    user: User,
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    fmt: Annotated[str | None, Query(alias="format", pattern="^csv$")] = None,
) -> Response:
    user.principal.require_read()
    query = _asset_query(request)
    flt, sort, exact = query["flt"], query["sort"], query["exact"]
    _ = gettext_of(request)
    if fmt == "csv":
        columns = query["columns"]

        def rows(s: Session) -> Any:
            for a in listing.iter_all(s, user.principal, flt, sort, exact=exact):
                yield [_cell(a, c, _) for c in columns]

        header = [_(label(c)) for c in columns]
        return csv_response(request, f"{_('assets')}.csv", header, rows)
    found = listing.list_page(
        session, user.principal, flt, sort, limit=PAGE_SIZE, cursor=cursor, exact=exact
    )
    keep = query["keep"]
    return render(
        request,
        "assets.html",
        {
            **query,
            "rows": found.rows,
            "total": found.total,
            "next_url": url_with("/assets", keep, cursor=found.next_cursor)
            if found.next_cursor
            else None,
            "first_url": url_with("/assets", keep) if cursor else None,
            "csv_url": url_with("/assets", keep, format="csv"),
            "sort_url": lambda c: url_with(
                "/assets",
                keep,
                sort=c,
                dir="desc" if sort.column == c and not sort.descending else None,
            ),
            "filters": FILTERS,
            "all_columns": listing.COLUMNS,
            "enum_columns": ENUM_COLUMNS,
        },
    )


def _cell(asset: Asset, column: str, _: Any) -> object:
    value = getattr(asset, column)
    if column in ENUM_COLUMNS:
        return _(label(value))
    return "" if value is None else value


@router.get("/search")
@page
def search_page(
    request: Request,
    user: User,
    session: SessionDep,
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    result = search(session, user.principal, q, limit=PAGE_SIZE)
    return render(request, "search.html", {"result": result, "search_q": q})


def _asset_page(
    request: Request, session: Session, user: WebUser, asset_id: int, form: FormState | None
) -> Response:
    user.principal.require_read()
    a = asset_svc.get_asset(session, asset_id, user.principal)
    usages = list_usages(session, user.principal, UsageFilter(asset_id=a.id), limit=5000)
    deps = list_dependencies(session, user.principal, asset_id=a.id, limit=200)
    providers = [(d.provider_id, d.provider.name, d.kind) for d in deps if d.dependent_id == a.id]
    dependents = [(d.dependent_id, d.dependent.name, d.kind) for d in deps if d.provider_id == a.id]
    _ = gettext_of(request)
    graph = dependency_graph(
        a.name,
        [(i, n) for i, n, _k in providers],
        [(i, n) for i, n, _k in dependents],
        _("Dependencies of {name}").format(name=a.name),
    )
    return render(
        request,
        "asset.html",
        {
            "a": a,
            "groups": group_usages(usages),
            "n_usages": len(usages),
            "providers": providers,
            "dependents": dependents,
            "graph": graph,
            "editable": EDITABLE,
        },
        form=form,
    )


@router.get("/assets/{asset_id}")
@page
def asset(asset_id: int, request: Request, user: User, session: SessionDep) -> Response:
    return _asset_page(request, session, user, asset_id, None)


def _asset_again(request: Request, session: Session, user: WebUser, form: FormState) -> Response:
    return _asset_page(request, session, user, int(request.path_params["asset_id"]), form)


@router.post("/assets/{asset_id}")
@page
@form_post("asset", _asset_again)
def edit_asset(
    asset_id: int,
    request: Request,
    user: User,
    session: SessionDep,
    name: Annotated[str, Form(max_length=400)],
    asset_type: Annotated[str, Form(max_length=40)],
    exposure: Annotated[str, Form(max_length=40)],
    criticality: Annotated[str, Form(max_length=40)],
    environment: Annotated[str, Form(max_length=40)],
    data_sensitivity: Annotated[str, Form(max_length=40)],
    secrecy_years: Annotated[str, Form(max_length=10)],
    owner: Annotated[str, Form(max_length=400)] = "",
    location: Annotated[str, Form(max_length=600)] = "",
) -> Response:
    """Change an asset's facts; only what differs is written (and audited)."""
    user.principal.require_write()
    current = asset_svc.get_asset(session, asset_id, user.principal)
    wanted = form_model(
        AssetPatch,
        name=name.strip(),
        asset_type=asset_type,
        exposure=exposure,
        criticality=criticality,
        environment=environment,
        data_sensitivity=data_sensitivity,
        secrecy_years=secrecy_years.strip(),
        owner=owner.strip() or None,
        location=location.strip() or None,
    )
    changes = {
        field: value
        for field, value in wanted.model_dump().items()
        if field in wanted.model_fields_set and getattr(current, field) != value
    }
    if not changes:
        return redirect_with(request, f"/assets/{asset_id}", NOTHING_CHANGED, name=current.name)
    updated = asset_svc.update_asset(session, asset_id, AssetPatch(**changes), user.principal)
    return redirect_with(request, f"/assets/{asset_id}", SAVED, name=updated.name)


@router.get("/imports")
@page
def imports(request: Request, user: User, session: SessionDep) -> Response:
    return _imports_page(request, session, user, None)


def _imports_page(
    request: Request, session: Session, user: WebUser, form: FormState | None
) -> Response:
    user.principal.require_read()
    jobs = newest(session, Job, user.principal, Job.kind == JOB_KIND, limit=20)
    return render(request, "imports.html", {"jobs": jobs}, form=form)


@router.post("/imports")
@page
@form_post("import", _imports_page)
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
        raise WebError(422, N_("The file is empty."), "form.file")
    org_id = target_org(session, user.principal, None)
    doc = Document(cast(ImportKind, kind), payload, name=_file_name(file.filename))
    job = start_import_job(request.app.state.jobs, session, user.principal, org_id, doc)
    # sent once the job's row has committed
    return redirect_with(request, f"/jobs/{job.id}", N_("The import has started."))


def _file_name(name: str | None) -> str | None:
    """The upload's own name (no folders), which names a CBOM that names nothing itself."""
    if not name:
        return None
    return name.replace("\\", "/").rsplit("/", 1)[-1][:150] or None


@router.get("/jobs/{job_id}")
@page
def job(job_id: int, request: Request, user: User, session: SessionDep) -> Response:
    j = visible_job(job_id, session, user.principal, job_kinds_seen_by(user.principal))
    return render(request, "job.html", {"j": j, "result": j.result or {}})
