"""pagination and filter indexes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 00:10:56.384645
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.create_index("ix_assets_org_id", ["organization_id", "id"], unique=False)

    with op.batch_alter_table("crypto_usages", schema=None) as batch_op:
        batch_op.create_index("ix_usages_asset_algorithm", ["asset_id", "algorithm"], unique=False)
        batch_op.create_index(
            "ix_usages_asset_status", ["asset_id", "quantum_status"], unique=False
        )
        batch_op.create_index("ix_usages_org_id", ["organization_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("crypto_usages", schema=None) as batch_op:
        batch_op.drop_index("ix_usages_org_id")
        batch_op.drop_index("ix_usages_asset_status")
        batch_op.drop_index("ix_usages_asset_algorithm")

    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_index("ix_assets_org_id")
