"""A stored version read for its timeline page without a pass over its tasks.

`report.timeline_svg` draws from task dicts and `progress.fold_progress` folds counts into the
progress buckets; a version of half a million tasks need not be loaded for either. Both
come from the version's rows in `plan_timeline_cells` (tasks per wave, phase, sector and
status), counted once when the version is stored. Versions are immutable apart from task
status: a trigger moves a task's counts between cells when its status changes, and any
other write to a version's tasks drops its cells (migration 0011), so a version without
cells is read by one GROUP BY over the covering index ix_plan_tasks_version_timeline.
Flags are stored as JSON text written by `json.dumps`, so an empty list is exactly `[]`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import String, cast, func, insert, select, text
from sqlalchemy.orm import Session

from migration.models import PlanTask, TaskStatus, TimelineCell
from migration.progress import fold_progress

FLAGGED = cast(PlanTask.flags, String) != "[]"


@dataclass
class VersionView:
    waves: list[dict[str, Any]]  # task-shaped rows for report.timeline_svg, one per wave+phase
    progress: dict[str, Any]  # as service.version_progress
    flagged: int  # tasks with a flag (deadline cannot be met...), counted up to a cap


def version_view(session: Session, version_id: int) -> VersionView:
    cells = session.execute(
        select(
            TimelineCell.wave,
            TimelineCell.wave_label,
            TimelineCell.phase,
            TimelineCell.sector,
            TimelineCell.status,
            TimelineCell.tasks,
            TimelineCell.effort,
            TimelineCell.deadline,
            TimelineCell.flagged,
        ).where(TimelineCell.version_id == version_id)
    ).all()
    if cells:
        flagged = sum(int(c[-1]) for c in cells)
        return _view([c[:-1] for c in cells if c.tasks > 0], min(flagged, FLAGGED_COUNT_CAP + 1))
    rows = session.execute(
        select(*_CELL, *_SUMS).where(PlanTask.version_id == version_id).group_by(*_CELL)
    ).all()
    return _view(rows, count_flagged(session, version_id))


# a cell's key within its version, and what it counts (the flagged count aside)
_CELL = (PlanTask.wave, PlanTask.wave_label, PlanTask.phase, PlanTask.sector, PlanTask.status)
_SUMS = (func.count(), func.coalesce(func.sum(PlanTask.effort), 0), func.min(PlanTask.deadline))


def _view(rows: Any, flagged: int) -> VersionView:
    """Fold (wave, label, phase, sector, status, tasks, effort, deadline) rows into the view."""
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
    progress = fold_progress((p, s, st, n, e) for (p, s, st), (n, e) in groups.items())
    return VersionView(waves=[waves[k] for k in sorted(waves)], progress=progress, flagged=flagged)


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


_CELL_KEY = ("version_id", "wave", "wave_label", "phase", "sector", "status")


class CellCounts:
    """A version's timeline cells counted from its tasks as they are written
    (`service._task_rows` adds each one), so storing them needs no pass over the rows."""

    def __init__(self) -> None:
        # (wave, wave label, phase, sector, status) -> [tasks, effort, deadline, flagged]
        self.cells: dict[tuple[Any, ...], list[Any]] = {}

    def add(self, key: tuple[Any, ...], effort: int, deadline: date | None, flagged: bool) -> None:
        cell = self.cells.get(key)
        if cell is None:
            self.cells[key] = [1, effort, deadline, int(flagged)]
            return
        cell[0] += 1
        cell[1] += effort
        if deadline is not None and (cell[2] is None or deadline < cell[2]):
            cell[2] = deadline
        cell[3] += flagged


def store_cells(session: Session, version_id: int, counts: CellCounts) -> None:
    """Store a just-written version's timeline cells, in the storing transaction. Skipped
    where the status trigger is absent (a scratch schema made by `create_all`): cells
    nobody keeps current would go stale; the page then counts tasks."""
    if not counts.cells or not _trigger_present(session.connection(), "timeline_cells_status"):
        return
    rows = [
        {
            "version_id": version_id,
            "wave": wave,
            "wave_label": label,
            "phase": phase,
            "sector": sector,
            "status": TaskStatus(status),
            "tasks": tasks,
            "effort": effort,
            "deadline": deadline,
            "flagged": flagged,
        }
        for (wave, label, phase, sector, status), (tasks, effort, deadline, flagged) in (
            counts.cells.items()
        )
    ]
    session.execute(insert(TimelineCell), rows)


@contextmanager
def insert_trigger_suspended(connection: Any) -> Iterator[None]:
    """Writing a new version's tasks on SQLite without the per-row insert trigger.

    SQLite has no statement triggers, and `timeline_cells_insert` runs once per row: about
    8 of 22 seconds for the 415,000 tasks of a 100,000-asset plan. For a version being
    stored it can do nothing (its cells are stored after its tasks, and the writer holds
    the only write lock), so the trigger is dropped and created again inside the storing
    transaction. SQLite DDL is transactional: no other connection ever sees the schema
    without it, and a rollback restores it. PostgreSQL's trigger is per statement already.
    """
    if connection.dialect.name != "sqlite" or not _trigger_present(connection, _INSERT_TRIGGER):
        yield
        return
    connection.exec_driver_sql(f"DROP TRIGGER {_INSERT_TRIGGER}")
    try:
        yield
    except BaseException:
        with suppress(Exception):  # else the caller's rollback restores it
            connection.exec_driver_sql(_SQLITE_INSERT_TRIGGER)
        raise
    connection.exec_driver_sql(_SQLITE_INSERT_TRIGGER)


def _trigger_present(connection: Any, name: str) -> bool:
    if connection.dialect.name == "postgresql":
        sql = "SELECT 1 FROM pg_trigger WHERE tgname = :name"
    else:
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = :name"
    return connection.execute(text(sql), {"name": name}).first() is not None


_FLAG = "(CAST({r}.flags AS TEXT) <> '[]')"
_CELL_OF = (
    "version_id = {r}.version_id AND wave = {r}.wave AND wave_label = {r}.wave_label"
    " AND phase = {r}.phase AND sector = {r}.sector AND status = {r}.status"
)
_MOVE_OUT = (
    "UPDATE plan_timeline_cells SET tasks = tasks - 1, effort = effort - OLD.effort,"
    " flagged = flagged - {flag} WHERE " + _CELL_OF.format(r="OLD")
)
_MOVE_IN = (
    "INSERT INTO plan_timeline_cells"
    " (version_id, wave, wave_label, phase, sector, status, tasks, effort, deadline, flagged)"
    " SELECT NEW.version_id, NEW.wave, NEW.wave_label, NEW.phase, NEW.sector, NEW.status,"
    " 1, NEW.effort, NEW.deadline, {flag}"
    " WHERE EXISTS (SELECT 1 FROM plan_timeline_cells WHERE version_id = NEW.version_id)"
    " ON CONFLICT (version_id, wave, wave_label, phase, sector, status) DO UPDATE SET"
    " tasks = plan_timeline_cells.tasks + 1,"
    " effort = plan_timeline_cells.effort + excluded.effort,"
    " deadline = {earliest}, flagged = plan_timeline_cells.flagged + excluded.flagged"
)
_SQLITE_EARLIEST = (
    "CASE WHEN excluded.deadline IS NULL OR (plan_timeline_cells.deadline IS NOT NULL"
    " AND plan_timeline_cells.deadline <= excluded.deadline)"
    " THEN plan_timeline_cells.deadline ELSE excluded.deadline END"
)
_SHAPE = ("version_id", "wave", "wave_label", "phase", "sector", "effort", "deadline", "flags")
_FORGET = "DELETE FROM plan_timeline_cells WHERE version_id = {r}.version_id"

_INSERT_TRIGGER = "timeline_cells_insert"
_SQLITE_INSERT_TRIGGER = f"""CREATE TRIGGER {_INSERT_TRIGGER} AFTER INSERT ON plan_tasks BEGIN
  {_FORGET.format(r="NEW")};
