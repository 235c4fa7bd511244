"""`pqcplan serve|worker|demo`: run the service, run queued jobs, load the demo inventory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import console, db_session, err_console, operator, safe, user_errors


def demo(
    reset: Annotated[bool, typer.Option(help="Delete the demo organizations first.")] = False,
    keys_file: Annotated[
        Path | None, typer.Option(help="Where to write the demo API keys.")
    ] = None,
) -> None:
    """Load a realistic invented inventory: a ministry, a hospital, a bank and a telecom."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from app.settings import get_settings
    from core import schema
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
            # a supervising desk, procedures, reporting: audited as the operator
            sectors = load_sector_demo(session, operator)
            result.keys.update(sectors.keys)
            result.organizations += sectors.organizations
            _audit_demo(session, result)
    path = keys_file or _default_keys_file(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private_text(path, json.dumps(result.keys, indent=2))  # mode 0600: API keys
    admin = result.keys["admin"]
    console.print(
        f"demo loaded: {result.organizations} organizations, {result.assets} assets, "
        f"{result.usages} crypto usages, {result.dependencies} dependencies"
    )
    # never the keys themselves: this line lands in terminals, CI logs and server logs
    console.print(safe(f"API keys written to {path} (mode 0600; admin key {masked(admin)})"))


def masked(secret: str) -> str:
    """A key as it may be shown: its first characters, enough to tell keys apart.

    >>> masked("pqc_abcdefghijklmnopqrstuvwxyz0123456789")
    'pqc_abcd... (40 characters)'
    """
    return f"{secret[:8]}... ({len(secret)} characters)"


def _audit_demo(session, result) -> None:
    """One entry in the demo's admin organization: what the load wrote (keys not shown)."""
    from core.audit import record
    from inventory.demo import ADMIN_ORG
    from inventory.service.organizations import find_by_slug_or_id

    admin = find_by_slug_or_id(session, ADMIN_ORG.slug)
    detail = {
        "organizations": result.organizations,
        "assets": result.assets,
        "usages": result.usages,
        "keys": len(result.keys),
    }
    record(session, operator(admin.id), "load", "demo", None, admin.id, detail)


def _default_keys_file(url: str) -> Path:
    """Beside the data: the SQLite file's folder, else pqcplan's data folder (never the
    working directory, which may be a checkout the keys would be committed from)."""
    from app.settings import DEFAULT_DATA_DIR

    if url.startswith("sqlite:///") and url.removeprefix("sqlite:///") not in ("", ":memory:"):
        return Path(url.removeprefix("sqlite:///").split("?")[0]).with_name("demo-keys.json")
    return DEFAULT_DATA_DIR / "demo-keys.json"


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
    import shutil
    import tempfile

    import uvicorn

    from app.api.main import create_app
    from app.api.observability import log_config, proxy_options
    from app.settings import get_settings
    from core import schema

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
        **proxy_options(get_settings().trusted_proxies),
    }
    if workers == 1:
        uvicorn.run(application, **options)
        return
    # N processes: each builds its own app; metrics are summed over them (multiprocess mode).
    made = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        made = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="pqcplan-metrics-")
    try:
        uvicorn.run("app.api.main:create_app", factory=True, workers=workers, **options)
    finally:
        if made is not None:  # ours: its counts mean nothing once the service stops
            shutil.rmtree(made, ignore_errors=True)


def worker(
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Jobs run at once.")] = 1,
    queue: Annotated[
        list[str] | None,
        typer.Option(help="Queues to take jobs from (jobs, benchmarks); default: all."),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Worker name in the queue's records.")] = None,
) -> None:
    """Run jobs from the PostgreSQL queue (scaled mode); stop with Ctrl-C or SIGTERM.

    SIGUSR1 prints every thread's stack to its standard error (the process goes on)."""
    import asyncio
    import faulthandler
    import signal

    import app.api.main  # noqa: F401  (registers every job kind's handler)
    from app.settings import get_settings
    from core import schema
    from core.errors import InputError
    from core.job_queue import QUEUES, is_scaled, run_worker
    from core.jobs import configure as configure_jobs

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
    configure_jobs(get_settings().job_timings())
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1`: where is it stuck?
    keeper = None
    if get_settings().testbed_pool_keeper:  # vendor checks prepared ahead (the testbed's pool)
        from app.api.pool_keeper import KeeperProcess

        keeper = KeeperProcess(url).start()
    try:
        asyncio.run(run_worker(url, concurrency=concurrency, queues=queue or None, name=name))
    finally:
        if keeper is not None:
            keeper.stop()
