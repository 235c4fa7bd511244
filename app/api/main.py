"""The app factory: one place that wires settings, database, routers and error handlers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.api import pool_keeper
from app.api.auth_throttle import InProcessFailureLimiter, SharedFailureLimiter
from app.api.body_size import BodySizeLimit
from app.api.docs import install_docs
from app.api.errors import install_error_handlers
from app.api.observability import (
    install_observability,
    metrics_process_exit,
    metrics_process_start,
    schema_revision,
)
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
from app.api.schemas.meta import Liveness
from app.api.security_headers import SecurityHeaders
from app.api.strict_input import StrictInput
from app.settings import Settings, get_settings
from app.web.errors import refuse_in_html
from app.web.router import install_web
from core.apikeys import ensure_bootstrap_admin
from core.db import READ_ONLY, session_factory
from core.job_queue import QueueBackend, in_api_worker, is_scaled
from core.jobs import JobBackend, JobRunner
from core.jobs import configure as configure_jobs
from core.schema import not_at_head
from migration.sectors import on_inventory  # noqa: F401  (shared coverage follows inventory writes)
from testbed.conformance.quotas import VendorLimits

log = logging.getLogger(__name__)

API_DESCRIPTION = """
Post-quantum cryptography migration planner.

Authenticate with an API key: `Authorization: Bearer <key>` or `X-API-Key: <key>`.
Every inventory row belongs to an organization; another organization's row answers 404.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app. On a database whose schema is not at the newest migration it still starts
    (`pqcplan serve` upgrades first; another process may be upgrading meanwhile): it says so
    in the log and on /readyz, and leaves the jobs and the bootstrap key until it is."""
    settings = settings or get_settings()
    configure_jobs(settings.job_timings())
    sessions = session_factory(settings.database_url)
    schema_problem = _schema_problem(sessions)
    if schema_problem is not None:
        log.error("%s; the service answers 503 on /readyz until then", schema_problem)
    elif settings.bootstrap_admin_key:
        _bootstrap_admin(sessions, settings.bootstrap_admin_key)
    job_runner: JobBackend = (
        QueueBackend(settings.database_url)  # scaled: `pqcplan worker` processes run jobs
        if is_scaled(settings.database_url)
        else JobRunner(sessions, max_workers=settings.job_workers)
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.api_threads
        metrics_process_start()
        if _schema_problem(sessions) is None:  # jobs need their tables
            job_runner.recover()
        keeper = None
        if settings.testbed_pool_keeper and not is_scaled(settings.database_url):
            keeper = pool_keeper.KeeperProcess(settings.database_url).start()
        try:
            async with in_api_worker(job_runner, settings.api_runs_jobs):
                yield
        finally:
            if keeper is not None:
                keeper.stop()
        job_runner.shutdown()
        metrics_process_exit()

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
    per_client = settings.auth_client_failure_limit
    if is_scaled(settings.database_url):  # counted in PostgreSQL by every process
        app.state.vendor_limits = VendorLimits.shared(sessions)
        app.state.auth_limiter = SharedFailureLimiter(sessions, *limits, client_limit=per_client)
    else:  # per-process counters (the embedded default)
        app.state.vendor_limits = VendorLimits()
        app.state.auth_limiter = InProcessFailureLimiter(*limits, client_limit=per_client)
    install_error_handlers(app)
    app.add_middleware(StrictInput)  # inside BodySizeLimit: sizes are checked first
    app.add_middleware(
        BodySizeLimit,
        default_limit=settings.max_json_bytes,
        upload_limit=settings.max_upload_bytes,
        refuse=refuse_in_html,  # a browser gets the console's page in its language
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

    @app.get("/healthz", tags=["meta"], response_model=Liveness)
    def healthz() -> Liveness:
        """Alive: the process answers (readiness, the database and its schema: /readyz)."""
        return Liveness(status="ok")

    return app


def _schema_problem(sessions: sessionmaker[Session]) -> str | None:
    """Why the database cannot be served yet (schema not at the newest migration), or None;
    a database that does not answer is /readyz's to report, not start-up's."""
    try:
        with sessions(execution_options=READ_ONLY) as session:
            return not_at_head(schema_revision(session))
    except Exception as exc:  # unreachable now; /readyz says so while it lasts
        log.error("database not reachable at start-up: %s", type(exc).__name__)
        return None


def _bootstrap_admin(sessions: sessionmaker[Session], secret: str) -> None:
    """BOOTSTRAP_ADMIN_KEY: its admin key exists once start-up is over (idempotent)."""
    try:
        with sessions.begin() as session:
            ensure_bootstrap_admin(session, secret)
    except IntegrityError:  # another process inserted it at the same moment
        with sessions.begin() as session:
            ensure_bootstrap_admin(session, secret)
