"""Helpers shared by CLI commands: the consoles and `safe` for input text, the local
operator principal, the `--org` option and its lookup, reading an input file, and errors.

Light on purpose: every command imports this module, so SQLAlchemy, pydantic and the models
are imported inside the functions that need them (see `app.cli.main`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from core.display import printable
from core.errors import Conflict, InputError, TooLarge
from core.tenancy import Forbidden, NotFound

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core.models import Organization
    from core.tenancy import Principal


def safe(text: object) -> str:
    """Input text (a name from a file, a banner from a server, an error quoting either) for
    a console: control and bidi characters shown as escapes, rich markup neutralised."""
    return escape(printable(text))


class SafeConsole(Console):
    """A console that never writes a terminal control or bidi character it was handed as
    text: every string it renders (lines, table cells, titles) goes through `printable`
    first, newlines and tabs kept. A net under `safe`, which call sites use for input text
    (it also escapes newlines, so an input cannot start a line of its own)."""

    def render_str(self, text: str, **kwargs: Any) -> Any:
        return super().render_str(printable(text, keep_newlines=True), **kwargs)


console = SafeConsole()
err_console = SafeConsole(stderr=True)


def doing(text: str) -> None:
    """Say at once what a long command is about to do, before it imports its libraries and
    opens the database (a second or more on a busy machine): on a terminal only, on stderr,
    so a pipe or a CI log gets the answer alone. Issue 24: every command's first useful
    output within 0.5 s of its start (bench/cli_startup.py times it in a pseudo-terminal)."""
    if err_console.is_terminal:
        err_console.print(f"[dim]{safe(text)}...[/dim]", highlight=False)


def operator(org_id: int) -> Principal:
    """Whoever runs the CLI on the server is a local administrator."""
    from core.choices import Role
    from core.tenancy import Principal

    return Principal(organization_id=org_id, role=Role.ADMIN, name="cli")


@contextmanager
def db_session() -> Iterator[Session]:
    from core.db import transaction
    from migration.sectors import on_inventory  # noqa: F401  (shared coverage follows writes)

    with transaction(database_url()) as session:
        yield session


def database_url() -> str:
    """`DATABASE_URL` as the settings read it (the variable in any case, pydantic-settings'
    default); without a `.env` file, without importing pydantic-settings (0.1 s of CPU)."""
    if Path(".env").exists():
        from app.settings import get_settings

        return get_settings().database_url
    for name, value in os.environ.items():
        if name.lower() == "database_url":
            return value
    from app.defaults import DATABASE_URL

    return DATABASE_URL


def _org_option() -> Any:
    return typer.Option("--org", help="Organization slug or id.")


OrgOption = Annotated[str, _org_option()]
"""Which organization a command works on (slug or id), resolved by `resolve_org`."""
OptionalOrgOption = Annotated[str | None, _org_option()]
"""The same option where a command can do without it (default: none)."""


def resolve_org(session: Session, key: str) -> Organization:
    """The organization an `--org` value names; a user error (exit 2) if there is none."""
    from inventory.service.organizations import find_by_slug_or_id

    org = find_by_slug_or_id(session, key)
    if org is None:
        raise NotFound(f"no organization with slug or id '{key}'")
    return org


def upload_limit() -> int:
    """`MAX_UPLOAD_BYTES` as the settings read it; without the variable or a `.env` file
    the default, without importing pydantic-settings (a tenth of a second per call)."""
    if "MAX_UPLOAD_BYTES" not in os.environ and not Path(".env").exists():
        from app.defaults import MAX_UPLOAD_BYTES

        return MAX_UPLOAD_BYTES
    from app.settings import get_settings

    return get_settings().max_upload_bytes


def read_input_file(path: Path) -> bytes:
    """A file to import or judge, refused (`TooLarge`) over the server's upload limit."""
    limit = upload_limit()
    size = path.stat().st_size
    if size > limit:
        raise TooLarge(f"file is {size} bytes, over the limit of {limit} bytes", str(path))
    return path.read_bytes()


def _explain(exc: Exception) -> tuple[int, str] | None:
    """(exit code, message) for an error a user can cause; None for a bug (re-raised).

    Library errors are looked up only when their library is loaded: an exception cannot come
    from a module nobody imported, and importing it here would cost every command."""
    if isinstance(
        exc, InputError | NotFound | Forbidden | Conflict | FileNotFoundError | IsADirectoryError
    ):
        return 2, safe(exc)  # user text is neither markup nor control characters
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(exc, pydantic.ValidationError):  # a request model
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return 2, f"{safe(where)}: {safe(first['msg'])}"
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is None:
        return None
    if isinstance(exc, sa_exc.IntegrityError | sa_exc.DataError):
        from core.db import describe_refusal

        return 2, f"nothing was stored: {safe(describe_refusal(exc))}"
    if isinstance(exc, sa_exc.OperationalError | sa_exc.TimeoutError):
        from core.db import is_busy

        if is_busy(exc):
            return 75, "the database is busy; nothing was stored, retry"  # EX_TEMPFAIL
    return None


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn errors a user can cause into one red line and exit code 2, never a traceback."""
    try:
        yield
    except typer.Exit:
        raise
    except Exception as exc:
        explained = _explain(exc)
        if explained is None:
            raise
        code, message = explained
        err_console.print(f"[red]error:[/red] {message}")
        sys.exit(code)
