"""Organizations: the tenants. Only admins create or delete them (the callers' role checks:
`app.api.deps.Admin`, the CLI runs as the operator)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import record
from core.errors import Conflict
from core.i18n import N_, say
from core.models import Organization
from core.patching import apply_changes
from core.tenancy import NotFound, Principal

if TYPE_CHECKING:  # the callers validate; reading organizations needs no request shapes
    from inventory.schemas import OrganizationIn, OrganizationPatch


def get_organization(session: Session, org_id: int, principal: Principal) -> Organization:
    org = session.get(Organization, org_id)
    if org is None or (not principal.is_admin and org.id != principal.organization_id):
        raise NotFound(f"organization {org_id} not found")
    return org


def target_org(session: Session, principal: Principal, organization_id: int | None) -> int:
    """The organization a write goes to: the principal's own, or (admins) the one named."""
    org_id = organization_id if organization_id is not None else principal.organization_id
    principal.require_org(org_id)
    get_organization(session, org_id, principal)
    return org_id


def find_by_slug_or_id(session: Session, key: str) -> Organization | None:
    org = session.scalar(select(Organization).where(Organization.slug == key))
    if org is None and key.isdigit():
        org = session.get(Organization, int(key))
    return org


def list_organizations(session: Session, principal: Principal) -> list[Organization]:
    stmt = select(Organization).order_by(Organization.id)
    if not principal.is_admin:
        stmt = stmt.where(Organization.id == principal.organization_id)
    return list(session.scalars(stmt))


def create_organization(
    session: Session, data: OrganizationIn, principal: Principal
) -> Organization:
    if session.scalar(select(Organization.id).where(Organization.slug == data.slug)):
        raise Conflict(say(N_("an organization with slug '{slug}' already exists"), slug=data.slug))
    org = Organization(**data.model_dump())
    session.add(org)
    session.flush()
    record(
        session, principal, "create", "organization", org.id, org.id, data.model_dump(mode="json")
    )
    return org


def update_organization(
    session: Session, org_id: int, data: OrganizationPatch, principal: Principal
) -> Organization:
    org = get_organization(session, org_id, principal)
    changes = data.model_dump(exclude_unset=True)
    apply_changes(org, changes)
    record(session, principal, "update", "organization", org.id, org.id, _jsonable(changes))
    return org


def delete_organization(session: Session, org_id: int, principal: Principal) -> None:
    org = get_organization(session, org_id, principal)
    # recorded in the deleting principal's organization: the deleted one's log goes with it
    record(session, principal, "delete", "organization", org.id, principal.organization_id,
           {"slug": org.slug})  # fmt: skip
    session.delete(org)


def _jsonable(changes: dict) -> dict:
    return {
        k: (str(v) if v is not None and not isinstance(v, int | float | bool) else v)
        for k, v in changes.items()
    }
