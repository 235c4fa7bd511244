"""`pqcplan db upgrade|downgrade|current`: the schema, through Alembic."""

from __future__ import annotations

import typer

from app.cli.common import console, database_url

db_app = typer.Typer(help="Database schema (Alembic).", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Create or upgrade the schema to REVISION (default: the newest)."""
    from core import schema

    url = database_url()
    schema.upgrade(url, revision)
    console.print(f"database at revision [bold]{schema.current(url)}[/bold]")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Step the schema back to REVISION (e.g. base)."""
    from core import schema

    url = database_url()
    schema.downgrade(url, revision)
    console.print(f"database at revision [bold]{schema.current(url)}[/bold]")


@db_app.command("current")
def db_current() -> None:
    """The schema's revision."""
    from core import schema

    console.print(schema.current(database_url()) or "empty (no schema)")
