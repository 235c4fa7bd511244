"""`pqcplan profiles`: list, show, validate and add policy profiles."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import (
    OrgOption,
    console,
    db_session,
    err_console,
    resolve_org,
    safe,
    user_errors,
)

profiles_app = typer.Typer(help="Policy profiles (built-in and your own).", no_args_is_help=True)


@profiles_app.command("list")
def list_profiles() -> None:
    """Built-in profiles with their final deadline and sources."""
    from rich.table import Table

    from migration.profiles import builtin_profiles

    table = Table("id", "jurisdiction", "final deadline", "version", "unconfirmed sources")
    for p in builtin_profiles().values():
        unconfirmed = ", ".join(s.id for s in p.sources if not s.confirmed) or "-"
        table.add_row(
            safe(p.id),
            safe(p.jurisdiction),
            str(p.final_deadline),
            safe(p.version),
            safe(unconfirmed),
        )
    console.print(table)


@profiles_app.command("show")
def show(profile_id: Annotated[str, typer.Argument(help="Profile id.")]) -> None:
    """Print a built-in profile as YAML."""
    import yaml

    from migration.profiles import UnknownProfile, get_profile, profile_to_dict

    try:
        profile = get_profile(profile_id)
    except UnknownProfile as exc:
        err_console.print(f"[red]error:[/red] {safe(str(exc))}")
        sys.exit(2)
    sys.stdout.write(yaml.safe_dump(profile_to_dict(profile), sort_keys=False, allow_unicode=True))


@profiles_app.command("validate")
def validate(path: Annotated[Path, typer.Argument(help="A YAML or JSON profile file.")]) -> None:
    """Check a profile file; the first problem is named by its field."""
    from migration.profiles import ProfileError, load_profile_file

    try:
        profile = load_profile_file(path)
    except (ProfileError, OSError) as exc:
        err_console.print(f"[red]invalid:[/red] {safe(str(exc))}")
        sys.exit(2)
    console.print(f"[green]valid[/green]: {safe(profile.id)} {safe(profile.version)}")


@profiles_app.command("add")
def add(
    path: Annotated[Path, typer.Argument(help="A YAML or JSON profile file.")],
    org: OrgOption,
) -> None:
    """Store a user-defined profile for an organization (replaces one with the same id)."""
    from migration import service
    from migration.profiles import ProfileError, load_profile_file

    try:
        profile = load_profile_file(path)
    except (ProfileError, OSError) as exc:
        err_console.print(f"[red]invalid:[/red] {safe(str(exc))}")
        sys.exit(2)
    with user_errors(), db_session() as session:
        organization = resolve_org(session, org)
        try:
            row = service.save_custom_profile(
                session, organization.id, json.loads(profile.model_dump_json()), str(path)
            )
        except ProfileError as exc:
            err_console.print(f"[red]invalid:[/red] {safe(str(exc))}")
            sys.exit(2)
        from app.cli.common import operator
        from core.audit import record

        detail = {"profile_id": profile.id, "version": profile.version}
        record(session, operator(organization.id), "save", "profile", row.id, organization.id,
               detail)  # fmt: skip
    console.print(safe(f"stored profile {profile.id} for {organization.slug}"))
