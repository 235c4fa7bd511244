"""Plans on the database: read an organization's inventory, plan it, store snapshots.

Callers pass an organization id they have already authorized (the API scopes it through
`core.tenancy`; the CLI is an operator tool). One call runs inside the caller's
transaction and never commits on its own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, datetime
from json.encoder import encode_basestring_ascii
from math import isfinite
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Engine, String, func, select, text, type_coerce
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, object_session
from sqlalchemy.pool import QueuePool

from core.audit import record
from core.bulk import copy_rows, read_rows
from core.gc_pause import paused_gc
from core.i18n import N_, say
from core.models import Organization
from core.models.base import utcnow
from core.tenancy import NotFound, Principal
from inventory.choices import AssetType, Criticality, DataSensitivity, Exposure, QuantumStatus
from inventory.models import Asset, CryptoUsage, Dependency
from migration import links
from migration.inputs import AssetFacts, LibraryFacts, PlanInput, PlanParams, UsageFacts
from migration.models import CustomProfile, Plan, PlanReason, PlanTask, PlanVersion, TaskStatus
from migration.profiles import (
    Profile,
    ProfileError,
    UnknownProfile,
    builtin_profiles,
    parse_profile,
    profile_to_dict,
)
from migration.profiles.loader import UNKNOWN_PROFILE
from migration.progress import version_progress  # noqa: F401  (callers read it here)
from migration.risk import RiskPart, RiskScore
from migration.timeline import CellCounts, insert_trigger_suspended, store_cells

if TYPE_CHECKING:
    from migration.scheduler import PlanResult

# --- profiles ----------------------------------------------------------------------


def resolve_profile(session: Session, organization_id: int, profile_id: str) -> Profile:
    """A built-in profile, or one of the organization's own."""
    builtin = builtin_profiles().get(profile_id)
    if builtin is not None:
        return builtin
    row = session.scalar(
        select(CustomProfile).where(
            CustomProfile.organization_id == organization_id,
            CustomProfile.profile_id == profile_id,
        )
    )
    if row is None:
        known = ", ".join(sorted(builtin_profiles()))
        raise UnknownProfile(say(UNKNOWN_PROFILE, profile=profile_id, known=known))
    return parse_profile(row.data, origin=f"custom profile {profile_id}")


def save_custom_profile(
    session: Session, organization_id: int, data: Any, origin: str = ""
) -> CustomProfile:
    """Validate and store (or replace) a user-defined profile; ProfileError if invalid."""
    profile = parse_profile(data, origin=origin)
    if profile.id in builtin_profiles():
        raise ProfileError(
            say(N_("'{id}' is a built-in profile; choose another id"), id=profile.id),
            field="id",
            origin=origin,
        )
    row = session.scalar(
        select(CustomProfile).where(
            CustomProfile.organization_id == organization_id,
            CustomProfile.profile_id == profile.id,
        )
    )
    if row is None:
        row = CustomProfile(organization_id=organization_id, profile_id=profile.id)
        session.add(row)
    row.version = profile.version
    row.name = profile.name
    row.data = profile_to_dict(profile)
    session.flush()
    return row


def custom_profiles(session: Session, organization_id: int | None) -> list[CustomProfile]:
    stmt = select(CustomProfile).order_by(CustomProfile.profile_id, CustomProfile.id)
    if organization_id is not None:
        stmt = stmt.where(CustomProfile.organization_id == organization_id)
    return list(session.scalars(stmt))


# --- inventory -> planner input -------------------------------------------------------


def load_inventory(session: Session, organization_id: int) -> PlanInput:
    """The organization's assets, dependencies and usages as plain planner facts, and the
    sector target each asset stands for."""
    org = session.get(Organization, organization_id)
    if org is None:
        raise NotFound(f"organization {organization_id} not found")
    sector, tier = str(org.sector), str(org.tier)
    targets = _beside(session, lambda other: _sector_targets(other, organization_id))
    with paused_gc():  # 600,000 acyclic facts: no collections rescanning them meanwhile
        inputs = _read_facts(session, organization_id, sector, tier)
    inputs.targets = targets()
    return inputs


