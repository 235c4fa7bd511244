"""`pqcplan`: database, service, imports and exports, inventory summary, demo data."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.cli.common import (
    OptionalOrgOption,
    OrgOption,
    console,
    db_session,
    err_console,
    operator,
    read_input_file,
    resolve_org,
    user_errors,
)
from app.cli.jobs import job_app
from app.cli.judge import judge_cmd
from app.cli.plan import plan_app
from app.cli.profiles import profiles_app
from app.cli.reports import verify_report
from app.cli.scan import scan_app
from app.cli.sector import procedure_app, sector_app, supervision_app
from app.cli.testbed import bench, testbed_app
from app.settings import get_settings
from core import schema
from core.choices import Role, Sector, Tier

if TYPE_CHECKING:
    from inventory.exchange.imports import ImportKind

app = typer.Typer(help="Post-quantum cryptography migration planner.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (Alembic).", no_args_is_help=True)
import_app = typer.Typer(
    help="Import an inventory file into an organization.", no_args_is_help=True
)
export_app = typer.Typer(help="Export an organization's inventory.", no_args_is_help=True)
inventory_app = typer.Typer(help="Look at the inventory.", no_args_is_help=True)
org_app = typer.Typer(help="Organizations (tenants).", no_args_is_help=True)
key_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(inventory_app, name="inventory")
app.add_typer(org_app, name="org")
app.add_typer(key_app, name="key")
app.add_typer(testbed_app, name="testbed")
app.add_typer(plan_app, name="plan")
app.add_typer(profiles_app, name="profiles")
app.add_typer(scan_app, name="scan")
app.add_typer(job_app, name="job")
app.add_typer(sector_app, name="sector")
app.add_typer(procedure_app, name="procedure")
app.add_typer(supervision_app, name="supervision")
app.command("bench")(bench)
app.command("verify-report")(verify_report)
app.command("judge")(judge_cmd)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Create or upgrade the schema to REVISION (default: the newest)."""
    url = get_settings().database_url
    schema.upgrade(url, revision)
    console.print(f"database at revision [bold]{schema.current(url)}[/bold]")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Step the schema back to REVISION (e.g. base)."""
    url = get_settings().database_url
    schema.downgrade(url, revision)
    console.print(f"database at revision [bold]{schema.current(url)}[/bold]")


@db_app.command("current")
def db_current() -> None:
    console.print(schema.current(get_settings().database_url) or "empty (no schema)")


def _import(kind: ImportKind, path: Path, org: str) -> None:
    from inventory.exchange.imports import Document, import_document

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
    table = Table(title="import report", show_header=False)
    for key, value in report.items():
        if isinstance(value, int):
            table.add_row(key, str(value))
    console.print(table)
    for name in report.get("unknown_algorithms", []):
        console.print(f"[yellow]unknown algorithm kept and flagged:[/yellow] {escape(name)}")
    for warning in report.get("warnings", []):
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}")


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
    from inventory.exchange.csv_io import export_csv

    with user_errors(), db_session() as session:
        text = export_csv(session, resolve_org(session, org).id)
    _write(text, output)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)
        err_console.print(escape(f"wrote {output} ({len(text)} bytes)"))


@inventory_app.command("summary")
def inventory_summary(
    org: OptionalOrgOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Counts by quantum status, sector and algorithm."""
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
        algo_table.add_row(escape(row["algorithm"]), row["quantum_status"], str(row["count"]))
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
    from inventory.service.organizations import list_organizations

    with db_session() as session:
        table = Table("id", "slug", "name", "sector", "tier")
        for org in list_organizations(session, operator(0)):
            table.add_row(str(org.id), org.slug, escape(org.name), org.sector.value, org.tier.value)
    console.print(table)


@key_app.command("create")
def key_create(org: OrgOption, role: Annotated[Role, typer.Option()], name: str = "cli") -> None:
    """Issue an API key; the secret is printed once."""
    from core.apikeys import issue_key

    with user_errors(), db_session() as session:
        target = resolve_org(session, org)
        _, secret = issue_key(session, target.id, role, name)
    typer.echo(secret)


