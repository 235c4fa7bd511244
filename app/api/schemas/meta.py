"""Liveness and readiness answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Readiness(BaseModel):
    status: Literal["ready", "unavailable"]
    schema_revision: str | None = Field(
        None, alias="schema", description="Ready: the database's Alembic revision (the newest)."
    )
    reason: str | None = Field(None, description="Unavailable: why.")


READINESS: dict[int | str, dict[str, object]] = {
    200: {"model": Readiness, "description": "The database answers at the newest schema."},
    503: {"model": Readiness, "description": "Not ready: `reason` says why."},
}


class Liveness(BaseModel):
    status: Literal["ok"] = Field(description="The process answers (nothing else is checked).")
