"""Progress of a plan version: tasks, effort and done-percentages per phase and sector.

Folded from (phase, sector, status, tasks, effort) groups, whether they come from task
dicts, a GROUP BY over a version's tasks (`version_progress`) or its timeline
cells (`timeline.version_view`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from migration.choices import TaskStatus
from migration.models import PlanTask, TimelineCell


def progress(tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts and done-percentages (by effort) per phase and per sector.

    >>> p = progress([{"phase": "p1", "sector": "finance", "status": "done", "effort": 3},
    ...               {"phase": "p1", "sector": "finance", "status": "planned", "effort": 1}])
    >>> p["by_phase"]["p1"]["percent_done"], p["overall"]["done"]
    (75.0, 1)
    """
    return fold_progress((t["phase"], t["sector"], t["status"], 1, t["effort"]) for t in tasks)


def fold_progress(groups: Iterable[tuple[str, str, str, int, int]]) -> dict[str, Any]:
    """Fold (phase, sector, status, tasks, effort) groups into the `progress` buckets."""

    def empty() -> dict[str, Any]:
        return {s.value: 0 for s in TaskStatus} | {"tasks": 0, "effort": 0, "effort_done": 0}

    overall = empty()
    by_phase: dict[str, dict[str, Any]] = defaultdict(empty)
    by_sector: dict[str, dict[str, Any]] = defaultdict(empty)
    for phase, sector, status, count, effort in groups:
        for bucket in (overall, by_phase[phase], by_sector[sector]):
            bucket[status] += count
            bucket["tasks"] += count
            bucket["effort"] += effort
            if status == TaskStatus.DONE:
                bucket["effort_done"] += effort

    def finish(bucket: dict[str, Any]) -> dict[str, Any]:
        effort = bucket["effort"]
        bucket["percent_done"] = round(100 * bucket["effort_done"] / effort, 1) if effort else 0.0
        return bucket

    return {
        "overall": finish(overall),
        "by_phase": {k: finish(v) for k, v in sorted(by_phase.items())},
        "by_sector": {k: finish(v) for k, v in sorted(by_sector.items())},
    }


def version_progress(session: Session, version_id: int) -> dict[str, Any]:
    """`progress` of a stored version, counted by the database (no task is loaded): from
    its timeline cells, the counts kept per (wave, phase, sector, status) as tasks change
    (`migration.timeline`), else by a GROUP BY over its tasks (a schema without the cells'
    triggers, a version with no task). At 415,000 tasks the GROUP BY reads every task row
    (0.4-1.4 s on PostgreSQL); the cells are a few hundred rows."""
    cells = session.execute(
        select(
            TimelineCell.phase,
            TimelineCell.sector,
            TimelineCell.status,
            func.sum(TimelineCell.tasks),
            func.sum(TimelineCell.effort),
        )
        .where(TimelineCell.version_id == version_id, TimelineCell.tasks > 0)
        .group_by(TimelineCell.phase, TimelineCell.sector, TimelineCell.status)
    ).all()
    if cells:
        return fold_progress((p, s, str(st), int(n), int(e)) for p, s, st, n, e in cells)
    groups = session.execute(
        select(
            PlanTask.phase,
            PlanTask.sector,
            PlanTask.status,
            func.count(),
            func.coalesce(func.sum(PlanTask.effort), 0),
        )
        .where(PlanTask.version_id == version_id)
        .group_by(PlanTask.phase, PlanTask.sector, PlanTask.status)
    )
    return fold_progress((p, s, str(st), int(n), int(e)) for p, s, st, n, e in groups)
