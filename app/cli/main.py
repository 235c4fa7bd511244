"""`pqcplan`: the command line. Each subcommand lives in its own module, imported on use.

Add a command by adding a line to `COMMANDS` (name, "module:attribute", one-line help); keep
heavy imports (SQLAlchemy models, networkx, Alembic, cryptography, engines) inside the
command's function so that neither `pqcplan --help` nor another command pays for them.
"""

from __future__ import annotations

import typer

from app.cli import quick_params
from app.cli.lazy import Lazy, lazy_group

quick_params.install()  # typer builds its pydantic coercion only for values that need it

COMMANDS: dict[str, Lazy] = {
    "judge": Lazy(
        "app.cli.judge:judge_cmd",
        "Judge a CBOM or CSV file under policy profiles, without a database (exit 1 if it fails).",
    ),
    "import": Lazy(
        "app.cli.inventory:import_app", "Import an inventory file into an organization."
    ),
    "export": Lazy("app.cli.inventory:export_app", "Export an organization's inventory."),
    "inventory": Lazy("app.cli.inventory:inventory_app", "Look at the inventory."),
    "plan": Lazy("app.cli.plan:plan_app", "Migration plans under a policy profile."),
    "profiles": Lazy("app.cli.profiles:profiles_app", "Policy profiles (built-in and your own)."),
    "scan": Lazy(
        "app.cli.scan:scan_app",
        "Discover cryptography on live endpoints, in key stores and in source trees.",
    ),
    "testbed": Lazy("app.cli.testbed:testbed_app", "The PQC testbed: engines and benchmarks."),
    "bench": Lazy(
        "app.cli.testbed:bench",
        "Benchmark algorithms on real engines, side by side with the classical baseline.",
    ),
    "verify-report": Lazy(
        "app.cli.reports:verify_report",
        "Check a signed testbed report offline (exit 0 only if the trusted key signed it).",
    ),
    "org": Lazy("app.cli.inventory:org_app", "Organizations (tenants)."),
    "key": Lazy("app.cli.inventory:key_app", "API keys."),
    "job": Lazy("app.cli.jobs:job_app", "Jobs: status and cancellation."),
    "db": Lazy("app.cli.db:db_app", "Database schema (Alembic)."),
    "serve": Lazy(
        "app.cli.service:serve", "Upgrade the schema and run the API (OpenAPI docs at /docs)."
    ),
    "worker": Lazy(
        "app.cli.service:worker",
        "Run jobs from the PostgreSQL queue (scaled mode); stop with Ctrl-C or SIGTERM.",
    ),
    "demo": Lazy(
        "app.cli.service:demo",
        "Load a realistic invented inventory: a ministry, a hospital, a bank and a telecom.",
    ),
    "sector": Lazy("app.cli.sector:sector_app", "Sector transition targets and completeness."),
    "procedure": Lazy("app.cli.sector:procedure_app", "The adoption procedure as tracked work."),
    "supervision": Lazy(
        "app.cli.sector:supervision_app", "Reporting to a supervisor, and its view."
    ),
}

app = typer.Typer(cls=lazy_group(COMMANDS), no_args_is_help=True)


@app.callback()
def _top() -> None:
    """Post-quantum cryptography migration planner."""


def main() -> None:
    app()


if __name__ == "__main__":
    main()
