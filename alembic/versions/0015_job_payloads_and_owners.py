"""job payloads in a table, job owners and heartbeats, one plan_tasks index fewer

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 23:00:00

- `job_payloads`: a job's private arguments (its starter, uploaded bytes) beside the job.
  They travelled base64 inside the queue entry's JSON, and PostgreSQL caps a JSON value
  at 255 MB, so a 200 MiB upload could not be queued at all.
- `jobs.owner` ("host:pid:start" of the embedded runner that runs the job) and
  `jobs.heartbeat_at`: a process that starts on a SQLite file recovers only the jobs
  whose runner is gone, not those of another process still running them.
- `ix_jobs_status`: that recovery, and the queue-depth metric, look jobs up by status.
- `ix_plan_tasks_version_id` goes: the unique (version_id, key) index and the timeline
  index both lead with `version_id`, so it was a third copy to write for every task.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_payloads",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("private", sa.JSON(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name="fk_job_payloads_job_id_jobs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", name="pk_job_payloads"),
        sqlite_autoincrement=True,
    )
    # plain ALTER TABLE on both databases (SQLite 3.35+ drops such columns in place; a
    # batch copy of `jobs` would cascade-delete its scan runs and payloads)
    op.add_column("jobs", sa.Column("owner", sa.String(length=120), nullable=True))
    op.add_column("jobs", sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_jobs_status", "jobs", ["status"])
    op.drop_index("ix_plan_tasks_version_id", table_name="plan_tasks")


def downgrade() -> None:
    op.create_index("ix_plan_tasks_version_id", "plan_tasks", ["version_id"])
    op.drop_index("ix_jobs_status", table_name="jobs")
    op.drop_column("jobs", "heartbeat_at")
    op.drop_column("jobs", "owner")
    op.drop_table("job_payloads")
