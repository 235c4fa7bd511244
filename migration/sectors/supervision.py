"""Supervision without leaking: an organization reports to a supervising organization (a
ministry, KISA, a sector regulator), which then sees that organization's shared figures
and sector aggregates, and nothing else of it.

What is shared is computed on the reporting side into `shared_figures`: counts, states and
dates, never an asset, usage, endpoint, evidence, owner or reason string. It is rewritten
whenever its inputs change (a check-changing write, a procedure step, a plan version, a
task's status), each part with its own `as_of`; plan progress is read live from the
timeline counts the database keeps. Only the reporting organization starts and stops a
relation, and both organizations' audit logs record it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from core.audit import record
from core.choices import Role
from core.errors import Conflict, InputError
from core.models import Organization
from core.models.base import utcnow
from core.tenancy import Forbidden, NotFound, Principal
from migration.models import PlanTask, PlanVersion, TaskStatus, TimelineCell
from migration.sectors.models import ReportingRelation, SharedFigures

PARTS = ("coverage", "procedure", "plan")
AT_RISK_HORIZON_DAYS = 365  # an open task whose deadline is this close counts as at risk
STARTERS = frozenset({Role.ADMIN, Role.OFFICER})


def percent(part: float, whole: float) -> str:
    """A percentage as text with one decimal ("62.5"): figures are signed, and signed
    bodies hold no floats.

    >>> percent(5, 8), percent(0, 0)
    ('62.5', '0.0')
    """
    return f"{(100 * part / whole) if whole else 0.0:.1f}"


# --- relations ------------------------------------------------------------------------


def _may_start(principal: Principal, org_id: int) -> None:
    """Only the reporting organization itself decides (its officers, or an admin key issued
    in it); an administrator of another organization cannot make it report."""
    if principal.organization_id != org_id or principal.role not in STARTERS:
        raise Forbidden(
            "only the reporting organization's own administrators and officers start or "
            "stop its reporting"
        )


def active_relations(
    session: Session, *, org_id: int | None = None, supervisor_id: int | None = None
) -> list[ReportingRelation]:
    stmt = select(ReportingRelation).where(ReportingRelation.stopped_at.is_(None))
    if org_id is not None:
        stmt = stmt.where(ReportingRelation.organization_id == org_id)
    if supervisor_id is not None:
        stmt = stmt.where(ReportingRelation.supervisor_id == supervisor_id)
    return list(session.scalars(stmt.order_by(ReportingRelation.id)))


def relations_of(session: Session, org_id: int) -> dict[str, list[dict[str, Any]]]:
    """Both sides: whom the organization reports to, and who reports to it (with dates)."""
    rows = session.scalars(
        select(ReportingRelation)
        .where(
            (ReportingRelation.organization_id == org_id)
            | (ReportingRelation.supervisor_id == org_id)
        )
        .order_by(ReportingRelation.id)
    ).all()
    ids = {r.organization_id for r in rows} | {r.supervisor_id for r in rows}
    orgs = {o.id: o for o in session.scalars(select(Organization).where(Organization.id.in_(ids)))}

    def shown(row: ReportingRelation, other: int) -> dict[str, Any]:
        o = orgs[other]
        return {
            "id": row.id,
            "organization": {"id": o.id, "slug": o.slug, "name": o.name, "sector": str(o.sector)},
            "started_at": row.started_at.isoformat(),
            "started_by": row.started_by,
            "stopped_at": row.stopped_at.isoformat() if row.stopped_at else None,
            "stopped_by": row.stopped_by,
            "active": row.stopped_at is None,
        }

    return {
        "reports_to": [shown(r, r.supervisor_id) for r in rows if r.organization_id == org_id],
        "reported_by": [shown(r, r.organization_id) for r in rows if r.supervisor_id == org_id],
    }


def start_reporting(
    session: Session, principal: Principal, org_id: int, supervisor_slug: str
) -> ReportingRelation:
    _may_start(principal, org_id)
    supervisor = session.scalar(select(Organization).where(Organization.slug == supervisor_slug))
    if supervisor is None:
        raise NotFound(f"organization '{supervisor_slug}' not found")
    if supervisor.id == org_id:
        raise InputError("an organization cannot supervise itself", "supervisor")
    if any(r.supervisor_id == supervisor.id for r in active_relations(session, org_id=org_id)):
        raise Conflict(f"already reporting to {supervisor.slug}")
    org = session.get_one(Organization, org_id)
    row = ReportingRelation(
        organization_id=org_id, supervisor_id=supervisor.id, started_by=principal.name
    )
    session.add(row)
    session.flush()
    _audit_both(session, principal, "create", row, org, supervisor)
    refresh_figures(session, org_id)
    return row


def stop_reporting(
    session: Session, principal: Principal, org_id: int, relation_id: int
) -> ReportingRelation:
    _may_start(principal, org_id)
    row = session.get(ReportingRelation, relation_id)
    if row is None or row.organization_id != org_id:
        raise NotFound(f"reporting relation {relation_id} not found")
    if row.stopped_at is not None:
        raise Conflict(f"reporting relation {relation_id} was already stopped")
    row.stopped_at, row.stopped_by = utcnow(), principal.name
    session.flush()
    org = session.get_one(Organization, org_id)
    _audit_both(
        session, principal, "delete", row, org, session.get_one(Organization, row.supervisor_id)
    )
    if not active_relations(session, org_id=org_id):  # nobody may read them any more
        session.execute(delete(SharedFigures).where(SharedFigures.organization_id == org_id))
    return row


def _audit_both(
    session: Session,
    principal: Principal,
    action: str,
    row: ReportingRelation,
    org: Organization,
    supervisor: Organization,
) -> None:
    detail = {"reporting": org.slug, "supervisor": supervisor.slug}
    for side in (org.id, supervisor.id):
        record(session, principal, action, "reporting_relation", row.id, side, detail)


# --- the shared figures (reporting side) -----------------------------------------------


def refresh_if_reporting(session: Session, org_id: int, parts: Iterable[str] = PARTS) -> None:
    """Rewrite the shared figures if the organization reports to anyone."""
    if active_relations(session, org_id=org_id):
        refresh_figures(session, org_id, parts)


def refresh_figures(session: Session, org_id: int, parts: Iterable[str] = PARTS) -> dict[str, Any]:
    """Compute the named parts of the organization's shared figures and store them."""
    session.flush()
    row = session.get(SharedFigures, org_id)
    figures = dict(row.figures) if row is not None else {}
    for part in parts:
        figures[part] = _PART[part](session, org_id)
    if row is None:
        row = SharedFigures(organization_id=org_id, figures=figures)
        session.add(row)
    else:
        row.figures = figures
    row.computed_at = utcnow()
    session.flush()
    return figures


