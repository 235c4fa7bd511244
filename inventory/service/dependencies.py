"""Typed dependencies between two assets of the same organization."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import record
from core.errors import SELF_DEPENDENCY, Conflict, InputError
from core.i18n import N_, say
from core.tenancy import Principal, get_scoped, scoped
from inventory.models import Asset, Dependency
from inventory.schemas import DependencyIn


def create_dependency(session: Session, data: DependencyIn, principal: Principal) -> Dependency:
    dependent = get_scoped(session, Asset, data.dependent_id, principal)
    provider = get_scoped(session, Asset, data.provider_id, principal)
    if dependent.id == provider.id:
        raise InputError(SELF_DEPENDENCY, "provider_id")
    if dependent.organization_id != provider.organization_id:
        raise InputError(N_("both assets must belong to the same organization"), "provider_id")
    duplicate = session.scalar(
        select(Dependency.id).where(
            Dependency.dependent_id == dependent.id,
            Dependency.provider_id == provider.id,
            Dependency.kind == data.kind,
        )
    )
    if duplicate:
        raise Conflict(
            say(
                N_("dependency {dependent} -> {provider} ({kind}) already exists"),
                dependent=dependent.id,
                provider=provider.id,
                kind=data.kind,
            )
        )
    dep = Dependency(organization_id=dependent.organization_id, **data.model_dump())
    session.add(dep)
    session.flush()
    record(
        session,
        principal,
        "create",
        "dependency",
        dep.id,
        dep.organization_id,
        data.model_dump(mode="json"),
    )
    return dep


def get_dependency(session: Session, dep_id: int, principal: Principal) -> Dependency:
    return get_scoped(session, Dependency, dep_id, principal)


def delete_dependency(session: Session, dep_id: int, principal: Principal) -> None:
    dep = get_scoped(session, Dependency, dep_id, principal)
    record(session, principal, "delete", "dependency", dep.id, dep.organization_id, None)
    session.delete(dep)


def list_dependencies(
    session: Session,
    principal: Principal,
    *,
    asset_id: int | None = None,
    organization_id: int | None = None,
    limit: int,
    after_id: int = 0,
) -> list[Dependency]:
    stmt: Any = scoped(select(Dependency), Dependency, principal).where(Dependency.id > after_id)
    if organization_id is not None:
        stmt = stmt.where(Dependency.organization_id == organization_id)
    if asset_id is not None:
        stmt = stmt.where(
            (Dependency.dependent_id == asset_id) | (Dependency.provider_id == asset_id)
        )
    return list(session.scalars(stmt.order_by(Dependency.id).limit(limit)))
