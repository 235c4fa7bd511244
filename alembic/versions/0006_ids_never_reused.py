"""ids are never reused: SQLite tables get AUTOINCREMENT

Without AUTOINCREMENT SQLite gives a new row max(id)+1, so the id of the newest row, once
deleted, goes to the next row inserted, possibly another organization's: the audit log
would then name two tenants' entities with one id. AUTOINCREMENT keeps the highest id ever
used in sqlite_sequence and never goes back. SQLite cannot add it to an existing table, so
each table is recreated (Alembic batch mode: copy, drop, rename) with its data, indexes and
constraints; alembic/env.py switches foreign keys off meanwhile so that dropping a parent
table cascades nothing, and checks every foreign key afterwards.

PostgreSQL needs nothing: a sequence never hands out a number twice, deleted rows or not.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 05:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table at revision 0005; each has a one-column integer primary key `id`.
TABLES = (
    "organizations",
    "api_keys",
    "audit_log",
    "assets",
    "crypto_usages",
    "dependencies",
    "jobs",
    "plans",
    "plan_versions",
    "plan_tasks",
    "custom_profiles",
    "products",
    "benchmark_records",
    "vendor_sessions",
    "vendor_reports",
    "testbed_signing_keys",
)


def _recreate(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL: sequences already never reuse a value
    for name in TABLES:
        with op.batch_alter_table(
            name, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    _recreate(True)


def downgrade() -> None:
    _recreate(False)
