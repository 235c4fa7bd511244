"""Typed FastAPI dependencies: the database session (one transaction per request) and the caller."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.api.auth_throttle import FailureLimiter
from app.settings import Settings
from core.apikeys import authenticate
from core.choices import Role
from core.db import READ_ONLY
from core.tenancy import Forbidden, Principal

_bearer = HTTPBearer(auto_error=False, description="API key as a bearer token")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key")


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed before the response is sent, or rolled back.

    ``SessionDep`` gives this dependency ``scope="function"``: FastAPI then runs the code
    after ``yield`` (the commit) once the handler has returned and its response has been
    serialized, but before a byte of it is sent. With the default (request) scope it would
    run after the response went out, so a commit that fails (a lock, a constraint, a NUL
    byte PostgreSQL refuses) would follow a 2xx. A failed commit raises here and goes to
    the error handlers (409, 422, 503) instead. Reads (GET) take a read-only transaction;
    every other method a writer's, which on SQLite waits for the write lock up front.
    ``after_commit`` callbacks (job starts) run only after a successful commit.
    """
    options = READ_ONLY if request.method in READ_METHODS else {}
    session: Session = request.app.state.sessionmaker(execution_options=options)
    request.state.after_commit = []  # callbacks that must see committed rows (job starts)
    try:
        with session.begin():
            yield session
    finally:
        session.close()
    for callback in request.state.after_commit:
        callback()


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
            "missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    limiter: FailureLimiter = request.app.state.auth_limiter
    client = _client_address(request)
    wait = limiter.retry_after(client)
    if wait is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"too many invalid API keys from {client}; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    session: Session = request.app.state.sessionmaker(execution_options=READ_ONLY)
    try:
        principal = authenticate(session, secret)
    finally:
        session.close()
    if principal is None:
        limiter.record_failure(client)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "invalid or revoked API key",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_role(*roles: Role, what: str) -> Callable[[Principal], Principal]:
    """A dependency that lets only `roles` through (403 naming the role and `what`)."""
    allowed = frozenset(roles)

    def dependency(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(f"role '{principal.role}' cannot {what}")
        return principal

    dependency.allowed_roles = allowed  # type: ignore[attr-defined]
    return dependency


# Who may reach what: every authenticated route takes exactly one of these (README, API).
AnyRole = PrincipalDep
InventoryReader = Annotated[
    Principal,
    Depends(require_role(Role.ADMIN, Role.OFFICER, Role.AUDITOR, what="read inventory or plans")),
]
InventoryWriter = Annotated[
    Principal,
    Depends(require_role(Role.ADMIN, Role.OFFICER, what="change inventory or plans")),
]
TestbedReader = Annotated[
    Principal,
    Depends(
        require_role(
            Role.ADMIN, Role.OFFICER, Role.AUDITOR, Role.VENDOR, what="read testbed results"
        )
    ),
]
TestbedWriter = Annotated[
    Principal,
    Depends(require_role(Role.ADMIN, Role.OFFICER, Role.VENDOR, what="run testbed work")),
]
Admin = Annotated[
    Principal, Depends(require_role(Role.ADMIN, what="manage organizations or API keys"))
]
