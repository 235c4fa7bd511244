"""Vendor testbed sessions: interoperability and conformance checks with signed reports.

Flow: POST /sessions (a product, an algorithm, a check; for ``kem_receiver`` the vendor's
encapsulation key in ``input``) answers the challenge; POST /sessions/{id}/answer (``check``
and ``answer``) grades the answer once and returns the signed report; GET /report-key
publishes the testbed's public key; POST /reports/verify checks a report file against it.
Every body is typed per check kind in the OpenAPI document (``app.api.schemas.conformance``),
every status a route gives is declared with ``ErrorBody``, and the logic lives in
``testbed.conformance.service`` so that other faces call it without HTTP.
"""

from __future__ import annotations

import base64
import email.message
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import SkipValidation

from app.api.deps import SessionDep, TestbedReader, TestbedWriter
from app.api.pagination import Cursor, Limit
from app.api.routing import WorkerRoute
from app.api.schemas.common import Page
from app.api.schemas.conformance import (
    AnswerIn,
    ReportKeyOut,
    ReportOut,
    ReportVerification,
    SessionCreate,
    SessionOut,
    SignedReport,
    parse_answer,
    parse_session,
)
from app.api.schemas.errors import ErrorBody
from core.errors import InputError, NotJson
from core.field_limits import RowId
from core.i18n import N_, say
from core.tenancy import get_scoped
from inventory.catalog import canonical_name
from testbed.conformance import reports, service
from testbed.conformance.models import CheckKind, VendorSession
from testbed.models import Product

router = APIRouter(route_class=WorkerRoute, prefix="/api/v1/testbed", tags=["vendor testbed"])

