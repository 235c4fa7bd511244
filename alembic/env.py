"""Alembic environment: the only way the schema is created or changed.

It imports every package's models so that `Base.metadata` holds the whole schema.
"""

from __future__ import annotations

import core.models.job  # core.models registers jobs and web sessions on first use
import core.models.web_session  # noqa: F401
import inventory.models  # noqa: F401  (registers inventory tables)
import migration.models  # plans
import migration.sectors.models  # noqa: F401  (sector guidelines)
import testbed.conformance.models  # products' checks and reports
import testbed.models  # noqa: F401  (products, benchmark rows)
from alembic import context
from app.settings import get_settings
from core.db import create_db_engine, normalize_url
from core.job_queue import not_queue_table
from core.models.base import Base
from inventory.search_index import not_search_index

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return normalize_url(config.get_main_option("sqlalchemy.url") or get_settings().database_url)


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = create_db_engine(_url())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _compared(name, type_, parent_names) -> bool:  # type: ignore[no-untyped-def]
    """What autogenerate compares: procrastinate's tables are its own schema, and the
    trigram search structures of revision 0020 are no model's (see not_search_index)."""
    return not_queue_table(name, type_, parent_names) and not_search_index(
        name, type_, parent_names
    )


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch migrations recreate tables (copy, drop, rename): with foreign keys on,
        # dropping a parent table would cascade-delete its children. The pragma works only
        # outside a transaction, hence on the driver's connection before anything begins.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            compare_type=True,
            include_name=_compared,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                _check_foreign_keys(connection)
    finally:
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def _check_foreign_keys(connection) -> None:  # type: ignore[no-untyped-def]
    """Fail the upgrade (and roll it back) if a migration left a dangling reference."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        first = ", ".join(f"{t} row {rowid} -> {parent}" for t, rowid, parent, _ in broken[:5])
        raise RuntimeError(f"{len(broken)} rows break a foreign key after migrating: {first}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
