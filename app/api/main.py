"""The app factory: one place that wires settings, database, routers and error handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.api.errors import install_error_handlers
from app.api.limits import BodySizeLimit
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
    profiles,
    testbed,
    usages,
    vendor_sessions,
)
from app.settings import Settings, get_settings
from inventory.db import session_factory
from inventory.jobs import JobRunner
from testbed.vendor.limits import VendorLimits

API_DESCRIPTION = """
Post-quantum cryptography migration planner.

Authenticate with an API key: `Authorization: Bearer <key>` or `X-API-Key: <key>`.
Every inventory row belongs to an organization; another organization's row answers 404.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    sessions = session_factory(settings.database_url)
    job_runner = JobRunner(sessions, max_workers=settings.job_workers)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        job_runner.recover()
        yield
        job_runner.shutdown()

    app = FastAPI(title="pqcplan", version="0.1.0", description=API_DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.sessionmaker = sessions
    app.state.jobs = job_runner
    app.state.vendor_limits = VendorLimits()  # per-process token buckets (testbed.vendor)
    install_error_handlers(app)
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
    ):
        app.include_router(module.router)

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
