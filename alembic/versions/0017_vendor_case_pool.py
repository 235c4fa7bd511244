"""vendor case pool: checks prepared ahead of sessions

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 23:20:00

Opening an ACVP ML-DSA sigGen session took 2.7 s because its vectors were computed on the
request. The pool keeper prepares cases ahead and keeps a few of each kind here; opening a
session takes one (and deletes it). Not a tenant row: no vendor has seen a pooled case.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vendor_case_pool",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("algorithm", sa.String(length=120), nullable=False),
        sa.Column(
            "check",
            sa.Enum(
                "kem_receiver",
                "kem_sender",
                "sig_vendor_signs",
                "sig_vendor_verifies",
                "acvp_mlkem",
                "acvp_mldsa",
                name="checkkind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("mode", sa.String(length=40), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("engines", sa.JSON(), nullable=False),
        sa.Column("challenge", sa.JSON(), nullable=False),
        sa.Column("secret", sa.JSON(), nullable=False),
        sa.Column("prepare_ms", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_case_pool")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_vendor_case_pool_spec", "vendor_case_pool", ["algorithm", "check", "mode"])


def downgrade() -> None:
    op.drop_index("ix_vendor_case_pool_spec", table_name="vendor_case_pool")
    op.drop_table("vendor_case_pool")
