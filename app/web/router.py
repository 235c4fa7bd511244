"""Mount the web console on the API's app: its pages, static files and HTML error pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.web import (
    pages_admin,
    pages_agency,
    pages_auth,
    pages_officer,
    pages_scans,
    pages_sectors,
    pages_vendor,
)
from app.web.errors import install_handlers

STATIC = Path(__file__).parent / "static"
PAGE_MODULES = (
    pages_auth,
    pages_officer,
    pages_scans,
    pages_agency,
    pages_vendor,
    pages_admin,
    pages_sectors,
)


def install_web(app: FastAPI) -> None:
    install_handlers(app)
    app.mount("/static/web", StaticFiles(directory=STATIC), name="web-static")
    for module in PAGE_MODULES:
        app.include_router(module.router)
