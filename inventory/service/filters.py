"""Filters the inventory's list queries share: equality on columns, and the sector of the
organization a row belongs to. A filter left at None does not narrow the query."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from core.choices import Sector
from core.models import Organization


def where_equal(stmt: Any, model: type, flt: object, names: Iterable[str]) -> Any:
    """``model.<name> == flt.<name>`` for every name whose value ``flt`` gives."""
    for name in names:
        value = getattr(flt, name)
        if value is not None:
            stmt = stmt.where(getattr(model, name) == value)
    return stmt


def where_sector(stmt: Any, organization_id: Any, sector: Sector | None) -> Any:
    """Rows whose ``organization_id`` column names an organization of ``sector``."""
    if sector is None:
        return stmt
    in_sector = select(Organization.id).where(Organization.sector == sector)
    return stmt.where(organization_id.in_(in_sector))