def _beside(session: Session, read: Callable[[Session], Any]) -> Callable[[], Any]:
    """`read` run on a second PostgreSQL connection while the caller goes on reading on
    its own; the returned function waits for it and gives its result (or raises its error).

    The sector matching is the server's work (a second of scans and hash joins at 100,000
    assets) while the facts' read is mostly the client's: side by side they take the time
    of the longer. Under READ COMMITTED each statement sees its own snapshot, so a second
    connection sees what a later statement on the first would have seen, unless the
    caller's transaction has written something itself (its own rows are invisible to
    others until it commits): then, as on SQLite, with a session bound to one connection
    (tests) or with no connection to spare in the pool, `read` runs in turn on `session`."""
    bind = session.get_bind()
    if not _second_connection_sees_the_same(session, bind):
        result = read(session)
        return lambda: result

    def on_its_own() -> Any:
        with Session(bind) as other:
            return read(other)

    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(on_its_own)
    pool.shutdown(wait=False)

    def result() -> Any:
        try:
            return future.result()
        except sa_exc.TimeoutError:  # the pool ran dry meanwhile: read in turn
            return read(session)

    return result


def _second_connection_sees_the_same(session: Session, bind: Any) -> bool:
    if not isinstance(bind, Engine) or bind.dialect.name != "postgresql":
        return False
    pool = bind.pool
    if isinstance(pool, QueuePool) and pool.checkedout() >= pool.size() - 1:
        return False
    xid = session.execute(text("SELECT pg_current_xact_id_if_assigned()")).scalar()
    return xid is None  # nothing written in this transaction yet


def _read_facts(session: Session, organization_id: int, sector: str, tier: str) -> PlanInput:
    # Read as the driver's tuples (`read_rows`): enum columns as their stored strings,
    # mapped through dicts, facts made positionally. SQLAlchemy's rows and the ORM's
    # per-value enum processing were half of this read at 500,000 usages.
    exposure = {e.value: e for e in Exposure}
    criticality = {c.value: c for c in Criticality}
    sensitivity = {d.value: d for d in DataSensitivity}
    status = {q.value: q for q in QuantumStatus}
    asset_types = {t.value: t for t in AssetType}
    connection = session.connection()
    assets = [
        AssetFacts(
            asset_id,
            name,
            organization_id,
            sector,
            tier,
            asset_types[asset_type],
            exposure.get(exp),  # type: ignore[arg-type]
            criticality.get(crit),  # type: ignore[arg-type]
            sensitivity.get(sens),  # type: ignore[arg-type]
            years or 0,
        )
        for asset_id, name, asset_type, exp, crit, sens, years in read_rows(
            connection,
            select(
                Asset.id,
                Asset.name,
                _raw(Asset.asset_type),
                _raw(Asset.exposure),
                _raw(Asset.criticality),
                _raw(Asset.data_sensitivity),
                Asset.secrecy_years,
            )
            .where(Asset.organization_id == organization_id)
            .order_by(Asset.id),
        )
    ]
    dependencies: list[tuple[int, int]] = read_rows(  # type: ignore[assignment]
        connection,
        select(Dependency.provider_id, Dependency.dependent_id)
        .where(Dependency.organization_id == organization_id)
        .order_by(Dependency.id),
    )
    usages = [
        UsageFacts(usage_id, asset_id, algorithm, primitive, function, status[quantum], ref)
        for usage_id, asset_id, algorithm, primitive, function, quantum, ref in read_rows(
            connection,
            select(
                CryptoUsage.id,
                CryptoUsage.asset_id,
                CryptoUsage.algorithm,
                _raw(CryptoUsage.primitive),
                _raw(CryptoUsage.function),
                _raw(CryptoUsage.quantum_status),
                CryptoUsage.ref,
            )
            .where(CryptoUsage.organization_id == organization_id)
            .order_by(CryptoUsage.id),
        )
    ]
    return PlanInput(assets, dependencies, usages, _read_libraries(session, organization_id))


