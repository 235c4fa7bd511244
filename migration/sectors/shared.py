"""The figures an organization shares with its supervisors, part by part ("coverage",
"procedure", "plan"): counts, states and dates, never an asset, usage, endpoint, evidence,
owner or reason string. Each module that owns a part computes it and stores it here when
its data changes, if the organization reports to anyone (so this module imports none of
them, and none of them imports the supervision module)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core.models.base import utcnow
from migration.sectors.models import ReportingRelation, SharedFigures


def percent(part: float, whole: float) -> str:
    """A percentage as text with one decimal ("62.5"): figures are signed, and signed
    bodies hold no floats.

    >>> percent(5, 8), percent(0, 0)
    ('62.5', '0.0')
    """
    return f"{(100 * part / whole) if whole else 0.0:.1f}"


def now() -> str:
    return utcnow().isoformat()


def reporting(session: Session, org_id: int) -> bool:
    """Whether the organization reports to some supervisor now."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    ReportingRelation.organization_id == org_id,
                    ReportingRelation.stopped_at.is_(None),
                )
            )
        )
    )


def store(session: Session, org_id: int, parts: dict[str, Any]) -> dict[str, Any]:
    """Replace the named parts of the organization's shared figures."""
    session.flush()
    row = session.get(SharedFigures, org_id)
    figures = dict(row.figures) if row is not None else {}
    figures.update(parts)
    if row is None:
        row = SharedFigures(organization_id=org_id, figures=figures)
        session.add(row)
    else:
        row.figures = figures
    row.computed_at = utcnow()
    session.flush()
    return figures
