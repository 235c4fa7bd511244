"""A version's tasks as a list people work through: filtered by phase, status, sector and
flags, searched by asset, algorithm or target, sorted, counted, and paged by keyset so a
page deep in half a million tasks costs what the first one does."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.orm import Session

from core.errors import InputError
from migration.models import PlanTask, TaskStatus
from migration.timeline import FLAGGED

FAR = date(9999, 12, 31)  # a task without a deadline sorts after every dated one
SORT_KEYS: dict[str, Any] = {
    "position": PlanTask.id,  # tasks are stored in plan order: id order is position order
    "deadline": func.coalesce(PlanTask.deadline, literal(FAR)),
    "asset": PlanTask.asset_name,
    "algorithm": PlanTask.algorithm,
    "status": PlanTask.status,
    "score": PlanTask.score,
    "wave": PlanTask.wave,
}


@dataclass(frozen=True)
class TaskQuery:
    phase: str | None = None
    status: TaskStatus | None = None
    sector: str | None = None
    flagged: bool = False
    q: str | None = None
    sort: str = "position"
    descending: bool = False

    def __post_init__(self) -> None:
        if self.sort not in SORT_KEYS:
            raise InputError(
                f"'{self.sort}' is not a column to sort by; choose one of " + ", ".join(SORT_KEYS),
                "query.sort",
            )

    @property
    def filtered(self) -> bool:
        return bool(self.phase or self.status or self.sector or self.flagged or self.q)


@dataclass
class TaskPage:
    rows: list[PlanTask]
    next_cursor: str | None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(version_id: int, query: TaskQuery) -> list[Any]:
    conds: list[Any] = [PlanTask.version_id == version_id]
    if query.phase:
        conds.append(PlanTask.phase == query.phase)
    if query.status:
        conds.append(PlanTask.status == query.status)
    if query.sector:
        conds.append(PlanTask.sector == query.sector)
    if query.flagged:
        conds.append(FLAGGED)
    if query.q:
        pattern = f"%{_escape_like(query.q)}%"
        conds.append(
            or_(
                *(
                    c.ilike(pattern, escape="\\")
                    for c in (PlanTask.asset_name, PlanTask.algorithm, PlanTask.target)
                )
            )
        )
    return conds


def count_tasks(session: Session, version_id: int, query: TaskQuery) -> int:
    stmt = select(func.count()).select_from(PlanTask).where(*_where(version_id, query))
    return int(session.scalar(stmt) or 0)


def _key_value(task: PlanTask, sort: str) -> Any:
    if sort == "deadline":
        return (task.deadline or FAR).isoformat()
    if sort == "position":
        return task.id
    value = getattr(task, {"asset": "asset_name"}.get(sort, sort))
    return getattr(value, "value", value)


def encode_cursor(task: PlanTask, sort: str) -> str:
    raw = json.dumps([_key_value(task, sort), task.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[Any, int]:
    try:
        value, task_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        raise InputError("the page cursor is not one this list gave out", "query.cursor") from None
    if not isinstance(task_id, int) or not isinstance(value, str | int | float):
        raise InputError("the page cursor is not one this list gave out", "query.cursor")
    return value, task_id


def task_list(
    session: Session,
    version_id: int,
    query: TaskQuery,
    limit: int,
    cursor: str | None = None,
    at_task: PlanTask | None = None,
) -> TaskPage:
    """A page of the version's tasks: after `cursor`, or starting at `at_task` (a link from
    "deadlines at risk" to a task far down the list)."""
    key = SORT_KEYS[query.sort]
    stmt = select(PlanTask).where(*_where(version_id, query))
    if cursor or at_task is not None:
        if cursor:
            value, task_id = _decode(cursor)
            inclusive = False
        else:
            assert at_task is not None
            value, task_id = _key_value(at_task, query.sort), at_task.id
            inclusive = True
        if query.sort == "deadline":
            value = date.fromisoformat(str(value))
        same = PlanTask.id >= task_id if inclusive else PlanTask.id > task_id
        if query.sort == "position":
            stmt = stmt.where(
                (PlanTask.id <= task_id if inclusive else PlanTask.id < task_id)
                if query.descending
                else same
            )
        else:
            beyond = key < value if query.descending else key > value
            stmt = stmt.where(or_(beyond, and_(key == value, same)))
    if query.sort == "position":
        order = [PlanTask.id.desc() if query.descending else PlanTask.id]
    else:
        order = [key.desc() if query.descending else key, PlanTask.id]
    rows = list(session.scalars(stmt.order_by(*order).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return TaskPage(rows, encode_cursor(rows[-1], query.sort) if more and rows else None)
