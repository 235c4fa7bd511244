"""A stored plan version exported as a stream: its tasks read from the database in plan
order, a few thousand at a time, and written out as they come.

Loading a 415,000-task version as ORM objects (and each task's version on the way) took
50-85 s and over a gigabyte before the first byte was written. Here the tasks are plain
rows (`yield_per`), JSON lists are decoded only when not empty, and what a document needs
before its rows comes from the database first: progress and the timeline's totals from
one GROUP BY (ordered by each group's first task, so every dict is in the order the
in-memory renderers would build it), the JSON export's reason table from the version's
`plan_reasons` (or, for versions stored before migration 0021, from a pass over the
`reasons` column). A stored task's risk already points into `PlanVersion.risk_parts`, and
its reasons into `plan_reasons`, in the order the JSON export numbers parts and sentences
(all number them as first seen in plan order), so those numbers are written as they are.
The output is byte for byte what `report.render` makes from `service.task_dicts` of every
task (a test holds it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from migration import report, service
from migration.models import PlanTask, PlanVersion
from migration.progress import fold_progress

BATCH = 2000  # rows fetched at a time
_LISTS = ("alternatives", "flags", "reasons", "blocking_chain")


def export_chunks(
    session: Session, version: PlanVersion, fmt: str, lang: str | None = None
) -> Iterator[str]:
    """`report.render(fmt, ..., lang)` of a stored version, in pieces; ValueError for a
    format. In a language other than English, CSV, Markdown and HTML show each phase by
    its profile's name for it, and every format shows the reasons in that language (JSON
    keeps its machine names)."""
    if fmt not in report.FORMATS:
        raise ValueError(f"unknown format '{fmt}'; choose one of {', '.join(report.FORMATS)}")
    summary = version.summary
    names = service.phase_names(session, version) if lang not in (None, "en") else {}
    if fmt == "csv":
        tasks = _named(_tasks(session, version, report.CSV_FIELDS), names)
        yield from report.csv_chunks(tasks, lang)
        return
    progress, waves = _progress_and_waves(session, version.id, names)
    if fmt == "json":
        yield from _json_chunks(session, version, summary, progress, lang, names)
        return
    if fmt == "md":
        tasks = _named(_tasks(session, version, report.MARKDOWN_FIELDS), names)
        yield from report.markdown_chunks(summary, tasks, progress, lang)
    else:
        tasks = _named(_tasks(session, version, report.HTML_FIELDS), names)
        yield from report.html_chunks(summary, tasks, progress, waves, lang, names)


def _named(tasks: Iterator[dict[str, Any]], names: dict[str, str]) -> Iterator[dict[str, Any]]:
    """Tasks with each phase id replaced by its name (streamed)."""
    if not names:
        return tasks
    return ({**t, "phase": names.get(t.get("phase"), t.get("phase"))} for t in tasks)


def _rows(session: Session, version_id: int, *columns: Any) -> Iterator[Any]:
    """The columns of a version's tasks in plan order, fetched `BATCH` rows at a time
    (Core rows: no ORM bookkeeping per row)."""
    stmt = (
        select(*columns)
        .where(PlanTask.version_id == version_id)
        .order_by(PlanTask.position)
        .execution_options(yield_per=BATCH)
    )
    yield from session.connection().execute(stmt)


class _Memo(dict[Any, Any]):
    """A conversion done once per distinct stored value (lists, dates and risks repeat
    across thousands of tasks); the results are shared, and no renderer changes them."""

    def __init__(self, convert: Callable[[Any], Any]) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.convert(key)
        return value


def _list(text: str | None) -> list[Any]:
    return [] if text is None or text == "[]" else json.loads(text)


def _iso(day: Any) -> str | None:
    return day.isoformat() if day else None


def _tasks(
    session: Session,
    version: PlanVersion,
    fields: tuple[str, ...] = service.TASK_FIELDS,
    **overrides: Callable[[Any], Any],
) -> Iterator[dict[str, Any]]:
    """Each task as `service.task_dict` gives it (only `fields`), in plan order; `overrides`
    name a function for a field's stored value instead (JSON columns come as their text)."""
    parts = version.risk_parts

    def risk(text: str) -> Any:
        return service.shown_risk(json.loads(text), parts)

    lists, dates = _Memo(_list), _Memo(_iso)
    convert: dict[str, Callable[[Any], Any]] = {name: lists.__getitem__ for name in _LISTS}
    if "reasons" in fields and "reasons" not in overrides:
        convert["reasons"] = _sentences(session, version.organization_id, version.id)
    convert |= {name: dates.__getitem__ for name in ("wave_start", "wave_end", "deadline")}
    convert |= {"risk": risk, "status": str} | overrides
    columns = [
        cast(getattr(PlanTask, name), Text)
        if name in (*_LISTS, "risk")
        else getattr(PlanTask, name)
        for name in fields
    ]
    steps = [(i, name, convert.get(name)) for i, name in enumerate(fields)]
    for row in _rows(session, version.id, *columns):
        yield {name: row[i] if fn is None else fn(row[i]) for i, name, fn in steps}


