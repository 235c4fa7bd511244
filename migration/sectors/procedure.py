"""The adoption procedure as tracked work: each step of the Korean pilot model and of GSMA
PQ.03's phases, per organization, with status, owner, dates and evidence (files, links,
and the plan versions that serve the step). Steps nobody has touched read as not started.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import record
from core.errors import InputError
from core.i18n import N_
from core.tenancy import NotFound, Principal
from migration.sectors.choices import EvidenceKind, StepStatus
from migration.sectors.loader import procedures
from migration.sectors.models import ProcedureEvidence, ProcedureStep
from migration.sectors.schema import Procedure, Step
from migration.sectors.shared import now, reporting, store

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024  # a file kept as evidence
_UNSET: Any = object()


def _step_of(procedure_id: str, step_id: str) -> tuple[Procedure, Step]:
    known = procedures()
    procedure = known.get(procedure_id)
    if procedure is None:
        raise InputError(
            N_("unknown procedure '{procedure}'; known: {known}"),
            "procedure",
            procedure=procedure_id,
            known=", ".join(known),
        )
    step = next((s for s in procedure.steps if s.id == step_id), None)
    if step is None:
        ids = ", ".join(s.id for s in procedure.steps)
        raise InputError(
            N_("unknown step '{step}' of {procedure}; steps: {ids}"),
            "step",
            step=step_id,
            procedure=procedure_id,
            ids=ids,
        )
    return procedure, step


def view(session: Session, org_id: int) -> list[dict[str, Any]]:
    """Every procedure with every step as the organization stands (no evidence content)."""
    rows = {
        (r.procedure_id, r.step_id): r
        for r in session.scalars(
            select(ProcedureStep).where(ProcedureStep.organization_id == org_id)
        )
    }
    evidence: dict[int, list[dict[str, Any]]] = {}
    for item in session.scalars(
        select(ProcedureEvidence)
        .where(ProcedureEvidence.organization_id == org_id)
        .order_by(ProcedureEvidence.id)
    ):
        evidence.setdefault(item.step_row_id, []).append(evidence_dict(item))
    out = []
    for procedure in procedures().values():
        steps = []
        for step in procedure.steps:
            row = rows.get((procedure.id, step.id))
            steps.append(
                {
                    "id": step.id,
                    "name": step.name,
                    "name_ko": step.name_ko,
                    "description": step.description,
                    "description_ko": step.description_ko,
                    "source": step.source,
                    "status": str(row.status) if row else StepStatus.NOT_STARTED.value,
                    "owner": row.owner if row else None,
                    "started_on": _iso(row.started_on) if row else None,
                    "due_on": _iso(row.due_on) if row else None,
                    "done_on": _iso(row.done_on) if row else None,
                    "note": row.note if row else None,
                    "updated_by": row.updated_by if row else None,
                    "evidence": evidence.get(row.id, []) if row else [],
                }
            )
        out.append(
            {
                "id": procedure.id,
                "name": procedure.name,
                "name_ko": procedure.name_ko,
                "notes": list(procedure.notes),
                "notes_ko": list(procedure.notes_ko),
                "sources": [s.model_dump(mode="json") for s in procedure.sources],
                "steps": steps,
                "counts": _counts(steps),
            }
        )
    return out


def _counts(steps: list[dict[str, Any]]) -> dict[str, int]:
    counts = {s.value: 0 for s in StepStatus}
    for step in steps:
        counts[step["status"]] += 1
    return counts


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def evidence_dict(item: ProcedureEvidence) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": str(item.kind),
        "label": item.label,
        "url": item.url,
        "file_name": item.file_name,
        "media_type": item.media_type,
        "size": item.size,
        "sha256": item.sha256,
        "plan_version_id": item.plan_version_id,
        "added_by": item.added_by,
        "added_at": item.added_at.isoformat(),
    }


def _row(
    session: Session, org_id: int, procedure_id: str, step_id: str, actor: str
) -> ProcedureStep:
    _step_of(procedure_id, step_id)
    row = session.scalar(
        select(ProcedureStep).where(
            ProcedureStep.organization_id == org_id,
            ProcedureStep.procedure_id == procedure_id,
            ProcedureStep.step_id == step_id,
        )
    )
    if row is None:
        row = ProcedureStep(
            organization_id=org_id,
            procedure_id=procedure_id,
            step_id=step_id,
            status=StepStatus.NOT_STARTED,
            updated_by=actor,
        )
        session.add(row)
        session.flush()
    return row


def update_step(
    session: Session,
    principal: Principal,
    org_id: int,
    procedure_id: str,
    step_id: str,
    *,
    status: StepStatus | None = None,
    owner: str | None = _UNSET,
    started_on: date | None = _UNSET,
    due_on: date | None = _UNSET,
    done_on: date | None = _UNSET,
    note: str | None = _UNSET,
) -> ProcedureStep:
    """Change what is given (None clears a field); a step marked done gets today as its
    done date unless one is given. Audited with the changes."""
    row = _row(session, org_id, procedure_id, step_id, principal.name)
    changes: dict[str, Any] = {}
    if status is not None:
        row.status = StepStatus(status)
        changes["status"] = str(status)
        if status is StepStatus.DONE and done_on is _UNSET and row.done_on is None:
            done_on = date.today()
        if status is StepStatus.IN_PROGRESS and started_on is _UNSET and row.started_on is None:
            started_on = date.today()
    for name, value in (
        ("owner", owner),
        ("started_on", started_on),
        ("due_on", due_on),
        ("done_on", done_on),
        ("note", note),
    ):
        if value is not _UNSET:
            setattr(row, name, value)
            changes[name] = value.isoformat() if isinstance(value, date) else value
    if row.started_on and row.done_on and row.done_on < row.started_on:
        raise InputError(N_("done_on is before started_on"), "done_on")
    row.updated_by = principal.name
    session.flush()
    record(
        session, principal, "update", "procedure_step", f"{procedure_id}/{step_id}", org_id, changes
    )
    _changed(session, org_id)
    return row


def _plan_tables() -> tuple[Any, Any]:
    """`Plan` and `PlanVersion`, registered before a flush writes or deletes evidence (its
    `plan_version_id` refers to `plan_versions`). Imported here, not with the module:
    reading the steps (`pqcplan procedure show`) needs no plan table."""
    from migration.models import Plan, PlanVersion

    return Plan, PlanVersion


def add_evidence(
    session: Session,
    principal: Principal,
    org_id: int,
    procedure_id: str,
    step_id: str,
    *,
    label: str | None = None,
    url: str | None = None,
    file_name: str | None = None,
    content: bytes | None = None,
    media_type: str | None = None,
    plan_version_id: int | None = None,
) -> ProcedureEvidence:
    """Exactly one of: a link (`url`), a file (`file_name` and `content`), or a plan
    version of the organization's own (`plan_version_id`)."""
    Plan, PlanVersion = _plan_tables()
    given = [url is not None, content is not None, plan_version_id is not None]
    if sum(given) != 1:
        raise InputError(N_("give exactly one of url, file or plan_version_id"), "evidence")
    row = _row(session, org_id, procedure_id, step_id, principal.name)
    item = ProcedureEvidence(organization_id=org_id, step_row_id=row.id, added_by=principal.name)
    if url is not None:
        if not url.startswith(("https://", "http://")):
            raise InputError(N_("a link must start with https:// or http://"), "url")
        item.kind, item.url, item.label = EvidenceKind.LINK, url, label or url[:200]
    elif content is not None:
        if len(content) > MAX_EVIDENCE_BYTES:
            raise InputError(N_("a file over {size} bytes"), "file", size=MAX_EVIDENCE_BYTES)
        name = (file_name or "evidence").replace("/", "_").replace("\\", "_")[:255]
        item.kind, item.file_name, item.content = EvidenceKind.FILE, name, content
        item.size, item.sha256 = len(content), hashlib.sha256(content).hexdigest()
        item.media_type = (media_type or "application/octet-stream")[:120]
        item.label = label or name[:200]
    else:
        version = session.get(PlanVersion, plan_version_id)
        if version is None or version.organization_id != org_id:
            raise NotFound(f"plan version {plan_version_id} not found")
        plan = session.get(Plan, version.plan_id)
        item.kind, item.plan_version_id = EvidenceKind.PLAN_VERSION, version.id
        item.label = label or f"{plan.name if plan else 'plan'} v{version.number}"[:200]
    session.add(item)
    session.flush()
    record(
        session,
        principal,
        "create",
        "procedure_evidence",
        item.id,
        org_id,
        {"step": f"{procedure_id}/{step_id}", "kind": str(item.kind), "label": item.label},
    )
    _changed(session, org_id)
    return item