def _read_libraries(session: Session, organization_id: int) -> list[LibraryFacts]:
    """Library assets that name a product: the stack catalog may know their versions."""
    rows = session.execute(
        select(Asset.id, Asset.name, Asset.product, Asset.version, Asset.ref).where(
            Asset.organization_id == organization_id,
            _raw(Asset.asset_type) == AssetType.LIBRARY_FIRMWARE.value,
            Asset.product.is_not(None),
        )
    )
    return [LibraryFacts(i, n, p, v, r) for i, n, p, v, r in rows]


def _raw(column: Any) -> Any:
    """The column's stored text, without its type's result processing."""
    return type_coerce(column, String)


# --- plans -------------------------------------------------------------------------


def generate(
    session: Session,
    organization_id: int,
    profile_id: str,
    params: PlanParams,
    *,
    plan_id: int | None = None,
    name: str | None = None,
    created_by: str | None = None,
    timings: dict[str, float] | None = None,
    actor: Principal | None = None,
) -> PlanVersion:
    """Plan the organization's inventory and store it as a new version of a plan.

    Statuses (done, in progress, blocked) carry over from the previous version by task key.
    `timings`, when given, receives the wall seconds of each stage (read, plan, store).
    `actor`, whoever asked (every face passes one), is recorded in the audit log in this
    transaction; a scratch database (tests, `pqcplan judge`) may leave it out.
    """
    if actor is not None and created_by is None:
        created_by = actor.name
    # The collector stays paused until the plan is stored: with 500,000 tasks alive, each
    # full collection the statements in between would set off costs about a second.
    with paused_gc():
        version = _generate(
            session, organization_id, profile_id, params, plan_id, name, created_by, timings
        )
    if actor is not None:
        record(
            session,
            actor,
            "generate",
            "plan_version",
            version.id,
            organization_id,
            {
                "plan_id": version.plan_id,
                "number": version.number,
                "profile": version.profile_id,
                "tasks": (version.summary or {}).get("tasks"),
            },
        )
    return version


def _generate(
    session: Session,
    organization_id: int,
    profile_id: str,
    params: PlanParams,
    plan_id: int | None,
    name: str | None,
    created_by: str | None,
    timings: dict[str, float] | None,
) -> PlanVersion:
    from migration.scheduler import plan  # networkx: only planning needs it, not judging

    clock = time.perf_counter()
    profile = resolve_profile(session, organization_id, profile_id)
    inputs = load_inventory(session, organization_id)
    read_s = time.perf_counter() - clock
    clock = time.perf_counter()
    result = plan(profile, inputs, params)
    del inputs
    plan_s = time.perf_counter() - clock
    clock = time.perf_counter()
    links.hold(session, organization_id)  # before the first row written (migration.links)
    if plan_id is None:
        row = Plan(
            organization_id=organization_id,
            name=name or f"{profile.id} plan",
            profile_id=profile.id,
        )
        session.add(row)
        session.flush()
        previous: PlanVersion | None = None
        number = 1
    else:
        row = session.get_one(Plan, plan_id)
        row.profile_id = profile.id
        previous = latest_version(session, row.id)
        number = (previous.number + 1) if previous else 1
    version = store_version(
        session, row, number, result, created_by, previous, read_in_this_transaction=True
    )
    _shared_figures_changed(session, organization_id)
    if timings is not None:
        timings.update(
            read_inventory=read_s, plan=plan_s, store_version=time.perf_counter() - clock
        )
    return version


def _sector_targets(session: Session, organization_id: int) -> dict[int, Any]:
    """The sector target each asset stands for: its priority and lifetimes feed the risk
    model (`migration.sectors.planning`)."""
    from migration.sectors.planning import plan_targets

    return plan_targets(session, organization_id)


def latest_version(session: Session, plan_id: int) -> PlanVersion | None:
    return session.scalar(
        select(PlanVersion)
        .where(PlanVersion.plan_id == plan_id)
        .order_by(PlanVersion.number.desc())
        .limit(1)
    )


