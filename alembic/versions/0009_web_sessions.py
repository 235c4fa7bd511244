"""web sessions: the web console's sign-ins, ended server-side at sign-out; an index for
the overview's usages per algorithm and status

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "organization_id",
            sa.Integer,
            sa.ForeignKey("organizations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column(
            "api_key_id",
            sa.Integer,
            sa.ForeignKey("api_keys.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("token_hash", name="uq_web_sessions_token_hash"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_web_sessions_organization_id", "web_sessions", ["organization_id"])
    op.create_index("ix_web_sessions_api_key_id", "web_sessions", ["api_key_id"])
    # the overview's usages per algorithm and status, read from the index alone
    op.create_index(
        "ix_usages_org_algorithm_status",
        "crypto_usages",
        ["organization_id", "algorithm", "quantum_status"],
    )
    # a plan version's timeline and progress per phase/sector, read from the index alone
    op.create_index(
        "ix_plan_tasks_version_timeline",
        "plan_tasks",
        ["version_id", "wave", "wave_label", "phase", "sector", "status", "effort", "deadline"],
    )


def downgrade() -> None:
    op.drop_index("ix_plan_tasks_version_timeline", table_name="plan_tasks")
    op.drop_index("ix_usages_org_algorithm_status", table_name="crypto_usages")
    op.drop_table("web_sessions")
