"""The app factory: one place that wires settings, database, routers and error handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.api.auth_throttle import InProcessFailureLimiter, SharedFailureLimiter
from app.api.body_size import BodySizeLimit
from app.api.docs import install_docs
from app.api.errors import install_error_handlers
from app.api.observability import install_observability
from app.api.routers import (
    assets,
    audit,
    dependencies,
    discovery,
    exchange,
    inventory,
    jobs,
    keys,
    organizations,
    plans,
    procedure,
    profiles,
    sectors,
    supervision,
    testbed,
    usages,
    vendor_sessions,
)
from app.api.security_headers import SecurityHeaders
from app.api.strict_input import StrictInput
from app.settings import Settings, get_settings
from app.web.router import install_web
from core.apikeys import ensure_bootstrap_admin
from core.db import session_factory
from core.job_queue import QueueBackend, in_api_worker, is_scaled
from core.jobs import JobBackend, JobRunner
from testbed.conformance.quotas import VendorLimits

API_DESCRIPTION = """
Post-quantum cryptography migration planner.

Authenticate with an API key: `Authorization: Bearer <key>` or `X-API-Key: <key>`.
Every inventory row belongs to an organization; another organization's row answers 404.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    sessions = session_factory(settings.database_url)
    if settings.bootstrap_admin_key:
        _bootstrap_admin(sessions, settings.bootstrap_admin_key)
    job_runner: JobBackend = (
        QueueBackend(settings.database_url)  # scaled: `pqcplan worker` processes run jobs
        if is_scaled(settings.database_url)
        else JobRunner(sessions, max_workers=settings.job_workers)
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        job_runner.recover()
        async with in_api_worker(job_runner, settings.api_runs_jobs):
            yield
        job_runner.shutdown()

    app = FastAPI(
        title="pqcplan",
        version="0.1.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by install_docs from local assets
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.sessionmaker = sessions
    app.state.jobs = job_runner
    limits = (settings.auth_failure_limit, settings.auth_failure_window_seconds)
    if is_scaled(settings.database_url):  # counted in PostgreSQL by every process
        app.state.vendor_limits = VendorLimits.shared(sessions)
        app.state.auth_limiter = SharedFailureLimiter(sessions, *limits)
    else:  # per-process counters (the embedded default)
        app.state.vendor_limits = VendorLimits()
        app.state.auth_limiter = InProcessFailureLimiter(*limits)
    install_error_handlers(app)
    app.add_middleware(StrictInput)  # inside BodySizeLimit: sizes are checked first
    app.add_middleware(
        BodySizeLimit,
        default_limit=settings.max_json_bytes,
        upload_limit=settings.max_upload_bytes,
    )
    for module in (
        organizations,
        assets,
        usages,
        dependencies,
        inventory,
        exchange,
        discovery,
        keys,
        audit,
        jobs,
        plans,
        profiles,
        testbed,
        vendor_sessions,
        sectors,
        procedure,
        supervision,
    ):
        app.include_router(module.router)

    install_docs(app)
    install_web(app)  # the web console: pages, its static files, HTML errors
    app.add_middleware(SecurityHeaders)  # added last: outermost, so the 413s get headers too

    install_observability(app, sessions, settings.database_url)  # outermost: ids on all

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _bootstrap_admin(sessions: sessionmaker[Session], secret: str) -> None:
    """BOOTSTRAP_ADMIN_KEY: its admin key exists once start-up is over (idempotent)."""
    try:
        with sessions.begin() as session:
            ensure_bootstrap_admin(session, secret)
    except IntegrityError:  # another process inserted it at the same moment
        with sessions.begin() as session:
            ensure_bootstrap_admin(session, secret)
