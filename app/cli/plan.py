"""`pqcplan plan`: generate, show, export, compare and track migration plans."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.cli.common import (
    OrgOption,
    console,
    db_session,
    doing,
    err_console,
    operator,
    resolve_org,
    safe,
    user_errors,
)
from core.tenancy import NotFound
from migration.choices import TaskStatus

if TYPE_CHECKING:
    from migration.models import PlanVersion

plan_app = typer.Typer(help="Migration plans under a policy profile.", no_args_is_help=True)

VersionOption = Annotated[
    int | None, typer.Option("--version", "-v", help="Version number (default: newest).")
]


@contextmanager
def _errors() -> Iterator[None]:
    try:
        with user_errors():
            yield
    except Exception as exc:
        if not _plan_input_error(exc):
            raise
        err_console.print(f"[red]error:[/red] {safe(str(exc))}")
        sys.exit(2)


def _plan_input_error(exc: Exception) -> bool:
    """A bad profile or value. The profile errors are looked up only when the profile loader
    is loaded: neither can come from a module nobody imported, and importing it (YAML,
    pydantic, the profiles' schema) cost `plan list` a fifth of its start."""
    if isinstance(exc, ValueError):
        return True
    loader = sys.modules.get("migration.profiles.loader")
    return loader is not None and isinstance(exc, loader.ProfileError | loader.UnknownProfile)


def _version(session: Any, plan_id: int, number: int | None) -> PlanVersion:
    from migration import service
    from migration.models import Plan

    if session.get(Plan, plan_id) is None:
        raise NotFound(f"no plan {plan_id}")
    version = (
        service.latest_version(session, plan_id)
        if number is None
        else service.version_by_number(session, plan_id, number)
    )
    if version is None:
        raise NotFound(f"plan {plan_id} has no version {number}")
    return version


def _bar(percent: float, width: int = 20) -> str:
    filled = round(width * percent / 100)
    return "[green]" + "█" * filled + "[/green]" + "░" * (width - filled) + f" {percent:5.1f}%"


def _print_summary(plan_id: int, number: int, s: dict[str, Any], progress: dict[str, Any]) -> None:
    from rich.table import Table

    console.print(
        f"plan [bold]{plan_id}[/bold] version [bold]{number}[/bold]: "
        f"{safe(str(s['profile']))} ({safe(str(s['profile_version']))}), {s['tasks']} tasks, "
        f"effort {s['effort']}, last wave {s['last_wave']}, params {safe(str(s['params']))}"
    )
    if s.get("flags"):
        console.print(f"flags: {safe(str(s['flags']))}")
    for cycle in s.get("cycles", []):
        console.print(f"[yellow]cycle planned as one unit:[/yellow] {safe(', '.join(cycle))}")
    for title, key in (("phase", "by_phase"), ("sector", "by_sector")):
        table = Table(title=f"progress by {title}")
        table.add_column(title)
        table.add_column("tasks", justify="right")
        table.add_column("done", justify="right")
        table.add_column("effort done")
        for name, p in progress[key].items():
            table.add_row(safe(name), str(p["tasks"]), str(p["done"]), _bar(p["percent_done"]))
        console.print(table)


@plan_app.command("generate")
def generate(
    profile: Annotated[str, typer.Option("--profile", help="Profile id, e.g. kr-2035.")],
    org: OrgOption,
    crqc_year: Annotated[int, typer.Option(help="Year a CRQC is assumed.")] = 2035,
    capacity: Annotated[int, typer.Option(help="Effort points per wave (quarter).")] = 40,
    start: Annotated[str | None, typer.Option(help="Plan start date, YYYY-MM-DD.")] = None,
    migration_years: Annotated[int, typer.Option(help="Mosca's y.")] = 3,
    name: Annotated[str | None, typer.Option(help="Plan name.")] = None,
    plan_id: Annotated[
        int | None, typer.Option("--plan", help="Add a version to this plan instead.")
    ] = None,
    timings: Annotated[
        bool, typer.Option("--timings", help="Print each stage's wall seconds to stderr.")
    ] = False,
) -> None:
    """Plan an organization's inventory and store it as a new plan (or version)."""
    doing(f"planning the inventory of organization {org} under {profile}")
    from migration import service
    from migration.models import Plan
    from migration.scheduler import PlanParams

    stages: dict[str, float] = {}
    with _errors(), db_session() as session:
        organization = resolve_org(session, org)
        try:
            begin = date.fromisoformat(start) if start else date.today()
        except ValueError:
            raise ValueError(f"--start: '{start}' is not a YYYY-MM-DD date") from None
        params = PlanParams(begin, crqc_year, capacity, migration_years)
        if plan_id is not None:
            existing = session.get(Plan, plan_id)
            if existing is None or existing.organization_id != organization.id:
                raise NotFound(f"no plan {plan_id} in organization {organization.slug}")
        version = service.generate(
            session,
            organization.id,
            profile,
            params,
            plan_id=plan_id,
            name=name,
            timings=stages,
            actor=operator(organization.id),
        )
        clock = time.perf_counter()
        stored = (version.plan_id, version.number, dict(version.summary))
        progress = service.version_progress(session, version.id)
        stages["summarize"] = time.perf_counter() - clock
        clock = time.perf_counter()
    stages["commit"] = time.perf_counter() - clock
    # printed only once committed: a summary on screen means the version is stored
    clock = time.perf_counter()
    _print_summary(*stored, progress)
    stages["show_summary"] = time.perf_counter() - clock
    if timings:
        sys.stderr.write(f"timings: {json.dumps({k: round(v, 3) for k, v in stages.items()})}\n")


@plan_app.command("list")
def list_plans(org: OrgOption) -> None:
    """An organization's plans and their newest version."""
    from rich.table import Table
    from sqlalchemy import select

    from migration.models import Plan

    with _errors(), db_session() as session:
        organization = resolve_org(session, org)
        table = Table("id", "name", "profile", "versions", "newest")
        for plan in session.scalars(
            select(Plan).where(Plan.organization_id == organization.id).order_by(Plan.id)
        ):
            newest = plan.versions[-1] if plan.versions else None
            table.add_row(
                str(plan.id),
                safe(plan.name or ""),
                safe(plan.profile_id),
                str(len(plan.versions)),
                f"v{newest.number} {newest.summary.get('tasks')} tasks" if newest else "-",
            )
        console.print(table)


@plan_app.command("show")
def show(
    plan_id: Annotated[int, typer.Argument(help="Plan id.")],
    version: VersionOption = None,
    limit: Annotated[int, typer.Option(help="Tasks to list.")] = 30,
    flagged: Annotated[bool, typer.Option(help="Only flagged tasks.")] = False,
    why: Annotated[bool, typer.Option(help="Print each task's reasons.")] = False,
) -> None:
    """Summary, progress per phase and sector, and the first tasks of a plan version."""
    from rich.table import Table

    from migration import service

    with _errors(), db_session() as session:
        row = _version(session, plan_id, version)
        _print_summary(
            row.plan_id, row.number, row.summary, service.version_progress(session, row.id)
        )
        first, total = service.first_tasks(session, row.id, limit, flagged=flagged)
        shown = service.task_dicts(session, first)
        table = Table(
            "id",
            "wave",
            "phase",
            "asset",
            "algorithm",
            "target",
            "deadline",
            "score",
            "status",
            "flags",
        )
        for t in shown:
            table.add_row(
                str(t["id"]),
                t["wave_label"],
                safe(t["phase"]),
                safe(t["asset_name"]),
                safe(t["algorithm"]),
                safe(t["target"]),
                t["deadline"] or "-",
                f"{t['score']:g}",
                t["status"],
                ", ".join(t["flags"]),
            )
        console.print(table)
        if total > len(shown):
            console.print(f"... {total - len(shown)} more (use --limit)")
        if why:
            for t in shown:
                console.print(f"[bold]{safe(t['asset_name'])} {safe(t['algorithm'])}[/bold]")
                for reason in t["reasons"]:
                    console.print(f"  - {safe(reason)}")
                if t["blocking_chain"]:
                    console.print(f"  blocked by: {safe(' -> '.join(t['blocking_chain']))}")


@plan_app.command("export")
def export(
    plan_id: Annotated[int, typer.Argument(help="Plan id.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv, json, md or html.")] = "md",
    version: VersionOption = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
) -> None:
    """Write a plan version as CSV, JSON, Markdown, or HTML with a timeline chart."""
    from migration import report
    from migration.export import export_chunks

    with _errors(), db_session() as session:
        if fmt not in report.FORMATS:
            raise ValueError(f"--format: '{fmt}' is not one of {', '.join(report.FORMATS)}")
        row = _version(session, plan_id, version)
        chunks = export_chunks(session, row, fmt)  # streamed: a few thousand tasks at a time
        if output is None:
            for chunk in chunks:
                sys.stdout.write(chunk)
        else:
            partial = output.with_name(f".{output.name}.partial")
            try:
                with partial.open("w", encoding="utf-8") as handle:
                    for chunk in chunks:
                        handle.write(chunk)
                partial.replace(output)  # whole or not at all
            finally:
                partial.unlink(missing_ok=True)
            console.print(f"wrote {safe(output)} ({row.summary.get('tasks')} tasks)")


@plan_app.command("compare")
def compare(
    plan_id: Annotated[int, typer.Argument(help="Plan id.")],
    from_version: Annotated[int, typer.Option("--from", help="Older version.")],
    to_version: Annotated[int, typer.Option("--to", help="Newer version.")],
) -> None:
    """What changed between two versions of a plan."""
    from migration import service

    with _errors(), db_session() as session:
        old = _version(session, plan_id, from_version)
        new = _version(session, plan_id, to_version)
        diff = service.compare(
            service.task_dicts(session, service.tasks_of(session, old.id)),
            service.task_dicts(session, service.tasks_of(session, new.id)),
        )
    console.print(
        f"added {len(diff['added'])}, removed {len(diff['removed'])}, "
        f"changed {len(diff['changed'])}, unchanged {diff['unchanged']}"
    )
    for change in diff["changed"][:50]:
        parts = ", ".join(f"{k}: {a} -> {b}" for k, (a, b) in change["changes"].items())
        console.print(safe(f"  {change['asset_name']} ({change['key']}): {parts}"))


@plan_app.command("status")
def set_status(
    task_id: Annotated[int, typer.Argument(help="Task id (see `plan show`).")],
    new_status: Annotated[TaskStatus, typer.Option("--set", help="New status.")],
    note: Annotated[str | None, typer.Option(help="Why.")] = None,
) -> None:
    """Mark a task planned, in progress, done or blocked."""
    from migration import service
    from migration.models import PlanTask

    with _errors(), db_session() as session:
        task = session.get(PlanTask, task_id)
        if task is None:
            raise NotFound(f"no task {task_id}")
        service.set_status(task, new_status, note, actor=operator(task.organization_id))
        line = safe(f"task {task_id} ({task.asset_name} {task.algorithm}) is {new_status}")
    console.print(line)  # only once committed


@plan_app.command("judge")
def judge_cmd(
    org: OrgOption,
    profiles: Annotated[list[str], typer.Option("--profile", help="Repeat for each profile.")],
    only_disagreements: Annotated[bool, typer.Option(help="Hide agreements.")] = True,
    limit: Annotated[int, typer.Option(help="Usages to list.")] = 50,
) -> None:
    """Judge the inventory under several profiles side by side."""
    doing(f"judging the inventory of organization {org} under {', '.join(profiles)}")
    from app.cli.judge import render_table
    from migration import service
    from migration.compare import judge
    from migration.stateless import gate

    with _errors(), db_session() as session:
        organization = resolve_org(session, org)
        chosen = [service.resolve_profile(session, organization.id, p) for p in profiles]
        judgements = judge(service.load_inventory(session, organization.id), chosen)
        slug = organization.slug
    # Profiles can only disagree when there are two: with one, every usage is shown.
    hide_agreements = only_disagreements and len(chosen) > 1
    shown = [j for j in judgements if j.disagreements or not hide_agreements]
    # The gate's counts are of the whole inventory, not of the usages listed.
    result = gate(judgements, chosen, today=date.today(), allow_empty=True)
    render_table(
        shown[:limit],
        chosen,
        result,
        console,
        show_all=True,
        counted=judgements,
        nothing=f"organization {slug} has no cryptographic usage: nothing was judged",
    )
    if len(shown) > limit:
        console.print(f"listed {limit} of {len(shown)} usages (--limit)")
    console.print(
        f"{sum(1 for j in judgements if j.disagreements)} of {len(judgements)} usages "
        "have disagreements"
    )
