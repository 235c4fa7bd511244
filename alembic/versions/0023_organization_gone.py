"""an organization's deletion skips the plan-task link triggers of its own cascades

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 21:45:00

0022's organization trigger deletes an organization's tasks before its rows go. Its
assets' and usages' cascades then delete them one asset per statement, and each
statement's link trigger (PostgreSQL: per statement) took the organization's lock and
looked for tasks to set NULL that were already gone: deleting a 100,000-asset organization
with five stored versions took 37.7 s instead of 19.6 s before 0022. The organization
trigger now notes, for the rest of its transaction, which organization's tasks are gone
(`set_config`, transaction-local, undone with a rolled-back savepoint), and the usage and
asset triggers return at once when every row they are told of is that organization's.
PostgreSQL only (SQLite's row triggers look up a task index entry per row, as its foreign
keys did). The SQL is this revision's own, copied from `migration.links` as it stands.
"""

# ruff: noqa: E501  (the trigger SQL is kept exactly as it is run)

import sqlalchemy as sa

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels = None
depends_on = None

FUNCTIONS = [
    """CREATE OR REPLACE FUNCTION pqcplan_tasks_organization_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM plan_tasks WHERE version_id IN (SELECT id FROM plan_versions WHERE organization_id = OLD.id);
  PERFORM set_config('pqcplan.organization_tasks_deleted', OLD.id::text, true);
  RETURN OLD;
END $$""",
    """CREATE OR REPLACE FUNCTION pqcplan_tasks_usage_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM old_usages WHERE organization_id::text IS DISTINCT FROM current_setting('pqcplan.organization_tasks_deleted', true)) THEN RETURN NULL; END IF;
  PERFORM pg_advisory_xact_lock(1129206339, o.organization_id) FROM (SELECT DISTINCT organization_id FROM old_usages ORDER BY 1) o;
  UPDATE plan_tasks SET usage_id = NULL WHERE usage_id IN (SELECT id FROM old_usages);
  RETURN NULL;
END $$""",
    """CREATE OR REPLACE FUNCTION pqcplan_tasks_asset_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM old_assets WHERE organization_id::text IS DISTINCT FROM current_setting('pqcplan.organization_tasks_deleted', true)) THEN RETURN NULL; END IF;
  PERFORM pg_advisory_xact_lock(1129206339, o.organization_id) FROM (SELECT DISTINCT organization_id FROM old_assets ORDER BY 1) o;
  UPDATE plan_tasks SET asset_id = NULL WHERE asset_id IN (SELECT id FROM old_assets);
  RETURN NULL;
END $$""",
]

FUNCTIONS_0022 = [
    """CREATE OR REPLACE FUNCTION pqcplan_tasks_organization_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM plan_tasks WHERE version_id IN (SELECT id FROM plan_versions WHERE organization_id = OLD.id);
  RETURN OLD;
END $$""",
    """CREATE OR REPLACE FUNCTION pqcplan_tasks_usage_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(1129206339, o.organization_id) FROM (SELECT DISTINCT organization_id FROM old_usages ORDER BY 1) o;
  UPDATE plan_tasks SET usage_id = NULL WHERE usage_id IN (SELECT id FROM old_usages);
  RETURN NULL;
END $$""",
    """CREATE OR REPLACE FUNCTION pqcplan_tasks_asset_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(1129206339, o.organization_id) FROM (SELECT DISTINCT organization_id FROM old_assets ORDER BY 1) o;
  UPDATE plan_tasks SET asset_id = NULL WHERE asset_id IN (SELECT id FROM old_assets);
  RETURN NULL;
END $$""",
]


def _run(statements: list[str]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for sql in statements:
        op.execute(sa.text(sql))


def upgrade() -> None:
    _run(FUNCTIONS)


def downgrade() -> None:
    _run(FUNCTIONS_0022)
