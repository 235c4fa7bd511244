"""Discovery pages: the organization's scan scopes, its scans, starting one, and its results."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from app.api.deps import SessionDep
from app.api.routers import discovery as api_discovery
from app.web.core import User, form_model, page, redirect, render

router = APIRouter(include_in_schema=False)


@router.get("/scans")
@page
def scans(request: Request, user: User, session: SessionDep) -> Response:
    user.principal.require_read()
    return render(
        request,
        "scans.html",
        {
            "scopes": api_discovery.list_scopes(session, user.principal, None),
            "scans": api_discovery.list_scans(session, user.principal, None, 50),
        },
    )


@router.post("/scans")
@page
async def start_scan(
    request: Request,
    user: User,
    kind: Annotated[str, Form(max_length=10)],
    targets: Annotated[str, Form(max_length=300_000)],
) -> Response:
    user.principal.require_write()
    lines = [t.strip() for t in targets.splitlines() if t.strip()]
    body = form_model(api_discovery.ScanIn, kind=kind, targets=lines)
    job = await run_in_threadpool(api_discovery.start_scan_job, request, user.principal, None, body)
    return redirect(f"/jobs/{job.id}")


@router.get("/scans/{scan_id}")
@page
def scan(scan_id: int, request: Request, user: User, session: SessionDep) -> Response:
    user.principal.require_read()
    row = api_discovery.get_scan(scan_id, session, user.principal)
    if row.kind == "code":
        from app.web.scan_code_view import code_scan_view

        return render(request, "scan_code.html", {"s": row, **code_scan_view(row.results or [])})
    return render(request, "scan.html", {"s": row, "results": (row.results or [])[:1000]})
