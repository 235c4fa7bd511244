"""Vendor sessions: open (prepare the challenge), answer once (grade, sign the report).

A session lives ``SESSION_TTL`` (15 minutes). Answering is guarded by one UPDATE ... WHERE
state = 'open', so two concurrent answers cannot both be graded: the second gets a
:class:`~core.errors.Conflict` (409). An answer whose format is wrong (422) rolls back
with the request and leaves the session open.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.audit import record
from core.errors import Conflict, InputError
from core.i18n import N_, say
from core.models import Organization
from core.tenancy import NotFound, Principal, get_scoped, scoped
from testbed.conformance import acvp_mlkem, kinds, pool, reports
from testbed.conformance import details as D
from testbed.conformance.kinds import ACVP, CHECKS
from testbed.conformance.models import CheckKind, SessionState, VendorReport, VendorSession
from testbed.conformance.rejection import style_of
from testbed.engines.registry import get_engines
from testbed.models import Product

SESSION_TTL = timedelta(minutes=15)
#: the shape of a session's secret; a session prepared by an earlier testbed cannot be graded
SECRET_FORMAT = 2


class SessionExpired(Exception):
    """The session's time ran out before it was answered (HTTP 410)."""


def state_of(row: VendorSession, now: datetime | None = None) -> str:
    """``open``, ``finished`` or ``expired`` (an open session past its time)."""
    now = now or datetime.now(UTC)
    if row.state is SessionState.OPEN and now >= row.expires_at:
        return "expired"
    return str(row.state.value)


ANSWERED = N_("session {id} was already answered; open a new session")


def resolve_algorithm(product: Product, alg: str) -> str:
    """`alg` (a canonical name) if the product claims it, else an InputError naming both."""
    if alg not in product.algorithms:
        raise InputError(
            N_("product {name} {version} does not claim {algorithm} (it claims {claimed})"),
            "$.algorithm",
            name=product.name,
            version=product.version,
            algorithm=repr(alg),
            claimed=product.algorithms,
        )
    return alg


def discard_expired_secrets(db: Session, organization_id: int, now: datetime) -> int:
    """Drop the testbed's secret keys and expected answers of sessions past their time.

    Expiry itself needs no write (``state_of`` derives it); this keeps secret material
    from outliving the session. Called whenever the organization opens a session.
    """
    rows = db.scalars(
        select(VendorSession).where(
            VendorSession.organization_id == organization_id,
            VendorSession.state == SessionState.OPEN,
            VendorSession.expires_at <= now,
        )
    ).all()
    stale = [r for r in rows if not r.secret.get("discarded_after_expiry")]
    for row in stale:
        row.secret = {"_oracles": row.secret.get("_oracles", {}), "discarded_after_expiry": True}
    return len(stale)


def create_session(
    db: Session,
    principal: Principal,
    *,
    product: Product,
    algorithm: str,
    check: CheckKind,
    mode: str | None,
    data: dict[str, Any],
) -> VendorSession:
    if check not in ACVP and mode is not None:
        raise InputError(N_("only ACVP sessions take a mode"), "$.mode")
    discard_expired_secrets(db, product.organization_id, datetime.now(UTC))
    taken = pool.take(db, algorithm, check, mode) if pool.poolable(check, data) else None
    if taken is not None:  # prepared ahead by the pool keeper
        prepared, nonce, prepare_ms = taken.prepared, taken.nonce, taken.prepare_ms
    else:
        nonce = secrets.token_bytes(32)
        started = time.perf_counter()
        prepared = kinds.prepare(check, algorithm, mode, data, nonce)
        prepare_ms = round((time.perf_counter() - started) * 1000)
    now = datetime.now(UTC)
    row = VendorSession(
        organization_id=product.organization_id,
        product_id=product.id,
        algorithm=algorithm,
        check=check,
        mode=mode,
        state=SessionState.OPEN,
        nonce=nonce.hex(),
        engines=prepared.engines,
        challenge=prepared.challenge,
        secret={**prepared.secret, "_oracles": prepared.oracles, "_format": SECRET_FORMAT},
        prepare_ms=prepare_ms,
        created_by=principal.name,
        created_at=now,
        expires_at=now + SESSION_TTL,
    )
    db.add(row)
    db.flush()
    if "vector_set" in prepared.challenge:  # the ACVP vsId is the session id
        row.challenge = {
            **prepared.challenge,
            "vector_set": {**prepared.challenge["vector_set"], "vsId": row.id},
        }
    record(
        db,
        principal,
        "create",
        "vendor_session",
        row.id,
        row.organization_id,
        {"product_id": product.id, "algorithm": algorithm, "check": check.value, "mode": mode},
    )
    return row


