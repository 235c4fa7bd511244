"""The text lengths declared as data (`core.field_limits.STRING_LENGTHS`) are the models'
own: the importers and `pqcplan judge` check rows against them without loading the models,
so a text column missing from them would go unchecked there."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Enum, MetaData, String, Table

import core.models  # noqa: F401  (registers the tables)
import inventory.models  # noqa: F401
import migration.models  # noqa: F401
from core.field_limits import STRING_LENGTHS, column_limit, table_limits
from core.models.base import Base

TABLES = sorted({table for table, _column in STRING_LENGTHS})


def text_limits(table: Table) -> dict[str, int]:
    """Each text column's limit as the model declares it (enum columns hold their enum's
    values, checked by the enum, not free text)."""
    return {
        c.key: n
        for c in table.columns
        if (n := column_limit(c)) is not None and not isinstance(c.type, Enum)
    }


@pytest.mark.parametrize("table", TABLES)
def test_every_text_column_of_a_declared_table_has_its_limit_there(table: str) -> None:
    assert text_limits(Base.metadata.tables[table]) == table_limits(table)


def test_the_check_sees_a_column_typed_by_hand() -> None:
    # a model column written as String(10) instead of its declared length
    assets = Base.metadata.tables["assets"]
    copy = Table("assets", MetaData(), *(Column(c.key, c.type) for c in assets.columns))
    copy.append_column(Column("nickname", String(10)))
    assert text_limits(copy) != table_limits("assets")