END"""

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER timeline_cells_status AFTER UPDATE OF status ON plan_tasks
WHEN OLD.status IS NOT NEW.status BEGIN
  {_MOVE_OUT.format(flag=_FLAG.format(r="OLD"))};
  {_MOVE_IN.format(flag=_FLAG.format(r="NEW"), earliest=_SQLITE_EARLIEST)};
END""",
    _SQLITE_INSERT_TRIGGER,
    f"""CREATE TRIGGER timeline_cells_delete AFTER DELETE ON plan_tasks BEGIN
  {_FORGET.format(r="OLD")};
END""",
    f"""CREATE TRIGGER timeline_cells_change AFTER UPDATE OF {", ".join(_SHAPE)} ON plan_tasks
WHEN {" OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _SHAPE)} BEGIN
  {_FORGET.format(r="OLD")};
  {_FORGET.format(r="NEW")};
END""",
]

_PG_FLAG = "(CAST({r}.flags AS TEXT) <> '[]')::int"
POSTGRESQL_TRIGGERS = [
    f"""CREATE FUNCTION pqcplan_timeline_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_MOVE_OUT.format(flag=_PG_FLAG.format(r="OLD"))};
  {
        _MOVE_IN.format(
            flag=_PG_FLAG.format(r="NEW"),
            earliest="LEAST(plan_timeline_cells.deadline, excluded.deadline)",
        )
    };
  RETURN NULL;
END $$""",
    f"""CREATE FUNCTION pqcplan_timeline_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_FORGET.format(r="OLD")};
  {_FORGET.format(r="NEW")};
  RETURN NULL;
END $$""",
    """CREATE FUNCTION pqcplan_timeline_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM plan_timeline_cells WHERE version_id IN (SELECT version_id FROM new_tasks);
  RETURN NULL;
END $$""",
    """CREATE FUNCTION pqcplan_timeline_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM plan_timeline_cells WHERE version_id IN (SELECT version_id FROM old_tasks);
  RETURN NULL;
END $$""",
    """CREATE TRIGGER timeline_cells_status AFTER UPDATE OF status ON plan_tasks
FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
EXECUTE FUNCTION pqcplan_timeline_status()""",
    f"""CREATE TRIGGER timeline_cells_change AFTER UPDATE OF {", ".join(_SHAPE)} ON plan_tasks
FOR EACH ROW WHEN ({" OR ".join(f"OLD.{c}::text IS DISTINCT FROM NEW.{c}::text" for c in _SHAPE)})
EXECUTE FUNCTION pqcplan_timeline_change()""",
    # statement triggers: a version's tasks arrive by one COPY, not one call per task
    """CREATE TRIGGER timeline_cells_insert AFTER INSERT ON plan_tasks
REFERENCING NEW TABLE AS new_tasks FOR EACH STATEMENT
EXECUTE FUNCTION pqcplan_timeline_inserted()""",
    """CREATE TRIGGER timeline_cells_delete AFTER DELETE ON plan_tasks
REFERENCING OLD TABLE AS old_tasks FOR EACH STATEMENT
EXECUTE FUNCTION pqcplan_timeline_deleted()""",
]
_TRIGGER_NAMES = (
    "timeline_cells_status",
    "timeline_cells_change",
    "timeline_cells_insert",
    "timeline_cells_delete",
)
_PG_FUNCTIONS = (
    "pqcplan_timeline_status",
    "pqcplan_timeline_change",
    "pqcplan_timeline_inserted",
    "pqcplan_timeline_deleted",
)


def install_triggers(connection: Any) -> None:
    """Create the cell triggers and count every stored version into its cells."""
    postgres = connection.dialect.name == "postgresql"
    for sql in POSTGRESQL_TRIGGERS if postgres else SQLITE_TRIGGERS:
        connection.execute(text(sql))
    flag = _PG_FLAG if postgres else "(CASE WHEN " + _FLAG + " THEN 1 ELSE 0 END)"
    key = ", ".join(_CELL_KEY)
    connection.execute(
        text(
            f"INSERT INTO plan_timeline_cells ({key}, tasks, effort, deadline, flagged)"
            f" SELECT {key}, count(*), coalesce(sum(effort), 0), min(deadline),"
            f" sum({flag.format(r='plan_tasks')}) FROM plan_tasks GROUP BY {key}"
        )
    )


def drop_triggers(connection: Any) -> None:
    postgres = connection.dialect.name == "postgresql"
    for name in _TRIGGER_NAMES:
        connection.execute(
            text(f"DROP TRIGGER IF EXISTS {name}{' ON plan_tasks' if postgres else ''}")
        )
    if postgres:
        for function in _PG_FUNCTIONS:
            connection.execute(text(f"DROP FUNCTION IF EXISTS {function}()"))
