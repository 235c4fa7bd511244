"""Discovery pages: the organization's scan scopes (add, remove), its scans, starting one,
and its results."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.api.deps import SessionDep, request_write_turn
from app.api.routers import discovery as api_discovery
from app.api.schemas.discovery import ScanIn, ScopeIn
from app.web.core import (
    FormState,
    User,
    WebError,
    WebUser,
    form_model,
    form_post,
    page,
    redirect_with,
    refused,
    render,
)
from core.choices import Role
from core.i18n import N_
from core.tenancy import NotFound
from inventory.discovery.targets import OutOfScope
from inventory.models import ScanScope
from inventory.service.organizations import target_org

router = APIRouter(include_in_schema=False)
SCOPE_ADDED = N_("Added the scan scope {scope}.")
SCOPE_REMOVED = N_("Removed the scan scope {scope}.")
SCAN_STARTED = N_("The scan has started.")
DIRECTORY_FOR_ADMINS = N_("Only an administrator may open a directory of this server to scans.")


def _scans_page(
    request: Request, session: Session, user: WebUser, form: FormState | None
) -> Response:
    user.principal.require_read()
    return render(
        request,
        "scans.html",
        {
            "scopes": api_discovery.list_scopes(session, user.principal, None),
            "scans": api_discovery.list_scans(session, user.principal, None, 50),
        },
        form=form,
    )


@router.get("/scans")
@page
def scans(request: Request, user: User, session: SessionDep) -> Response:
    return _scans_page(request, session, user, None)


@router.post("/scans/scopes")
@page
@form_post("scope", _scans_page)
def add_scope(
    request: Request,
    user: User,
    session: SessionDep,
    value: Annotated[str, Form(max_length=600)],
    kind: Annotated[str, Form(max_length=20)] = "network",
    ports: Annotated[str, Form(max_length=400)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Register a range (or, for administrators, a directory) as the organization's own;
    audited as the API's `POST /scan-scopes` is."""
    user.principal.require_write()
    body = form_model(
        ScopeIn, kind=kind, value=value.strip(), ports=ports.strip() or None, note=note or None
    )
    if body.kind == "path" and user.role is not Role.ADMIN:
        raise WebError(403, DIRECTORY_FOR_ADMINS, "form.kind")
    row = api_discovery.add_scope(body, session, user.principal, None)
    return redirect_with(request, "/scans", SCOPE_ADDED, scope=_scope_text(row))


@router.post("/scans/scopes/{scope_id}/delete")
@page
def delete_scope(scope_id: int, request: Request, user: User, session: SessionDep) -> Response:
    user.principal.require_write()
    org_id = target_org(session, user.principal, None)
    row = session.get(ScanScope, scope_id)
    if row is None or row.organization_id != org_id:
        raise NotFound(f"scan scope {scope_id} not found")
    shown = _scope_text(row)
    api_discovery.delete_scope(scope_id, session, user.principal, None)
    return redirect_with(request, "/scans", SCOPE_REMOVED, scope=shown)


def _scope_text(row: ScanScope) -> str:
    return row.value + (f" ({row.ports})" if row.ports else "")


@router.post("/scans")
@page
@form_post("scan", _scans_page)
async def start_scan(
    request: Request,
    user: User,
    kind: Annotated[str, Form(max_length=10)],
    targets: Annotated[str, Form(max_length=300_000)],
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    user.principal.require_write()
    lines = [t.strip() for t in targets.splitlines() if t.strip()]
    body = form_model(ScanIn, kind=kind, targets=lines, name=name.strip() or None)
    try:
        async with request_write_turn(request):
            job = await run_in_threadpool(
                api_discovery.start_scan_job, request, user.principal, None, body
            )
    except OutOfScope as exc:  # the form comes back with its targets, the message says why
        raise refused(403, exc, "form.targets") from None
    return redirect_with(request, f"/jobs/{job.id}", SCAN_STARTED)


@router.get("/scans/{scan_id}")
@page
def scan(scan_id: int, request: Request, user: User, session: SessionDep) -> Response:
    user.principal.require_read()
    row = api_discovery.get_scan(scan_id, session, user.principal)
    if row.kind == "code":
        from app.web.scan_code_view import code_scan_view

        return render(request, "scan_code.html", {"s": row, **code_scan_view(row.results or [])})
    return render(request, "scan.html", {"s": row, "results": (row.results or [])[:1000]})
