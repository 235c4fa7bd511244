"""scan scopes: several port sets per host (unique per organization, kind, value and ports)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 12:00:00

0008 made a scope unique per (organization, kind, value), so a host could hold one port set
only: "10.0.0.5 ports 443" and "10.0.0.5 ports 22" could not both be registered. The
constraint becomes a unique index over (organization, kind, value, ports), where no ports
("any port") counts as one value of its own (``coalesce(ports, '')``).

Downgrade puts the old constraint back, which fails while a host still has several port
sets: remove the extra scopes first.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "uq_scan_scopes_value_ports"
OLD = "uq_scan_scopes_organization_id_kind_value"  # 0008's constraint, named by the convention


def _batch():
    """SQLite copies the table (keeping AUTOINCREMENT and its highest id so far, so no id is
    ever handed out twice; see 0006); PostgreSQL alters it in place."""
    return op.batch_alter_table("scan_scopes", table_kwargs={"sqlite_autoincrement": True})


def _keep_sequence(change) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        change()
        return
    seq = bind.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'scan_scopes'"))
    highest = seq.scalar() or 0
    change()
    bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = 'scan_scopes'"))
    bind.execute(
        sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('scan_scopes', :seq)"),
        {
            "seq": max(
                highest, bind.execute(sa.text("SELECT max(id) FROM scan_scopes")).scalar() or 0
            )
        },
    )


def upgrade() -> None:
    def drop() -> None:
        with _batch() as batch:
            batch.drop_constraint(OLD, type_="unique")

    _keep_sequence(drop)
    op.create_index(
        INDEX,
        "scan_scopes",
        ["organization_id", "kind", "value", sa.text("coalesce(ports, '')")],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="scan_scopes")

    def add() -> None:
        with _batch() as batch:
            batch.create_unique_constraint(OLD, ["organization_id", "kind", "value"])

    _keep_sequence(add)
