"""Keyset pagination shared by every list endpoint."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Query
from pydantic import BaseModel

from core.field_limits import RowId

T = TypeVar("T", bound=BaseModel)

Limit = Annotated[int, Query(ge=1, le=500, description="Page size (at most 500).")]
Cursor = Annotated[
    RowId, Query(ge=0, description="Pass the previous page's next_cursor to get the next page.")
]


def page(rows: list[Any], out: type[T], limit: int) -> dict[str, Any]:
    items = [out.model_validate(r) for r in rows]
    next_cursor = rows[-1].id if len(rows) == limit else None
    return {"items": items, "next_cursor": next_cursor}
