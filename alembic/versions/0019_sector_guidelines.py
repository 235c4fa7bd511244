"""sector guidelines: own catalogs, asset tags, ties and absences, adoption procedure,
reporting relations and the figures shared with supervisors

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-06 22:03:12

Tables of `migration/sectors/models.py`. `shared_figures` holds only counts and states
(one row per reporting organization); supervisors read nothing else of another tenant.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0019"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "procedure_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.String(length=64), nullable=False),
        sa.Column("step_id", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "not_started",
                "in_progress",
                "done",
                "not_applicable",
                name="stepstatus",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_procedure_steps_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_steps")),
        sa.UniqueConstraint(
            "organization_id",
            "procedure_id",
            "step_id",
            name=op.f("uq_procedure_steps_organization_id_procedure_id_step_id"),
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("procedure_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_procedure_steps_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "reporting_relations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.String(length=120), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stopped_by", sa.String(length=120), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_reporting_relations_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_id"],
            ["organizations.id"],
            name=op.f("fk_reporting_relations_supervisor_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_relations")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("reporting_relations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reporting_relations_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reporting_relations_supervisor_id"), ["supervisor_id"], unique=False
        )

    op.create_table(
        "sector_catalogs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("catalog_id", sa.String(length=64), nullable=False),
        sa.Column(
            "sector",
            sa.Enum(
                "government",
                "public_institution",
                "finance",
                "telecom",
                "energy",
                "healthcare",
                "transport",
                "defense",
                "manufacturing",
                "space",
                "iot",
                "other",
                name="sector",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_sector_catalogs_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sector_catalogs")),
        sa.UniqueConstraint(
            "organization_id",
            "catalog_id",
            name=op.f("uq_sector_catalogs_organization_id_catalog_id"),
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("sector_catalogs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sector_catalogs_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "shared_figures",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_shared_figures_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_shared_figures")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "target_absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_key", sa.String(length=130), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("declared_by", sa.String(length=120), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_target_absences_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_absences")),
        sa.UniqueConstraint(
            "organization_id",
            "target_key",
            name=op.f("uq_target_absences_organization_id_target_key"),
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("target_absences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_target_absences_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "asset_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=60), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["assets.id"],
            name=op.f("fk_asset_tags_asset_id_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_asset_tags_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_tags")),
        sa.UniqueConstraint("asset_id", "tag", name=op.f("uq_asset_tags_asset_id_tag")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("asset_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_asset_tags_asset_id"), ["asset_id"], unique=False)
        batch_op.create_index("ix_asset_tags_org_tag", ["organization_id", "tag"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_asset_tags_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "target_ties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("target_key", sa.String(length=130), nullable=False),
        sa.Column("tied_by", sa.String(length=120), nullable=False),
        sa.Column("tied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["assets.id"],
            name=op.f("fk_target_ties_asset_id_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_target_ties_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_ties")),
        sa.UniqueConstraint(
            "asset_id", "target_key", name=op.f("uq_target_ties_asset_id_target_key")
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("target_ties", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_target_ties_asset_id"), ["asset_id"], unique=False)
        batch_op.create_index(
            "ix_target_ties_org_target", ["organization_id", "target_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_target_ties_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "procedure_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("step_row_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "file", "link", "plan_version", name="evidencekind", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("media_type", sa.String(length=120), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("plan_version_id", sa.Integer(), nullable=True),
        sa.Column("added_by", sa.String(length=120), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_procedure_evidence_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_version_id"],
            ["plan_versions.id"],
            name=op.f("fk_procedure_evidence_plan_version_id_plan_versions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["step_row_id"],
            ["procedure_steps.id"],
            name=op.f("fk_procedure_evidence_step_row_id_procedure_steps"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_evidence")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("procedure_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_procedure_evidence_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_procedure_evidence_plan_version_id"), ["plan_version_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_procedure_evidence_step_row_id"), ["step_row_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("procedure_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedure_evidence_step_row_id"))
        batch_op.drop_index(batch_op.f("ix_procedure_evidence_plan_version_id"))
        batch_op.drop_index(batch_op.f("ix_procedure_evidence_organization_id"))

    op.drop_table("procedure_evidence")
    with op.batch_alter_table("target_ties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_target_ties_organization_id"))
        batch_op.drop_index("ix_target_ties_org_target")
        batch_op.drop_index(batch_op.f("ix_target_ties_asset_id"))

    op.drop_table("target_ties")
    with op.batch_alter_table("asset_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_asset_tags_organization_id"))
        batch_op.drop_index("ix_asset_tags_org_tag")
        batch_op.drop_index(batch_op.f("ix_asset_tags_asset_id"))

    op.drop_table("asset_tags")
    with op.batch_alter_table("target_absences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_target_absences_organization_id"))

    op.drop_table("target_absences")
    op.drop_table("shared_figures")
    with op.batch_alter_table("sector_catalogs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sector_catalogs_organization_id"))

    op.drop_table("sector_catalogs")
    with op.batch_alter_table("reporting_relations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reporting_relations_supervisor_id"))
        batch_op.drop_index(batch_op.f("ix_reporting_relations_organization_id"))

    op.drop_table("reporting_relations")
    with op.batch_alter_table("procedure_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedure_steps_organization_id"))

    op.drop_table("procedure_steps")
