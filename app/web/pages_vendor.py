"""Vendor pages: products, benchmark runs with charts, sessions and their signed reports."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api.deps import SessionDep
from app.api.routers import testbed as api_testbed
from app.api.routers import vendor_sessions as api_vendor
from app.api.schemas.testbed import ProductIn, RecordOut
from app.web.charts import hbar
from app.web.core import (
    FormState,
    SignInNeeded,
    User,
    WebError,
    WebUser,
    current_user,
    form_model,
    form_post,
    gettext_of,
    newest,
    page,
    redirect_with,
    render,
)
from app.web.lists import BOM
from core.errors import InputError
from core.i18n import N_
from core.models import Job
from core.tenancy import get_scoped, scoped
from inventory.catalog import canonical_name
from inventory.exchange.spreadsheet import guard_cell
from testbed import benchmark_runs
from testbed.conformance import reports, service
from testbed.conformance.models import CheckKind, VendorReport, VendorSession
from testbed.models import BenchmarkRecord, Product
from testbed.timing import wire_bytes

router = APIRouter(include_in_schema=False)
PRODUCT_MADE = N_("Registered the product {name}.")
BENCHMARK_STARTED = N_("The benchmark has started.")
BASELINE_COLOUR = "#8c8c8c"  # the classical algorithm a post-quantum one replaces
SESSION_OPENED = N_(
    "Opened session {id}. Download its challenge, answer it with the product and upload the "
    "answer before it expires."
)
GRADED = {
    "pass": N_("Session {id} is graded: passed. Its signed report is below."),
    "fail": N_("Session {id} is graded: failed. The failed cases are below."),
}
EMPTY_FILE = N_("The file is empty.")
NOT_JSON = N_("The file is not JSON (line {line}, column {column}).")
NOT_A_NUMBER = N_("Give a whole number.")
KEY_TWICE = N_("Give the key once: pasted or as a file, not both.")
#: what each check asks of the product, in the reader's words (the kind's id is shown too)
CHECK_TEXT = {
    CheckKind.KEM_SENDER: N_("The product encapsulates to the testbed's keys"),
    CheckKind.KEM_RECEIVER: N_("The product decapsulates the testbed's ciphertexts"),
    CheckKind.SIG_VENDOR_SIGNS: N_("The product signs; every engine verifies"),
    CheckKind.SIG_VENDOR_VERIFIES: N_("The product verifies the testbed's signatures"),
    CheckKind.ACVP_MLKEM: N_("ACVP vectors for ML-KEM (FIPS 203)"),
    CheckKind.ACVP_MLDSA: N_("ACVP vectors for ML-DSA (FIPS 204)"),
}
ACVP_MODES = ("keyGen", "encapDecap", "sigGen", "sigVer")


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
    return _product_page(request, session, user, None, product_id)


def _product_page(
    request: Request,
    session: Session,
    user: WebUser,
    form: FormState | None,
    product_id: int | None = None,
) -> Response:
    _testbed_reader(user)
    if product_id is None:  # shown again after its form was refused
        product_id = int(request.path_params["product_id"])
    p = get_scoped(session, Product, product_id, user.principal)
    where = VendorSession.product_id == p.id
    sessions_ = newest(session, VendorSession, user.principal, where, limit=100)
    reports = service.list_reports(session, user.principal, product_id=p.id, limit=500)
    runs_ = benchmark_runs_of(session, user, p.id)
    return render(
        request,
        "product.html",
        {
            "p": p,
            "sessions": sessions_,
            "reports": reports,
            "runs": runs_,
            "states": {s.id: service.state_of(s) for s in sessions_},
            "checks": [(c.value, CHECK_TEXT[c]) for c in CheckKind],
            "modes": ACVP_MODES,
        },
        form=form,
    )


def benchmark_runs_of(session: Session, user: WebUser, product_id: int) -> list[Job]:
    """The benchmark jobs that measured the product (newest first)."""
    job_ids = select(BenchmarkRecord.job_id).where(BenchmarkRecord.product_id == product_id)
    where = (Job.kind == benchmark_runs.JOB_KIND, Job.id.in_(job_ids))
    return newest(session, Job, user.principal, *where, limit=50)


@router.post("/testbed/products/{product_id}/sessions")
@page
@form_post("session", _product_page)
def open_session(
    product_id: int,
    request: Request,
    user: User,
    session: SessionDep,
    algorithm: Annotated[str, Form(max_length=120)],
    check: Annotated[str, Form(max_length=30)],
    mode: Annotated[str, Form(max_length=20)] = "",
    tests_per_group: Annotated[str, Form(max_length=6)] = "",
    encapsulation_key: Annotated[str, Form(max_length=20_000)] = "",
    key_file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Open a check of the product: the API's own route, with the body the form describes
    (the same checks, quotas and audit entry)."""
    user.principal.require_testbed(write=True)
    body: dict[str, Any] = {"product_id": product_id, "algorithm": algorithm, "check": check}
    data: dict[str, Any] = {}
    if mode:
        body["mode"] = mode
    if tests_per_group.strip():
        if not tests_per_group.strip().isdigit():
            raise WebError(422, NOT_A_NUMBER, "form.tests_per_group")
        data["tests_per_group"] = int(tests_per_group)
    from_file = key_text(key_file.file.read(20_001)) if key_file and key_file.filename else ""
    if from_file and encapsulation_key.strip():
        raise WebError(422, KEY_TWICE, "form.encapsulation_key")
    key = from_file or "".join(encapsulation_key.split())
    if key or check == CheckKind.KEM_RECEIVER:
        data["encapsulation_key"] = key
    if data:
        body["input"] = data
    with _on_the_form():
        row = api_vendor.open_session(body, request, session, user.principal)
    return redirect_with(request, f"/testbed/sessions/{row.id}", SESSION_OPENED, id=row.id)


