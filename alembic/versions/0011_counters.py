"""counters: inventory counts and plan timeline cells kept by triggers

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 09:00:00

The overview and the plan timeline read these few rows instead of grouping every usage or
task on each render. Upgrade creates the tables and their triggers (SQLite and PostgreSQL)
and counts the rows already there; downgrade removes all of it. The trigger SQL lives with
the models that read it (`inventory.models.counters`, `migration.timeline`): a later change
to it needs a revision of its own that drops and creates the triggers again.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from inventory.models import counters
from migration import timeline

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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
    bind = op.get_bind()
    counters.install_triggers(bind, counters.POSTGRESQL_ROW_TRIGGERS)  # 0013 replaces them
    timeline.install_triggers(bind)


def downgrade() -> None:
    bind = op.get_bind()
    timeline.drop_triggers(bind)
    counters.drop_triggers(bind)
    op.drop_table("plan_timeline_cells")
    op.drop_table("asset_counts")
    op.drop_table("usage_counts")
