"""Sector guidelines: catalogs, the completeness check, ties, absences, tags, the adoption
procedure, reporting relations and the supervisor's view."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from core.field_limits import RowId
from core.input_model import InputModel
from migration.sectors.choices import StepStatus
from migration.sectors.schema import Catalog


class CatalogSummary(BaseModel):
    id: str
    sector: str
    name: str
    name_ko: str | None = None
    version: str
    targets: int
    builtin: bool


class CatalogDocument(Catalog):
    """A whole catalog, as `POST /api/v1/sectors/catalogs` takes it (documentation only)."""

    builtin: bool


class CatalogCheck(BaseModel):
    valid: Literal[True]
    id: str
    version: str
    targets: int


class TargetCheckOut(BaseModel):
    key: str
    catalog: str
    name: str
    name_ko: str | None
    priority: str
    state: Literal["found", "not_found", "declared_absent"]
    assets: int
    vulnerable: int
    by_hand: int
    sample: list[dict[str, Any]]
    look: list[dict[str, str | None]] = Field(description="where, how, how_ko (Korean, or null)")
    absence: dict[str, Any] | None
    conflict: bool
    algorithms: list[str]
    why: dict[str, Any]
    sources: list[dict[str, Any]]
    confirmed: bool


class SectorCheckOut(BaseModel):
    organization: dict[str, Any]
    catalogs: list[dict[str, Any]]
    counts: dict[str, int]
    accounted_percent: float
    targets: list[TargetCheckOut]


class TieIn(InputModel):
    asset_id: RowId = Field(ge=1)
    target: str = Field(min_length=3, max_length=130)
    organization_id: RowId | None = None


class TieOut(BaseModel):
    id: int
    asset_id: int
    target: str
    tied_by: str


class AbsenceIn(InputModel):
    target: str = Field(min_length=3, max_length=130)
    reason: str = Field(min_length=3, max_length=2000)
    organization_id: RowId | None = None


class AbsenceOut(BaseModel):
    target: str
    reason: str
    declared_by: str
    declared_at: str


class TagsIn(InputModel):
    tags: list[str] = Field(min_length=1, max_length=30)


class TagsOut(BaseModel):
    asset_id: int
    tags: list[str]


class StepPatch(InputModel):
    """Only the fields given change; `null` clears one."""

    status: StepStatus | None = None
    owner: str | None = Field(default=None, max_length=200)
    started_on: date | None = None
    due_on: date | None = None
    done_on: date | None = None
    note: str | None = Field(default=None, max_length=2000)
    organization_id: RowId | None = None


class EvidenceIn(InputModel):
    """A link or one of the organization's plan versions (files: the `/file` route)."""

    url: str | None = Field(default=None, max_length=2000)
    plan_version_id: RowId | None = Field(default=None, ge=1)
    label: str | None = Field(default=None, max_length=200)
    organization_id: RowId | None = None


class EvidenceOut(BaseModel):
    id: int
    kind: str
    label: str
    url: str | None
    file_name: str | None
    media_type: str | None
    size: int | None
    sha256: str | None
    plan_version_id: int | None
    added_by: str
    added_at: str


class StepOut(BaseModel):
    id: str
    name: str
    name_ko: str
    description: str
    description_ko: str
    source: str
    status: str
    owner: str | None
    started_on: str | None
    due_on: str | None
    done_on: str | None
    note: str | None
    updated_by: str | None
    evidence: list[EvidenceOut]


class ProcedureOut(BaseModel):
    id: str
    name: str
    name_ko: str
    notes: list[str]
    notes_ko: list[str]
    sources: list[dict[str, Any]]
    steps: list[StepOut]
    counts: dict[str, int]


class ServedStep(BaseModel):
    procedure: str
    step: str


class ReportingIn(InputModel):
    supervisor: str = Field(min_length=2, max_length=64, description="The supervisor's slug.")
    organization_id: RowId | None = Field(
        default=None,
        description="The reporting organization: only its own keys may name it (default).",
    )


class RelationOut(BaseModel):
    id: int
    organization: dict[str, Any]
    started_at: str
    started_by: str
    stopped_at: str | None
    stopped_by: str | None
    active: bool


class RelationsOut(BaseModel):
    reports_to: list[RelationOut]
    reported_by: list[RelationOut]


class SharedFiguresOut(BaseModel):
    """What the organization shares with its supervisors (counts, states and dates)."""

    coverage: dict[str, Any] | None = None
    procedure: dict[str, Any] | None = None
    plan: dict[str, Any] | None = None


class SupervisedOut(BaseModel):
    organization: dict[str, Any]
    reporting_since: str
    computed_at: str | None
    coverage: dict[str, Any] | None
    procedure: dict[str, Any] | None
    plan: dict[str, Any] | None


class SupervisionOut(BaseModel):
    organizations: list[SupervisedOut]
    sectors: list[dict[str, Any]]


class ReportIn(InputModel):
    format: Literal["json", "md", "html"] = "json"
    lang: Literal["en", "ko"] = "en"
    supervisor: str | None = Field(
        default=None, max_length=64, description="Slug of the supervisor it is for (optional)."
    )
