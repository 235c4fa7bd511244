"""Every foreign key's columns lead some index of their table, in the models and in the
migrated schema: deleting a parent row then finds its children by that index, instead of
reading the whole child table once per parent row (migrations 0012 and 0014)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
    create_engine,
)

import core.models.job  # every package's tables, as alembic/env.py loads them
import core.models.web_session  # noqa: F401
import inventory.models  # noqa: F401
import migration.models
import migration.sectors.models  # noqa: F401
import testbed.conformance.models
import testbed.models  # noqa: F401
from core.job_queue import not_queue_table
from core.models.base import Base


def unindexed_foreign_keys(tables: list[Table]) -> list[str]:
    """`table.columns -> parent` for each foreign key whose columns lead no index, primary
    key or unique constraint of its table."""
    missing = []
    for table in tables:
        leads = [[c.name for c in index.columns] for index in table.indexes]
        leads += [
            [c.name for c in constraint.columns]
            for constraint in table.constraints
            if isinstance(constraint, PrimaryKeyConstraint | UniqueConstraint)
        ]
        for fk in table.foreign_key_constraints:
            columns = [c.name for c in fk.columns]
            if not any(lead[: len(columns)] == columns for lead in leads):
                missing.append(f"{table.name}.{','.join(columns)} -> {fk.referred_table.name}")
    return missing


def test_the_check_finds_a_foreign_key_without_an_index() -> None:
    m = MetaData()
    parent = Table("p", m, Column("id", Integer, primary_key=True))
    child = Table(
        "c", m, Column("id", Integer, primary_key=True), Column("p_id", ForeignKey("p.id"))
    )
    assert unindexed_foreign_keys([parent, child]) == ["c.p_id -> p"]
    Index("ix_c_two", child.c.id, child.c.p_id)  # p_id second: still no lookup by p_id
    assert unindexed_foreign_keys([parent, child]) == ["c.p_id -> p"]
    Index("ix_c_p", child.c.p_id)
    assert unindexed_foreign_keys([parent, child]) == []


def test_every_foreign_key_leads_an_index_in_the_models() -> None:
    assert unindexed_foreign_keys(list(Base.metadata.sorted_tables)) == []


def test_every_foreign_key_leads_an_index_in_the_migrated_schema(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        reflected = MetaData()
        reflected.reflect(engine, only=lambda name, _: not_queue_table(name, "table", None))
    finally:
        engine.dispose()
    assert len(reflected.tables) >= len(Base.metadata.tables)
    assert unindexed_foreign_keys(list(reflected.tables.values())) == []
