"""A stored task's links to its version, usage and asset, kept without per-row foreign keys.

A 100,000-asset plan writes about 415,000 tasks. With four foreign keys on `plan_tasks`
(organization, version, usage, asset) the database looked up a parent row four times per
task and locked each usage and asset row FOR KEY SHARE: on PostgreSQL about 6.5 of the
server's ~14.7 s of CPU per stored version. Since migration 0022 the table has none, and
the guarantees they gave hold as follows.

On delete (triggers, whatever deletes: the API, imports, discovery, cascades):
- a version's deletion deletes its tasks (`plan_tasks_version_delete` on `plan_versions`);
  a plan's deletion reaches its versions through their foreign key, so their tasks go as
  before; an organization's tasks are deleted first of all (`plan_tasks_organization_delete`,
  BEFORE DELETE on `organizations`, by its versions), as the organization's foreign key on
  the tasks did, not set to NULL asset by asset by the inventory's cascades and then
  deleted; the timeline triggers on `plan_tasks` (0011) see the same deletes;
- a usage's or an asset's deletion sets `usage_id` / `asset_id` of its tasks to NULL
  (`plan_tasks_usage_delete`, `plan_tasks_asset_delete`), found by the indexes on those
  columns. PostgreSQL runs each once per statement from its transition table; SQLite per
  row. `plan_tasks.organization_id` has no foreign key and no index: every task belongs to
  a version of the same organization, and nothing reads tasks by organization.

On insert: a task never points at a version, usage or asset that does not exist.
`store_version` is the one writer of task rows (everything else updates a status or
deletes). It calls `hold` before it writes anything and `settle` once the version's tasks
are written: once per version, set-based, the links the tasks carry are compared with the
organization's usages and assets as they are now, and if one is gone an anti-join over the
version's stored tasks (what PostgreSQL itself does when a foreign key is added to a filled
table) sets it to NULL, as the delete trigger would have; a missing version row fails.

Why no task can be left pointing at a usage deleted meanwhile (the plan read its usages
seconds before it writes; with the foreign key the insert would have waited or failed):
- SQLite: a plan is generated in one write transaction (`BEGIN IMMEDIATE`, core.db) from
  its read to its commit; no other connection deletes anything in between, and `settle`
  sees every deletion committed before.
- PostgreSQL (READ COMMITTED, each statement its own snapshot; the project uses no other
  isolation level): the usage and asset delete triggers take the organization's counter
  lock (pg_advisory_xact_lock(1129206339, organization), `inventory.models.counters`) before
  they look for tasks, and `hold` takes the same lock before the plan writes its first row;
  both keep it until commit. A plan reads only its own organization's usages and assets.
  For a usage U the plan read and another transaction D deletes:
  * D's trigger got the lock first: the plan's `hold` waits until D commits, so `settle`,
    a later statement, does not see U and sets the link to NULL;
  * the plan got the lock first: D's trigger waits until the plan commits, and its UPDATE
    (a fresh snapshot: trigger functions are volatile) sees the plan's tasks and sets the
    link to NULL; if D deleted U's row before it asked for the lock, `settle` still saw U
    (D had not committed) and D's trigger still finds the tasks afterwards.
  Either way the committed task ends with NULL, never a dangling id. Taking the lock before
  the first write (not after the rows, like every writer of the inventory, see
  `lock_counters`) keeps one order: the plan holds no row lock (its version's key-share on
  the organization row) that a writer holding the lock could wait for, such as an
  organization's deletion. Nothing else waits on the plan's reads: they lock nothing.
- A version's tasks are written only into a version created in the same transaction,
  which nobody else can see, let alone delete, before it commits; its plan's and its
  organization's rows are key-share locked by the version's own foreign keys, so their
  deletion waits for the plan's commit and then cascades to the version and its tasks.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.models.base import on_create_all
from inventory.models.counters import hold_counter_locks

# An organization's tasks go first, by its versions, before its assets' and usages'
# cascades would set every task's links to NULL one asset at a time (the organization's
# own foreign key on the tasks used to delete them first).
_ORGANIZATION_TASKS = (
    "DELETE FROM plan_tasks WHERE version_id IN"
    " (SELECT id FROM plan_versions WHERE organization_id = OLD.id);"
)
# each link a task carries: (kind, the table it points into)
LINKED = (("usage", "crypto_usages"), ("asset", "assets"))
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER plan_tasks_organization_delete BEFORE DELETE ON organizations BEGIN
  {_ORGANIZATION_TASKS}
END""",
    """CREATE TRIGGER plan_tasks_version_delete AFTER DELETE ON plan_versions BEGIN
  DELETE FROM plan_tasks WHERE version_id = OLD.id;
END""",
    *(
        f"""CREATE TRIGGER plan_tasks_{kind}_delete AFTER DELETE ON {parent} BEGIN
  UPDATE plan_tasks SET {kind}_id = NULL WHERE {kind}_id = OLD.id;
END"""
        for kind, parent in LINKED
    ),
]

