"""Supervision without leaking: an organization reports to a supervising organization (a
ministry, KISA, a sector regulator), which then sees that organization's shared figures
and sector aggregates, and nothing else of it.

What is shared is computed on the reporting side into `shared_figures`: counts, states and
dates, never an asset, usage, endpoint, evidence, owner or reason string. It is rewritten
whenever its inputs change (a check-changing write, a procedure step, a plan version, a
task's status, and any commit that writes its assets or usages: imports, scans, edits,
deletes, through `on_inventory`), each part with its own `as_of`; plan progress is read
live from the timeline counts the database keeps. Only the reporting organization starts and stops a
relation, and both organizations' audit logs record it.

What computes the figures (the completeness check with the algorithm catalog, the
procedure with its YAML, the plan tables) is imported where figures are made or read:
listing relations (`pqcplan supervision list`) needs none of it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.audit import record
from core.choices import Role
from core.errors import Conflict, InputError
from core.i18n import N_, say
from core.models import Organization
from core.models.base import utcnow
from core.tenancy import Forbidden, NotFound, Principal
from migration.sectors.models import ReportingRelation, SharedFigures
from migration.sectors.shared import percent, reporting, store

PARTS = ("coverage", "procedure", "plan")
STARTERS = frozenset({Role.ADMIN, Role.OFFICER})


# --- relations ------------------------------------------------------------------------


def _may_start(principal: Principal, org_id: int) -> None:
    """Only the reporting organization itself decides (its officers, or an admin key issued
    in it); an administrator of another organization cannot make it report."""
    if principal.organization_id != org_id or principal.role not in STARTERS:
        raise Forbidden(
            say(
                N_(
                    "only the reporting organization's own administrators and officers start "
                    "or stop its reporting"
                )
            )
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
        raise NotFound(say(N_("organization '{slug}' not found"), slug=supervisor_slug))
    if supervisor.id == org_id:
        raise InputError(N_("an organization cannot supervise itself"), "supervisor")
    if any(r.supervisor_id == supervisor.id for r in active_relations(session, org_id=org_id)):
        raise Conflict(say(N_("already reporting to {slug}"), slug=supervisor.slug))
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
        raise Conflict(say(N_("reporting relation {id} was already stopped"), id=relation_id))
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


def refresh_on_request(session: Session, principal: Principal, org_id: int) -> None:
    """Rewrite the shared figures when asked (they are rewritten on every write that moves
    them; this rewrites all parts at once, e.g. after a built-in catalog changed with an
    upgrade). Audited: what a supervisor sees changes."""
    if reporting(session, org_id):
        refresh_figures(session, org_id)
        record(session, principal, "update", "shared_figures", org_id, org_id, {})


def refresh_figures(session: Session, org_id: int, parts: Iterable[str] = PARTS) -> dict[str, Any]:
    """Compute the named parts of the organization's shared figures and store them."""
    from migration.sectors.completeness import coverage_figures
    from migration.sectors.plan_share import plan_figures
    from migration.sectors.procedure import procedure_figures

    makers = {"coverage": coverage_figures, "procedure": procedure_figures, "plan": plan_figures}
    return store(session, org_id, {part: makers[part](session, org_id) for part in parts})


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
        raise NotFound(say(N_("organization {id} does not report to you"), id=org_id))
    return _rows(session, relations)[0]


def _rows(session: Session, relations: list[ReportingRelation]) -> list[dict[str, Any]]:
    if not relations:
        return []
    from migration.sectors.plan_share import live_progress

    ids = [r.organization_id for r in relations]
    # plain rows, not mapped objects: a supervisor of 100 organizations reads 200 of them
    orgs = {
        o.id: o
        for o in session.execute(
            select(
                Organization.id, Organization.slug, Organization.name,
                Organization.sector, Organization.tier,
            ).where(Organization.id.in_(ids))
        )
    }  # fmt: skip
    figures = {
        f.organization_id: f
        for f in session.execute(
            select(
                SharedFigures.organization_id, SharedFigures.figures, SharedFigures.computed_at
            ).where(SharedFigures.organization_id.in_(ids))
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
