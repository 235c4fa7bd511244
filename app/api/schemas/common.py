"""Shapes every area shares: answers read from rows, keyset pages, files."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class RowOut(BaseModel):
    """An answer read from a database row's attributes."""

    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: int | None = None


def file_answer(description: str, *media_types: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a route that answers a file: its body under each media type."""
    content = {
        media: {"schema": {"type": "object"} if media.endswith("json") else {"type": "string"}}
        for media in media_types
    }
    return {200: {"description": description, "content": content}}
