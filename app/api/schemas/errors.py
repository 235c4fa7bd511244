"""The body of every 4xx (and 503) answer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ValidationItem(BaseModel):
    location: str = Field(description="Where, as in `location` above.")
    detail: str = Field(description="What is wrong there.")
    type: str = Field(description="Pydantic's error type, e.g. `less_than_equal`.")
    loc: list[int | str] = Field(description="FastAPI's raw location of the problem.")
    ctx: dict[str, Any] | None = Field(None, description="The limit or pattern that was broken.")


class ErrorBody(BaseModel):
    """Every 4xx (and 503) body: one message and, when it has one, where."""

    detail: str = Field(description="The problem, naming the field.")
    location: str | None = Field(
        None, description="JSON path in the body (`$.start`), or `query.<name>` / `path.<name>`."
    )
    errors: list[ValidationItem] | None = Field(
        None, description="Request validation only: every problem found, first one above."
    )
