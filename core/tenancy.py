"""The one filter every tenant-scoped query goes through, so no caller can forget it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from core.choices import Role

if TYPE_CHECKING:  # types only: the CLI imports this module and must start fast
    from sqlalchemy import Select
    from sqlalchemy.orm import Session

T = TypeVar("T")


class NotFound(LookupError):
    """The row does not exist, or belongs to another organization (indistinguishable on purpose)."""


class Forbidden(PermissionError):
    """The principal's role does not allow this action."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: an API key's organization and role."""

    organization_id: int
    role: Role
    name: str
    api_key_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def can_read_inventory(self) -> bool:
        return self.role in (Role.ADMIN, Role.OFFICER, Role.AUDITOR)

    def can_write_inventory(self) -> bool:
        return self.role in (Role.ADMIN, Role.OFFICER)

    def require_read(self) -> None:
        if not self.can_read_inventory():
            raise Forbidden(f"role '{self.role}' cannot read inventory or plans")

    def require_write(self) -> None:
        if not self.can_write_inventory():
            raise Forbidden(f"role '{self.role}' cannot change inventory or plans")

    def can_use_testbed(self) -> bool:
        return self.role in (Role.ADMIN, Role.OFFICER, Role.VENDOR)

    def require_testbed(self, *, write: bool = False) -> None:
        """Vendors, officers and admins run the testbed; auditors may only read results."""
        if write and not self.can_use_testbed():
            raise Forbidden(f"role '{self.role}' cannot run testbed work")
        if not write and not (self.can_use_testbed() or self.role is Role.AUDITOR):
            raise Forbidden(f"role '{self.role}' cannot read testbed results")

    def require_org(self, organization_id: int) -> None:
        """Writes into an organization: admins anywhere, others only their own."""
        if not self.is_admin and organization_id != self.organization_id:
            raise NotFound("organization not found")


def scoped(stmt: Select[Any], model: type, principal: Principal) -> Select[Any]:
    """Restrict a SELECT on a tenant model to the principal's organization (admins see all)."""
    if principal.is_admin:
        return stmt
    return stmt.where(model.organization_id == principal.organization_id)  # type: ignore[attr-defined]


def get_scoped(session: Session, model: type[T], row_id: int, principal: Principal) -> T:
    """Fetch one tenant row by id, or raise NotFound if it is absent or another tenant's."""
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(f"{model.__name__} {row_id} not found")
    if not principal.is_admin and row.organization_id != principal.organization_id:  # type: ignore[attr-defined]
        raise NotFound(f"{model.__name__} {row_id} not found")
    return row
