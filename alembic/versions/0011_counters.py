"""counters: inventory counts and plan timeline cells kept by triggers

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 09:00:00

The overview and the plan timeline read these few rows instead of grouping every usage or
task on each render. Upgrade creates the tables and their triggers (SQLite and PostgreSQL)
and counts the rows already there; downgrade removes all of it. The SQL is this revision's
own, copied from `inventory.models.counters` and `migration.timeline` as they stood (a
migration never imports live code, so changing that code cannot change this revision);
a later change to the triggers needs a revision of its own that drops and creates them.
"""

# ruff: noqa: E501  (the trigger SQL is kept exactly as it was run)

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _run(statements: dict[str, list[str]]) -> None:
    for sql in statements[op.get_bind().dialect.name]:
        op.execute(sa.text(sql))


def _org_key() -> sa.Column:
    return sa.Column(
        "organization_id",
        sa.Integer,
        sa.ForeignKey("organizations.id", ondelete="CASCADE"),
        primary_key=True,
    )


def upgrade() -> None:
    op.create_table(
        "usage_counts",
        _org_key(),
        sa.Column("algorithm", sa.String(120), primary_key=True),
        sa.Column("quantum_status", sa.String(40), primary_key=True),
        sa.Column("usages", sa.Integer, nullable=False),
    )
    op.create_table(
        "asset_counts",
        _org_key(),
        sa.Column("exposure", sa.String(40), primary_key=True),
        sa.Column("assets", sa.Integer, nullable=False),
        sa.Column("vulnerable", sa.Integer, nullable=False),
    )
    op.create_table(
        "plan_timeline_cells",
        sa.Column(
            "version_id",
            sa.Integer,
            sa.ForeignKey("plan_versions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("wave", sa.Integer, primary_key=True),
        sa.Column("wave_label", sa.String(10), primary_key=True),
        sa.Column("phase", sa.String(40), primary_key=True),
        sa.Column("sector", sa.String(40), primary_key=True),
        sa.Column("status", sa.String(40), primary_key=True),
        sa.Column("tasks", sa.Integer, nullable=False),
        sa.Column("effort", sa.Integer, nullable=False),
        sa.Column("deadline", sa.Date),
        sa.Column("flagged", sa.Integer, nullable=False),
    )
    _run({"sqlite": SQLITE_UP, "postgresql": POSTGRESQL_UP})


def downgrade() -> None:
    _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRESQL_DOWN})
    op.drop_table("plan_timeline_cells")
    op.drop_table("asset_counts")
    op.drop_table("usage_counts")