def _sentences(
    session: Session, organization_id: int, version_id: int
) -> Callable[[str], list[str]]:
    """A stored task's reasons (JSON text) as sentences: numbers into the version's
    `plan_reasons` (read once) are written out, sentences stored as such (versions from
    before migration 0021) taken as they are."""
    texts = service.reason_list(session, organization_id, version_id)

    def sentences(text: str) -> list[str]:
        reasons = _list(text)
        if service.numbered_reasons(reasons):
            return [texts[n] for n in reasons]
        return reasons

    return _Memo(sentences).__getitem__


_GROUP = (PlanTask.phase, PlanTask.sector, PlanTask.status, PlanTask.wave, PlanTask.wave_label)


def _progress_and_waves(
    session: Session, version_id: int, names: dict[str, str] | None = None
) -> tuple[dict[str, Any], report.WaveTotals]:
    """`progress.progress` and `report.WaveTotals` of every task, counted by the database,
    each group visited in the order of its first task (the order dicts are filled in);
    phases shown by `names` where given."""
    names = names or {}
    groups = session.execute(
        select(
            *_GROUP,
            func.count(),
            func.coalesce(func.sum(PlanTask.effort), 0),
            func.max(PlanTask.position),
        )
        .where(PlanTask.version_id == version_id)
        .group_by(
            PlanTask.phase, PlanTask.sector, PlanTask.status, PlanTask.wave, PlanTask.wave_label
        )
        .order_by(func.min(PlanTask.position))
    ).all()
    waves = report.WaveTotals()
    last_in_wave: dict[int, int] = {}
    groups = [(names.get(g[0], g[0]), *g[1:]) for g in groups]
    for phase, _, _, wave, label, _, effort, last in groups:
        waves.effort[(int(wave), label)] += int(effort)
        if last >= last_in_wave.get(wave, -1):  # a wave's phase: its last task's
            last_in_wave[wave] = last
            waves.phase_of[int(wave)] = phase
    deadlines = session.scalars(
        select(PlanTask.deadline)
        .where(PlanTask.version_id == version_id, PlanTask.deadline.is_not(None))
        .distinct()
    )
    waves.deadline_years = {day.isoformat()[:4] for day in deadlines}
    progress = fold_progress(
        (phase, sector, str(status), int(n), int(effort))
        for phase, sector, status, _, _, n, effort, _ in groups
    )
    return progress, waves


def _json_chunks(
    session: Session,
    version: PlanVersion,
    summary: dict[str, Any],
    progress: dict[str, Any],
    lang: str | None = None,
    names: dict[str, str] | None = None,
) -> Iterator[str]:
    """`report.to_json`: the reason table first, then the tasks. A version's `plan_reasons`
    are numbered as the export numbers sentences (first seen in plan order), so its tasks'
    numbers are written as they are; a version stored before migration 0021 has its
    sentences numbered by a pass over its tasks' `reasons`."""
    texts = service.reason_list(session, version.organization_id, version.id)
    reasons: Callable[[str], list[Any]]
    if texts:
        reasons = _Memo(_list).__getitem__
    else:
        sentences = report.Texts()
        numbered: dict[str, list[int]] = {}  # a stored reasons list -> its sentences' indexes
        for (text,) in _rows(session, version.id, cast(PlanTask.reasons, Text)):
            if text not in numbered:
                numbered[text] = [sentences.ref(str(r)) for r in _list(text)]
        texts, reasons = sentences.values, numbered.__getitem__
    if version.risk_parts is not None:
        parts, risk = version.risk_parts, _Memo(json.loads).__getitem__  # numbered as here
    else:  # stored before migration 0012, parts in full: number them as the export does
        parts, risk = _numbered_parts(session, version.id)
    tasks = _tasks(session, version, risk=risk, reasons=reasons)  # every field
    lines = (report.json_line(task) for task in tasks)
    yield from report.json_chunks(summary, {"progress": progress}, parts, texts, lines, lang, names)


def _numbered_parts(session: Session, version_id: int) -> tuple[list[Any], Callable[[str], Any]]:
    """The distinct risk parts of an old version's tasks in first-seen order, and the
    function that turns a stored risk into one whose parts are their numbers."""
    numbered = report.Texts()

    def risk(text: str) -> Any:
        value = json.loads(text)
        if isinstance(value, dict) and isinstance(value.get("parts"), list):
            refs = [
                numbered.ref(json.dumps(p, sort_keys=True, default=str), p) for p in value["parts"]
            ]
            return value | {"parts": refs}
        return value

    for (text,) in _rows(session, version_id, cast(PlanTask.risk, Text)):
        risk(text)  # number every part before the first task is written
    return numbered.values, risk