# Set by the organization's BEFORE DELETE trigger for the rest of its transaction: that
# organization's tasks are gone. Its assets' and usages' cascades then delete them one asset
# per statement (100,000 statements for 100,000 assets), and each statement's trigger would
# otherwise take the lock and look for tasks that are no longer there: 37.7 s instead of
# 19.6 s to delete a 100,000-asset organization with five stored versions (0023).
ORGANIZATION_GONE = "pqcplan.organization_tasks_deleted"
_SKIP_GONE = (
    "IF NOT EXISTS (SELECT 1 FROM {old} WHERE organization_id::text IS DISTINCT FROM"
    f" current_setting('{ORGANIZATION_GONE}', true)) THEN RETURN NULL; END IF;"
)
_LOCK_ORGS = (
    "PERFORM pg_advisory_xact_lock(1129206339, o.organization_id)"
    " FROM (SELECT DISTINCT organization_id FROM {old} ORDER BY 1) o;"
)
POSTGRESQL_TRIGGERS = [
    f"""CREATE FUNCTION pqcplan_tasks_organization_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  {_ORGANIZATION_TASKS}
  PERFORM set_config('{ORGANIZATION_GONE}', OLD.id::text, true);
  RETURN OLD;
END $$""",
    """CREATE FUNCTION pqcplan_tasks_version_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM plan_tasks WHERE version_id IN (SELECT id FROM old_versions);
  RETURN NULL;
END $$""",
    *(
        f"""CREATE FUNCTION pqcplan_tasks_{kind}_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_SKIP_GONE.format(old=f"old_{kind}s")}
  {_LOCK_ORGS.format(old=f"old_{kind}s")}
  UPDATE plan_tasks SET {kind}_id = NULL WHERE {kind}_id IN (SELECT id FROM old_{kind}s);
  RETURN NULL;
END $$"""
        for kind, _ in LINKED
    ),
    """CREATE TRIGGER plan_tasks_organization_delete BEFORE DELETE ON organizations
FOR EACH ROW EXECUTE FUNCTION pqcplan_tasks_organization_deleted()""",
    """CREATE TRIGGER plan_tasks_version_delete AFTER DELETE ON plan_versions
REFERENCING OLD TABLE AS old_versions FOR EACH STATEMENT
EXECUTE FUNCTION pqcplan_tasks_version_deleted()""",
    *(
        f"""CREATE TRIGGER plan_tasks_{kind}_delete AFTER DELETE ON {parent}
REFERENCING OLD TABLE AS old_{kind}s FOR EACH STATEMENT
EXECUTE FUNCTION pqcplan_tasks_{kind}_deleted()"""
        for kind, parent in LINKED
    ),
]
# (column, parent table) of each link `settle` checks
LINKS = tuple((f"{kind}_id", parent) for kind, parent in LINKED)