@app.command()
def demo(
    reset: Annotated[bool, typer.Option(help="Delete the demo organizations first.")] = False,
    keys_file: Annotated[
        Path | None, typer.Option(help="Where to write the demo API keys.")
    ] = None,
) -> None:
    """Load a realistic invented inventory: a ministry, a hospital, a bank and a telecom."""
    from core.private_files import write_private_text
    from inventory.demo import load_demo
    from migration.sectors.demo import load_sector_demo

    url = get_settings().database_url
    schema.upgrade(url)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err_console,
    ) as progress:
        task = progress.add_task("demo inventory", total=None)

        def step(done: int, total: int, label: str) -> None:
            progress.update(task, completed=done, total=total, description=label)

        with db_session() as session:
            result = load_demo(session, reset=reset, progress=step)
            sectors = load_sector_demo(session)  # a supervising desk, procedures, reporting
            result.keys.update(sectors.keys)
            result.organizations += sectors.organizations
    path = keys_file or _default_keys_file(url)
    write_private_text(path, json.dumps(result.keys, indent=2))  # mode 0600: API keys
    console.print(
        f"demo loaded: {result.organizations} organizations, {result.assets} assets, "
        f"{result.usages} crypto usages, {result.dependencies} dependencies"
    )
    console.print(escape(f"API keys written to {path} (admin key: {result.keys['admin']})"))


def _default_keys_file(url: str) -> Path:
    """Beside the SQLite file for the embedded default, else in the working directory."""
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).with_name("demo-keys.json")
    return Path("demo-keys.json")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    with_demo: Annotated[
        bool, typer.Option("--demo", help="Load the demo inventory first.")
    ] = False,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="API processes (PostgreSQL for more than one).")
    ] = 1,
    log_json: Annotated[bool, typer.Option("--log-json", help="Log lines as JSON.")] = False,
    graceful_timeout: Annotated[
        int, typer.Option(min=0, help="Seconds requests in flight get to finish on SIGTERM.")
    ] = 30,
) -> None:
    """Upgrade the schema and run the API (OpenAPI docs at /docs)."""
    import os
    import tempfile

    import uvicorn

    from app.api.main import create_app
    from app.api.observability import log_config

    url = get_settings().database_url
    if workers > 1 and url.startswith("sqlite"):
        with user_errors():
            from core.errors import InputError

            raise InputError("--workers above 1 needs PostgreSQL (DATABASE_URL)", "--workers")
    schema.upgrade(url)
    if with_demo:
        demo(reset=False, keys_file=None)
    with user_errors():  # a bad BOOTSTRAP_ADMIN_KEY: one red line, exit 2
        application = create_app()
    console.print(f"pqcplan API on http://{host}:{port}  (docs: http://{host}:{port}/docs)")
    options: dict = {
        "host": host,
        "port": port,
        "log_config": log_config(log_json),
        "timeout_graceful_shutdown": graceful_timeout,
    }
    if workers == 1:
        uvicorn.run(application, **options)
        return
    # N processes: each builds its own app; metrics are summed over them (multiprocess mode).
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="pqcplan-metrics-"))
    uvicorn.run("app.api.main:create_app", factory=True, workers=workers, **options)


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Jobs run at once.")] = 1,
    queue: Annotated[
        list[str] | None,
        typer.Option(help="Queues to take jobs from (jobs, benchmarks); default: all."),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Worker name in the queue's records.")] = None,
) -> None:
    """Run jobs from the PostgreSQL queue (scaled mode); stop with Ctrl-C or SIGTERM."""
    import asyncio

    import app.api.main  # noqa: F401  (registers every job kind's handler)
    from core.errors import InputError
    from core.job_queue import QUEUES, is_scaled, run_worker

    url = get_settings().database_url
    with user_errors():
        if not is_scaled(url):
            raise InputError(
                "pqcplan worker needs PostgreSQL; on SQLite pqcplan serve runs jobs itself",
                "DATABASE_URL",
            )
        bad = [q for q in queue or [] if q not in QUEUES]
        if bad:
            raise InputError(f"unknown queue(s) {bad}; known: {list(QUEUES)}", "--queue")
    schema.upgrade(url)
    asyncio.run(run_worker(url, concurrency=concurrency, queues=queue or None, name=name))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
