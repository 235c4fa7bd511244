"""Partial, case-insensitive text search over assets and usages, by trigram index.

`contains` is the plain condition: any of the columns holds the text, whatever its case
(ASCII case on SQLite, as SQLite's LIKE and lower() are; every case on PostgreSQL), with
`%`, `_` and `\\` in the text taken literally. It reads every row it is asked about.

`matches` gives the same rows, found by index where the text has at least three characters
(a trigram; shorter text has none to look up and scans, still correctly):

- PostgreSQL (migration 0020): a pg_trgm GIN index over the table's searched columns
  joined by spaces. `that expression ILIKE '%text%'` is what the index answers; the plain
  per-column condition is kept beside it, so text spanning two columns is no match.
- SQLite (migration 0020): an FTS5 table with the trigram tokenizer per table, kept in
  step by triggers. A phrase query gives the candidate rowids (the tokenizer folds case
  over all of Unicode, more than LIKE does, so they are a superset) and the plain
  condition decides. When the text is in more than SCAN_CAP rows of the table, a scan
  meets its matches sooner than the index lists them all, so the plain condition runs
  alone: common words are found near the start of a scan, rare ones by the index.

    >>> fts_phrase('a"b') == '"a""b"'
    True
    >>> escape_like("50%_off")
    '50\\\\%\\\\_off'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session

from core.db import table_present

MIN_CHARS = 3  # a trigram
SCAN_CAP = 10_000  # SQLite: more candidate rows than this and a scan finds a page sooner


@dataclass(frozen=True)
class TextIndex:
    table: str
    fts: str  # SQLite FTS5 table (trigram tokenizer, external content)
    pg_index: str  # PostgreSQL GIN trigram index over `pg_expression`
    columns: tuple[str, ...]

    @property
    def pg_expression(self) -> str:
        """The indexed expression, as migration 0020 created it (qualified here; the
        planner compares the parsed forms, which are the same)."""
        return " || ' ' || ".join(f"coalesce({self.table}.{c}, '')" for c in self.columns)

    def shadow_tables(self) -> set[str]:
        """The FTS5 table and the tables FTS5 keeps for it."""
        return {self.fts} | {f"{self.fts}_{s}" for s in ("data", "idx", "docsize", "config")}


ASSETS = TextIndex(
    "assets",
    "assets_search",
    "ix_assets_search_trgm",
    ("name", "ref", "owner", "location", "vendor", "product"),
)
USAGES = TextIndex(
    "crypto_usages",
    "usages_search",
    "ix_usages_search_trgm",
    ("algorithm_raw", "ref", "evidence", "library", "cert_subject"),
)
INDEXES = (ASSETS, USAGES)

_fts_metadata = MetaData()  # not Base.metadata: these are no model's tables
_FTS = {
    ix.fts: Table(ix.fts, _fts_metadata, Column("rowid", Integer), Column(ix.fts, String))
    for ix in INDEXES
}


def not_search_index(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic ``include_name``: the trigram search structures of migration 0020 are not
    model tables or indexes (FTS5 virtual tables and their shadow tables on SQLite, GIN
    expression indexes on PostgreSQL), so the schema comparison leaves them out. Only
    these names are left out; every other table and index is still compared."""
    if type_ == "table":
        return not any(name in ix.shadow_tables() for ix in INDEXES)
    if type_ == "index":
        return name not in {ix.pg_index for ix in INDEXES}
    return True


def escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fts_phrase(value: str) -> str:
    """`value` as one FTS5 phrase (a string in double quotes, inner quotes doubled)."""
    return '"' + value.replace('"', '""') + '"'


def contains(session: Session, columns: Sequence[Any], value: str) -> Any:
    """Any of `columns` contains `value`, whatever its case. SQLite's LIKE ignores ASCII
    case already: ILIKE's lower() on both sides would only cost time there."""
    pattern = f"%{escape_like(value)}%"
    sqlite = session.get_bind().dialect.name == "sqlite"
    return or_(
        *(
            c.like(pattern, escape="\\") if sqlite else c.ilike(pattern, escape="\\")
            for c in columns
        )
    )


def has_index(session: Session, index: TextIndex) -> bool:
    """Migration 0020 made this table's trigram index (always on PostgreSQL, where it would
    fail without pg_trgm; on SQLite only where FTS5 has the trigram tokenizer)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return True
    return dialect == "sqlite" and table_present(session, index.fts)


def matches(
    session: Session, index: TextIndex, model: Any, columns: Sequence[str], value: str
) -> Any:
    """`contains` over `model`'s `columns` (some of `index.columns`), by index if it helps."""
    assert set(columns) <= set(index.columns), (columns, index.columns)
    plain = contains(session, [getattr(model, c) for c in columns], value)
    if len(value) < MIN_CHARS or not has_index(session, index):
        return plain
    if session.get_bind().dialect.name == "postgresql":
        pattern = f"%{escape_like(value)}%"
        return and_(literal_column(index.pg_expression).ilike(pattern, escape="\\"), plain)
    fts = _FTS[index.fts]
    candidates = select(fts.c.rowid).where(fts.c[index.fts].op("MATCH")(fts_phrase(value)))
    found = session.scalar(
        select(func.count()).select_from(candidates.limit(SCAN_CAP + 1).subquery())
    )
    if (found or 0) > SCAN_CAP:
        return plain
    return and_(model.id.in_(candidates), plain)
