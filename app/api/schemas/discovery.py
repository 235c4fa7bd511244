"""Discovery: scan scopes and scans."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ScopeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["network", "path"] = "network"
    value: str = Field(min_length=1, max_length=300)
    ports: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


class ScopeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    organization_id: int
    kind: str
    value: str
    ports: str | None
    note: str | None


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["tls", "ssh", "certs", "code"]
    targets: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        min_length=1, max_length=10000
    )
    timeout: float = Field(default=10.0, ge=0.1, le=300)
    concurrency: int = Field(default=64, ge=1, le=1024)
    password_env: str | None = Field(
        default=None,
        pattern=r"^[A-Z_][A-Z0-9_]{0,63}$",
        description="certs: the server environment variable holding the store password. "
        "The password itself is never sent, queued or recorded.",
    )
    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="code: the asset's name (default: the directory's); one target only.",
    )


class ScanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    organization_id: int
    kind: str
    status: str
    targets: list[str]
    job_id: int | None
    created_by: str
    started_at: datetime
    finished_at: datetime | None
    summary: dict[str, Any] | None
    results: list[dict[str, Any]] | None = None
