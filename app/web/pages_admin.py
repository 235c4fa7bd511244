"""Admin pages: organizations, API keys (the secret shown once, revoke) and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from app.api.deps import SessionDep
from app.api.routers import audit as api_audit
from app.api.routers import keys as api_keys
from app.api.routers import organizations as api_orgs
from app.api.schemas.access import ApiKeyIn
from app.web.core import User, form_model, page, redirect, render, require
from core.choices import Role, Sector, Tier
from inventory.schemas import OrganizationIn

router = APIRouter(include_in_schema=False)


@router.get("/admin")
@page
def admin(request: Request, user: User, session: SessionDep) -> Response:
    require(user, Role.ADMIN)
    orgs = api_orgs.list_organizations(session, user.principal)
    keys = api_keys.list_keys(session, user.principal)
    names = {o.id: o.slug for o in orgs}
    return render(
        request,
        "admin.html",
        {
            "orgs": orgs,
            "keys": keys,
            "names": names,
            "roles": list(Role),
            "sectors": list(Sector),
            "tiers": list(Tier),
        },
    )


@router.post("/admin/organizations")
@page
def create_org(
    request: Request,
    user: User,
    session: SessionDep,
    slug: Annotated[str, Form(max_length=64)],
    name: Annotated[str, Form(max_length=200)],
    sector: Annotated[str, Form(max_length=40)],
    tier: Annotated[str, Form(max_length=40)],
) -> Response:
    require(user, Role.ADMIN)
    data = form_model(OrganizationIn, slug=slug, name=name, sector=sector, tier=tier)
    api_orgs.create_organization(data, session, user.principal)
    return redirect("/admin")


@router.post("/admin/keys")
@page
def issue(
    request: Request,
    user: User,
    session: SessionDep,
    organization_id: Annotated[int, Form()],
    role: Annotated[str, Form(max_length=20)],
    name: Annotated[str, Form(max_length=100)],
) -> Response:
    """Answers the page itself (no redirect): the secret is shown this once, never stored."""
    require(user, Role.ADMIN)
    data = form_model(ApiKeyIn, organization_id=organization_id, role=role, name=name)
    created = api_keys.create_key(data, session, user.principal)
    response = render(request, "key_issued.html", {"k": created}, status=201)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/admin/keys/{key_id}/revoke")
@page
def revoke(key_id: int, request: Request, user: User, session: SessionDep) -> Response:
    require(user, Role.ADMIN)
    api_keys.revoke_key(key_id, session, user.principal)
    return redirect("/admin")


@router.get("/audit")
@page
def audit(
    request: Request,
    user: User,
    session: SessionDep,
    before_id: Annotated[int | None, Query(ge=1)] = None,
    entity: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    user.principal.require_read()
    rows = api_audit.list_audit(session, user.principal, 100, before_id, entity or None)
    return render(request, "audit.html", {"rows": rows, "entity": entity or ""})
