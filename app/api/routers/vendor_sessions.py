"""Vendor testbed sessions: interoperability and conformance checks with signed reports.

Flow: POST /sessions (a product, an algorithm, a check; for ``kem_receiver`` the vendor's
encapsulation key in ``input``) answers the challenge; POST /sessions/{id}/answer grades the
answer once and returns the signed report; GET /report-key publishes the testbed's public key.
Every body is typed per check kind in the OpenAPI document (``app.api.schemas.conformance``).
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, status
from pydantic import SkipValidation
from sqlalchemy import select

from app.api.answers import errors
from app.api.deps import SessionDep, TestbedReader, TestbedWriter
from app.api.schemas.conformance import (
    AnswerIn,
    ReportKeyOut,
    ReportOut,
    SessionCreate,
    SessionOut,
    SignedReport,
    parse_session,
)
from core.field_limits import RowId
from core.tenancy import NotFound, get_scoped, scoped
from inventory.catalog import canonical_name
from testbed.conformance import reports, service
from testbed.conformance.models import CheckKind, VendorReport, VendorSession
from testbed.models import Product

router = APIRouter(prefix="/api/v1/testbed", tags=["vendor testbed"])


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
)
def open_session(
    body: Annotated[SkipValidation[SessionCreate], Body()],  # parse_session names the path
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
        data=data.input.model_dump(exclude_none=True, warnings=False),
    )  # OracleDisagreement: 503, nothing can be graded
    return _out(row)


@router.get("/sessions", response_model=list[SessionOut], response_model_exclude_unset=True)
def list_sessions(
    db: SessionDep, principal: TestbedReader, product_id: RowId | None = None
) -> list[SessionOut]:
    stmt = scoped(select(VendorSession), VendorSession, principal)
    if product_id is not None:
        stmt = stmt.where(VendorSession.product_id == product_id)
    return [_out(r) for r in db.scalars(stmt.order_by(VendorSession.id).limit(500))]


@router.get("/sessions/{session_id}", response_model=SessionOut, response_model_exclude_unset=True)
def get_session(session_id: RowId, db: SessionDep, principal: TestbedReader) -> SessionOut:
    return _out(get_scoped(db, VendorSession, session_id, principal))


@router.post("/sessions/{session_id}/answer", response_model=SignedReport, responses=errors(410))
def answer_session(
    session_id: RowId, data: AnswerIn, request: Request, db: SessionDep, principal: TestbedWriter
) -> dict[str, Any]:
    """Grade the answer (once) and return the signed report."""
    row = get_scoped(db, VendorSession, session_id, principal)
    _charge(request, row.organization_id)
    return service.answer_session(db, principal, session_id, data.answer).document


@router.get("/sessions/{session_id}/report", response_model=SignedReport)
def session_report(session_id: RowId, db: SessionDep, principal: TestbedReader) -> dict[str, Any]:
    row = get_scoped(db, VendorSession, session_id, principal)
    report = db.scalars(select(VendorReport).where(VendorReport.session_id == row.id)).first()
    if report is None:
        raise NotFound(f"session {session_id} has no report yet (not answered)")
    return report.document


@router.get("/reports", response_model=list[ReportOut])
def list_reports(
    db: SessionDep, principal: TestbedReader, product_id: RowId | None = None
) -> list[VendorReport]:
    stmt = scoped(select(VendorReport), VendorReport, principal)
    if product_id is not None:
        stmt = stmt.where(VendorReport.product_id == product_id)
    return list(db.scalars(stmt.order_by(VendorReport.id).limit(500)))


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