def remove_evidence(session: Session, principal: Principal, org_id: int, evidence_id: int) -> None:
    _plan_tables()
    item = session.get(ProcedureEvidence, evidence_id)
    if item is None or item.organization_id != org_id:
        raise NotFound(f"evidence {evidence_id} not found")
    session.delete(item)
    record(session, principal, "delete", "procedure_evidence", evidence_id, org_id)
    _changed(session, org_id)


def evidence_file(session: Session, org_id: int, evidence_id: int) -> ProcedureEvidence:
    item = session.get(ProcedureEvidence, evidence_id)
    if item is None or item.organization_id != org_id or item.kind is not EvidenceKind.FILE:
        raise NotFound(f"evidence file {evidence_id} not found")
    return item


def steps_served_by(session: Session, version_id: int) -> list[dict[str, str]]:
    """The procedure steps a plan version serves (it is their evidence)."""
    rows = session.execute(
        select(ProcedureStep.procedure_id, ProcedureStep.step_id)
        .join(ProcedureEvidence, ProcedureEvidence.step_row_id == ProcedureStep.id)
        .where(ProcedureEvidence.plan_version_id == version_id)
        .group_by(ProcedureStep.procedure_id, ProcedureStep.step_id)
        .order_by(func.min(ProcedureEvidence.id))
    )
    return [{"procedure": p, "step": s} for p, s in rows]


def procedure_figures(session: Session, org_id: int) -> dict[str, Any]:
    """The procedure part of the shared figures (`shared`): statuses, dates and how many
    evidence items, never an owner, a note or the evidence itself."""
    return {
        "as_of": now(),
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


def _changed(session: Session, org_id: int) -> None:
    if reporting(session, org_id):
        store(session, org_id, {"procedure": procedure_figures(session, org_id)})
