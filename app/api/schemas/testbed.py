"""The testbed: engines, vendor products and benchmark results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class EngineOut(BaseModel):
    name: str
    available: bool
    version: str | None
    reason: str | None = Field(description="Why the engine is unavailable.")
    kems: list[str] | None = Field(None, description="Available engines only.")
    signatures: list[str] | None = Field(None, description="Available engines only.")
    revisions: dict[str, str] | None = Field(
        None,
        description="Per algorithm, the upstream revision this engine runs and how it relates "
        "to the reference implementation (the KpqC algorithms).",
    )


class EnginesOut(BaseModel):
    engines: list[EngineOut]


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=200)
    version: str = Field(min_length=1, max_length=100)
    algorithms: list[str] = Field(default_factory=list, max_length=50)
    description: str | None = Field(default=None, max_length=5000)


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    organization_id: int
    name: str
    version: str
    algorithms: list[str]
    description: str | None
    created_at: datetime


class RecordOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    organization_id: int
    job_id: int | None
    product_id: int | None
    engine: str
    engine_version: str
    algorithm: str
    kind: str
    baseline_for: str | None
    operations: dict[str, Any]
    sizes: dict[str, int]
    machine: dict[str, Any]
    params: dict[str, Any]
    created_at: datetime