def store_version(
    session: Session,
    plan_row: Plan,
    number: int,
    result: PlanResult,
    created_by: str | None,
    previous: PlanVersion | None,
    *,
    read_in_this_transaction: bool = False,
) -> PlanVersion:
    """Store `result` as version `number` of `plan_row`, in the caller's transaction.
    `read_in_this_transaction`: the caller read the inventory `result` was planned from in
    this same transaction (`generate`), which on SQLite proves every usage and asset link
    still there (`links.settle`)."""
    links.hold(session, plan_row.organization_id)  # taken already when called by generate
    carried: dict[str, tuple[str, str | None, datetime | None]] = {}
    if previous is not None:
        for key, status, note, changed in session.execute(
            select(
                PlanTask.key, PlanTask.status, PlanTask.status_note, PlanTask.status_changed_at
            ).where(PlanTask.version_id == previous.id)
        ):
            if status != TaskStatus.PLANNED:
                carried[key] = (str(status), note, changed)
    version = PlanVersion(
        organization_id=plan_row.organization_id,
        plan_id=plan_row.id,
        number=number,
        profile_id=result.profile_id,
        profile_version=result.profile_version,
        params=result.params.as_dict(),
        summary=result.summary(),
        created_by=created_by,
    )
    session.add(version)
    session.flush()
    org_id, version_id = plan_row.organization_id, version.id
    bind = _binders(session.connection().dialect)
    parts: list[dict[str, Any]] = []
    sentences = _TextRefs()
    cells = CellCounts()
    rows = _task_rows(result, carried, version_id, org_id, bind, parts, sentences, cells)

    with paused_gc():
        _insert_tasks(session, rows)
    # what four foreign keys per row checked, once for the version (migration.links)
    tasks = result.tasks
    links.settle(
        session,
        version_id,
        org_id,
        (t.usage_id for t in tasks),
        (t.asset_id for t in tasks),
        read_in_this_transaction=read_in_this_transaction,
    )
    version.risk_parts = parts  # complete once every row is written
    _insert_reasons(session, org_id, version_id, sentences.texts)  # so are the sentences
    store_cells(session, version_id, cells)  # the timeline page's counts, in this transaction
    plan_row.updated_at = utcnow()
    session.flush()
    return version


def _task_rows(
    result: PlanResult,
    carried: dict[str, tuple[str, str | None, datetime | None]],
    version_id: int,
    org_id: int,
    bind: dict[str, Callable[[Any], Any]],
    parts: list[dict[str, Any]],
    sentences: _TextRefs,
    cells: CellCounts,
) -> Iterator[tuple[Any, ...]]:
    """The version's task rows in _TASK_COLUMNS order, JSON columns serialized and each
    value put through its column's bind processor (`bind`), as the ORM would. Tasks share
    most values (risk scores, alternatives, wave dates, deadlines): each distinct one is
    encoded and bound once. Each distinct risk part is appended to `parts` once, and a
    task's risk refers to it by index (`PlanVersion.risk_parts`). Each distinct reason
    sentence is numbered once in `sentences` (first seen, in plan order), and a task's
    reasons are those numbers (`plan_reasons`). Each task is counted into its timeline cell
    (`cells`)."""

    def bound(name: str) -> Callable[[Any], Any]:
        process = bind.get(name)
        return (lambda value: value) if process is None else process

    bind_score, bind_date = bound("score"), bound("wave_start")
    bind_status, bind_changed = bound("status"), bound("status_changed_at")
    part_refs = _PartRefs(parts)
    reason_ref = sentences.ref
    risks: dict[int, tuple[str, Any]] = {}  # id of a shared RiskScore -> (JSON, score bound)
    alternatives_json: dict[int, str] = {}  # id of a shared alternatives tuple -> JSON
    waves: dict[int, tuple[Any, Any]] = {}  # wave -> its start and end, bound
    deadlines: dict[date, Any] = {}
    planned = (bind_status(TaskStatus.PLANNED.value), None, None)
    for position, task in enumerate(result.tasks):
        status = TaskStatus.PLANNED.value
        if carried and task.key in carried:
            status, note, changed = carried[task.key]
            state = (bind_status(status), note, None if changed is None else bind_changed(changed))
        else:
            state = planned
        cells.add(
            (task.wave, task.wave_label, task.phase, task.sector, status),
            task.effort,
            task.deadline,
            bool(task.flags),
        )
        alternatives = alternatives_json.get(id(task.alternatives))
        if alternatives is None:
            alternatives = alternatives_json[id(task.alternatives)] = json.dumps(
                list(task.alternatives)
            )
        risk = risks.get(id(task.risk))
        if risk is None:
            risk = risks[id(task.risk)] = (
                _risk_json(task.risk, part_refs),
                bind_score(task.risk.total),
            )
        wave_dates = waves.get(task.wave)  # type: ignore[arg-type]
        if wave_dates is None:  # every task of a wave has the wave's dates
            wave_dates = waves[task.wave] = (  # type: ignore[index]
                bind_date(task.wave_start),
                bind_date(task.wave_end),
            )
        deadline = task.deadline
        if deadline is not None:
            bound_deadline = deadlines.get(deadline)
            if bound_deadline is None:
                bound_deadline = deadlines[deadline] = bind_date(deadline)
        else:
            bound_deadline = None
        yield (
            version_id,
            position,
            task.key,
            task.usage_id,
            task.asset_id,
            task.asset_name,
            task.sector,
            task.algorithm,
            task.use,
            task.quantum_status,
            task.target,
            alternatives,
            task.effort,
            risk[1],
            risk[0],
            task.unit,
            task.wave,
            task.wave_label,
            wave_dates[0],
            wave_dates[1],
            task.phase,
            bound_deadline,
            task.deadline_rule,
            task.deadline_source,
            _strings_json(task.flags),
            f"[{', '.join(map(reason_ref, task.reasons))}]",
            _strings_json(task.blocking_chain),
            *state,
            org_id,
        )