def coverage_figures(session: Session, org_id: int) -> dict[str, Any]:
    from migration.sectors.completeness import check

    found = check(session, org_id, sample=0)
    return {
        "as_of": utcnow().isoformat(),
        "sector": found.organization["sector"],
        "tier": found.organization["tier"],
        "catalogs": found.catalogs,
        "counts": found.counts,
        "accounted_percent": f"{found.accounted_percent:.1f}",
        "targets": [
            {
                "key": t.key,
                "name": t.name,
                "name_ko": t.name_ko,
                "priority": t.priority,
                "state": t.state.value,
                "assets": t.assets,
                "vulnerable": t.vulnerable,
                "conflict": t.conflict,
            }
            for t in found.targets
        ],
    }


def procedure_figures(session: Session, org_id: int) -> dict[str, Any]:
    from migration.sectors.procedure import view

    return {
        "as_of": utcnow().isoformat(),
        "procedures": [
            {
                "id": p["id"],
                "name": p["name"],
                "name_ko": p["name_ko"],
                "counts": p["counts"],
                "steps": [
                    {
                        "id": s["id"],
                        "name": s["name"],
                        "name_ko": s["name_ko"],
                        "status": s["status"],
                        "started_on": s["started_on"],
                        "due_on": s["due_on"],
                        "done_on": s["done_on"],
                        "evidence": len(s["evidence"]),
                    }
                    for s in p["steps"]
                ],
            }
            for p in view(session, org_id)
        ],
    }


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
    from migration.service import version_progress

    today = today or date.today()
    version = latest_version(session, org_id)
    if version is None:
        return {"as_of": utcnow().isoformat(), "version_id": None}
    progress = version_progress(session, version.id)
    return {
        "as_of": utcnow().isoformat(),
        "version_id": version.id,
        "plan_id": version.plan_id,
        "version": version.number,
        "profile": version.profile_id,
        "created_at": version.created_at.isoformat(),
        **_progress_part(progress),
        "at_risk": deadlines_at_risk(session, version.id, today),
    }


def _progress_part(progress: dict[str, Any]) -> dict[str, Any]:
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


_PART = {"coverage": coverage_figures, "procedure": procedure_figures, "plan": plan_figures}


# --- the supervisor's view --------------------------------------------------------------


