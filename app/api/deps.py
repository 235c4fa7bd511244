"""Typed FastAPI dependencies: the database session (one transaction per request), the
caller, and who may reach what (every role check of the API is one of these)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Annotated

import anyio
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.api.auth_throttle import FailureLimiter
from app.api.schemas.discovery import ScopeIn
from app.settings import Settings
from core.apikeys import authenticate, hash_secret
from core.choices import Role
from core.db import READ_ONLY, write_turn
from core.field_limits import RowId
from core.i18n import N_, say
from core.models import Job
from core.tenancy import Forbidden, NotFound, Principal, get_scoped
from testbed import benchmark_runs

_bearer = HTTPBearer(auto_error=False, description="API key as a bearer token")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key")


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def request_write_turn(request: Request) -> AbstractAsyncContextManager[None]:
    """``async with request_write_turn(request):`` around a request's writing transaction
    run off the event loop: on SQLite, one request of this process writes at a time, and
    the others wait here without holding a worker thread (``core.db.write_turn``)."""
    return write_turn(request.app.state.sessionmaker)


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed before the response is sent, or rolled back.

    ``SessionDep`` gives this dependency ``scope="function"``: FastAPI then runs the code
    after ``yield`` (the commit) once the handler has returned and its response has been
    serialized, but before a byte of it is sent. With the default (request) scope it would
    run after the response went out, so a commit that fails (a lock, a constraint, a NUL
    byte PostgreSQL refuses) would follow a 2xx. A failed commit raises here and goes to
    the error handlers (409, 422, 503) instead. Reads (GET) take a read-only transaction;
    every other method a writer's, which on SQLite waits for the write lock up front.
    ``after_commit`` callbacks (job starts) run only after a successful commit.

    A writer first waits for its turn to write (:func:`request_write_turn`, on the event
    loop, held until after the commit): its transaction is held across the awaits between
    handler, answer validation and commit, and writers blocked in worker threads instead
    took every one of them from it (issue 24's ten-second stalls). The session is made on
    the loop (no connection is taken until its first statement) and ended on a thread of
    its own (:func:`_end`), so a writer never waits for a worker thread to start or end
    its transaction. FastAPI resolves a route's dependencies in the order of its
    parameters: a writing route that names its caller before its session (``principal:
    InventoryWriter, session: SessionDep``) checks the API key before it takes its turn,
    not while every other writer of the process waits for it.
    """
    writes = request.method not in READ_METHODS
    async with request_write_turn(request) if writes else nullcontext():
        session: Session = request.app.state.sessionmaker(
            execution_options={} if writes else READ_ONLY
        )
        request.state.after_commit = []  # callbacks that must see committed rows (job starts)
        session.begin()
        try:
            yield session
        except BaseException:
            await _end(session, False)
            raise
        await _end(session, True)
    for callback in request.state.after_commit:
        await anyio.to_thread.run_sync(callback, limiter=anyio.CapacityLimiter(1))


