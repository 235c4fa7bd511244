"""plan task links kept by delete triggers instead of per-row foreign-key checks

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 20:30:00

A 100,000-asset plan writes about 415,000 tasks, and each carried four foreign keys
(organization, version, usage, asset): four lookups of a parent row per task, the usage and
asset rows locked FOR KEY SHARE one by one (heap writes and WAL on the inventory's pages).
On PostgreSQL that was about 6.5 of the server's ~14.7 s CPU for one stored version.

From this revision `plan_tasks` has no foreign keys. What they did is done otherwise, with
the same outcome:
- deleting a version (or its plan, or its organization: their cascades reach the versions)
  deletes its tasks: a delete trigger on `plan_versions` (PostgreSQL: once per statement,
  from its transition table; SQLite: per row);
- an organization's deletion first deletes its tasks (a BEFORE DELETE trigger on
  `organizations`, by its versions), as the organization's own foreign key on the tasks
  did: otherwise its assets' and usages' cascades would set the links of all its tasks to
  NULL one asset at a time before the versions' cascade deleted them (minutes at 100,000
  assets with five stored versions, instead of ~20 s);
- deleting a usage or an asset sets the `usage_id` / `asset_id` of its tasks to NULL: delete
  triggers on `crypto_usages` and `assets`, which find the tasks by the indexes kept on
  those columns; on PostgreSQL they first take the organization's advisory lock (the
  counters' lock, class 1129206339), which a plan being stored holds until it commits;
- a task never points at a version, usage or asset that does not exist: the one writer of
  tasks (`migration.service.store_version`) checks its whole version once, set-based, after
  writing it (`migration.links`), instead of once per row.
`plan_tasks.organization_id` stays (every tenant row names its organization; `get_scoped`
reads it) without a foreign key, and its index goes: no query reads tasks by organization
(they go by version or by id), and the organization's versions take its tasks with them.

SQLite cannot drop a foreign key: plan_tasks is rebuilt (created without the four
constraints, rows copied with their ids, old table dropped, new one renamed), and its
indexes, its triggers (0011's timeline triggers) and its statistics are put back from what
the schema held, text for text; AUTOINCREMENT's high-water mark is kept. Downgrade does
the same the other way (the constraints as 0002 named them) and drops the triggers.
The SQL is this revision's own, copied from `migration.links` as it stands.
"""

# ruff: noqa: E501  (the trigger SQL is kept exactly as it was run)

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORG_INDEX = "ix_plan_tasks_organization_id"

# (name, columns, parent, action) as migration 0002 created them
FOREIGN_KEYS = [
    ("fk_plan_tasks_usage_id_crypto_usages", "usage_id", "crypto_usages", "SET NULL"),
    ("fk_plan_tasks_asset_id_assets", "asset_id", "assets", "SET NULL"),
    ("fk_plan_tasks_version_id_plan_versions", "version_id", "plan_versions", "CASCADE"),
    ("fk_plan_tasks_organization_id_organizations", "organization_id", "organizations", "CASCADE"),
]

