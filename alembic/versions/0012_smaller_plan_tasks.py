"""smaller plan tasks: risk parts stored once per version, one redundant index gone

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 12:30:00

A 100,000-asset plan has about 415,000 tasks but fewer than 2,000 distinct risk parts
(name, points, reason), and the parts were most of each stored task (about 930 of 1,600
bytes). New versions keep each distinct part once in `plan_versions.risk_parts`, and a
task's `risk.parts` holds indexes into it. Versions stored before keep their full parts
and are read as they are, so upgrade only adds the column. Downgrade writes the parts back
into each task of the versions that have them, then drops the column.

`ix_plan_tasks_version_wave` (version_id, wave) is a prefix of
`ix_plan_tasks_version_timeline`, which serves the same lookups: one index less to keep
for each of those 415,000 rows. Downgrade creates it again.

Deleting a usage or an asset sets the `usage_id` / `asset_id` of its tasks to NULL, and
without an index on those columns the database read every task of every stored version
for each deleted row: 0.35 s per usage with one 100,000-asset plan stored, 1.7 s per asset
with five usages, growing with each version. `ix_plan_tasks_usage_id` and
`ix_plan_tasks_asset_id` make that a lookup.
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plan_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("risk_parts", sa.JSON(), nullable=True))
    op.drop_index("ix_plan_tasks_version_wave", table_name="plan_tasks")
    op.create_index("ix_plan_tasks_usage_id", "plan_tasks", ["usage_id"])
    op.create_index("ix_plan_tasks_asset_id", "plan_tasks", ["asset_id"])


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def downgrade() -> None:
    op.drop_index("ix_plan_tasks_asset_id", table_name="plan_tasks")
    op.drop_index("ix_plan_tasks_usage_id", table_name="plan_tasks")
    op.create_index("ix_plan_tasks_version_wave", "plan_tasks", ["version_id", "wave"])
    connection = op.get_bind()
    versions = connection.execute(
        sa.text("SELECT id, risk_parts FROM plan_versions WHERE risk_parts IS NOT NULL")
    ).all()
    update = sa.text("UPDATE plan_tasks SET risk = :risk WHERE id = :id")
    if connection.dialect.name == "postgresql":
        update = sa.text("UPDATE plan_tasks SET risk = CAST(:risk AS JSON) WHERE id = :id")
    for version_id, stored in versions:
        parts = _decoded(stored)
        rows = connection.execute(
            sa.text("SELECT id, risk FROM plan_tasks WHERE version_id = :v"), {"v": version_id}
        ).all()
        batch = []
        for task_id, risk_text in rows:
            risk = _decoded(risk_text)
            refs = risk.get("parts") or []
            if refs and isinstance(refs[0], int):
                risk = risk | {"parts": [parts[i] for i in refs]}
                batch.append({"id": task_id, "risk": json.dumps(risk)})
        if batch:
            connection.execute(update, batch)
    with op.batch_alter_table("plan_versions", schema=None) as batch_op:
        batch_op.drop_column("risk_parts")
