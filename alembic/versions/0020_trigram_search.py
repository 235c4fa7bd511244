"""trigram search: partial, case-insensitive search by index over assets and usages;
the task list's deadline order by index

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 12:20:00

The console's search finds a word anywhere inside a name, a reference, an algorithm as
written or an evidence line. Without an index that is a scan of every asset and usage.

- PostgreSQL: the pg_trgm extension (trusted since PostgreSQL 13: a database owner may
  create it) and one GIN trigram index per table over the searched columns joined by
  spaces; `ILIKE '%word%'` on that same expression uses it. The expression here must stay
  character for character what `inventory.search_index` queries.
- SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34 and later) per table, its
  content read from the table itself (external content, so the text is not stored twice),
  kept in step by triggers on insert, update of the searched columns, and delete. Where
  this SQLite has no trigram tokenizer the tables are not made and search scans, as before.

Also `ix_plan_tasks_version_deadline` (version, deadline, id), a model index: the task list
sorted by deadline reads a page along it instead of sorting every task of the version.

The search structures are no model's tables or indexes: `inventory.search_index.not_search_index` keeps
them out of the schema comparison. SQLite batch operations that rebuild `assets` or
`crypto_usages` (copy, drop, rename) drop these triggers with the old table: a later
revision that rebuilds either table must create them again (a test checks they are there
at head). The SQL is this revision's own (a migration never imports live code).
"""

# ruff: noqa: E501  (the SQL is kept exactly as it was run)

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> (SQLite FTS5 table, PostgreSQL index, searched columns)
INDEXES = {
    "assets": (
        "assets_search",
        "ix_assets_search_trgm",
        ("name", "ref", "owner", "location", "vendor", "product"),
    ),
    "crypto_usages": (
        "usages_search",
        "ix_usages_search_trgm",
        ("algorithm_raw", "ref", "evidence", "library", "cert_subject"),
    ),
}


def _pg_expression(columns: Sequence[str]) -> str:
    return " || ' ' || ".join(f"coalesce({c}, '')" for c in columns)


def _sqlite_has_trigram() -> bool:
    """FTS5 with the trigram tokenizer is compiled into this SQLite (3.34 and later)."""
    bind = op.get_bind()
    try:
        bind.exec_driver_sql(
            "CREATE VIRTUAL TABLE temp.trigram_probe USING fts5(x, tokenize='trigram')"
        )
    except sa.exc.OperationalError:  # "no such module: fts5" or "no such tokenizer: trigram"
        return False
    bind.exec_driver_sql("DROP TABLE temp.trigram_probe")
    return True


def upgrade() -> None:
    op.create_index(
        "ix_plan_tasks_version_deadline", "plan_tasks", ["version_id", "deadline", "id"]
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        for table, (_, index, columns) in INDEXES.items():
            op.execute(
                sa.text(
                    f"CREATE INDEX {index} ON {table} USING gin "
                    f"(({_pg_expression(columns)}) gin_trgm_ops)"
                )
            )
        # statistics of the indexed expressions, so the planner can tell a rare word
        # (the index) from a common one (a scan) before autovacuum gets to it
        op.execute(sa.text("ANALYZE assets, crypto_usages"))
        return
    if bind.dialect.name != "sqlite":
        return
    if bind.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
        # a database with statistics gets them for the new index too: SQLite takes an
        # index it has none for as highly selective, and would sort a whole version by it
        op.execute(sa.text("ANALYZE plan_tasks"))
    if not _sqlite_has_trigram():
        return  # search scans: inventory.search_index finds no index and says so
    for table, (fts, _, columns) in INDEXES.items():
        cols = ", ".join(columns)
        new = ", ".join(f"new.{c}" for c in columns)
        old = ", ".join(f"old.{c}" for c in columns)
        delete = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"
        insert = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"
        for sql in (
            f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', content_rowid='id', tokenize='trigram')",
            f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
            f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {insert} END",
            f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {delete} END",
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {cols} ON {table} BEGIN {delete} {insert} END",
        ):
            op.execute(sa.text(sql))


def downgrade() -> None:
    op.drop_index("ix_plan_tasks_version_deadline", table_name="plan_tasks")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for _, index, _ in INDEXES.values():
            op.execute(sa.text(f"DROP INDEX IF EXISTS {index}"))
        return  # the extension stays: other schemas in the database may use it
    if bind.dialect.name != "sqlite":
        return
    for fts, _, _ in INDEXES.values():
        for trigger in ("insert", "delete", "update"):
            op.execute(sa.text(f"DROP TRIGGER IF EXISTS {fts}_{trigger}"))
        op.execute(sa.text(f"DROP TABLE IF EXISTS {fts}"))