def _finish(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


async def _end(session: Session, commit: bool) -> None:
    """On a thread of its own, not one counted by the worker threads' limiter (as FastAPI
    ends a sync dependency): a commit must never wait for a worker thread. Not on the loop:
    a commit runs the flush and the hooks before it (``inventory.changes``: the coverage a
    reporting organization shares is recomputed in it), and PostgreSQL's can wait."""
    limiter = anyio.CapacityLimiter(1)
    await anyio.to_thread.run_sync(_finish, session, commit, limiter=limiter)


SessionDep = Annotated[Session, Depends(get_db, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def get_principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header_key: Annotated[str | None, Depends(_header)],
) -> Principal:
    secret = bearer.credentials if bearer else header_key
    if not secret:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            say(
                N_("missing API key: send {bearer} or {header}"),
                bearer="'Authorization: Bearer <key>'",
                header="'X-API-Key: <key>'",
            ),
            headers={"WWW-Authenticate": "Bearer"},
        )
    limiter: FailureLimiter = request.app.state.auth_limiter
    client = _client_address(request)
    key = hash_secret(secret)  # the limiter counts keys by digest, as they are stored
    # One read-only transaction and one connection for both reads: the failed-key budget
    # (kept in PostgreSQL when scaled) and the key itself.
    with request.app.state.sessionmaker(execution_options=READ_ONLY) as session:
        wait = limiter.retry_after(client, session, key)
        if wait is not None:  # refused before the key is looked at: no oracle for a key
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                say(
                    N_("too many invalid API keys from {client}; retry in {seconds} s"),
                    client=client,
                    seconds=wait,
                ),
                headers={"Retry-After": str(wait)},
            )
        principal = authenticate(session, secret)
        if principal is not None:
            limiter.record_success(client, key, session)
    if principal is None:
        limiter.record_failure(client, key)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            say(N_("invalid or revoked API key")),
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_role(*roles: Role, what: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets only `roles` through (403 naming the role and `what`)."""
    allowed = frozenset(roles)

    async def dependency(principal: PrincipalDep) -> Principal:  # async: no thread hop
        if principal.role not in allowed:
            raise Forbidden(f"role '{principal.role}' cannot {what}")
        return principal

    dependency.allowed_roles = allowed  # type: ignore[attr-defined]
    return dependency


# Who may reach what: every authenticated route takes exactly one of these (README, API).
INVENTORY_READERS = frozenset({Role.ADMIN, Role.OFFICER, Role.AUDITOR})
INVENTORY_WRITERS = frozenset({Role.ADMIN, Role.OFFICER})
TESTBED_READERS = frozenset({Role.ADMIN, Role.OFFICER, Role.AUDITOR, Role.VENDOR})
TESTBED_WRITERS = frozenset({Role.ADMIN, Role.OFFICER, Role.VENDOR})
WRITE_INVENTORY = "change inventory or plans"

AnyRole = PrincipalDep
InventoryReader = Annotated[
    Principal, Depends(require_role(*INVENTORY_READERS, what="read inventory or plans"))
]
InventoryWriter = Annotated[
    Principal, Depends(require_role(*INVENTORY_WRITERS, what=WRITE_INVENTORY))
]
TestbedReader = Annotated[
    Principal, Depends(require_role(*TESTBED_READERS, what="read testbed results"))
]
TestbedWriter = Annotated[
    Principal, Depends(require_role(*TESTBED_WRITERS, what="run testbed work"))
]
Admin = Annotated[
    Principal, Depends(require_role(Role.ADMIN, what="manage organizations or API keys"))
]


# Checks that depend on the row or the body as well as the role.
TESTBED_JOB_KINDS = frozenset({benchmark_runs.JOB_KIND})


def job_kinds_seen_by(principal: PrincipalDep) -> frozenset[str] | None:
    """The job kinds a principal may see; None means every kind. Vendors get the testbed
    only: an import or plan job carries inventory data in its report and summary."""
    return TESTBED_JOB_KINDS if principal.role is Role.VENDOR else None


SeenJobKinds = Annotated[frozenset[str] | None, Depends(job_kinds_seen_by)]


def visible_job(
    job_id: RowId, session: SessionDep, principal: PrincipalDep, kinds: SeenJobKinds
) -> Job:
    """The job at `{job_id}` if the caller may see it, else 404 (as another tenant's row)."""
    job = get_scoped(session, Job, job_id, principal)
    if kinds is not None and job.kind not in kinds:
        raise NotFound(f"Job {job_id} not found")
    return job


VisibleJob = Annotated[Job, Depends(visible_job)]


def cancellable_job(principal: TestbedWriter, job: VisibleJob) -> Job:
    """Testbed jobs: whoever runs testbed work; inventory and plan jobs: officers and admins."""
    if job.kind not in TESTBED_JOB_KINDS and principal.role not in INVENTORY_WRITERS:
        raise Forbidden(f"role '{principal.role}' cannot {WRITE_INVENTORY}")
    return job


CancellableJob = Annotated[Job, Depends(cancellable_job)]


def _admin_for_directories(body: ScopeIn, principal: InventoryWriter) -> None:
    """A directory scope is on this server's disk: only an administrator may open one."""
    if body.kind == "path" and principal.role is not Role.ADMIN:
        raise Forbidden("only an administrator may register a directory of this server")


AdminForDirectories = Depends(_admin_for_directories)
"""`dependencies=[AdminForDirectories]` on a route that takes a `ScopeIn` body."""