_WHY = {
    401: "No API key, or an invalid one.",
    403: "The key's role may not do this (vendors and admins may).",
    404: "No such session, product or report in your organization.",
    409: "The session was already answered: open a new one.",
    410: "The session expired (15 minutes) before it was answered: open a new one.",
    413: "The body is larger than the service takes.",
    415: "The body is not JSON: send Content-Type: application/json.",
    422: "The request is invalid; `location` says where (a JSON path).",
    429: "Rate limit or quota reached; Retry-After says when to try again.",
    503: "The testbed's reference implementations disagree: nothing can be graded now.",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` declaring each status with ErrorBody and why it is given."""
    return {code: {"model": ErrorBody, "description": _WHY[code]} for code in codes}


def require_json(request: Request) -> None:
    """415 unless the body is declared JSON (a missing Content-Type included)."""
    value = request.headers.get("content-type")
    message = email.message.Message()
    message["content-type"] = value or ""
    subtype = message.get_content_subtype()
    if (
        value
        and message.get_content_maintype() == "application"
        and (subtype == "json" or subtype.endswith("+json"))
    ):
        return
    raise NotJson(
        N_("the body must be JSON: send Content-Type: application/json (got {got})"),
        "header.content-type",
        got=f"Content-Type {value!r}" if value else say(N_("no Content-Type")),
    )


JSON_BODY = [Depends(require_json)]
#: bodies typed in the OpenAPI document but checked by parse_session / parse_answer, which
#: name the JSON path of what is wrong
SkipValidationCreate = SkipValidation[SessionCreate]
SkipValidationAnswer = SkipValidation[AnswerIn]
_COLUMNS = tuple(name for name in SessionOut.model_fields if name not in ("state", "challenge"))


def _out(row: VendorSession) -> SessionOut:
    """The session's columns, its state now, and its challenge tagged with the check kind."""
    return SessionOut(
        **{name: getattr(row, name) for name in _COLUMNS},
        state=service.state_of(row),
        challenge={**row.challenge, "check": row.check.value},  # type: ignore[arg-type]
    )


def _charge(request: Request, org_id: int, algorithm: str | None = None, check: str = "") -> None:
    """Take the request's tokens (`RateLimited`, 429 with Retry-After, when none are left)."""
    request.app.state.vendor_limits.charge(org_id, algorithm, check)


@router.post(
    "/sessions",
    response_model=SessionOut,
    response_model_exclude_unset=True,
    status_code=status.HTTP_201_CREATED,
    dependencies=JSON_BODY,
    responses=errors(401, 403, 404, 413, 415, 422, 429, 503),
)
def open_session(
    body: Annotated[SkipValidationCreate, Body()],  # parse_session names the path
    request: Request,
    db: SessionDep,
    principal: TestbedWriter,
) -> SessionOut:
    """Open a check of one product and algorithm; the answer carries the challenge.

    The body's shape depends on ``check`` (see the schemas): ACVP checks take a ``mode`` and
    ``input.tests_per_group``, ``kem_receiver`` takes ``input.encapsulation_key``.
    """
    data = parse_session(body)
    product = get_scoped(db, Product, data.product_id, principal)
    algorithm = service.resolve_algorithm(product, canonical_name(data.algorithm))
    _charge(request, product.organization_id, algorithm, data.check)
    row = service.create_session(
        db,
        principal,
        product=product,
        algorithm=algorithm,
        check=CheckKind(data.check),
        mode=data.mode,
        data=data.input.model_dump(exclude_none=True, exclude_defaults=True, warnings=False),
    )  # OracleDisagreement: 503, nothing can be graded
    return _out(row)


@router.get(
    "/sessions",
    response_model=Page[SessionOut],
    response_model_exclude_unset=True,
    responses=errors(401, 403, 422),
)
def list_sessions(
    db: SessionDep,
    principal: TestbedReader,
    limit: Limit = 50,
    cursor: Cursor = 0,
    product_id: RowId | None = None,
) -> dict[str, Any]:
    """Your organization's sessions, oldest first, a page at a time (``next_cursor``)."""
    rows = service.list_sessions(db, principal, product_id=product_id, cursor=cursor, limit=limit)
    return {"items": [_out(r) for r in rows], "next_cursor": _next(rows, limit)}


def _next(rows: list[Any], limit: int) -> int | None:
    return rows[-1].id if len(rows) == limit else None


@router.get(
    "/sessions/{session_id}",
    response_model=SessionOut,
    response_model_exclude_unset=True,
    responses=errors(401, 403, 404, 422),
)
def get_session(session_id: RowId, db: SessionDep, principal: TestbedReader) -> SessionOut:
    return _out(get_scoped(db, VendorSession, session_id, principal))


def signed(document: dict[str, Any]) -> Response:
    """A report as its exact signed bytes (canonical JSON): what verify-report checks."""
    return Response(reports.serialize(document), media_type="application/json")


@router.post(
    "/sessions/{session_id}/answer",
    response_model=SignedReport,
    dependencies=JSON_BODY,
    responses=errors(401, 403, 404, 409, 410, 413, 415, 422, 429),
)
def answer_session(
    session_id: RowId,
    body: Annotated[SkipValidationAnswer, Body()],  # parse_answer names the path
    request: Request,
    db: SessionDep,
    principal: TestbedWriter,
) -> Response:
    """Grade the answer (once) and return the signed report, in its canonical bytes.

    ``check`` must be the session's check kind; it selects the shape of ``answer``.
    """
    data = parse_answer(body)
    row = get_scoped(db, VendorSession, session_id, principal)
    if data.check != row.check.value:
        raise InputError(
            N_("session {id} is a {check} session"),
            "$.check",
            id=row.id,
            check=repr(row.check.value),
        )
    _charge(request, row.organization_id)
    return signed(service.answer_session(db, principal, session_id, data.answer).document)


@router.get(
    "/sessions/{session_id}/report",
    response_model=SignedReport,
    responses=errors(401, 403, 404, 422),
)
def session_report(session_id: RowId, db: SessionDep, principal: TestbedReader) -> Response:
    """The session's signed report, byte for byte as signed (canonical JSON)."""
    return signed(service.report_document(db, principal, session_id))


@router.get("/reports", response_model=Page[ReportOut], responses=errors(401, 403, 422))
def list_reports(
    db: SessionDep,
    principal: TestbedReader,
    limit: Limit = 50,
    cursor: Cursor = 0,
    product_id: RowId | None = None,
) -> dict[str, Any]:
    """Your organization's reports, oldest first, a page at a time (``next_cursor``)."""
    rows = service.list_reports(db, principal, product_id=product_id, cursor=cursor, limit=limit)
    return {"items": [ReportOut.model_validate(r) for r in rows], "next_cursor": _next(rows, limit)}


@router.post(
    "/reports/verify",
    response_model=ReportVerification,
    dependencies=JSON_BODY,
    responses=errors(401, 403, 413, 415, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The report file's bytes, unchanged (as GET /sessions/{id}/report "
            "served them).",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/SignedReport"}}
            },
        }
    },
)
async def verify_report(request: Request, db: SessionDep, principal: TestbedReader) -> dict:
    """Check a report file, as uploaded (the body is the file's bytes), against this
    testbed's key: the same check as ``pqcplan verify-report --key``. A duplicate key is
    refused (422) before the check runs; every other problem is ``valid: false`` with the
    reason."""
    raw = await request.body()
    return await run_in_threadpool(service.verify_upload, db, raw)


@router.get("/report-key", response_model=ReportKeyOut)
def report_key(request: Request, db: SessionDep) -> dict[str, Any]:
    """The testbed's public report-signing key (public: no API key needed)."""
    key = reports.find_signing_key(db)
    if key is None:  # first use: a GET's session only reads, so make the key in a writer's
        with request.app.state.sessionmaker.begin() as writer:
            key = reports.signing_key(writer)
    return {
        "algorithm": key.algorithm,
        "key_id": key.key_id,
        "public_key": base64.b64encode(key.public_key).decode(),
        "created_at": key.created_at,
        "report_format": reports.REPORT_FORMAT,
        "canonicalization": reports.CANONICALIZATION,
    }