SQLITE_TRIGGERS = [
    """CREATE TRIGGER plan_tasks_organization_delete BEFORE DELETE ON organizations BEGIN
  DELETE FROM plan_tasks WHERE version_id IN (SELECT id FROM plan_versions WHERE organization_id = OLD.id);
END""",
    """CREATE TRIGGER plan_tasks_version_delete AFTER DELETE ON plan_versions BEGIN
  DELETE FROM plan_tasks WHERE version_id = OLD.id;
END""",
    """CREATE TRIGGER plan_tasks_usage_delete AFTER DELETE ON crypto_usages BEGIN
  UPDATE plan_tasks SET usage_id = NULL WHERE usage_id = OLD.id;
END""",
    """CREATE TRIGGER plan_tasks_asset_delete AFTER DELETE ON assets BEGIN
  UPDATE plan_tasks SET asset_id = NULL WHERE asset_id = OLD.id;
END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS plan_tasks_organization_delete",
    "DROP TRIGGER IF EXISTS plan_tasks_version_delete",
    "DROP TRIGGER IF EXISTS plan_tasks_usage_delete",
    "DROP TRIGGER IF EXISTS plan_tasks_asset_delete",
]

POSTGRESQL_TRIGGERS = [
    """CREATE FUNCTION pqcplan_tasks_organization_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM plan_tasks WHERE version_id IN (SELECT id FROM plan_versions WHERE organization_id = OLD.id);
  RETURN OLD;
END $$""",
    """CREATE FUNCTION pqcplan_tasks_version_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM plan_tasks WHERE version_id IN (SELECT id FROM old_versions);
  RETURN NULL;
END $$""",
    """CREATE FUNCTION pqcplan_tasks_usage_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(1129206339, o.organization_id) FROM (SELECT DISTINCT organization_id FROM old_usages ORDER BY 1) o;
  UPDATE plan_tasks SET usage_id = NULL WHERE usage_id IN (SELECT id FROM old_usages);
  RETURN NULL;
END $$""",
    """CREATE FUNCTION pqcplan_tasks_asset_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(1129206339, o.organization_id) FROM (SELECT DISTINCT organization_id FROM old_assets ORDER BY 1) o;
  UPDATE plan_tasks SET asset_id = NULL WHERE asset_id IN (SELECT id FROM old_assets);
  RETURN NULL;
END $$""",
    """CREATE TRIGGER plan_tasks_organization_delete BEFORE DELETE ON organizations
FOR EACH ROW EXECUTE FUNCTION pqcplan_tasks_organization_deleted()""",
    """CREATE TRIGGER plan_tasks_version_delete AFTER DELETE ON plan_versions
REFERENCING OLD TABLE AS old_versions FOR EACH STATEMENT
EXECUTE FUNCTION pqcplan_tasks_version_deleted()""",
    """CREATE TRIGGER plan_tasks_usage_delete AFTER DELETE ON crypto_usages
REFERENCING OLD TABLE AS old_usages FOR EACH STATEMENT
EXECUTE FUNCTION pqcplan_tasks_usage_deleted()""",
    """CREATE TRIGGER plan_tasks_asset_delete AFTER DELETE ON assets
REFERENCING OLD TABLE AS old_assets FOR EACH STATEMENT
EXECUTE FUNCTION pqcplan_tasks_asset_deleted()""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS plan_tasks_organization_delete ON organizations",
    "DROP TRIGGER IF EXISTS plan_tasks_version_delete ON plan_versions",
    "DROP TRIGGER IF EXISTS plan_tasks_usage_delete ON crypto_usages",
    "DROP TRIGGER IF EXISTS plan_tasks_asset_delete ON assets",
    "DROP FUNCTION IF EXISTS pqcplan_tasks_organization_deleted()",
    "DROP FUNCTION IF EXISTS pqcplan_tasks_version_deleted()",
    "DROP FUNCTION IF EXISTS pqcplan_tasks_usage_deleted()",
    "DROP FUNCTION IF EXISTS pqcplan_tasks_asset_deleted()",
]


