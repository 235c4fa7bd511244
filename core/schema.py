"""Run Alembic programmatically (used by `pqcplan db upgrade`, the service and the tests),
and read a database's revision without it.

Alembic is imported where it runs (upgrade, downgrade, the head of the migration files):
its import (with Mako, Pygments' lexers and the PostgreSQL dialect) cost `pqcplan db
current` more than reading one row does.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from core.db import READ_ONLY, normalize_url

if TYPE_CHECKING:
    from alembic.config import Config

ALEMBIC_DIR = Path(__file__).resolve().parent.parent / "alembic"

VERSION_TABLE = "alembic_version"
"""Where Alembic keeps a database's revision (its default; alembic/env.py names no other)."""


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    cfg.set_main_option("sqlalchemy.url", normalize_url(database_url).replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)


def current(database_url: str) -> str | None:
    """The database's revision (None: never upgraded), read without taking SQLite's write
    lock."""
    from core.db import create_db_engine

    engine = create_db_engine(database_url)
    try:
        with engine.connect() as conn:
            return revision_of(conn.execution_options(**READ_ONLY))
    finally:
        engine.dispose()


def revision_of(conn: Connection) -> str | None:
    """What Alembic's ``MigrationContext.get_current_revision()`` answers on ``conn``, read
    as it reads it (no version table: None; else its one row) without importing Alembic.
    Several rows (unmerged branches) are Alembic's to refuse, in its words.
    tests/alembic/test_revision_of.py holds the answers equal to Alembic's."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if len(rows) > 1:
        from alembic.runtime.migration import MigrationContext

        return MigrationContext.configure(conn).get_current_revision()  # raises
    return rows[0] if rows else None


@lru_cache(maxsize=1)
def head() -> str:
    """The newest revision the code knows."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    return str(ScriptDirectory.from_config(cfg).get_current_head())


NOT_AT_HEAD = "run pqcplan db upgrade"


def not_at_head(revision: str | None) -> str | None:
    """Why a database at ``revision`` cannot be served (None when it is at the head).

    >>> not_at_head(head()) is None, not_at_head(None)
    (True, 'schema not at head (empty database): run pqcplan db upgrade')
    """
    newest = head()
    if revision == newest:
        return None
    found = "empty database" if revision is None else f"at {revision}, code needs {newest}"
    return f"schema not at head ({found}): {NOT_AT_HEAD}"