def install_triggers(connection: Any) -> None:
    postgres = connection.dialect.name == "postgresql"
    for sql in POSTGRESQL_TRIGGERS if postgres else SQLITE_TRIGGERS:
        connection.execute(text(sql))


# `create_all` (the stateless judge's scratch database) gets the link triggers too
on_create_all(
    {"plan_tasks", "plan_versions", "crypto_usages", "assets", "organizations"}, install_triggers
)


def hold(session: Session, organization_id: int) -> None:
    """Before a version's first row is written: on PostgreSQL, the organization's counter
    lock, which the usage and asset delete triggers take too (see the module's note);
    nothing on SQLite, whose plan transaction is the one writer from its read on."""
    hold_counter_locks(session, [organization_id])


class DanglingVersion(RuntimeError):
    """Tasks were written for a version row that does not exist (a bug, never a race)."""


def settle(
    session: Session,
    version_id: int,
    organization_id: int,
    usage_ids: Iterable[int | None],
    asset_ids: Iterable[int | None],
    *,
    read_in_this_transaction: bool = False,
) -> dict[str, int]:
    """After a version's tasks are written, in the same transaction (after `hold`): each
    usage or asset link to a row that no longer exists is set to NULL, as its deletion's
    trigger would have; the version row must exist, in the tasks' organization. The
    caller passes the usage and asset ids its task rows carry. Returns how many links were
    set to NULL, per column (almost always none).

    The organization's usage and asset ids are read (covering index scans: 0.2-0.3 s of
    CPU for 500,000 + 100,000, client and server) and the tasks' ids compared with them;
    only when one is missing does the database set links to NULL, by an anti-join over
    the version's stored tasks that is the final word (it would also find a link to
    another organization's row, which the comparison took for missing, still there).
    The anti-join alone, every time, cost 0.9 s on either database for 415,000 tasks.

    `read_in_this_transaction` (the caller read the usages and assets the tasks point at in
    this transaction, as `service.generate` does): on SQLite that proves every link is
    still there, so only the version is checked (0.2-0.5 s less at 100,000 assets). An
    SQLite transaction sees one snapshot from its first read, and in WAL mode it can write
    only if no other connection committed since that snapshot (else SQLITE_BUSY_SNAPSHOT:
    the store fails, nothing is kept); whether it began IMMEDIATE (core.db's default) or
    DEFERRED, a store that succeeds had no deletion committed between its read and its
    write. Not on PostgreSQL, whose statements each see the commits before them."""
    connection = session.connection()
    owner = connection.execute(
        text("SELECT organization_id FROM plan_versions WHERE id = :v"), {"v": version_id}
    ).scalar()
    if owner != organization_id:
        raise DanglingVersion(f"plan version {version_id} of organization {organization_id}")
    nulled = dict.fromkeys((column for column, _ in LINKS), 0)
    if read_in_this_transaction and connection.dialect.name == "sqlite":
        return nulled
    for (column, parent), ids in zip(LINKS, (usage_ids, asset_ids), strict=True):
        wanted = set(ids)
        wanted.discard(None)
        if not wanted:
            continue
        if not _missing(connection, parent, organization_id, wanted):
            continue
        result = connection.execute(
            text(
                f"UPDATE plan_tasks SET {column} = NULL WHERE version_id = :v"
                f" AND {column} IS NOT NULL AND NOT EXISTS"
                f" (SELECT 1 FROM {parent} p WHERE p.id = plan_tasks.{column})"
            ),
            {"v": version_id},
        )
        nulled[column] = result.rowcount
    return nulled


def _missing(connection: Any, parent: str, organization_id: int, wanted: set[int]) -> set[int]:
    """`wanted` less the ids of the organization's rows of `parent`, which it returns (read
    by a covering index scan on both databases, in batches: no list of 500,000 rows)."""
    missing = wanted
    sql = f"SELECT id FROM {parent} WHERE organization_id = {int(organization_id)}"
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(20000):
            missing.difference_update([id_ for (id_,) in batch])
    finally:
        cursor.close()
    return missing