def _binders(dialect: Any) -> dict[str, Callable[[Any], Any]]:
    """The bind processor of each task column that has one (dates, the status enum...):
    SQLite's executemany takes bound values. PostgreSQL's COPY takes Python values as
    they are, so none there."""
    if dialect.name == "postgresql":
        return {}
    columns = PlanTask.__table__.columns
    binders = {}
    for name in _TASK_COLUMNS:
        if isinstance(columns[name].type, JSON):
            continue  # serialized by _task_rows
        process = columns[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            binders[name] = process
    return binders


STORE_BATCH = 5000  # rows per executemany: bounded memory, few round trips


# What a stored task holds and shows (`task_dict`), in this order.
SHOWN_COLUMNS = (
    "key",
    "usage_id",
    "asset_id",
    "asset_name",
    "sector",
    "algorithm",
    "use",
    "quantum_status",
    "target",
    "alternatives",
    "effort",
    "score",
    "risk",
    "unit",
    "wave",
    "wave_label",
    "wave_start",
    "wave_end",
    "phase",
    "deadline",
    "deadline_rule",
    "deadline_source",
    "flags",
    "reasons",
    "blocking_chain",
    "status",
    "status_note",
)
_TASK_COLUMNS = ("version_id", "position", *SHOWN_COLUMNS, "status_changed_at", "organization_id")


def _insert_tasks(session: Session, rows: Iterator[tuple[Any, ...]]) -> None:
    """Write task rows (`_task_rows`: serialized and bound) in the caller's transaction:
    PostgreSQL by COPY, SQLite by executemany of plain tuples in batches."""
    connection = session.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in _TASK_COLUMNS)
    if dialect.name == "postgresql":
        copy_rows(connection, PlanTask.__tablename__, _TASK_COLUMNS, rows)
        return
    marks = ", ".join(["?" if dialect.paramstyle == "qmark" else "%s"] * len(_TASK_COLUMNS))
    sql = f"INSERT INTO plan_tasks ({names}) VALUES ({marks})"
    with _bulk_page_cache(connection), insert_trigger_suspended(connection):
        _insert_batches(connection, sql, rows)


