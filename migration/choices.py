"""Every enumerated choice of the planner in one module (as `inventory.choices` does).

Values are stable strings: they are stored with plan tasks, written to exports and
accepted by the API, so renaming a value changes what users read.
"""

from __future__ import annotations

from enum import StrEnum


class TaskStatus(StrEnum):
    """Where a migration task stands; the only field of a stored task that changes."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"


class TaskFlag(StrEnum):
    """Why a task needs a person's attention; each comes with a reason in words."""

    CLASSICALLY_BROKEN = "classically-broken"  # broken by classical attacks today
    UNKNOWN_ALGORITHM = "unknown_algorithm"  # not in the catalog: planned as vulnerable
    CAPACITY_OVERFLOW = "capacity_overflow"  # its unit needs more than one wave's capacity
    CYCLE = "cycle"  # its asset is in a dependency cycle, migrated as one unit
    DEADLINE_MISSED = "deadline_missed"  # capacity pushes it past its deadline
    IMPOSSIBLE_DEADLINE = "impossible_deadline"  # no capacity could meet the deadline


class UnitKind(StrEnum):
    """What a scheduling unit stands for: assets in one unit move in the same wave."""

    ASSET = "asset"
    CYCLE = "cycle"  # every asset of a dependency cycle


class OutsidePhase(StrEnum):
    """The phase of a wave that falls outside every phase of the profile."""

    BEFORE_PROFILE = "before-profile"
    AFTER_PROFILE = "after-profile"


class Verdict(StrEnum):
    """What one profile says about one usage."""

    MIGRATE_NOW = "migrate-now"  # broken by classical attacks today
    MIGRATE = "migrate"
    REVIEW = "review"  # not classified by the catalog
    ACCEPTABLE = "acceptable"


FINAL_RULE = "final"  # the deadline rule of a usage that only the final deadline covers
