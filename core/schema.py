"""Run Alembic programmatically (used by `pqcplan db upgrade`, the service and the tests)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic.config import Config

from alembic import command
from core.db import normalize_url

ALEMBIC_DIR = Path(__file__).resolve().parent.parent / "alembic"


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    cfg.set_main_option("sqlalchemy.url", normalize_url(database_url).replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def current(database_url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from core.db import create_db_engine

    engine = create_db_engine(database_url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


@lru_cache(maxsize=1)
def head() -> str:
    """The newest revision the code knows."""
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
