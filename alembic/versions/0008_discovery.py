"""discovery: scan scopes per organization and a record of every scan

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 05:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _org() -> sa.Column:
    return sa.Column(
        "organization_id",
        sa.Integer,
        sa.ForeignKey("organizations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )


def upgrade() -> None:
    op.create_table(
        "scan_scopes",
        sa.Column("id", sa.Integer, primary_key=True),
        _org(),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("value", sa.String(300), nullable=False),
        sa.Column("ports", sa.String(200)),
        sa.Column("note", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("organization_id", "kind", "value"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "scan_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        _org(),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("targets", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("job_id", sa.Integer, sa.ForeignKey("jobs.id", ondelete="SET NULL")),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("summary", sa.JSON),
        sa.Column("results", sa.JSON),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_scan_runs_org_id", "scan_runs", ["organization_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_scan_runs_org_id", table_name="scan_runs")
    op.drop_table("scan_runs")
    op.drop_table("scan_scopes")
