"""an index under every foreign key: audit_log.api_key_id, scan_runs.job_id

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 13:15:00

Deleting a parent row sets or deletes its children through the foreign key, and without an
index on the child's column the database reads the whole child table for each parent row
deleted (0012 found this for plan tasks: 0.35 s per usage). Deleting an organization
deletes its API keys, and each key set `audit_log.api_key_id` to NULL by reading the whole
audit log, which grows by one row per write. `tests/alembic/test_foreign_key_indexes.py`
keeps every foreign key covered from now on.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_audit_log_api_key_id", "audit_log", ["api_key_id"])
    op.create_index("ix_scan_runs_job_id", "scan_runs", ["job_id"])


def downgrade() -> None:
    op.drop_index("ix_scan_runs_job_id", table_name="scan_runs")
    op.drop_index("ix_audit_log_api_key_id", table_name="audit_log")
