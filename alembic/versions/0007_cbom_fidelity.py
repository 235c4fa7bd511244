"""CycloneDX fields kept on import: crypto_usages.cbom_extra

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 05:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("crypto_usages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cbom_extra", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crypto_usages", schema=None) as batch_op:
        batch_op.drop_column("cbom_extra")