def _run(statements: list[str]) -> None:
    for sql in statements:
        op.execute(sa.text(sql))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, *_ in FOREIGN_KEYS:
            op.drop_constraint(name, "plan_tasks", type_="foreignkey")
        op.drop_index(ORG_INDEX, table_name="plan_tasks")
        _run(POSTGRESQL_TRIGGERS)
        return
    _sqlite_rebuild(_without_foreign_keys, keep_index=lambda name: name != ORG_INDEX)
    _run(SQLITE_TRIGGERS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _run(POSTGRESQL_DROP)
        op.create_index(ORG_INDEX, "plan_tasks", ["organization_id"])
        for name, column, parent, action in FOREIGN_KEYS:
            op.create_foreign_key(name, "plan_tasks", parent, [column], ["id"], ondelete=action)
        return
    _run(SQLITE_DROP)  # they name plan_tasks: the rename below would find them dangling
    _sqlite_rebuild(_with_foreign_keys, keep_index=lambda name: True)
    op.execute(sa.text(f"CREATE INDEX {ORG_INDEX} ON plan_tasks (organization_id)"))


def _constraint(name: str, column: str, parent: str, action: str) -> str:
    return f"CONSTRAINT {name} FOREIGN KEY({column}) REFERENCES {parent} (id) ON DELETE {action}"


def _without_foreign_keys(create: str) -> str:
    for fk in FOREIGN_KEYS:
        text = _constraint(*fk)
        found = [f", \n\t{text}", f",\n\t{text}", f", {text}", f",{text}"]
        for form in found:
            if form in create:
                create = create.replace(form, "", 1)
                break
        else:
            raise RuntimeError(f"plan_tasks: constraint {fk[0]} not found as created")
    return create


def _with_foreign_keys(create: str) -> str:
    body, close = create.rstrip().rsplit(")", 1)
    added = "".join(f", \n\t{_constraint(*fk)}" for fk in FOREIGN_KEYS)
    return f"{body.rstrip()}{added}\n){close}"


def _sqlite_rebuild(change, keep_index) -> None:  # type: ignore[no-untyped-def]
    """plan_tasks recreated from its own CREATE TABLE text as `change` rewrites it, rows and
    ids copied, then the indexes `keep_index` keeps and every trigger of the table put back
    as they were, with the statistics of those indexes and AUTOINCREMENT's high-water mark.
    alembic/env.py runs this with foreign keys off (nothing cascades from the drop)."""
    bind = op.get_bind()

    def rows(sql: str, **params) -> list:  # type: ignore[no-untyped-def]
        return bind.execute(sa.text(sql), params).all()

    (create,) = rows("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'plan_tasks'")[
        0
    ]
    indexes = rows(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'plan_tasks'"
        " AND sql IS NOT NULL ORDER BY rowid"
    )
    triggers = rows(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'plan_tasks' ORDER BY rowid"
    )
    has_stats = bool(rows("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"))
    stats = rows("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'plan_tasks'") if has_stats else []
    sequence = rows("SELECT seq FROM sqlite_sequence WHERE name = 'plan_tasks'")
    new = change(create)
    if new == create:
        raise RuntimeError("plan_tasks: nothing to change")
    columns = ", ".join(
        f'"{name}"'
        for (name,) in rows("SELECT name FROM pragma_table_info('plan_tasks') ORDER BY cid")
    )
    prefix = 'CREATE TABLE "plan_tasks" ('
    if not new.startswith(prefix):
        raise RuntimeError(f"plan_tasks: unexpected table text {new[:40]!r}")
    op.execute(sa.text('CREATE TABLE "plan_tasks_0022" (' + new[len(prefix) :]))
    op.execute(
        sa.text(f'INSERT INTO "plan_tasks_0022" ({columns}) SELECT {columns} FROM plan_tasks')
    )
    op.execute(sa.text("DROP TABLE plan_tasks"))
    op.execute(sa.text('ALTER TABLE "plan_tasks_0022" RENAME TO plan_tasks'))
    kept = {name for name, _ in indexes if keep_index(name)}
    for name, sql in indexes:
        if name in kept:
            op.execute(sa.text(sql))
    for (sql,) in triggers:
        op.execute(sa.text(sql))
    for idx, stat in stats:
        if idx is None or idx in kept or idx.startswith("sqlite_autoindex_plan_tasks"):
            bind.execute(
                sa.text("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('plan_tasks', :i, :s)"),
                {"i": idx, "s": stat},
            )
    if sequence:
        bind.execute(
            sa.text("UPDATE sqlite_sequence SET seq = max(seq, :seq) WHERE name = 'plan_tasks'"),
            {"seq": sequence[0][0]},
        )
        bind.execute(
            sa.text(
                "INSERT INTO sqlite_sequence (name, seq) SELECT 'plan_tasks', :seq"
                " WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'plan_tasks')"
            ),
            {"seq": sequence[0][0]},
        )
