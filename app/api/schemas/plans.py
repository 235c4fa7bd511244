"""Migration plans: what a plan request takes, and the plans, versions, tasks, comparisons
and judgements it answers with. Dates inside answers are ISO strings, as stored."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
)

from app.api.schemas.common import RowOut
from core.field_limits import RowId, check_plan_date
from migration.models import TaskStatus


class WhatIf(BaseModel):
    crqc_year: int | None = Field(None, ge=2024, le=2100, description="Year a CRQC is assumed")
    capacity: int | None = Field(None, ge=1, le=10_000_000, description="Effort points/wave")
    start: date | None = Field(None, description="First day of the plan (default: today)")
    migration_years: int | None = Field(None, ge=0, le=50)

    @field_validator("start")
    @classmethod
    def _start_in_window(cls, value: date | None) -> date | None:
        """Refused here, so a background plan is refused before it is queued."""
        return value if value is None else check_plan_date(value, "start")


class PlanCreate(WhatIf):
    profile: str = Field(min_length=1, max_length=64, examples=["kr-2035"])
    name: str | None = Field(None, max_length=200)
    organization_id: RowId | None = None
    background: StrictBool = Field(
        False, description="Run as a job (202 + job); follow it at /api/v1/jobs/{id}."
    )


class Regenerate(WhatIf):
    profile: str | None = Field(None, min_length=1, max_length=64)


class StatusChange(BaseModel):
    status: TaskStatus
    note: str | None = Field(None, max_length=2000)


class JudgeIn(BaseModel):
    profiles: list[str] = Field(min_length=1, max_length=10)
    organization_id: RowId | None = None
    disagreements_only: StrictBool = False


# -- answers ----------------------------------------------------------------------------------


def _isoformat(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


ProfileId = Annotated[str, Field(validation_alias=AliasChoices("profile", "profile_id"))]
"""The profile's id (read from a row's `profile_id`)."""


class VersionOut(RowOut):
    """One stored version of a plan: its parameters and summary."""

    id: int
    plan_id: int
    number: int
    profile: ProfileId
    profile_version: str
    params: dict[str, Any]
    summary: dict[str, Any]
    created_by: str | None
    created_at: Annotated[str | None, BeforeValidator(_isoformat)] = Field(
        description="ISO 8601 with its UTC offset."
    )


class PlanHead(RowOut):
    id: int
    organization_id: int
    name: str
    profile: ProfileId


class PlanOut(PlanHead):
    versions: list[VersionOut]


class PlanListItem(PlanHead):
    versions: int = Field(description="How many versions the plan has.")


ProgressBucket = dict[str, int | float]
"""Task counts per status, `tasks`, `effort`, `effort_done` and `percent_done` (by effort)."""


class PlanProgress(BaseModel):
    overall: ProgressBucket
    by_phase: dict[str, ProgressBucket]
    by_sector: dict[str, ProgressBucket]


class VersionDetail(VersionOut):
    progress: PlanProgress


class TaskOut(BaseModel):
    """One migration task, with the reasons for its score and its place."""

    id: int
    key: str
    usage_id: int | None
    asset_id: int | None
    asset_name: str
    sector: str
    algorithm: str
    use: str
    quantum_status: str
    target: str
    alternatives: list[str]
    effort: int
    score: float
    risk: dict[str, Any]
    unit: int
    wave: int
    wave_label: str
    wave_start: str
    wave_end: str
    phase: str
    deadline: str | None
    deadline_rule: str | None
    deadline_source: str | None
    flags: list[str]
    reasons: list[str]
    blocking_chain: list[str]
    status: str
    status_note: str | None


class TaskPage(BaseModel):
    total: int = Field(description="Tasks matching the filters, before limit and offset.")
    items: list[TaskOut]


class TaskChange(BaseModel):
    key: str
    asset_name: str | None
    changes: dict[str, list[Any]] = Field(description="Field -> [before, after].")


class VersionComparison(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_version: VersionOut = Field(alias="from")
    to: VersionOut
    added: list[str] = Field(description="Task keys only in the newer version.")
    removed: list[str] = Field(description="Task keys only in the older version.")
    changed: list[TaskChange]
    unchanged: int


class VerdictOut(BaseModel):
    profile: str
    verdict: str
    deadline: str | None
    deadline_rule: str | None
    target: str | None
    hybrid_policy: str
    reason: str | None


class JudgementOut(BaseModel):
    usage_id: int
    asset_name: str
    algorithm: str
    use: str
    verdicts: list[VerdictOut]
    disagreements: list[str]


class JudgeOut(BaseModel):
    profiles: list[str]
    usages: int
    with_disagreements: int
    items: list[JudgementOut]
