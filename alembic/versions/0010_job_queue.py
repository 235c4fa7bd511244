"""job queue: procrastinate's schema (PostgreSQL), job attempts, shared rate-limit buckets

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 06:30:00

On PostgreSQL the queue's tables and functions are procrastinate's own schema, as shipped
with the version pinned in requirements.lock; SQLite keeps the in-process runner and gets
no queue tables.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("attempt", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("work_committed", sa.Boolean, nullable=False, server_default="0")
        )
    op.create_table(
        "rate_limit_buckets",
        sa.Column("scope", sa.String(80), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("tokens", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        # Raw driver call: the schema holds ':' casts and '%' that SQLAlchemy would parse.
        bind.connection.driver_connection.execute(SchemaManager.get_schema())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.connection.driver_connection.execute(
            "DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, "
            "procrastinate_jobs, procrastinate_workers CASCADE; "
            "DROP TYPE IF EXISTS procrastinate_job_status, procrastinate_job_event_type, "
            "procrastinate_job_to_defer_v1 CASCADE"
        )
        for fn in bind.connection.driver_connection.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p WHERE proname LIKE 'procrastinate%'"
        ).fetchall():
            bind.connection.driver_connection.execute(f"DROP FUNCTION IF EXISTS {fn[0]} CASCADE")
    op.drop_table("rate_limit_buckets")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("work_committed")
        batch.drop_column("attempt")
