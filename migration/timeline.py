"""A stored version read for its timeline page in one pass of the database over its tasks.

`report.timeline_svg` draws from task dicts and `service._progress` folds counts into the
progress buckets; a version of half a million tasks need not be loaded for either. One
GROUP BY over (wave, phase, sector, status) gives both, read from the covering index
ix_plan_tasks_version_timeline (migration 0009) without touching the task rows.
Flags are stored as JSON text written by `json.dumps`, so an empty list is exactly `[]`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from migration import service
from migration.models import PlanTask

FLAGGED = cast(PlanTask.flags, String) != "[]"


@dataclass
class VersionView:
    waves: list[dict[str, Any]]  # task-shaped rows for report.timeline_svg, one per wave+phase
    progress: dict[str, Any]  # as service.version_progress
    flagged: int  # tasks with a flag (deadline cannot be met...), counted up to a cap


def version_view(session: Session, version_id: int) -> VersionView:
    rows = session.execute(
        select(
            PlanTask.wave,
            PlanTask.wave_label,
            PlanTask.phase,
            PlanTask.sector,
            PlanTask.status,
            func.count(),
            func.coalesce(func.sum(PlanTask.effort), 0),
            func.min(PlanTask.deadline),
        )
        .where(PlanTask.version_id == version_id)
        .group_by(
            PlanTask.wave, PlanTask.wave_label, PlanTask.phase, PlanTask.sector, PlanTask.status
        )
    ).all()
    waves: dict[tuple[int, str, str], dict[str, Any]] = {}
    groups: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for wave, label, phase, sector, status, count, effort, deadline in rows:
        w = waves.setdefault(
            (wave, label, phase),
            {
                "wave": wave,
                "wave_label": label,
                "phase": phase,
                "effort": 0,
                "tasks": 0,
                "deadline": None,
            },
        )
        w["effort"] += int(effort)
        w["tasks"] += int(count)
        if deadline is not None:
            iso = deadline.isoformat()
            w["deadline"] = min(w["deadline"] or iso, iso)
        g = groups[(phase, sector, str(status))]
        g[0] += int(count)
        g[1] += int(effort)
    progress = service._progress((p, s, st, n, e) for (p, s, st), (n, e) in groups.items())
    return VersionView(
        waves=[waves[k] for k in sorted(waves)],
        progress=progress,
        flagged=count_flagged(session, version_id),
    )


FLAGGED_COUNT_CAP = 100


def count_flagged(session: Session, version_id: int, cap: int = FLAGGED_COUNT_CAP) -> int:
    """Flagged tasks, counted up to `cap` (cap + 1 means "more than cap"): flags are not in
    the timeline index, so counting them all would read every task row."""
    inner = (
        select(PlanTask.id).where(PlanTask.version_id == version_id, FLAGGED).limit(cap + 1)
    ).subquery()
    return int(session.scalar(select(func.count()).select_from(inner)) or 0)


def first_flagged(session: Session, version_id: int, limit: int) -> list[PlanTask]:
    """The first flagged tasks in plan order, found by the database (no task is decoded)."""
    stmt = (
        select(PlanTask)
        .where(PlanTask.version_id == version_id, FLAGGED)
        .order_by(PlanTask.id)  # tasks are stored in plan order: id order is position order
        .limit(limit)
    )
    return list(session.scalars(stmt))


def task_page(
    session: Session, version_id: int, offset: int, limit: int, phase: str | None = None
) -> list[PlanTask]:
    stmt = select(PlanTask).where(PlanTask.version_id == version_id)
    if phase:
        stmt = stmt.where(PlanTask.phase == phase)
    return list(session.scalars(stmt.order_by(PlanTask.id).offset(offset).limit(limit)))
