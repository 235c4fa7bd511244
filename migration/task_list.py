"""A version's tasks as a list people work through: filtered by phase, status, sector and
flags, searched by asset, algorithm or target, sorted, counted, and paged by keyset so a
page deep in half a million tasks costs what the first one does."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func, literal, or_, select, true, tuple_
from sqlalchemy.orm import Session

from core.errors import BAD_CURSOR, NOT_A_SORT, InputError
from inventory.catalog import get_catalog
from inventory.models import Asset, UsageCount
from inventory.search_index import ASSETS, contains, matches
from migration.models import PlanTask, PlanVersion, TaskStatus, TimelineCell
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
                NOT_A_SORT, "query.sort", column=self.sort, choices=", ".join(SORT_KEYS)
            )

    @property
    def filtered(self) -> bool:
        return bool(self.phase or self.status or self.sector or self.flagged or self.q)


@dataclass
class TaskPage:
    rows: list[PlanTask]
    next_cursor: str | None


ASSET_MATCH_CAP = 2_000


def _where(session: Session, version_id: int, query: TaskQuery) -> list[Any]:
    """The query's conditions, worked out once per transaction (a page counts and lists)."""
    memo = session.info.setdefault("task_list_where", {})
    key = (version_id, query)
    if key not in memo:
        memo[key] = _conditions(session, version_id, query)
    return list(memo[key])


def _conditions(session: Session, version_id: int, query: TaskQuery) -> list[Any]:
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
        conds.append(_text_match(session, version_id, query.q))
    return conds


def _text_match(session: Session, version_id: int, text: str) -> Any:
    """Tasks of assets whose name, reference or location contains `text`, found through the
    assets (and the tasks' asset index), or whose algorithm or target is a name containing
    it. Half a million task rows are not read to find a few."""
    org_id = select(PlanVersion.organization_id).where(PlanVersion.id == version_id)
    asset_ids = list(
        session.scalars(
            select(Asset.id)
            .where(
                Asset.organization_id == org_id.scalar_subquery(),
                matches(session, ASSETS, Asset, ("name", "ref", "location"), text),
            )
            .limit(ASSET_MATCH_CAP + 1)
        )
    )
    if len(asset_ids) > ASSET_MATCH_CAP:  # a word most assets share: read the tasks' copy
        by_asset = contains(session, [PlanTask.asset_name], text)
    else:
        by_asset = PlanTask.asset_id.in_(asset_ids)
    lowered = text.casefold()
    names = {n for n in get_catalog().names() if lowered in n.casefold()}
    names |= set(
        session.scalars(
            select(UsageCount.algorithm)
            .distinct()
            .where(
                UsageCount.organization_id == org_id.scalar_subquery(),
                contains(session, [UsageCount.algorithm], text),
            )
        )
    )
    if not names:
        return by_asset
    return or_(by_asset, PlanTask.algorithm.in_(names), PlanTask.target.in_(names))


COUNT_CAP = 10_000


def count_tasks(session: Session, version_id: int, query: TaskQuery) -> tuple[int, bool]:
    """(matching tasks, exact). Filters by phase, status, sector and flag are summed from the
    version's timeline cells (a few hundred rows); a text search is counted up to
    COUNT_CAP (exact False beyond it)."""
    has_cells = session.scalar(
        select(TimelineCell.version_id).where(TimelineCell.version_id == version_id).limit(1)
    )
    if not query.q and has_cells is not None:
        counted = TimelineCell.flagged if query.flagged else TimelineCell.tasks
        stmt = select(func.coalesce(func.sum(counted), 0)).where(
            TimelineCell.version_id == version_id
        )
        for name in ("phase", "status", "sector"):
            value = getattr(query, name)
            if value:
                stmt = stmt.where(getattr(TimelineCell, name) == value)
        return int(session.scalar(stmt) or 0), True
    conds = _where(session, version_id, query)
    inner = select(PlanTask.id).where(*conds).limit(COUNT_CAP + 1).subquery()
    found = int(session.scalar(select(func.count()).select_from(inner)) or 0)
    return min(found, COUNT_CAP), found <= COUNT_CAP


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
        raise InputError(BAD_CURSOR, "query.cursor") from None
    if not isinstance(task_id, int) or not isinstance(value, str | int | float):
        raise InputError(BAD_CURSOR, "query.cursor")
    return value, task_id


def _cell_keys(session: Session, version_id: int, query: TaskQuery) -> list[tuple[Any, ...]] | None:
    """The timeline cells (wave, label, phase, sector, status) holding the tasks the filters
    ask for; None when the cells cannot say (a text search, a version without cells) or
    when those cells hold most of the version anyway."""
    if query.q:
        return None
    stmt = select(*_CELL_KEY, TimelineCell.tasks, TimelineCell.flagged).where(
        TimelineCell.version_id == version_id
    )
    cells = session.execute(stmt).all()
    if not cells:
        return None
    keys = []
    covered = total = 0
    for wave, label, phase, sector, status, tasks, flagged in cells:
        total += tasks
        if query.phase and phase != query.phase:
            continue
        if query.status and TaskStatus(status) != query.status:
            continue
        if query.sector and sector != query.sector:
            continue
        if (flagged if query.flagged else tasks) > 0:
            keys.append((wave, label, phase, sector, status))
            covered += tasks
    if keys and covered * 2 > total:  # most of the version: a plain pass finds a page sooner
        return None
    return sorted(keys, key=lambda k: (k[0], k[1], k[2], k[3], str(k[4])))


