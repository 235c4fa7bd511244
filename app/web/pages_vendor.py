"""Vendor pages: products, benchmark runs with charts, sessions and their signed reports."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api.deps import SessionDep
from app.api.routers import testbed as api_testbed
from app.api.routers import vendor_sessions as api_vendor
from app.api.schemas.testbed import ProductIn
from app.web.charts import hbar
from app.web.core import (
    FormState,
    User,
    WebUser,
    form_model,
    form_post,
    gettext_of,
    newest,
    page,
    redirect_with,
    render,
)
from core.i18n import N_
from core.models import Job
from core.tenancy import get_scoped, scoped
from inventory.catalog import canonical_name
from testbed import benchmark_runs
from testbed.conformance import reports, service
from testbed.conformance.models import VendorReport, VendorSession
from testbed.models import BenchmarkRecord, Product
from testbed.timing import wire_bytes

router = APIRouter(include_in_schema=False)
PRODUCT_MADE = N_("Registered the product {name}.")
BENCHMARK_STARTED = N_("The benchmark has started.")
BASELINE_COLOUR = "#8c8c8c"  # the classical algorithm a post-quantum one replaces


def _testbed_reader(user: User) -> None:
    user.principal.require_testbed()


@router.get("/testbed")
@page
def testbed(request: Request, user: User, session: SessionDep) -> Response:
    return _testbed_page(request, session, user, None)


def _testbed_page(
    request: Request, session: Session, user: WebUser, form: FormState | None
) -> Response:
    _testbed_reader(user)
    products = api_testbed.list_products(session, user.principal)
    jobs = newest(session, Job, user.principal, Job.kind == benchmark_runs.JOB_KIND, limit=20)
    engines = api_testbed.list_engines(user.principal)["engines"]
    algorithms = sorted(
        {
            a
            for e in engines
            if e["available"]
            for a in (*e.get("kems", []), *e.get("signatures", []))
        }
    )
    return render(
        request,
        "testbed.html",
        {
            "products": products,
            "jobs": jobs,
            "engines": engines,
            "algorithms": algorithms,
            "product_options": [(p.id, f"{p.name} {p.version}") for p in products],
        },
        form=form,
    )


@router.post("/testbed/products")
@page
@form_post("product", _testbed_page)
def create_product(
    request: Request,
    user: User,
    session: SessionDep,
    name: Annotated[str, Form(max_length=200)],
    version: Annotated[str, Form(max_length=100)],
    algorithms: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    user.principal.require_testbed(write=True)
    data = form_model(
        ProductIn,
        name=name,
        version=version,
        algorithms=[a.strip() for a in algorithms.split(",") if a.strip()],
    )
    product = api_testbed.create_product(data, session, user.principal)
    return redirect_with(
        request, f"/testbed/products/{product.id}", PRODUCT_MADE, name=product.name
    )


@router.get("/testbed/products/{product_id}")
@page
def product(product_id: int, request: Request, user: User, session: SessionDep) -> Response:
    _testbed_reader(user)
    p = get_scoped(session, Product, product_id, user.principal)
    where = VendorSession.product_id == p.id
    sessions_ = newest(session, VendorSession, user.principal, where, limit=100)
    reports = service.list_reports(session, user.principal, product_id=p.id, limit=500)
    return render(request, "product.html", {"p": p, "sessions": sessions_, "reports": reports})


@router.post("/testbed/benchmarks")
@page
@form_post("benchmark", _testbed_page)
def start_benchmark(
    request: Request,
    user: User,
    session: SessionDep,
    algorithm: Annotated[list[str], Form(max_length=20)],
    time_budget_s: Annotated[str, Form(max_length=10)] = "0.5",
    include_baseline: Annotated[str, Form(max_length=5)] = "",
    product_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    user.principal.require_testbed(write=True)
    req = form_model(
        benchmark_runs.BenchmarkRequest,
        algorithms=[canonical_name(a) for a in algorithm[:100]],
        time_budget_s=time_budget_s,
        include_baseline=bool(include_baseline),
        product_id=product_id or None,
    )
    job = api_testbed.start_benchmark(req, request, session, user.principal)
    return redirect_with(request, f"/testbed/runs?job={job.id}", BENCHMARK_STARTED)


@router.get("/testbed/runs")
@page
def runs(
    request: Request,
    user: User,
    session: SessionDep,
    job: Annotated[int, Query(ge=1)],
) -> Response:
    _testbed_reader(user)
    j = api_testbed.get_benchmark(job, session, user.principal)
    records = list(
        session.scalars(
            scoped(select(BenchmarkRecord), BenchmarkRecord, user.principal)
            .where(BenchmarkRecord.job_id == j.id)
            .order_by(BenchmarkRecord.id)
        )
    )
    _ = gettext_of(request)
    charts: list[dict[str, Any]] = []
    by_op: dict[str, list[tuple[str, float]]] = {}
    sizes: list[tuple[str, float]] = []
    for r in records:
        label = f"{r.algorithm} · {r.engine}"
        for op, stats in r.operations.items():
            by_op.setdefault(op, []).append((label, float(stats["ops_per_s"])))
        wire = wire_bytes(SimpleNamespace(kind=r.kind, sizes=r.sizes))  # type: ignore[arg-type]
        sizes.append((label, float(wire)))
    baseline = {f"{r.algorithm} · {r.engine}": BASELINE_COLOUR for r in records if r.baseline_for}
    for op, rows in by_op.items():
        title = _("{operation}: operations per second").format(operation=op)
        charts.append(
            {
                "title": title,
                "rows": rows,
                "svg": hbar(rows, title, width=640, colours=baseline),
            }
        )
    size_chart = (
        hbar(sizes, _("Bytes on the wire"), width=640, unit=" B", colours=baseline)
        if sizes
        else None
    )
    return render(
        request,
        "runs.html",
        {
            "j": j,
            "records": records,
            "charts": charts,
            "size_chart": size_chart,
            "sizes": sizes,
            "comparisons": (j.result or {}).get("comparisons", []),
        },
    )


@router.get("/testbed/sessions/{session_id}")
@page
def vendor_session(session_id: int, request: Request, user: User, session: SessionDep) -> Response:
    _testbed_reader(user)
    row = get_scoped(session, VendorSession, session_id, user.principal)
    report = session.scalars(select(VendorReport).where(VendorReport.session_id == row.id)).first()
    return render(request, "vendor_session.html", {"s": row, "report": report})


@router.get("/testbed/sessions/{session_id}/report.json")
@page
def report_download(session_id: int, user: User, session: SessionDep) -> Response:
    _testbed_reader(user)
    document = service.report_document(session, user.principal, session_id)
    return Response(
        reports.serialize(document),  # the exact signed bytes: verify-report checks them
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="report-{session_id}.json"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/testbed/report-key")
@page
def report_key(request: Request, session: SessionDep) -> Response:
    key = api_vendor.report_key(request=request, db=session)
    key["created_at"] = str(key["created_at"])
    return render(request, "report_key.html", {"key": key, "key_json": json.dumps(key, indent=2)})