def _insert_reasons(session: Session, org_id: int, version_id: int, texts: list[str]) -> None:
    """The version's distinct reason sentences, numbered as `_TextRefs` did."""
    connection = session.connection()
    rows = ((org_id, version_id, number, text) for number, text in enumerate(texts))
    columns = ("organization_id", "version_id", "number", "text")
    if connection.dialect.name == "postgresql":
        copy_rows(connection, PlanReason.__tablename__, columns, rows)
        return
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    sql = (
        "INSERT INTO plan_reasons (organization_id, version_id, number, text) "
        f"VALUES ({mark}, {mark}, {mark}, {mark})"
    )
    if texts:
        connection.exec_driver_sql(sql, list(rows))


def _insert_batches(connection: Any, sql: str, rows: Iterator[tuple[Any, ...]]) -> None:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == STORE_BATCH:
            connection.exec_driver_sql(sql, batch)
            batch = []
    if batch:
        connection.exec_driver_sql(sql, batch)


BULK_CACHE_KIB = 256 * 1024  # SQLite page cache while plan tasks are written


@contextmanager
def _bulk_page_cache(connection: Any) -> Iterator[None]:
    """A larger SQLite page cache on this connection while it writes a version's tasks:
    the index pages and the foreign-key lookups (usages, assets) of 500,000 rows stay in
    memory instead of being read again and again. Only memory use changes: journaling,
    syncing and the committed result are untouched. Restored after."""
    if connection.dialect.name != "sqlite":
        yield
        return
    before = int(connection.exec_driver_sql("PRAGMA cache_size").scalar())
    connection.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {before}")


def _strings_json(items: list[str]) -> str:
    """`json.dumps(items)` for a list of strings, byte for byte, without building a JSON
    encoder per call (that was most of the cost of three such lists per task)."""
    if not items:
        return "[]"
    return "[" + ", ".join(map(encode_basestring_ascii, items)) + "]"


class _PartRefs:
    """The index of each distinct risk part in `parts`, appending new ones. Parts are shared
    objects (the scorer caches them) that outlive the store, so their id is a safe, cheap
    first key; equal parts from different objects still get one index."""

    def __init__(self, parts: list[dict[str, Any]]) -> None:
        self.parts = parts
        self.by_id: dict[int, str] = {}
        self.by_value: dict[RiskPart, str] = {}

    def ref(self, part: RiskPart) -> str:
        found = self.by_id.get(id(part))
        if found is None:
            found = self.by_value.get(part)
            if found is None:
                found = self.by_value[part] = str(len(self.parts))
                self.parts.append({"name": part.name, "points": part.points, "reason": part.reason})
            self.by_id[id(part)] = found
        return found


class _TextRefs:
    """The number (as JSON text) of each distinct sentence in `texts`, appending new ones."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.numbers: dict[str, str] = {}

    def ref(self, text: str) -> str:
        number = self.numbers.get(text)
        if number is None:
            number = self.numbers[text] = str(len(self.texts))
            self.texts.append(text)
        return number


def _risk_json(risk: RiskScore, refs: _PartRefs) -> str:
    """`json.dumps` of the stored risk: its total and its parts as indexes into the
    version's `risk_parts` (`shown_risk` gives back `risk.as_dict()`)."""
    total = float.__repr__(risk.total) if isfinite(risk.total) else json.dumps(risk.total)
    return f'{{"total": {total}, "parts": [{", ".join(map(refs.ref, risk.parts))}]}}'


def shown_risk(risk: dict[str, Any], version_parts: list[dict[str, Any]] | None) -> dict[str, Any]:
    """A stored task's risk with its parts written out: versions stored since migration 0012
    keep part indexes into `PlanVersion.risk_parts`, older ones the parts themselves.

    >>> shown_risk({"total": 5.0, "parts": [1, 0]}, [{"name": "a"}, {"name": "b"}])
    {'total': 5.0, 'parts': [{'name': 'b'}, {'name': 'a'}]}
    >>> shown_risk({"total": 1.0, "parts": [{"name": "a"}]}, None)
    {'total': 1.0, 'parts': [{'name': 'a'}]}
    """
    if not _part_indexes(risk) or version_parts is None:
        return risk
    return risk | {"parts": [version_parts[i] for i in risk["parts"]]}