_CELL_KEY = (
    TimelineCell.wave,
    TimelineCell.wave_label,
    TimelineCell.phase,
    TimelineCell.sector,
    TimelineCell.status,
)
_TASK_CELL = tuple_(
    PlanTask.wave, PlanTask.wave_label, PlanTask.phase, PlanTask.sector, PlanTask.status
)


def task_list(
    session: Session,
    version_id: int,
    query: TaskQuery,
    limit: int,
    cursor: str | None = None,
    at_task: PlanTask | None = None,
) -> TaskPage:
    """A page of the version's tasks: after `cursor`, or starting at `at_task` (a link from
    "deadlines at risk" to a task far down the list).

    Filters the timeline cells can answer go by them: the cells that hold matching tasks
    are looked up in the timeline index, a wave at a time in plan order (tasks are stored
    in wave order), so a rare status costs a few index lookups instead of a pass over the
    version."""
    keys = _cell_keys(session, version_id, query) if query.filtered else None
    if keys == []:
        return TaskPage([], None)
    after: tuple[Any, int, bool] | None = None
    if cursor:
        value, task_id = _decode(cursor)
        after = (value, task_id, False)
    elif at_task is not None:
        after = (_key_value(at_task, query.sort), at_task.id, True)
    conds = _where(session, version_id, query)
    if keys is not None and query.sort == "position" and not query.descending:
        ids = _walk_waves(session, conds, keys, after, limit + 1)
    else:
        if keys is not None and len(keys) <= 500:
            conds.append(_TASK_CELL.in_(keys))
        ids = _ordered_ids(session, conds, query, after, limit + 1)
    more = len(ids) > limit
    ids = ids[:limit]
    by_id = {t.id: t for t in session.scalars(select(PlanTask).where(PlanTask.id.in_(ids)))}
    rows = [by_id[i] for i in ids]
    return TaskPage(rows, encode_cursor(rows[-1], query.sort) if more and rows else None)


def _walk_waves(
    session: Session,
    conds: list[Any],
    keys: list[tuple[Any, ...]],
    after: tuple[Any, int, bool] | None,
    want: int,
) -> list[int]:
    by_wave: dict[int, list[tuple[Any, ...]]] = {}
    for key in keys:
        by_wave.setdefault(key[0], []).append(key)
    start_wave = None
    if after is not None:
        start_wave = session.scalar(select(PlanTask.wave).where(PlanTask.id == after[1]))
    out: list[int] = []
    for wave in sorted(by_wave):
        if start_wave is not None and wave < start_wave:
            continue
        stmt = select(PlanTask.id).where(*conds, _TASK_CELL.in_(by_wave[wave]))
        if after is not None:
            stmt = stmt.where(PlanTask.id >= after[1] if after[2] else PlanTask.id > after[1])
        out += session.scalars(stmt.order_by(PlanTask.id).limit(want - len(out)))
        if len(out) >= want:
            break
    return out


def _ordered_ids(
    session: Session,
    conds: list[Any],
    query: TaskQuery,
    after: tuple[Any, int, bool] | None,
    want: int,
) -> list[int]:
    """Ids in the query's order (the narrow timeline index serves the filters where it
    can; the page's few wide rows are read afterwards by id)."""
    if query.sort == "deadline" and not query.descending and not query.filtered:
        return _by_deadline(session, conds, after, want)
    key = SORT_KEYS[query.sort]
    stmt = select(PlanTask.id).where(*conds)
    if after is not None:
        value, task_id, inclusive = after
        if query.sort == "deadline":
            value = date.fromisoformat(str(value))
        same = PlanTask.id >= task_id if inclusive else PlanTask.id > task_id
        if query.sort == "position":
            before = PlanTask.id <= task_id if inclusive else PlanTask.id < task_id
            stmt = stmt.where(before if query.descending else same)
        else:
            beyond = key < value if query.descending else key > value
            stmt = stmt.where(or_(beyond, and_(key == value, same)))
    if query.sort == "position":
        order = [PlanTask.id.desc() if query.descending else PlanTask.id]
    else:
        order = [key.desc() if query.descending else key, PlanTask.id]
    return list(session.scalars(stmt.order_by(*order).limit(want)))


def _by_deadline(
    session: Session, conds: list[Any], after: tuple[Any, int, bool] | None, want: int
) -> list[int]:
    """The whole version in deadline order (undated tasks last, as FAR puts them) without
    sorting it: along the (version, deadline, id) index, the rest of the cursor's deadline
    in id order, then the later deadlines, then the undated tasks in id order, each one
    seek. The same rows and order as ORDER BY coalesce(deadline, FAR), id, which sorts
    every task of the version for each page."""
    value = date.fromisoformat(str(after[0])) if after is not None else None
    out: list[int] = []

    def read(*where: Any, order: Any) -> None:
        if len(out) < want:
            stmt = select(PlanTask.id).where(*conds, *where).order_by(*order)
            out.extend(session.scalars(stmt.limit(want - len(out))))

    same: Any = true()
    if after is not None:
        same = PlanTask.id >= after[1] if after[2] else PlanTask.id > after[1]
    if value is not None and value < FAR:
        read(PlanTask.deadline == value, same, order=[PlanTask.id])
    if value is None or value < FAR:
        later = PlanTask.deadline > value if value is not None else PlanTask.deadline.is_not(None)
        read(later, order=[PlanTask.deadline, PlanTask.id])
    read(PlanTask.deadline.is_(None), same if value == FAR else true(), order=[PlanTask.id])
    return out