# counting triggers, counters filled, timeline triggers, cells filled
SQLITE_UP = [
    """
CREATE TRIGGER usage_counts_insert AFTER INSERT ON crypto_usages BEGIN
  INSERT INTO usage_counts (organization_id, algorithm, quantum_status, usages) VALUES (NEW.organization_id, NEW.algorithm, NEW.quantum_status, 1) ON CONFLICT (organization_id, algorithm, quantum_status) DO UPDATE SET usages = usage_counts.usages + 1;
  UPDATE asset_counts SET vulnerable = vulnerable + 1
  WHERE NEW.quantum_status IN ('broken', 'weakened') AND (organization_id, exposure) IN (SELECT organization_id, exposure FROM assets WHERE id = NEW.asset_id)
    AND NOT EXISTS (SELECT 1 FROM crypto_usages WHERE asset_id = NEW.asset_id
                    AND quantum_status IN ('broken', 'weakened') AND id <> NEW.id);
END""",
    """
CREATE TRIGGER usage_counts_delete AFTER DELETE ON crypto_usages BEGIN
  UPDATE usage_counts SET usages = usages - 1 WHERE organization_id = OLD.organization_id AND algorithm = OLD.algorithm AND quantum_status = OLD.quantum_status;
  UPDATE asset_counts SET vulnerable = vulnerable - 1
  WHERE OLD.quantum_status IN ('broken', 'weakened') AND (organization_id, exposure) IN (SELECT organization_id, exposure FROM assets WHERE id = OLD.asset_id)
    AND NOT EXISTS (SELECT 1 FROM crypto_usages WHERE asset_id = OLD.asset_id AND quantum_status IN ('broken', 'weakened'));
END""",
    """
CREATE TRIGGER usage_counts_update
AFTER UPDATE OF organization_id, algorithm, quantum_status, asset_id ON crypto_usages
WHEN OLD.organization_id IS NOT NEW.organization_id OR OLD.algorithm IS NOT NEW.algorithm
  OR OLD.quantum_status IS NOT NEW.quantum_status OR OLD.asset_id IS NOT NEW.asset_id
BEGIN
  UPDATE usage_counts SET usages = usages - 1 WHERE organization_id = OLD.organization_id AND algorithm = OLD.algorithm AND quantum_status = OLD.quantum_status;
  INSERT INTO usage_counts (organization_id, algorithm, quantum_status, usages) VALUES (NEW.organization_id, NEW.algorithm, NEW.quantum_status, 1) ON CONFLICT (organization_id, algorithm, quantum_status) DO UPDATE SET usages = usage_counts.usages + 1;
  UPDATE asset_counts SET vulnerable = vulnerable - 1
  WHERE OLD.quantum_status IN ('broken', 'weakened')
    AND (NEW.quantum_status NOT IN ('broken', 'weakened') OR NEW.asset_id <> OLD.asset_id)
    AND (organization_id, exposure) IN (SELECT organization_id, exposure FROM assets WHERE id = OLD.asset_id)
    AND NOT EXISTS (SELECT 1 FROM crypto_usages WHERE asset_id = OLD.asset_id AND quantum_status IN ('broken', 'weakened'));
  UPDATE asset_counts SET vulnerable = vulnerable + 1
  WHERE NEW.quantum_status IN ('broken', 'weakened')
    AND (OLD.quantum_status NOT IN ('broken', 'weakened') OR NEW.asset_id <> OLD.asset_id)
    AND (organization_id, exposure) IN (SELECT organization_id, exposure FROM assets WHERE id = NEW.asset_id)
    AND NOT EXISTS (SELECT 1 FROM crypto_usages WHERE asset_id = NEW.asset_id
                    AND quantum_status IN ('broken', 'weakened') AND id <> NEW.id);
END""",
    """
CREATE TRIGGER asset_counts_insert AFTER INSERT ON assets BEGIN
  INSERT INTO asset_counts (organization_id, exposure, assets, vulnerable)
  VALUES (NEW.organization_id, NEW.exposure, 1, 0)
  ON CONFLICT (organization_id, exposure) DO UPDATE SET assets = asset_counts.assets + 1;
END""",
    """
CREATE TRIGGER asset_counts_delete BEFORE DELETE ON assets BEGIN
  UPDATE asset_counts SET assets = assets - 1,
    vulnerable = vulnerable - EXISTS (SELECT 1 FROM crypto_usages WHERE asset_id = OLD.id AND quantum_status IN ('broken', 'weakened'))
  WHERE organization_id = OLD.organization_id AND exposure = OLD.exposure;
END""",
    """
CREATE TRIGGER asset_counts_update AFTER UPDATE OF organization_id, exposure ON assets
WHEN OLD.organization_id IS NOT NEW.organization_id OR OLD.exposure IS NOT NEW.exposure
BEGIN
  UPDATE asset_counts SET assets = assets - 1,
    vulnerable = vulnerable - EXISTS (SELECT 1 FROM crypto_usages WHERE asset_id = NEW.id AND quantum_status IN ('broken', 'weakened'))
  WHERE organization_id = OLD.organization_id AND exposure = OLD.exposure;
  INSERT INTO asset_counts (organization_id, exposure, assets, vulnerable)
  VALUES (NEW.organization_id, NEW.exposure, 1, EXISTS (SELECT 1 FROM crypto_usages WHERE asset_id = NEW.id AND quantum_status IN ('broken', 'weakened')))
  ON CONFLICT (organization_id, exposure) DO UPDATE
  SET assets = asset_counts.assets + 1, vulnerable = asset_counts.vulnerable + excluded.vulnerable;
END""",
    """DELETE FROM usage_counts""",
    """DELETE FROM asset_counts""",
    """INSERT INTO usage_counts (organization_id, algorithm, quantum_status, usages) SELECT organization_id, algorithm, quantum_status, count(*) FROM crypto_usages GROUP BY organization_id, algorithm, quantum_status""",
    """INSERT INTO asset_counts (organization_id, exposure, assets, vulnerable) SELECT a.organization_id, a.exposure, count(*), sum(CASE WHEN EXISTS (SELECT 1 FROM crypto_usages u WHERE u.asset_id = a.id AND u.quantum_status IN ('broken', 'weakened')) THEN 1 ELSE 0 END) FROM assets a GROUP BY a.organization_id, a.exposure""",
    """CREATE TRIGGER timeline_cells_status AFTER UPDATE OF status ON plan_tasks
WHEN OLD.status IS NOT NEW.status BEGIN
  UPDATE plan_timeline_cells SET tasks = tasks - 1, effort = effort - OLD.effort, flagged = flagged - (CAST(OLD.flags AS TEXT) <> '[]') WHERE version_id = OLD.version_id AND wave = OLD.wave AND wave_label = OLD.wave_label AND phase = OLD.phase AND sector = OLD.sector AND status = OLD.status;
  INSERT INTO plan_timeline_cells (version_id, wave, wave_label, phase, sector, status, tasks, effort, deadline, flagged) SELECT NEW.version_id, NEW.wave, NEW.wave_label, NEW.phase, NEW.sector, NEW.status, 1, NEW.effort, NEW.deadline, (CAST(NEW.flags AS TEXT) <> '[]') WHERE EXISTS (SELECT 1 FROM plan_timeline_cells WHERE version_id = NEW.version_id) ON CONFLICT (version_id, wave, wave_label, phase, sector, status) DO UPDATE SET tasks = plan_timeline_cells.tasks + 1, effort = plan_timeline_cells.effort + excluded.effort, deadline = CASE WHEN excluded.deadline IS NULL OR (plan_timeline_cells.deadline IS NOT NULL AND plan_timeline_cells.deadline <= excluded.deadline) THEN plan_timeline_cells.deadline ELSE excluded.deadline END, flagged = plan_timeline_cells.flagged + excluded.flagged;
END""",
    """CREATE TRIGGER timeline_cells_insert AFTER INSERT ON plan_tasks BEGIN
  DELETE FROM plan_timeline_cells WHERE version_id = NEW.version_id;
END""",
    """CREATE TRIGGER timeline_cells_delete AFTER DELETE ON plan_tasks BEGIN
  DELETE FROM plan_timeline_cells WHERE version_id = OLD.version_id;
END""",
    """CREATE TRIGGER timeline_cells_change AFTER UPDATE OF version_id, wave, wave_label, phase, sector, effort, deadline, flags ON plan_tasks
WHEN OLD.version_id IS NOT NEW.version_id OR OLD.wave IS NOT NEW.wave OR OLD.wave_label IS NOT NEW.wave_label OR OLD.phase IS NOT NEW.phase OR OLD.sector IS NOT NEW.sector OR OLD.effort IS NOT NEW.effort OR OLD.deadline IS NOT NEW.deadline OR OLD.flags IS NOT NEW.flags BEGIN
  DELETE FROM plan_timeline_cells WHERE version_id = OLD.version_id;
  DELETE FROM plan_timeline_cells WHERE version_id = NEW.version_id;
END""",
    """INSERT INTO plan_timeline_cells (version_id, wave, wave_label, phase, sector, status, tasks, effort, deadline, flagged) SELECT version_id, wave, wave_label, phase, sector, status, count(*), coalesce(sum(effort), 0), min(deadline), sum((CASE WHEN (CAST(plan_tasks.flags AS TEXT) <> '[]') THEN 1 ELSE 0 END)) FROM plan_tasks GROUP BY version_id, wave, wave_label, phase, sector, status""",
]

