"""What the planner is given: plain facts about assets, usages and dependencies (no ORM),
and the parameters of one plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from core.errors import InputError, said_of
from core.field_limits import check_plan_date
from inventory.choices import AssetType, Criticality, DataSensitivity, Exposure, QuantumStatus


class AssetFacts(NamedTuple):
    """An asset as the planner sees it. Facts are named tuples: a plan reads 100,000 assets
    and 500,000 usages, and a frozen dataclass costs four times as much to make."""

    id: int
    name: str
    org_id: int
    sector: str
    tier: str
    asset_type: AssetType = AssetType.APPLICATION
    exposure: Exposure = Exposure.INTERNAL
    criticality: Criticality = Criticality.MEDIUM
    data_sensitivity: DataSensitivity = DataSensitivity.INTERNAL
    secrecy_years: int = 0


class UsageFacts(NamedTuple):
    """A crypto usage as the planner sees it (a named tuple, as `AssetFacts`)."""

    id: int
    asset_id: int
    algorithm: str
    primitive: str
    function: str
    quantum_status: QuantumStatus
    ref: str = ""


@dataclass(frozen=True, slots=True)
class TargetFacts:
    """A sector transition target an asset stands for (`migration.sectors`): what the risk
    model weighs (priority, how long devices stay in the field, how long secrets last)."""

    key: str  # catalog/target
    name: str
    priority: str  # critical, high, medium, low
    device_lifetime_years: int | None = None
    secrecy_years: int | None = None


@dataclass(frozen=True, slots=True)
class LibraryFacts:
    """A library asset with the product and version a stack catalog may know."""

    asset_id: int
    name: str
    product: str
    version: str | None
    ref: str = ""


@dataclass
class PlanInput:
    assets: list[AssetFacts]
    dependencies: list[tuple[int, int]]  # (provider_id, dependent_id)
    usages: list[UsageFacts]
    libraries: list[LibraryFacts] = field(default_factory=list)  # prerequisites.py
    # asset id -> the sector target it stands for; none: the plan is as without sectors
    targets: dict[int, TargetFacts] = field(default_factory=dict)


@dataclass(frozen=True)
class PlanParams:
    start: date
    crqc_year: int = 2035
    capacity: int = 40  # effort points per wave (quarter) per organization
    migration_years: int = 3

    def __post_init__(self) -> None:
        try:
            check_plan_date(self.start, "start")
        except ValueError as exc:
            raise InputError(said_of(exc), "start") from None

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "crqc_year": self.crqc_year,
            "capacity": self.capacity,
            "migration_years": self.migration_years,
        }