def key_text(raw: bytes) -> str:
    """A key file as the API takes it (base64): a file of base64 text as it is (line breaks
    dropped), any other file (the key's raw bytes) encoded."""
    try:
        text = "".join(raw.decode("ascii").split())
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode()
    if text and re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", text):
        return text
    return base64.b64encode(raw).decode()


@contextmanager
def _on_the_form(field: str | None = None) -> Iterator[None]:
    """A service's refusal at a JSON path (named in the message) marks the form's field:
    ``field`` if given, else the path's last name (``$.input.tests_per_group``)."""
    try:
        yield
    except InputError as exc:
        if not (exc.location or "").startswith("$"):
            raise
        names = [p for p in re.split(r"[.\[\]]", exc.location or "")[1:] if p]
        names = [n for n in names if not n.isdigit()]
        where = field or (names[-1] if names else "form")
        raise WebError(
            422, str(exc), f"form.{where}", translate=False, said=exc.said, at=exc.location
        ) from None


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
    format: Annotated[str, Query(pattern="^(html|json|csv)$")] = "html",
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
    if format != "html":
        return _runs_download(request, j.id, records, format)
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
            "product": session.get(Product, j.params.get("product_id") or 0),
        },
    )


RUN_COLUMNS = (
    N_("Algorithm"), N_("Engine"), N_("Engine version"), N_("Baseline for"), N_("Operation"),
    N_("ops/s"), N_("median µs"), N_("95th percentile µs"), N_("Product"),
)  # fmt: skip


def _runs_download(
    request: Request, job_id: int, records: list[BenchmarkRecord], format: str
) -> Response:
    """A benchmark's records to keep: JSON as the API's GET /results gives them, or CSV
    (one row per operation, headings in the page's language, a byte-order mark)."""
    name = f"benchmark-{job_id}.{format}"
    if format == "json":
        items = [RecordOut.model_validate(r).model_dump(mode="json") for r in records]
        body = json.dumps({"job_id": job_id, "items": items}, indent=2, ensure_ascii=False)
        return download(body, name, "application/json")
    _ = gettext_of(request)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write(BOM)
    writer.writerow([_(c) for c in RUN_COLUMNS])
    for r in records:
        for op, stats in r.operations.items():
            row = (
                r.algorithm, r.engine, r.engine_version, r.baseline_for or "", op,
                round(float(stats["ops_per_s"]), 1), round(float(stats["p50_us"]), 2),
                round(float(stats["p95_us"]), 2), r.product_id or "",
            )  # fmt: skip
            writer.writerow([guard_cell(str(v)) for v in row])
    return download(out.getvalue(), name, "text/csv; charset=utf-8")


@router.get("/testbed/sessions/{session_id}")
@page
def vendor_session(session_id: int, request: Request, user: User, session: SessionDep) -> Response:
    return _session_page(request, session, user, None, session_id)