def _part_indexes(risk: Any) -> bool:
    """Whether a stored risk refers to its parts by index (versions since migration 0012)."""
    parts = risk.get("parts") if isinstance(risk, dict) else None
    return bool(parts) and isinstance(parts[0], int)


def phase_names(session: Session, version: PlanVersion) -> dict[str, str]:
    """The version's profile's name for each of its phases ({} if it cannot be read)."""
    try:
        profile = resolve_profile(session, version.organization_id, version.profile_id)
    except (UnknownProfile, ProfileError):
        return {}
    return {p.id: p.name for p in profile.phases}


def version_by_number(session: Session, plan_id: int, number: int) -> PlanVersion | None:
    return session.scalar(
        select(PlanVersion).where(PlanVersion.plan_id == plan_id, PlanVersion.number == number)
    )


def tasks_of(session: Session, version_id: int) -> list[PlanTask]:
    return list(
        session.scalars(
            select(PlanTask).where(PlanTask.version_id == version_id).order_by(PlanTask.position)
        )
    )


def first_tasks(
    session: Session, version_id: int, limit: int, *, flagged: bool = False
) -> tuple[list[PlanTask], int]:
    """The first `limit` tasks of a version in plan order, and how many there are in all
    (only flagged ones if asked): a summary never loads every task's reasons and risk."""
    if not flagged:
        stmt = select(PlanTask).where(PlanTask.version_id == version_id)
        first = list(session.scalars(stmt.order_by(PlanTask.position).limit(max(limit, 0))))
        return first, task_count(session, version_id)
    ids = [
        task_id
        for task_id, flags in session.execute(
            select(PlanTask.id, PlanTask.flags)
            .where(PlanTask.version_id == version_id)
            .order_by(PlanTask.position)
        )
        if flags
    ]
    chosen = ids[: max(limit, 0)]
    rows = {t.id: t for t in session.scalars(select(PlanTask).where(PlanTask.id.in_(chosen)))}
    return [rows[i] for i in chosen], len(ids)


def task_count(session: Session, version_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(PlanTask).where(PlanTask.version_id == version_id)
        )
        or 0
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _as_list(items: list[str] | None) -> list[str]:
    return list(items or [])


# A stored task as the API, the CLI and the exports show it: its id and SHOWN_COLUMNS,
# the ones named in _SHOWN put through that function.
TASK_FIELDS = ("id", *SHOWN_COLUMNS)
_SHOWN: dict[str, Callable[[Any], Any]] = {
    "alternatives": _as_list,
    "wave_start": _iso,
    "wave_end": _iso,
    "deadline": _iso,
    "flags": _as_list,
    "reasons": _as_list,
    "blocking_chain": _as_list,
    "status": str,
}


def task_dict(task: PlanTask) -> dict[str, Any]:
    """A stored task as it is shown (`task_dicts` of many tasks reads their sentences in
    one go)."""
    session = object_session(task)
    if session is None:
        raise ValueError("a task's reasons are read through its session")
    return task_dicts(session, [task])[0]


def task_dicts(session: Session, tasks: Iterable[PlanTask]) -> list[dict[str, Any]]:
    """Stored tasks as the API, the CLI and the exports show them: risk parts and reason
    sentences written out (versions since 0012 and 0021 keep numbers), reading each
    version's sentences once."""
    tasks = list(tasks)
    out = []
    wanted: dict[int, set[int]] = {}
    for task in tasks:
        shown = {}
        for name in TASK_FIELDS:
            value = getattr(task, name)
            show = _SHOWN.get(name)
            shown[name] = value if show is None else show(value)
        if _part_indexes(shown["risk"]):  # the version is in the session's identity map
            shown["risk"] = shown_risk(shown["risk"], task.version.risk_parts)
        if numbered_reasons(shown["reasons"]):
            wanted.setdefault(task.version_id, set()).update(shown["reasons"])
        out.append(shown)
    org_of = {task.version_id: task.organization_id for task in tasks}
    texts = {v: reason_texts(session, org_of[v], v, numbers) for v, numbers in wanted.items()}
    for task, shown in zip(tasks, out, strict=True):
        if numbered_reasons(shown["reasons"]):
            of_version = texts[task.version_id]
            shown["reasons"] = [of_version[n] for n in shown["reasons"]]
    return out


