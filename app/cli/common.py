"""Helpers shared by CLI commands: the local operator principal, the `--org` option and its
lookup, reading an input file, and errors."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from app.settings import get_settings
from core.choices import Role
from core.db import is_busy, transaction
from core.errors import Conflict, InputError, TooLarge
from core.models import Organization
from core.tenancy import Forbidden, NotFound, Principal
from inventory.service.organizations import find_by_slug_or_id

console = Console()
err_console = Console(stderr=True)


def operator(org_id: int) -> Principal:
    """Whoever runs the CLI on the server is a local administrator."""
    return Principal(organization_id=org_id, role=Role.ADMIN, name="cli")


@contextmanager
def db_session() -> Iterator[Session]:
    with transaction(get_settings().database_url) as session:
        yield session


def _org_option() -> Any:
    return typer.Option("--org", help="Organization slug or id.")


OrgOption = Annotated[str, _org_option()]
"""Which organization a command works on (slug or id), resolved by `resolve_org`."""
OptionalOrgOption = Annotated[str | None, _org_option()]
"""The same option where a command can do without it (default: none)."""


def resolve_org(session: Session, key: str) -> Organization:
    """The organization an `--org` value names; a user error (exit 2) if there is none."""
    org = find_by_slug_or_id(session, key)
    if org is None:
        raise NotFound(f"no organization with slug or id '{key}'")
    return org


def read_input_file(path: Path) -> bytes:
    """A file to import or judge, refused (`TooLarge`) over the server's upload limit."""
    limit = get_settings().max_upload_bytes
    size = path.stat().st_size
    if size > limit:
        raise TooLarge(f"file is {size} bytes, over the limit of {limit} bytes", str(path))
    return path.read_bytes()


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn errors a user can cause into one red line and exit code 2, never a traceback."""
    try:
        yield
    except InputError as exc:
        err_console.print(f"[red]error:[/red] {escape(str(exc))}")  # user text is not markup
        sys.exit(2)
    except ValidationError as exc:  # a request model built from arguments
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        err_console.print(f"[red]error:[/red] {escape(where)}: {escape(first['msg'])}")
        sys.exit(2)
    except (NotFound, Forbidden, Conflict, FileNotFoundError, IsADirectoryError) as exc:
        err_console.print(f"[red]error:[/red] {escape(str(exc))}")
        sys.exit(2)
    except (IntegrityError, DataError) as exc:
        err_console.print(f"[red]error:[/red] nothing was stored: {escape(str(exc.orig))}")
        sys.exit(2)
    except (OperationalError, PoolTimeout) as exc:
        if not is_busy(exc):
            raise
        err_console.print("[red]error:[/red] the database is busy; nothing was stored, retry")
        sys.exit(75)  # EX_TEMPFAIL: try again later
    except typer.Exit:
        raise
