"""The testbed: engines, vendor products and benchmark jobs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from sqlalchemy import select

from app.api.deps import SessionDep, TestbedReader, TestbedWriter
from app.api.pagination import Cursor, Limit, page
from app.api.routing import WorkerRoute
from app.api.schemas.common import Page
from app.api.schemas.jobs import JobOut
from app.api.schemas.testbed import EnginesOut, ProductIn, ProductOut, RecordOut
from core.audit import record
from core.field_limits import RowId
from core.jobs import submit
from core.models import Job
from core.tenancy import NotFound, get_scoped, scoped
from inventory.catalog import canonical_name
from testbed import benchmark_runs
from testbed.engines.registry import engine_statuses, get_engines
from testbed.kpqc_revisions import revisions
from testbed.models import BenchmarkRecord, Product

router = APIRouter(route_class=WorkerRoute, prefix="/api/v1/testbed", tags=["testbed"])


@router.get("/engines", response_model=EnginesOut, response_model_exclude_unset=True)
def list_engines(principal: TestbedReader) -> dict[str, Any]:
    """Every engine, available or not (with the reason), its version and algorithms."""
    engines = get_engines()
    out = []
    for st in engine_statuses():
        item: dict[str, Any] = {
            "name": st.name,
            "available": st.available,
            "version": st.version,
            "reason": st.reason,
        }
        if st.available:
            eng = engines[st.name]
            item["kems"] = eng.kems()
            item["signatures"] = eng.signatures()
            if found := revisions(eng.algorithms()):
                item["revisions"] = found
        out.append(item)
    return {"engines": out}


@router.post("/products", response_model=ProductOut, status_code=status.HTTP_201_CREATED)
def create_product(data: ProductIn, session: SessionDep, principal: TestbedWriter) -> Product:
    algorithms = [canonical_name(a) for a in data.algorithms]
    product = Product(
        organization_id=principal.organization_id,
        name=data.name,
        version=data.version,
        algorithms=algorithms,
        description=data.description,
    )
    session.add(product)
    session.flush()
    record(
        session,
        principal,
        "create",
        "product",
        product.id,
        product.organization_id,
        {"name": product.name, "version": product.version},
    )
    return product


@router.get("/products", response_model=list[ProductOut])
def list_products(session: SessionDep, principal: TestbedReader) -> list[Product]:
    return list(session.scalars(scoped(select(Product), Product, principal).order_by(Product.id)))


@router.get("/products/{product_id}", response_model=ProductOut)
def get_product(product_id: RowId, session: SessionDep, principal: TestbedReader) -> Product:
    return get_scoped(session, Product, product_id, principal)


@router.post("/benchmarks", response_model=JobOut, status_code=status.HTTP_202_ACCEPTED)
def start_benchmark(
    req: benchmark_runs.BenchmarkRequest,
    request: Request,
    session: SessionDep,
    principal: TestbedWriter,
) -> Job:
    """Start a benchmark job; follow it at GET /benchmarks/{id}."""
    org_id = principal.organization_id
    if req.product_id is not None:
        get_scoped(session, Product, req.product_id, principal)
    req = req.model_copy(update={"algorithms": [canonical_name(a) for a in req.algorithms]})
    runs, skipped = benchmark_runs.plan_with_skips(req)
    job = submit(
        request.app.state.jobs,
        session,
        principal,
        org_id,
        benchmark_runs.JOB_KIND,
        {**req.model_dump(), "runs": [r.__dict__ for r in runs], "skipped": skipped},
        limit=benchmark_runs.MAX_ACTIVE_BENCHMARKS_PER_ORG,  # JobLimitReached: 429
    )  # runs once this request commits
    record(session, principal, "create", "job", job.id, org_id, {"kind": job.kind})
    return job


@router.get("/benchmarks", response_model=Page[JobOut])
def list_benchmarks(
    session: SessionDep, principal: TestbedReader, limit: Limit = 50, cursor: Cursor = 0
) -> dict:
    stmt = scoped(select(Job), Job, principal).where(
        Job.kind == benchmark_runs.JOB_KIND, Job.id > cursor
    )
    return page(list(session.scalars(stmt.order_by(Job.id).limit(limit))), JobOut, limit)


@router.get("/benchmarks/{job_id}", response_model=JobOut)
def get_benchmark(job_id: RowId, session: SessionDep, principal: TestbedReader) -> Job:
    job = get_scoped(session, Job, job_id, principal)
    if job.kind != benchmark_runs.JOB_KIND:
        raise NotFound(f"benchmark job {job_id} not found")
    return job


@router.get("/results", response_model=Page[RecordOut])
def list_results(
    session: SessionDep,
    principal: TestbedReader,
    limit: Limit = 100,
    cursor: Cursor = 0,
    algorithm: str | None = None,
    engine: str | None = None,
    job_id: RowId | None = None,
    product_id: RowId | None = None,
) -> dict:
    stmt = scoped(select(BenchmarkRecord), BenchmarkRecord, principal).where(
        BenchmarkRecord.id > cursor
    )
    for column, value in (
        (BenchmarkRecord.algorithm, algorithm and canonical_name(algorithm)),
        (BenchmarkRecord.engine, engine),
        (BenchmarkRecord.job_id, job_id),
        (BenchmarkRecord.product_id, product_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    rows = list(session.scalars(stmt.order_by(BenchmarkRecord.id).limit(limit)))
    return page(rows, RecordOut, limit)
