"""plan reasons: each distinct reason sentence of a version stored once; task keys
compared bytewise on PostgreSQL

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 18:00:00

A 100,000-asset plan has about 415,000 tasks, and a task's `reasons` (a JSON list of
sentences: the unit's own, then tails shared by thousands of tasks) were about 420 of the
~850 characters of each stored row (heap, WAL, the client's COPY or executemany, the
commit). A version has far fewer distinct sentences
(17,380 for 83,050 tasks at 20,000 assets). New versions keep each once in
`plan_reasons` (version, number, text), numbered in the order the tasks in plan order first
give them, and a task's `reasons` holds their numbers.

On PostgreSQL, `plan_tasks.key` is compared bytewise (collation "C"), as SQLite compares
it: the unique (version_id, key) index was the dearest of a task's indexes to keep (3.6 s of
the server's ~17.7 s CPU for one such version; 1.7 s less with "C"), each comparison a
strcoll in the database's collation. Nothing sorts by key in SQL; equality is unchanged.
The table is not rewritten, its unique index is rebuilt (8 s for 2 million tasks).

Versions stored before keep their sentences in their tasks and are read as they are, so
upgrade only adds the table (and changes the collation). Downgrade writes the sentences
back into each task of the versions that have numbers, then drops the table.
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_reasons",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["version_id"], ["plan_versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("version_id", "number"),
    )
    op.create_index("ix_plan_reasons_organization_id", "plan_reasons", ["organization_id"])
    if op.get_bind().dialect.name == "postgresql":  # the index is rebuilt, the table stays
        op.execute(sa.text('ALTER TABLE plan_tasks ALTER COLUMN key TYPE VARCHAR(220) COLLATE "C"'))


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def downgrade() -> None:
    connection = op.get_bind()
    update = sa.text("UPDATE plan_tasks SET reasons = :reasons WHERE id = :id")
    if connection.dialect.name == "postgresql":
        update = sa.text("UPDATE plan_tasks SET reasons = CAST(:reasons AS JSON) WHERE id = :id")
    versions = connection.execute(sa.text("SELECT DISTINCT version_id FROM plan_reasons")).all()
    for (version_id,) in versions:
        texts = dict(
            connection.execute(
                sa.text("SELECT number, text FROM plan_reasons WHERE version_id = :v"),
                {"v": version_id},
            ).all()
        )
        rows = connection.execute(
            sa.text("SELECT id, reasons FROM plan_tasks WHERE version_id = :v"), {"v": version_id}
        ).all()  # numbers only: small
        for start in range(0, len(rows), 5000):
            batch = []
            for task_id, stored in rows[start : start + 5000]:
                reasons = _decoded(stored)
                if reasons and isinstance(reasons[0], int):
                    sentences = json.dumps([texts[n] for n in reasons])
                    batch.append({"id": task_id, "reasons": sentences})
            if batch:
                connection.execute(update, batch)
    op.drop_table("plan_reasons")
    if connection.dialect.name == "postgresql":  # back to the database's own collation
        op.execute(sa.text("ALTER TABLE plan_tasks ALTER COLUMN key TYPE VARCHAR(220)"))