def supervisor_view(session: Session, supervisor_id: int) -> dict[str, Any]:
    """Each organization reporting to the supervisor, with its shared figures, and the
    aggregates per sector. Reads only relations, organizations' names, shared figures and
    plan timeline counts."""
    relations = active_relations(session, supervisor_id=supervisor_id)
    rows = _rows(session, relations)
    return {"organizations": [_summary(r) for r in rows], "sectors": sector_aggregates(rows)}


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    """A reporting organization's row in the list: counts without the per-target and
    per-step detail (that is `supervised`, one organization; the sector aggregates count
    targets and steps across organizations)."""
    coverage = row["coverage"]
    procedure = row["procedure"]
    return row | {
        "coverage": None
        if coverage is None
        else {k: v for k, v in coverage.items() if k != "targets"},
        "procedure": None
        if procedure is None
        else procedure
        | {
            "procedures": [
                {k: v for k, v in p.items() if k != "steps"} | {"steps": len(p["steps"])}
                for p in procedure["procedures"]
            ]
        },
    }


def supervised(session: Session, supervisor_id: int, org_id: int) -> dict[str, Any]:
    """One reporting organization as its supervisor sees it; 404 for any other."""
    relations = [
        r
        for r in active_relations(session, supervisor_id=supervisor_id)
        if r.organization_id == org_id
    ]
    if not relations:
        raise NotFound(f"organization {org_id} does not report to you")
    return _rows(session, relations)[0]


def _rows(session: Session, relations: list[ReportingRelation]) -> list[dict[str, Any]]:
    if not relations:
        return []
    ids = [r.organization_id for r in relations]
    orgs = {o.id: o for o in session.scalars(select(Organization).where(Organization.id.in_(ids)))}
    figures = {
        f.organization_id: f
        for f in session.scalars(
            select(SharedFigures).where(SharedFigures.organization_id.in_(ids))
        )
    }
    versions = [
        v
        for f in figures.values()
        if (v := (f.figures.get("plan") or {}).get("version_id")) is not None
    ]
    live = live_progress(session, versions)
    out = []
    for relation in relations:
        org = orgs[relation.organization_id]
        shared = figures.get(org.id)
        data = dict(shared.figures) if shared else {}
        plan = dict(data.get("plan") or {})
        if plan.get("version_id") in live:
            plan |= live[plan["version_id"]] | {"progress_live": True}
        out.append(
            {
                "organization": {
                    "id": org.id,
                    "slug": org.slug,
                    "name": org.name,
                    "sector": str(org.sector),
                    "tier": str(org.tier),
                },
                "reporting_since": relation.started_at.isoformat(),
                "computed_at": shared.computed_at.isoformat() if shared else None,
                "coverage": data.get("coverage"),
                "procedure": data.get("procedure"),
                "plan": plan or None,
            }
        )
    out.sort(key=lambda r: (r["organization"]["sector"], r["organization"]["slug"]))
    return out


def live_progress(session: Session, version_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Plan progress of many versions from their timeline counts (kept current by the
    database as task statuses change): one GROUP BY over a few hundred rows per version.
    A version whose counts were dropped is left out (its stored progress stands)."""
    if not version_ids:
        return {}
    from migration.service import _progress

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
    return {v: _progress_part(_progress(g)) for v, g in groups.items()}


def sector_aggregates(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per sector: how many report, targets found or accounted for, step completion, plan
    progress and deadlines at risk, summed over the reporting organizations."""
    by_sector: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_sector[row["organization"]["sector"]].append(row)
    out = []
    for sector, members in sorted(by_sector.items()):
        targets: dict[str, dict[str, Any]] = {}
        counts = defaultdict(int)
        steps: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        done = tasks = risk = late = 0
        for row in members:
            coverage = row["coverage"] or {}
            for name, value in (coverage.get("counts") or {}).items():
                counts[name] += value
            for t in coverage.get("targets", []):
                agg = targets.setdefault(
                    t["key"],
                    {
                        "key": t["key"],
                        "name": t["name"],
                        "name_ko": t["name_ko"],
                        "found": 0,
                        "not_found": 0,
                        "declared_absent": 0,
                    },
                )
                agg[t["state"]] += 1
            for p in (row["procedure"] or {}).get("procedures", []):
                for s in p["steps"]:
                    steps[f"{p['id']}/{s['id']}"][s["status"]] += 1
            plan = row["plan"] or {}
            done += plan.get("done", 0)
            tasks += plan.get("tasks", 0)
            risk += (plan.get("at_risk") or {}).get("tasks", 0)
            late += (plan.get("at_risk") or {}).get("planned_after_deadline", 0)
        accounted = counts["found"] + counts["declared_absent"]
        out.append(
            {
                "sector": sector,
                "organizations": len(members),
                "counts": dict(counts),
                "accounted_percent": percent(accounted, counts["expected"]),
                "targets": list(targets.values()),
                "steps": {k: dict(v) for k, v in steps.items()},
                "plan_tasks": tasks,
                "plan_done": done,
                "plan_percent_tasks_done": percent(done, tasks),
                "deadlines_at_risk": risk,
                "planned_after_deadline": late,
            }
        )
    return out