def numbered_reasons(reasons: Any) -> bool:
    """Whether a stored task's reasons are numbers into `plan_reasons` (versions stored
    since migration 0021) rather than the sentences themselves."""
    return bool(reasons) and isinstance(reasons[0], int)


_FEW = 500  # sentences looked up by number; more than this reads the version's all


def reason_texts(
    session: Session, organization_id: int, version_id: int, numbers: set[int] | None = None
) -> dict[int, str]:
    """The version's reason sentences by number: those in `numbers`, or every one."""
    stmt = select(PlanReason.number, PlanReason.text).where(
        PlanReason.organization_id == organization_id, PlanReason.version_id == version_id
    )
    if numbers is not None and len(numbers) <= _FEW:
        stmt = stmt.where(PlanReason.number.in_(sorted(numbers)))
    return {number: text for number, text in session.execute(stmt)}


def reason_list(session: Session, organization_id: int, version_id: int) -> list[str]:
    """Every reason sentence of a version in number order (first seen in plan order, as the
    JSON export numbers them); [] for versions stored before migration 0021."""
    stmt = (
        select(PlanReason.text)
        .where(PlanReason.organization_id == organization_id, PlanReason.version_id == version_id)
        .order_by(PlanReason.number)
    )
    return list(session.scalars(stmt))


def set_status(
    task: PlanTask,
    status: TaskStatus | str,
    note: str | None = None,
    actor: Principal | None = None,
) -> PlanTask:
    """Change a task's status; with `actor` (every face passes one) the change is in the
    audit log, in the task's own transaction."""
    before = task.status
    task.status = TaskStatus(status)
    task.status_note = note
    task.status_changed_at = utcnow()
    session = object_session(task)
    if actor is not None and session is not None:
        record(
            session,
            actor,
            "status",
            "plan_task",
            task.id,
            task.organization_id,
            {"from": str(before), "to": str(task.status), "note": note},
        )
    if session is not None:
        _shared_figures_changed(session, task.organization_id)
    return task


def _shared_figures_changed(session: Session, organization_id: int) -> None:
    """An organization reporting to a supervisor shares its plan progress and deadlines
    at risk (`migration.sectors.plan_share`): a new version or a task's status moves them."""
    from migration.sectors.plan_share import plan_changed

    plan_changed(session, organization_id)


# --- reading plans -------------------------------------------------------------------


COMPARED_FIELDS = ("wave_label", "phase", "target", "deadline", "status", "score")


def compare(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[str, Any]:
    """What changed between two versions, task by task (matched by stable key).

    >>> a = [{"key": "u1", "wave_label": "2027-Q1", "phase": "p", "target": "T",
    ...       "deadline": None, "status": "planned", "score": 1.0}]
    >>> b = [dict(a[0], wave_label="2027-Q3"), dict(a[0], key="u2")]
    >>> c = compare(a, b)
    >>> c["added"], c["removed"], c["changed"][0]["changes"]
    (['u2'], [], {'wave_label': ['2027-Q1', '2027-Q3']})
    """
    before = {t["key"]: t for t in old}
    after = {t["key"]: t for t in new}
    changed = []
    for key in sorted(before.keys() & after.keys()):
        diff = {
            f: [before[key][f], after[key][f]]
            for f in COMPARED_FIELDS
            if before[key].get(f) != after[key].get(f)
        }
        if diff:
            name = after[key].get("asset_name")
            changed.append({"key": key, "asset_name": name, "changes": diff})
    return {
        "added": sorted(after.keys() - before.keys()),
        "removed": sorted(before.keys() - after.keys()),
        "changed": changed,
        "unchanged": len(before.keys() & after.keys()) - len(changed),
    }
