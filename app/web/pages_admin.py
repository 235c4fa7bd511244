"""Admin pages: organizations, API keys (the secret shown once, revoke) and the audit log.

Issuing a key follows post/redirect/get like every form: the new secret travels to the
page that shows it in a cookie scoped to that one page, read once and cleared, so a
reload of that page shows it no more and issues nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.api.deps import SessionDep
from app.api.routers import audit as api_audit
from app.api.routers import keys as api_keys
from app.api.routers import organizations as api_orgs
from app.api.schemas.access import ApiKeyIn
from app.web.core import (
    FormState,
    User,
    WebUser,
    form_model,
    form_post,
    page,
    redirect_with,
    render,
    require,
    set_cookie,
)
from core.apikeys import hash_secret
from core.choices import Role, Sector, Tier
from core.i18n import N_
from core.models import ApiKey, Organization
from core.tenancy import NotFound
from inventory.schemas import OrganizationIn

router = APIRouter(include_in_schema=False)
NEW_KEY_COOKIE = "pqcplan_new_key"
ORG_CREATED = N_("Created the organization {name}.")
KEY_ISSUED = N_("Issued the API key {name}.")
KEY_REVOKED = N_("Revoked the API key {name}; its browser sessions have ended.")
OWN_KEY = N_("This is the key you are signed in with; sign in with another admin key to revoke it.")


def _admin_page(
    request: Request, session: Session, user: WebUser, form: FormState | None
) -> Response:
    require(user, Role.ADMIN)
    orgs = api_orgs.list_organizations(session, user.principal)
    keys = api_keys.list_keys(session, user.principal)
    return render(
        request,
        "admin.html",
        {
            "orgs": orgs,
            "keys": keys,
            "names": {o.id: o.name for o in orgs},
            "org_options": [(o.id, f"{o.name} ({o.slug})") for o in orgs],
            "roles": list(Role),
            "sectors": list(Sector),
            "tiers": list(Tier),
        },
        form=form,
    )


@router.get("/admin")
@page
def admin(request: Request, user: User, session: SessionDep) -> Response:
    return _admin_page(request, session, user, None)


@router.post("/admin/organizations")
@page
@form_post("org", _admin_page)
def create_org(
    request: Request,
    user: User,
    session: SessionDep,
    slug: Annotated[str, Form(max_length=200)],
    name: Annotated[str, Form(max_length=400)],
    sector: Annotated[str, Form(max_length=40)],
    tier: Annotated[str, Form(max_length=40)],
) -> Response:
    require(user, Role.ADMIN)
    data = form_model(
        OrganizationIn, slug=slug.strip(), name=name.strip(), sector=sector, tier=tier
    )
    org = api_orgs.create_organization(data, session, user.principal)
    return redirect_with(request, "/admin", ORG_CREATED, name=org.name)


@router.post("/admin/keys")
@page
@form_post("key", _admin_page)
def issue(
    request: Request,
    user: User,
    session: SessionDep,
    organization_id: Annotated[str, Form(max_length=12)],
    role: Annotated[str, Form(max_length=20)],
    name: Annotated[str, Form(max_length=200)],
) -> Response:
    """Issue a key, then redirect to the page that shows its secret this once."""
    require(user, Role.ADMIN)
    data = form_model(ApiKeyIn, organization_id=organization_id, role=role, name=name.strip())
    created = api_keys.create_key(data, session, user.principal)
    response = redirect_with(
        request, f"/admin/keys/{created['id']}/issued", KEY_ISSUED, name=created["name"]
    )
    path = f"/admin/keys/{created['id']}/issued"
    set_cookie(request, response, NEW_KEY_COOKIE, created["secret"], path, 300)
    return response


@router.get("/admin/keys/{key_id}/issued")
@page
def issued(key_id: int, request: Request, user: User, session: SessionDep) -> Response:
    require(user, Role.ADMIN)
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"API key {key_id} not found")
    secret = request.cookies.get(NEW_KEY_COOKIE)
    if secret is None or hash_secret(secret) != key.secret_hash:
        secret = None  # shown once already, or this browser did not issue it
    org = session.get(Organization, key.organization_id)
    response = render(
        request, "key_issued.html", {"k": key, "secret": secret, "org": org}, status=200
    )
    response.delete_cookie(NEW_KEY_COOKIE, path=f"/admin/keys/{key_id}/issued")
    return response


@router.post("/admin/keys/{key_id}/revoke")
@page
def revoke(key_id: int, request: Request, user: User, session: SessionDep) -> Response:
    require(user, Role.ADMIN)
    if key_id == user.principal.api_key_id:
        return redirect_with(request, "/admin", OWN_KEY, kind="bad")
    key = session.get(ApiKey, key_id)
    api_keys.revoke_key(key_id, session, user.principal)
    assert key is not None  # revoke_key answered 404 otherwise
    return redirect_with(request, "/admin", KEY_REVOKED, name=key.name)


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
