"""`pqcplan import|export|inventory|org|key`: an organization's inventory, tenants and keys."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import (
    OptionalOrgOption,
    OrgOption,
    console,
    db_session,
    doing,
    err_console,
    operator,
    read_input_file,
    resolve_org,
    safe,
    user_errors,
)
from core.choices import Role, Sector, Tier

if TYPE_CHECKING:
    from inventory.exchange.imports import ImportKind

import_app = typer.Typer(
    help="Import an inventory file into an organization.", no_args_is_help=True
)
export_app = typer.Typer(help="Export an organization's inventory.", no_args_is_help=True)
inventory_app = typer.Typer(help="Look at the inventory.", no_args_is_help=True)
org_app = typer.Typer(help="Organizations (tenants).", no_args_is_help=True)
key_app = typer.Typer(help="API keys.", no_args_is_help=True)


def _import(kind: ImportKind, path: Path, org: str) -> None:
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with (
        user_errors(),
        Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task(f"reading {path.name}", total=3)
        # shown before the importers and the database are loaded (a second on a busy machine)
        from inventory.exchange.imports import Document, import_document

        payload = read_input_file(path)
        progress.update(task, advance=1, description=f"importing {kind}")
        with db_session() as session:
            target = resolve_org(session, org)
            doc = Document(kind, payload, name=path.name, location=str(path))
            report = import_document(session, operator(target.id), target.id, doc)
            progress.update(task, advance=1, description="committing")
        progress.update(task, advance=1)
    _print_report(report)


def _print_report(report: dict) -> None:
    from rich.table import Table

    table = Table(title="import report", show_header=False)
    for key, value in report.items():
        if isinstance(value, int):
            table.add_row(key, str(value))
    console.print(table)
    for name in report.get("unknown_algorithms", []):
        console.print(f"[yellow]unknown algorithm kept and flagged:[/yellow] {safe(name)}")
    for warning in report.get("warnings", []):
        console.print(f"[yellow]warning:[/yellow] {safe(warning)}")


@import_app.command("cbom")
def import_cbom_cmd(file: Path, org: OrgOption) -> None:
    """Import a CycloneDX (1.4 to 1.7) CBOM JSON file."""
    _import("cbom", file, org)


@import_app.command("csv")
def import_csv_cmd(
    file: Annotated[Path | None, typer.Argument()] = None,
    org: OptionalOrgOption = None,
    template: Annotated[bool, typer.Option(help="Print the CSV header and exit.")] = False,
) -> None:
    """Import a spreadsheet saved as CSV (see README, 'CSV format')."""
    from inventory.exchange.csv_io import template as csv_template

    if template:
        typer.echo(csv_template(), nl=False)
        return
    if file is None or org is None:
        err_console.print("[red]error:[/red] FILE and --org are required")
        raise typer.Exit(2)
    _import("csv", file, org)


@export_app.command("cbom")
def export_cbom_cmd(
    org: OrgOption,
    spec: Annotated[str, typer.Option(help="CycloneDX version: 1.6 or 1.7")] = "1.6",
    output: Annotated[Path | None, typer.Option("-o", "--output")] = None,
) -> None:
    """Export an organization's inventory as a CycloneDX CBOM."""
    doing(f"exporting the inventory of organization {org} as CycloneDX {spec}")
    from inventory.exchange.cbom_export import export_cbom

    if spec not in ("1.6", "1.7"):
        err_console.print("[red]error:[/red] --spec must be 1.6 or 1.7")
        raise typer.Exit(2)
    warnings: list[str] = []
    with user_errors(), db_session() as session:
        text = export_cbom(session, resolve_org(session, org).id, spec, warnings=warnings)
    for w in warnings:  # what an imported CBOM said that this version has no place for
        err_console.print(f"warning: {w}", style="yellow", highlight=False, markup=False)
    _write(text, output)


@export_app.command("csv")
def export_csv_cmd(
    org: OrgOption, output: Annotated[Path | None, typer.Option("-o", "--output")] = None
) -> None:
    """Export an organization's inventory as CSV (the import layout)."""
    doing(f"exporting the inventory of organization {org} as CSV")
    from inventory.exchange.csv_io import export_csv

    with user_errors(), db_session() as session:
        text = export_csv(session, resolve_org(session, org).id)
    _write(text, output)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)
        err_console.print(safe(f"wrote {output} ({len(text)} bytes)"))


@inventory_app.command("summary")
def inventory_summary(
    org: OptionalOrgOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Counts by quantum status, sector and algorithm."""
    from rich.table import Table

    from inventory.service.summary import summarize

    with user_errors(), db_session() as session:
        org_id = resolve_org(session, org).id if org else None
        summary = summarize(session, operator(org_id or 0), org_id)
    if as_json:
        typer.echo(json.dumps(asdict(summary), indent=2))
        return
    console.print(
        f"organizations {summary.organizations}  assets {summary.assets}  "
        f"usages {summary.usages}  quantum-vulnerable assets {summary.vulnerable_assets}"
    )
    status_table = Table("quantum status", "usages", title="by quantum status")
    for status, count in summary.by_status.items():
        status_table.add_row(status, str(count))
    console.print(status_table)
    statuses = list(summary.by_status)
    sector_table = Table("sector", *statuses, title="by sector")
    for sector, counts in sorted(summary.by_sector.items()):
        sector_table.add_row(sector, *(str(counts.get(s, 0)) for s in statuses))
    console.print(sector_table)
    algo_table = Table("algorithm", "quantum status", "usages", title="by algorithm")
    for row in summary.by_algorithm[:25]:
        algo_table.add_row(safe(row["algorithm"]), row["quantum_status"], str(row["count"]))
    console.print(algo_table)


@org_app.command("create")
def org_create(
    slug: str,
    name: str,
    sector: Annotated[Sector, typer.Option()],
    tier: Annotated[Tier, typer.Option()],
    country: str = "KR",
) -> None:
    from inventory.schemas import OrganizationIn
    from inventory.service.organizations import create_organization

    with user_errors(), db_session() as session:
        spec = OrganizationIn(slug=slug, name=name, sector=sector, tier=tier, country=country)
        org = create_organization(session, spec, operator(0))
    console.print(f"created organization {org.id} ({org.slug})")  # only once committed


@org_app.command("list")
def org_list() -> None:
    from rich.table import Table

    from inventory.service.organizations import list_organizations

    with db_session() as session:
        table = Table("id", "slug", "name", "sector", "tier")
        for org in list_organizations(session, operator(0)):
            table.add_row(str(org.id), org.slug, safe(org.name), org.sector.value, org.tier.value)
    console.print(table)


@key_app.command("create")
def key_create(org: OrgOption, role: Annotated[Role, typer.Option()], name: str = "cli") -> None:
    """Issue an API key; the secret is printed once."""
    from core.apikeys import issue_key
    from core.audit import record

    with user_errors(), db_session() as session:
        target = resolve_org(session, org)
        row, secret = issue_key(session, target.id, role, name)
        detail = {"role": role.value, "name": name}
        record(session, operator(target.id), "create", "api_key", row.id, target.id, detail)
    typer.echo(secret)
