"""Partial updates (PATCH) of a stored row, refusing a null where the database needs a value.

A null sent for a column the table declares NOT NULL went through to the row and then
failed (a 500 when the answer was checked, a constraint error at commit); each service kept
its own list of such fields and one missed `first_seen`. The table itself says which.
"""

from __future__ import annotations

from typing import Any

from core.errors import InputError
from core.i18n import N_


def apply_changes(row: Any, changes: dict[str, Any]) -> None:
    """Set each changed field on ``row``; `InputError` naming the first field sent as null
    whose column cannot hold one (nothing is set then)."""
    columns = row.__table__.columns
    for field, value in changes.items():
        column = columns.get(field)
        if value is None and column is not None and not column.nullable:
            raise InputError(N_("{field} cannot be null"), field, field=field)
    for field, value in changes.items():
        setattr(row, field, value)
