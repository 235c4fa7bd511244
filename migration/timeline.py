"""A stored version's timeline counted by the database: effort per wave and phase.

`report.timeline_svg` draws from task dicts; a version of half a million tasks need not be
loaded to draw it: one row per (wave, phase) carries the summed effort and the earliest
deadline, which is all the drawing reads.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from migration.models import PlanTask


def wave_totals(session: Session, version_id: int) -> list[dict[str, Any]]:
    """One task-shaped dict per (wave, phase): wave, wave_label, phase, effort, deadline.

    >>> # [{"wave": 0, "wave_label": "2027-Q1", "phase": "p1", "effort": 40,
    >>> #   "deadline": "2030-12-31", "tasks": 12}, ...]
    """
    rows = session.execute(
        select(
            PlanTask.wave,
            PlanTask.wave_label,
            PlanTask.phase,
            func.coalesce(func.sum(PlanTask.effort), 0),
            func.min(PlanTask.deadline),
            func.count(),
        )
        .where(PlanTask.version_id == version_id)
        .group_by(PlanTask.wave, PlanTask.wave_label, PlanTask.phase)
        .order_by(PlanTask.wave)
    )
    return [
        {
            "wave": wave,
            "wave_label": label,
            "phase": phase,
            "effort": int(effort),
            "deadline": deadline.isoformat() if deadline else None,
            "tasks": int(count),
        }
        for wave, label, phase, effort, deadline, count in rows
    ]
