"""`pqcplan scan code PATH`: cryptography in source code, configuration and software stacks.

Without ``--org`` nothing touches a database: the scan prints its findings and, with
``--cbom FILE``, writes a CycloneDX 1.6 CBOM whose ``evidence.occurrences`` point at the
source lines (`pqcplan judge FILE --format sarif` then annotates them). With ``--org`` the
directory must lie inside one of the organization's path scopes, and the findings are filed
as one asset (named by ``--name`` or the directory), as network scans are.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from app.cli.common import OptionalOrgOption, console, err_console, user_errors
from core.display import printable


def register(scan_app: typer.Typer) -> None:
    scan_app.command("code")(scan_code)


def scan_code(
    path: Annotated[
        Path, typer.Argument(help="A directory (repository, deployment tree) or one file.")
    ],
    org: OptionalOrgOption = None,
    name: Annotated[
        str | None, typer.Option(help="The asset's name (default: the directory's).")
    ] = None,
    cbom: Annotated[
        Path | None, typer.Option("--cbom", help="Write the scan as a CycloneDX 1.6 CBOM.")
    ] = None,
    no_store: Annotated[
        bool, typer.Option("--no-store", help="Do not file into the inventory.")
    ] = False,
    workers: Annotated[
        int | None, typer.Option(help="Parsing processes (default: one per core).")
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Parse every file again.")] = False,
    show: Annotated[int, typer.Option(help="Findings to print (0: none).")] = 50,
) -> None:
    """Find cryptography by parsing source code (Python, Java, Kotlin, Go, C/C++, JS/TS),
    configuration (nginx, Apache, HAProxy, OpenSSH, OpenSSL, java.security, Kubernetes,
    Terraform, Docker) and stacks (lock files, SBOMs, package lists)."""
    from core.errors import InputError
    from inventory.discovery.source import scan_source
    from inventory.discovery.source_cbom import source_cbom

    with user_errors():
        if workers is not None and not 1 <= workers <= 64:
            raise InputError("workers must be between 1 and 64", "--workers")
        target = path.resolve()
        if not target.exists():
            raise InputError(f"{path} does not exist", "PATH")
        store = org is not None and not no_store
        org_id = org_slug = None
        if store:
            org_id, org_slug = _check_scope(org, target)
        started = datetime.now(UTC)
        with console.status("scanning", spinner="dots") if console.is_terminal else _null():
            result = scan_source(target, name, workers=workers, use_cache=not no_cache)
        summary = scan_id = None
        if store:
            from app.cli.common import db_session, operator
            from core.audit import record
            from inventory.discovery import service

            req = service.ScanRequest("code", paths=[target], name=name)
            with db_session() as session:
                principal = operator(org_id)
                scan = service.record_scan(
                    session, org_id, req, [result], principal.name, started_at=started
                )
                scan_id, summary = scan.id, scan.summary
                record(session, principal, "scan", "code", scan.id, org_id, service.counts(summary))
        if cbom is not None:
            cbom.write_text(source_cbom(result, org_slug))
    _print(result, scan_id, summary, cbom, show)


def _check_scope(org: str, target: Path) -> tuple[int, str]:
    from app.cli.common import db_session, resolve_org
    from inventory.discovery import service

    with db_session() as session:
        found = resolve_org(session, org)
        service.prepare(session, found.id, "code", [str(target)])
        return found.id, found.slug


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


def _print(result, scan_id, summary, cbom, show: int) -> None:
    from inventory.catalog import get_catalog
    from inventory.discovery import source_filing as sf
    from inventory.discovery.stacks.catalog import stack_catalog

    cat = get_catalog()
    head = f"{printable(result.name)}: {result.files} source file(s), {result.lines} line(s), "
    head += (
        f"{result.parsed} parsed, {result.cached} from cache, {len(result.findings)} finding(s), "
    )
    head += (
        f"{len(result.components)} crypto librar{'y' if len(result.components) == 1 else 'ies'}, "
    )
    head += f"{result.seconds:.1f} s"
    console.print(escape(head))
    if result.skipped:
        skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(result.skipped.items()))
        err_console.print(escape(f"skipped: {skipped}"))
    if show and result.findings:
        table = Table("where", "algorithm", "parameters", "status", "API")
        for f in result.findings[:show]:
            c = cat.classify(
                sf.catalog_name(f), key_size=f.key_size, curve=f.curve, primitive=sf.primitive_of(f)
            )
            table.add_row(
                escape(printable(f"{f.path}:{f.line}")),
                escape(printable(c.canonical)),
                escape(printable(sf.parameters(f))),
                c.status.value,
                escape(printable(f.api)),
            )
        console.print(table)
        if len(result.findings) > show:
            console.print(f"... and {len(result.findings) - show} more (--show N)")
    if result.components:
        stacks = stack_catalog()
        table = Table("where", "library", "version", "post-quantum readiness")
        for c in result.components[: max(show, 1)]:
            sentences = [
                stacks.readiness(c.product or "", c.version, cap).sentence()
                for cap in ("tls_hybrid", "ml_kem", "ml_dsa")
            ]
            table.add_row(
                escape(printable(f"{c.path}:{c.line or 1}")),
                escape(printable(c.name)),
                escape(printable(c.version or "?")),
                escape(printable(sentences[0])),
            )
        console.print(table)
    if summary is not None:
        console.print(
            f"filed as scan #{scan_id}: {summary['assets_created']} new asset(s), "
            f"{len(summary['usages_appeared'])} usage(s) appeared, "
            f"{len(summary['usages_disappeared'])} disappeared, {summary['usages_kept']} kept; "
            f"{len(summary.get('components_appeared', []))} librar(ies) appeared, "
            f"{len(summary.get('components_disappeared', []))} disappeared"
        )
    if cbom is not None:
        console.print(f"CBOM written to {escape(printable(str(cbom)))}")
