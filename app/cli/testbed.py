"""`pqcplan bench` and `pqcplan testbed ...`: run real engines from the command line."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from app.cli.common import (
    OptionalOrgOption,
    console,
    db_session,
    err_console,
    resolve_org,
    safe,
    user_errors,
)

testbed_app = typer.Typer(help="The PQC testbed: engines and benchmarks.", no_args_is_help=True)


@testbed_app.command("engines")
def engines_cmd(
    verbose: Annotated[bool, typer.Option("-v", help="List every algorithm.")] = False,
) -> None:
    """Which engines run here, their versions, and their KEMs and signatures."""
    from rich.table import Table

    from testbed.engines.registry import engine_statuses, get_engines

    engines = get_engines()
    table = Table("engine", "available", "version / reason", "KEMs", "signatures")
    for st in engine_statuses():
        if not st.available:
            table.add_row(safe(st.name), "[red]no[/red]", safe(st.reason or ""), "", "")
            continue
        eng = engines[st.name]
        kems, sigs = eng.kems(), eng.signatures()
        table.add_row(safe(st.name), "yes", safe(st.version or ""), str(len(kems)), str(len(sigs)))
        if verbose:
            table.add_row("", "", "", ", ".join(kems), ", ".join(sigs))
    console.print(table)
    if verbose:
        from testbed.kpqc_revisions import revisions

        for st in engine_statuses():
            if st.available and (found := revisions(engines[st.name].algorithms())):
                console.print(f"\n[bold]{safe(st.name)}[/bold]: which revision runs")
                for alg, text in found.items():
                    console.print(f"  {safe(alg)}: {safe(text)}")


def bench(
    alg: Annotated[list[str], typer.Option("--alg", help="Algorithm (repeatable), any spelling.")],
    engine: Annotated[
        list[str] | None, typer.Option("--engine", help="Engine name or 'all' (default).")
    ] = None,
    seconds: Annotated[float, typer.Option(help="Time budget per engine x algorithm.")] = 1.0,
    max_iterations: Annotated[
        int | None, typer.Option(help="Cap per operation (default: the time budget alone).")
    ] = None,
    timing: Annotated[
        str,
        typer.Option(
            help="auto (native loop where the engine has one), per-call (through the Python "
            "API, as a caller pays it) or native-loop."
        ),
    ] = "auto",
    baseline: Annotated[bool, typer.Option(help="Also run the classical baseline.")] = True,
    org: OptionalOrgOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Benchmark algorithms on real engines, side by side with the classical baseline.

    With --org, the results are also stored for that organization."""
    from pydantic import ValidationError
    from rich.markup import escape
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from inventory.catalog import canonical_name
    from testbed import benchmark_runs

    with user_errors():
        try:
            req = benchmark_runs.BenchmarkRequest(
                algorithms=[canonical_name(a) for a in alg],
                engines=engine or ["all"],
                time_budget_s=seconds,
                max_iterations=max_iterations,
                include_baseline=baseline,
                timing=timing,
            )
        except ValidationError as exc:
            option = {
                "time_budget_s": "--seconds",
                "algorithms": "--alg",
                "engines": "--engine",
                "max_iterations": "--max-iterations",
                "timing": "--timing",
            }
            for err in exc.errors():
                field = str(err["loc"][0]) if err["loc"] else "?"
                err_console.print(
                    "[red]error:[/red] " + safe(f"{option.get(field, field)}: {err['msg']}")
                )
            raise typer.Exit(2) from exc
        runs, skipped = benchmark_runs.plan_with_skips(req)
        for line in skipped:
            err_console.print("[yellow]note:[/yellow] " + escape(line))
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as progress:
            task = progress.add_task("benchmarking", total=1.0)
            results = benchmark_runs.execute(
                runs,
                req,
                lambda f, msg: progress.update(task, completed=f, description=safe(msg)),
            )
        if org:
            with db_session() as session:
                from app.cli.common import operator
                from core.audit import record

                target = resolve_org(session, org)
                benchmark_runs.store(session, target.id, None, None, req, results)
                detail = {"algorithms": req.algorithms, "results": len(results)}
                record(session, operator(target.id), "create", "benchmark_results", None,
                       target.id, detail)  # fmt: skip
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "results": [r.to_dict() for _, r in results],
                    "comparisons": benchmark_runs.comparisons(results),
                    "skipped": skipped,
                    "notes": benchmark_runs.notes(results),
                },
                indent=2,
            )
        )
        return
    table = Table(
        "algorithm",
        "engine",
        "operation",
        "ops/s (mean)",
        "ops/s (p50)",
        "p50 us",
        "p99 us",
        "timing",
        title="benchmark",
    )
    for run, res in results:
        label = res.algorithm + (f" (baseline for {run.baseline_for})" if run.baseline_for else "")
        for op, st in res.operations.items():
            table.add_row(
                label,
                res.engine,
                op,
                f"{st.ops_per_s:,.0f}",
                f"{st.ops_per_s_p50:,.0f}",
                f"{st.p50_us:.1f}",
                f"{st.p99_us:.1f}",
                st.timing,
            )
    console.print(table)
    sizes = Table("algorithm", "engine", "sizes (bytes)", title="sizes")
    for _, res in results:
        sizes.add_row(
            res.algorithm, res.engine, ", ".join(f"{k} {v}" for k, v in res.sizes.items())
        )
    console.print(sizes)
    for line in benchmark_runs.notes(results):
        console.print("note: " + escape(line))
    for c in benchmark_runs.comparisons(results):
        console.print(
            f"{c['algorithm']} on {c['engine']} vs {c['baseline']}: wire bytes "
            f"{c['wire_bytes'][0]} vs {c['wire_bytes'][1]} (x{c['wire_ratio']})"
        )
    if results:
        machine = results[0][1].machine
        flags = ", ".join(k for k, v in machine.get("cpu_flags", {}).items() if v)
        console.print(
            f"machine: {machine.get('cpu_model')} ({machine.get('cores')} cores; {flags})"
        )
