"""The plan part of the shared figures: the newest plan version's progress and its
deadlines at risk, and the same progress read live for many versions at once from the
timeline counts the database keeps current as task statuses change."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from migration.models import PlanTask, PlanVersion, TaskStatus, TimelineCell
from migration.progress import fold_progress, version_progress
from migration.sectors.shared import now, reporting, store

AT_RISK_HORIZON_DAYS = 365  # an open task whose deadline is this close counts as at risk


def latest_version(session: Session, org_id: int) -> PlanVersion | None:
    return session.scalar(
        select(PlanVersion)
        .where(PlanVersion.organization_id == org_id)
        .order_by(PlanVersion.created_at.desc(), PlanVersion.id.desc())
        .limit(1)
    )


def plan_figures(session: Session, org_id: int, today: date | None = None) -> dict[str, Any]:
    """The newest plan version's progress and its deadlines at risk: open tasks the plan
    places after their deadline, or whose deadline falls within a year."""
    today = today or date.today()
    version = latest_version(session, org_id)
    if version is None:
        return {"as_of": now(), "version_id": None}
    return {
        "as_of": now(),
        "version_id": version.id,
        "plan_id": version.plan_id,
        "version": version.number,
        "profile": version.profile_id,
        "created_at": version.created_at.isoformat(),
        **progress_part(version_progress(session, version.id)),
        "at_risk": deadlines_at_risk(session, version.id, today),
    }


def plan_changed(session: Session, org_id: int) -> None:
    """A new version or a task's status: the plan part, if anyone is to see it."""
    if reporting(session, org_id):
        store(session, org_id, {"plan": plan_figures(session, org_id)})


def progress_part(progress: dict[str, Any]) -> dict[str, Any]:
    overall = progress["overall"]
    return {
        "tasks": overall["tasks"],
        "done": overall["done"],
        "percent_done": f"{overall['percent_done']:.1f}",
        "by_phase": {k: f"{v['percent_done']:.1f}" for k, v in progress["by_phase"].items()},
    }


def deadlines_at_risk(session: Session, version_id: int, today: date) -> dict[str, Any]:
    horizon = today + timedelta(days=AT_RISK_HORIZON_DAYS)
    missed = PlanTask.wave_end > PlanTask.deadline
    rows = session.execute(
        select(
            PlanTask.deadline,
            PlanTask.deadline_rule,
            PlanTask.deadline_source,
            func.count(),
            func.sum(case((missed, 1), else_=0)),
        )
        .where(
            PlanTask.version_id == version_id,
            PlanTask.status != TaskStatus.DONE,
            PlanTask.deadline.is_not(None),
            missed | (PlanTask.deadline <= horizon),
        )
        .group_by(PlanTask.deadline, PlanTask.deadline_rule, PlanTask.deadline_source)
        .order_by(PlanTask.deadline, PlanTask.deadline_rule)
    ).all()
    groups = [
        {
            "deadline": day.isoformat(),
            "rule": rule,
            "source": source,
            "open_tasks": int(count),
            "planned_after_deadline": int(late or 0),
            "passed": day < today,
        }
        for day, rule, source, count, late in rows
    ]
    return {
        "horizon_days": AT_RISK_HORIZON_DAYS,
        "tasks": sum(g["open_tasks"] for g in groups),
        "planned_after_deadline": sum(g["planned_after_deadline"] for g in groups),
        "groups": groups,
    }


def live_progress(session: Session, version_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Plan progress of many versions from their timeline counts: one GROUP BY over a few
    hundred rows per version. A version whose counts were dropped is left out (its stored
    progress stands)."""
    if not version_ids:
        return {}
    groups: dict[int, list[tuple[str, str, str, int, int]]] = defaultdict(list)
    for version_id, phase, sector, status, tasks, effort in session.execute(
        select(
            TimelineCell.version_id,
            TimelineCell.phase,
            TimelineCell.sector,
            TimelineCell.status,
            func.sum(TimelineCell.tasks),
            func.sum(TimelineCell.effort),
        )
        .where(TimelineCell.version_id.in_(version_ids))
        .group_by(
            TimelineCell.version_id, TimelineCell.phase, TimelineCell.sector, TimelineCell.status
        )
    ):
        groups[version_id].append((phase, sector, str(status), int(tasks), int(effort)))
    return {v: progress_part(fold_progress(g)) for v, g in groups.items()}