def _session_page(
    request: Request,
    session: Session,
    user: WebUser,
    form: FormState | None,
    session_id: int | None = None,
) -> Response:
    _testbed_reader(user)
    if session_id is None:  # shown again after its form was refused
        session_id = int(request.path_params["session_id"])
    row = get_scoped(session, VendorSession, session_id, user.principal)
    report = session.scalars(select(VendorReport).where(VendorReport.session_id == row.id)).first()
    body = report.document.get("report", {}) if report else {}
    cases = body.get("cases") or []
    failed_first = sorted(cases, key=lambda c: c.get("verdict") != "fail")
    return render(
        request,
        "vendor_session.html",
        {
            "s": row,
            "p": session.get(Product, row.product_id),
            "state": service.state_of(row),
            "report": report,
            "summary": body.get("summary"),
            "standing": body.get("standing"),
            "cases": failed_first,
            "check_text": CHECK_TEXT[row.check],
        },
        form=form,
    )


@router.get("/testbed/sessions/{session_id}/challenge.json")
@page
def challenge_download(session_id: int, user: User, session: SessionDep) -> Response:
    """The session as the API's GET /sessions/{id} gives it: nonce, engines and challenge."""
    _testbed_reader(user)
    out = api_vendor.get_session(session_id, session, user.principal)
    body = out.model_dump_json(exclude_unset=True, indent=2)
    return download(body, f"session-{session_id}-challenge.json", "application/json")


def download(body: str | bytes, filename: str, media_type: str) -> Response:
    """A file to keep: an attachment no cache stores (a tenant's data)."""
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }
    return Response(body, media_type=media_type, headers=headers)


@router.post("/testbed/sessions/{session_id}/answer")
@page
@form_post("answer", _session_page)
def answer_session(
    session_id: int,
    request: Request,
    user: User,
    session: SessionDep,
    file: Annotated[UploadFile, File()],
) -> Response:
    """Grade the uploaded answer file through the API's own route: the file holds either the
    API's body (``{"check": ..., "answer": ...}``) or the answer alone."""
    user.principal.require_testbed(write=True)
    raw = file.file.read()
    if not raw.strip():
        raise WebError(422, EMPTY_FILE, "form.file")
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as exc:
        where = {"line": exc.lineno, "column": exc.colno}
        raise WebError(422, NOT_JSON, "form.file", args=where) from None
    except UnicodeDecodeError:
        raise WebError(422, NOT_JSON, "form.file", args={"line": 1, "column": 1}) from None
    row = get_scoped(session, VendorSession, session_id, user.principal)
    enveloped = isinstance(doc, dict) and set(doc) == {"check", "answer"}
    body = doc if enveloped else {"check": row.check.value, "answer": doc}
    with _on_the_form("file"):
        api_vendor.answer_session(session_id, body, request, session, user.principal)
    session.refresh(row)
    verdict = row.verdict or "fail"
    return redirect_with(
        request,
        f"/testbed/sessions/{session_id}",
        GRADED[verdict],
        "ok" if verdict == "pass" else "bad",
        id=session_id,
    )


@router.get("/testbed/sessions/{session_id}/report.json")
@page
def report_download(session_id: int, user: User, session: SessionDep) -> Response:
    _testbed_reader(user)
    document = service.report_document(session, user.principal, session_id)
    # the exact signed bytes: verify-report checks them
    return download(reports.serialize(document), f"report-{session_id}.json", "application/json")


@router.get("/testbed/report-key")
@page
def report_key(request: Request, session: SessionDep) -> Response:
    """Public (the key is public); a signed-in reader of results also gets the check."""
    try:
        user: WebUser | None = current_user(request)
    except SignInNeeded:
        user = None
    return _report_key_page(request, session, user, None)


def _report_key_page(
    request: Request,
    session: Session,
    user: WebUser | None,
    form: FormState | None,
    checked: dict[str, Any] | None = None,
) -> Response:
    key = api_vendor.report_key(request=request, db=session)
    key["created_at"] = str(key["created_at"])
    context = {"key": key, "key_json": json.dumps(key, indent=2), "checked": checked}
    return render(request, "report_key.html", context, form=form)


@router.post("/testbed/report-key/verify")
@page
@form_post("verify", _report_key_page)
def verify_report(
    request: Request,
    user: User,
    session: SessionDep,
    file: Annotated[UploadFile, File()],
) -> Response:
    """Check an uploaded report file against this testbed's key: the API's
    ``POST /reports/verify`` (the same service function); it writes nothing."""
    user.principal.require_testbed()
    raw = file.file.read()
    if not raw.strip():
        raise WebError(422, EMPTY_FILE, "form.file")
    checked = service.verify_upload(session, raw)
    checked["file"] = (file.filename or "")[-150:]
    return _report_key_page(request, session, user, None, checked)