def answer_session(db: Session, principal: Principal, session_id: int, answer: Any) -> VendorReport:
    row = get_scoped(db, VendorSession, session_id, principal)
    now = datetime.now(UTC)
    if row.state is not SessionState.OPEN:
        raise Conflict(say(ANSWERED, id=row.id))
    if now >= row.expires_at:
        raise SessionExpired(
            say(
                N_("session {id} expired at {when}; open a new one"),
                id=row.id,
                when=row.expires_at.isoformat(),
            )
        )
    if row.secret.get("_format") != SECRET_FORMAT:
        raise SessionExpired(
            say(
                N_(
                    "session {id} was prepared by an earlier version of the testbed, whose "
                    "grading has changed; open a new one"
                ),
                id=row.id,
            )
        )
    claimed = db.execute(
        update(VendorSession)
        .where(VendorSession.id == row.id, VendorSession.state == SessionState.OPEN)
        .values(state=SessionState.FINISHED, answered_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # a concurrent answer got there first
        raise Conflict(say(ANSWERED, id=row.id))
    db.refresh(row)
    _, grade = CHECKS[row.check]
    started = time.perf_counter()
    cases = grade(row.algorithm, row.challenge, row.secret, answer, bytes.fromhex(row.nonce))
    grade_ms = round((time.perf_counter() - started) * 1000)
    failed = sum(c["verdict"] == "fail" for c in cases)
    verdict = "pass" if cases and not failed else "fail"
    row.verdict = verdict
    # judged: the testbed's secret keys and expected answers are no longer kept
    row.secret = {"_oracles": row.secret.get("_oracles", {}), "discarded_after_grading": True}
    body = _report_body(db, row, cases, verdict, grade_ms)
    if row.check is CheckKind.KEM_RECEIVER:
        body["standing"] = receiver_standing(db, row, verdict)
    document = reports.sign_report(db, body)
    report = VendorReport(
        organization_id=row.organization_id,
        session_id=row.id,
        product_id=row.product_id,
        algorithm=row.algorithm,
        check=row.check.value,
        verdict=verdict,
        key_id=document["signature"]["key_id"],
        document=document,
    )
    db.add(report)
    db.flush()
    record(
        db,
        principal,
        "answer",
        "vendor_session",
        row.id,
        row.organization_id,
        {"verdict": verdict, "failed": failed, "cases": len(cases)},
    )
    return report


def list_sessions(
    db: Session,
    principal: Principal,
    *,
    product_id: int | None = None,
    cursor: int = 0,
    limit: int = 50,
) -> list[VendorSession]:
    """One page of the principal's sessions, oldest first, after ``cursor`` (an id)."""
    stmt = scoped(select(VendorSession), VendorSession, principal).where(VendorSession.id > cursor)
    if product_id is not None:
        stmt = stmt.where(VendorSession.product_id == product_id)
    return list(db.scalars(stmt.order_by(VendorSession.id).limit(limit)))


def list_reports(
    db: Session,
    principal: Principal,
    *,
    product_id: int | None = None,
    cursor: int = 0,
    limit: int = 50,
) -> list[VendorReport]:
    """One page of the principal's reports, oldest first, after ``cursor`` (an id)."""
    stmt = scoped(select(VendorReport), VendorReport, principal).where(VendorReport.id > cursor)
    if product_id is not None:
        stmt = stmt.where(VendorReport.product_id == product_id)
    return list(db.scalars(stmt.order_by(VendorReport.id).limit(limit)))


def report_document(db: Session, principal: Principal, session_id: int) -> dict[str, Any]:
    """The signed report of one of the principal's sessions (NotFound before the answer)."""
    row = get_scoped(db, VendorSession, session_id, principal)
    report = db.scalars(select(VendorReport).where(VendorReport.session_id == row.id)).first()
    if report is None:
        raise NotFound(say(N_("session {id} has no report yet (not answered)"), id=session_id))
    return report.document


def verify_upload(db: Session, raw: bytes) -> dict[str, Any]:
    """Whether ``raw`` is, byte for byte, a report this testbed's key signed.

    The same check as ``pqcplan verify-report --key`` (exact bytes, no member outside the
    signed report, no duplicate key, canonical encoding), against the testbed's own key.
    """
    key = reports.find_signing_key(db)
    if key is None:
        return {
            "valid": False,
            "problem": say(N_("this testbed has signed no report yet")),
            "key_id": None,
        }
    result = reports.verify_bytes(raw, key.public_key)
    out: dict[str, Any] = {"valid": result.ok, "key_id": key.key_id}
    if not result.ok:
        return out | {"problem": result.reason}
    doc, _ = reports.parse_exact(raw)
    body = doc["report"] if doc else {}
    return out | {
        "problem": None,
        "verified_with": list(result.engines),
        "session_id": body.get("session_id"),
        "algorithm": body.get("algorithm"),
        "check": body.get("check"),
        "verdict": (body.get("summary") or {}).get("verdict"),
    }


def receiver_standing(db: Session, row: VendorSession, verdict: str) -> dict[str, Any]:
    """Whether a receiver's pass is "conformant" or only "interoperable", and why.

    Without the decapsulation key the grader cannot see that a tampered ciphertext gives
    the scheme's own keyed rejection value; ACVP encapDecap on testbed-given keys can, for
    ML-KEM. So a receiver counts as conformant only with a passed encapDecap session of the
    same product and ML-KEM parameter set, graded before this one.
    """
    style = style_of(row.algorithm)
    mlkem = style.pq_algorithm if style and style.pq_algorithm else row.algorithm
    if verdict != "pass":
        return {"level": "failed", "basis": D.STANDING_FAILED, "acvp_session_id": None}
    if mlkem not in acvp_mlkem.KYBER:
        basis = D.STANDING_NO_VECTORS.format(alg=row.algorithm)
        return {"level": "interoperable", "basis": basis, "acvp_session_id": None}
    acvp = db.scalars(
        select(VendorSession.id)
        .join(VendorReport, VendorReport.session_id == VendorSession.id)
        .where(
            VendorSession.organization_id == row.organization_id,
            VendorSession.product_id == row.product_id,
            VendorSession.check == CheckKind.ACVP_MLKEM,
            VendorSession.mode == "encapDecap",
            VendorSession.algorithm == mlkem,
            VendorReport.verdict == "pass",
        )
        .order_by(VendorSession.id.desc())
        .limit(1)
    ).first()
    if acvp is None:
        basis = D.STANDING_NEEDS_ACVP.format(alg=mlkem)
        return {"level": "interoperable", "basis": basis, "acvp_session_id": None}
    basis = D.STANDING_CONFORMANT.format(session=acvp, alg=mlkem)
    return {"level": "conformant", "basis": basis, "acvp_session_id": acvp}


def _report_body(
    db: Session, row: VendorSession, cases: list[dict], verdict: str, grade_ms: int
) -> dict[str, Any]:
    product = db.get(Product, row.product_id)
    org = db.get(Organization, row.organization_id)
    engines = get_engines()
    created, answered = row.created_at, row.answered_at or row.created_at
    failed = sum(c["verdict"] == "fail" for c in cases)
    return {
        "format": reports.REPORT_FORMAT,
        "session_id": row.id,
        "issued_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "vendor": {"organization_id": row.organization_id, "name": org.name if org else None},
        "product": {
            "id": row.product_id,
            "name": product.name if product else None,
            "version": product.version if product else None,
        },
        "algorithm": row.algorithm,
        "check": row.check.value,
        "mode": row.mode,
        "engines": [
            {"name": n, "version": engines[n].version if n in engines else None}
            for n in row.engines
        ],
        "reference": row.secret.get("_oracles", {}),
        "cases": cases,
        "summary": {
            "cases": len(cases),
            "passed": len(cases) - failed,
            "failed": failed,
            "verdict": verdict,
        },
        "timings": {
            "session_created_at": created.isoformat(timespec="seconds"),
            "answered_at": answered.isoformat(timespec="seconds"),
            "prepare_ms": row.prepare_ms,
            "vendor_ms": round((answered - created).total_seconds() * 1000),
            "grade_ms": grade_ms,
        },
    }