# the same on PostgreSQL (row triggers; 0013 makes the usage ones per statement)
POSTGRESQL_UP = [
    """
CREATE FUNCTION pqcplan_usage_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    PERFORM pg_advisory_xact_lock(1129206339, OLD.organization_id);
    UPDATE usage_counts SET usages = usages - 1
    WHERE organization_id = OLD.organization_id AND algorithm = OLD.algorithm AND quantum_status = OLD.quantum_status AND EXISTS (SELECT 1 FROM organizations WHERE id = OLD.organization_id);
    IF OLD.quantum_status IN ('broken', 'weakened')
       AND (TG_OP = 'DELETE' OR NEW.quantum_status NOT IN ('broken', 'weakened') OR NEW.asset_id <> OLD.asset_id)
       AND NOT EXISTS (SELECT 1 FROM crypto_usages WHERE asset_id = OLD.asset_id AND quantum_status IN ('broken', 'weakened') AND id <> OLD.id) THEN
      UPDATE asset_counts SET vulnerable = vulnerable - 1
      WHERE (organization_id, exposure) IN (SELECT organization_id, exposure FROM assets WHERE id = OLD.asset_id);
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM pg_advisory_xact_lock(1129206339, NEW.organization_id);
    INSERT INTO usage_counts (organization_id, algorithm, quantum_status, usages) VALUES (NEW.organization_id, NEW.algorithm, NEW.quantum_status, 1) ON CONFLICT (organization_id, algorithm, quantum_status) DO UPDATE SET usages = usage_counts.usages + 1;
    IF NEW.quantum_status IN ('broken', 'weakened')
       AND (TG_OP = 'INSERT' OR OLD.quantum_status NOT IN ('broken', 'weakened') OR NEW.asset_id <> OLD.asset_id)
       AND NOT EXISTS (SELECT 1 FROM crypto_usages WHERE asset_id = NEW.asset_id AND quantum_status IN ('broken', 'weakened') AND id <> NEW.id) THEN
      UPDATE asset_counts SET vulnerable = vulnerable + 1
      WHERE (organization_id, exposure) IN (SELECT organization_id, exposure FROM assets WHERE id = NEW.asset_id);
    END IF;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$""",
    """
CREATE TRIGGER usage_counts_insert_delete BEFORE INSERT OR DELETE ON crypto_usages
FOR EACH ROW EXECUTE FUNCTION pqcplan_usage_counts()""",
    """
CREATE TRIGGER usage_counts_update
BEFORE UPDATE OF organization_id, algorithm, quantum_status, asset_id ON crypto_usages
FOR EACH ROW WHEN (OLD.organization_id IS DISTINCT FROM NEW.organization_id
  OR OLD.algorithm IS DISTINCT FROM NEW.algorithm
  OR OLD.quantum_status IS DISTINCT FROM NEW.quantum_status
  OR OLD.asset_id IS DISTINCT FROM NEW.asset_id)
EXECUTE FUNCTION pqcplan_usage_counts()""",
    """
CREATE FUNCTION pqcplan_asset_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    PERFORM pg_advisory_xact_lock(1129206339, OLD.organization_id);
    UPDATE asset_counts SET assets = assets - 1,
      vulnerable = vulnerable - (EXISTS (SELECT 1 FROM crypto_usages WHERE asset_id = OLD.id AND quantum_status IN ('broken', 'weakened')))::int
    WHERE organization_id = OLD.organization_id AND exposure = OLD.exposure AND EXISTS (SELECT 1 FROM organizations WHERE id = OLD.organization_id);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM pg_advisory_xact_lock(1129206339, NEW.organization_id);
    INSERT INTO asset_counts (organization_id, exposure, assets, vulnerable)
    VALUES (NEW.organization_id, NEW.exposure, 1, (EXISTS (SELECT 1 FROM crypto_usages WHERE asset_id = NEW.id AND quantum_status IN ('broken', 'weakened')))::int)
    ON CONFLICT (organization_id, exposure) DO UPDATE
    SET assets = asset_counts.assets + 1,
        vulnerable = asset_counts.vulnerable + excluded.vulnerable;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NULL;
END $$""",
    """
CREATE TRIGGER asset_counts_insert AFTER INSERT ON assets
FOR EACH ROW EXECUTE FUNCTION pqcplan_asset_counts()""",
    """
CREATE TRIGGER asset_counts_delete BEFORE DELETE ON assets
FOR EACH ROW EXECUTE FUNCTION pqcplan_asset_counts()""",
    """
CREATE TRIGGER asset_counts_update AFTER UPDATE OF organization_id, exposure ON assets
FOR EACH ROW WHEN (OLD.organization_id IS DISTINCT FROM NEW.organization_id
  OR OLD.exposure IS DISTINCT FROM NEW.exposure)
EXECUTE FUNCTION pqcplan_asset_counts()""",
    """DELETE FROM usage_counts""",
    """DELETE FROM asset_counts""",
    """INSERT INTO usage_counts (organization_id, algorithm, quantum_status, usages) SELECT organization_id, algorithm, quantum_status, count(*) FROM crypto_usages GROUP BY organization_id, algorithm, quantum_status""",
    """INSERT INTO asset_counts (organization_id, exposure, assets, vulnerable) SELECT a.organization_id, a.exposure, count(*), sum(CASE WHEN EXISTS (SELECT 1 FROM crypto_usages u WHERE u.asset_id = a.id AND u.quantum_status IN ('broken', 'weakened')) THEN 1 ELSE 0 END) FROM assets a GROUP BY a.organization_id, a.exposure""",
    """CREATE FUNCTION pqcplan_timeline_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE plan_timeline_cells SET tasks = tasks - 1, effort = effort - OLD.effort, flagged = flagged - (CAST(OLD.flags AS TEXT) <> '[]')::int WHERE version_id = OLD.version_id AND wave = OLD.wave AND wave_label = OLD.wave_label AND phase = OLD.phase AND sector = OLD.sector AND status = OLD.status;
  INSERT INTO plan_timeline_cells (version_id, wave, wave_label, phase, sector, status, tasks, effort, deadline, flagged) SELECT NEW.version_id, NEW.wave, NEW.wave_label, NEW.phase, NEW.sector, NEW.status, 1, NEW.effort, NEW.deadline, (CAST(NEW.flags AS TEXT) <> '[]')::int WHERE EXISTS (SELECT 1 FROM plan_timeline_cells WHERE version_id = NEW.version_id) ON CONFLICT (version_id, wave, wave_label, phase, sector, status) DO UPDATE SET tasks = plan_timeline_cells.tasks + 1, effort = plan_timeline_cells.effort + excluded.effort, deadline = LEAST(plan_timeline_cells.deadline, excluded.deadline), flagged = plan_timeline_cells.flagged + excluded.flagged;
  RETURN NULL;
END $$""",
    """CREATE FUNCTION pqcplan_timeline_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM plan_timeline_cells WHERE version_id = OLD.version_id;
  DELETE FROM plan_timeline_cells WHERE version_id = NEW.version_id;
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
    """CREATE TRIGGER timeline_cells_change AFTER UPDATE OF version_id, wave, wave_label, phase, sector, effort, deadline, flags ON plan_tasks
FOR EACH ROW WHEN (OLD.version_id::text IS DISTINCT FROM NEW.version_id::text OR OLD.wave::text IS DISTINCT FROM NEW.wave::text OR OLD.wave_label::text IS DISTINCT FROM NEW.wave_label::text OR OLD.phase::text IS DISTINCT FROM NEW.phase::text OR OLD.sector::text IS DISTINCT FROM NEW.sector::text OR OLD.effort::text IS DISTINCT FROM NEW.effort::text OR OLD.deadline::text IS DISTINCT FROM NEW.deadline::text OR OLD.flags::text IS DISTINCT FROM NEW.flags::text)
EXECUTE FUNCTION pqcplan_timeline_change()""",
    """CREATE TRIGGER timeline_cells_insert AFTER INSERT ON plan_tasks
REFERENCING NEW TABLE AS new_tasks FOR EACH STATEMENT
EXECUTE FUNCTION pqcplan_timeline_inserted()""",
    """CREATE TRIGGER timeline_cells_delete AFTER DELETE ON plan_tasks
REFERENCING OLD TABLE AS old_tasks FOR EACH STATEMENT
EXECUTE FUNCTION pqcplan_timeline_deleted()""",
    """INSERT INTO plan_timeline_cells (version_id, wave, wave_label, phase, sector, status, tasks, effort, deadline, flagged) SELECT version_id, wave, wave_label, phase, sector, status, count(*), coalesce(sum(effort), 0), min(deadline), sum((CAST(plan_tasks.flags AS TEXT) <> '[]')::int) FROM plan_tasks GROUP BY version_id, wave, wave_label, phase, sector, status""",
]

# every trigger this revision made
SQLITE_DOWN = [
    """DROP TRIGGER IF EXISTS timeline_cells_status""",
    """DROP TRIGGER IF EXISTS timeline_cells_change""",
    """DROP TRIGGER IF EXISTS timeline_cells_insert""",
    """DROP TRIGGER IF EXISTS timeline_cells_delete""",
    """DROP TRIGGER IF EXISTS usage_counts_insert""",
    """DROP TRIGGER IF EXISTS usage_counts_delete""",
    """DROP TRIGGER IF EXISTS usage_counts_update""",
    """DROP TRIGGER IF EXISTS asset_counts_insert""",
    """DROP TRIGGER IF EXISTS asset_counts_delete""",
    """DROP TRIGGER IF EXISTS asset_counts_update""",
]

# every trigger and trigger function this revision made
POSTGRESQL_DOWN = [
    """DROP TRIGGER IF EXISTS timeline_cells_status ON plan_tasks""",
    """DROP TRIGGER IF EXISTS timeline_cells_change ON plan_tasks""",
    """DROP TRIGGER IF EXISTS timeline_cells_insert ON plan_tasks""",
    """DROP TRIGGER IF EXISTS timeline_cells_delete ON plan_tasks""",
    """DROP FUNCTION IF EXISTS pqcplan_timeline_status()""",
    """DROP FUNCTION IF EXISTS pqcplan_timeline_change()""",
    """DROP FUNCTION IF EXISTS pqcplan_timeline_inserted()""",
    """DROP FUNCTION IF EXISTS pqcplan_timeline_deleted()""",
    """DROP TRIGGER IF EXISTS usage_counts_insert_delete ON crypto_usages""",
    """DROP TRIGGER IF EXISTS usage_counts_insert ON crypto_usages""",
    """DROP TRIGGER IF EXISTS usage_counts_delete ON crypto_usages""",
    """DROP TRIGGER IF EXISTS usage_counts_update ON crypto_usages""",
    """DROP TRIGGER IF EXISTS asset_counts_insert ON assets""",
    """DROP TRIGGER IF EXISTS asset_counts_delete ON assets""",
    """DROP TRIGGER IF EXISTS asset_counts_update ON assets""",
    """DROP FUNCTION IF EXISTS pqcplan_usage_counts()""",
    """DROP FUNCTION IF EXISTS pqcplan_asset_counts()""",
    """DROP FUNCTION IF EXISTS pqcplan_usages_insert()""",
    """DROP FUNCTION IF EXISTS pqcplan_usages_delete()""",
    """DROP FUNCTION IF EXISTS pqcplan_assets_insert()""",
]
