"""`core.schema.revision_of` reads a database's revision without importing Alembic
(`pqcplan db current` paid Alembic's import for one row): it must answer what Alembic's
own `MigrationContext.get_current_revision()` answers, on both databases, in every state
the version table can be in."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy import text

from core.db import create_db_engine
from core.schema import VERSION_TABLE, current, head, revision_of


def _alembic(conn) -> str | None:  # type: ignore[no-untyped-def]
    return MigrationContext.configure(conn).get_current_revision()


def _set_rows(engine, rows: list[str]) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        conn.execute(text(f"DELETE FROM {VERSION_TABLE}"))
        for row in rows:
            conn.execute(text(f"INSERT INTO {VERSION_TABLE} VALUES (:v)"), {"v": row})


def test_same_answer_as_alembic(db_url: str):
    engine = create_db_engine(db_url)
    try:
        with engine.connect() as conn:  # the fixture's database is at the head
            assert revision_of(conn) == _alembic(conn) == head()
        assert current(db_url) == head()
        for rows in ([], ["0005"], [head()]):
            _set_rows(engine, rows)
            with engine.connect() as conn:
                assert revision_of(conn) == _alembic(conn) == (rows[0] if rows else None)
            assert current(db_url) == (rows[0] if rows else None)
        _set_rows(engine, ["0005", "0006"])  # unmerged branches: Alembic refuses, in its words
        with engine.connect() as conn:
            with pytest.raises(CommandError) as ours:
                revision_of(conn)
            with pytest.raises(CommandError) as theirs:
                _alembic(conn)
        assert str(ours.value) == str(theirs.value)
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {VERSION_TABLE}"))
        with engine.connect() as conn:
            assert revision_of(conn) is None and _alembic(conn) is None
        assert current(db_url) is None
    finally:
        engine.dispose()


def test_db_current_imports_no_alembic(sqlite_url: str):
    probe = (
        "import sys\n"
        "from app.cli.main import app\n"
        "try:\n    app(['db', 'current'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    env = os.environ | {"DATABASE_URL": sqlite_url}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.splitlines() == [head(), "[]"]
