"""`pqcplan scan tls|ssh|certs TARGETS --org ORG` and `pqcplan scan scope add|list|remove`."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

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
from app.cli.scan_code import register as register_code_scan
from core.errors import InputError

scan_app = typer.Typer(
    help="Discover cryptography on live endpoints, in key stores and in source trees.",
    no_args_is_help=True,
)
scope_app = typer.Typer(
    help="The networks and directories an organization may scan.", no_args_is_help=True
)
scan_app.add_typer(scope_app, name="scope")
register_code_scan(scan_app)

Targets = Annotated[list[str] | None, typer.Argument(help="host:port, host, CIDR:ports.")]
FromFile = Annotated[Path | None, typer.Option("--file", "-f", help="Targets, one a line.")]
Timeout = Annotated[float, typer.Option(help="Seconds per target, at most.")]
Concurrency = Annotated[int, typer.Option(help="Targets scanned at once.")]
Cbom = Annotated[Path | None, typer.Option("--cbom", help="Also write the scan as a CBOM.")]
NoStore = Annotated[
    bool, typer.Option("--no-store", help="Do not file results into the inventory.")
]


def _scan(
    kind: str,
    targets: list[str],
    org: str,
    timeout: float,
    concurrency: int,
    cbom: Path | None,
    no_store: bool,
    password: str | None = None,
) -> None:
    doing(f"scanning {len(targets)} {kind} target(s) for organization {org}")
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from core.audit import record
    from core.models import Organization
    from inventory.discovery import service
    from inventory.discovery.cbom import scan_cbom

    with user_errors():
        with db_session() as session:
            target_org = resolve_org(session, org)
            org_id = target_org.id
            org_copy = Organization(
                id=org_id,
                slug=target_org.slug,
                name=target_org.name,
                sector=target_org.sector,
                tier=target_org.tier,
                country=target_org.country,
                description=target_org.description,
            )
            req = service.prepare(
                session,
                org_id,
                kind,
                targets,
                timeout=timeout,
                concurrency=concurrency,
                password=password,
            )
        started = datetime.now(UTC)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as bar:
            task = bar.add_task(f"scanning {kind}", total=len(req.labels))

            def progress(fraction: float, message: str) -> None:
                bar.update(
                    task, completed=round(fraction * len(req.labels)), description=safe(message)
                )

            results = service.run(req, progress)
        scan_id = None
        if not no_store:
            with db_session() as session:
                principal = operator(org_id)
                scan = service.record_scan(
                    session, org_id, req, results, principal.name, started_at=started
                )
                scan_id, summary = scan.id, scan.summary
                record(session, principal, "scan", kind, scan.id, org_id, service.counts(summary))
        if cbom is not None:
            cbom.write_text(scan_cbom(kind, results, org_copy))
    _print(kind, results, scan_id, summary if not no_store else None, cbom)
    if all(r.status not in ("ok", "partial") for r in results):
        raise typer.Exit(1)


def _row(*cells: str) -> list[str]:
    """Targets, errors, banners and algorithm names come from users and servers: not markup."""
    return [safe(c) for c in cells]


def _status(r) -> str:
    return r.status if r.status == "ok" else f"{r.status}: {r.error}"


def _print(kind, results, scan_id, summary, cbom) -> None:
    from rich.table import Table

    table = Table(title=safe(f"{kind} scan" + (f" #{scan_id}" if scan_id else "")))
    table.add_column("target")
    table.add_column("status")
    if kind == "tls":
        for col in ("versions", "groups (server order)", "certificate", "client certificate"):
            table.add_column(col)
        for r in results:
            leaf = r.certificates[0].public_key_algorithm if r.certificates else ""
            table.add_row(
                *_row(
                    r.target,
                    _status(r),
                    " ".join(v.removeprefix("TLSv") for v in r.versions),
                    ", ".join(r.groups),
                    leaf,
                    r.client_certificate or "",
                )
            )
    elif kind == "ssh":
        for col in ("banner", "hybrid kex", "host keys"):
            table.add_column(col)
        for r in results:
            table.add_row(
                *_row(
                    r.target,
                    _status(r),
                    r.banner or "",
                    ", ".join(r.hybrid_kex),
                    ", ".join(sorted({k.canonical for k in r.host_keys})),
                )
            )
    else:
        for col in ("items", "quantum-vulnerable", "problems"):
            table.add_column(col)
        for r in results:
            vulnerable = sum(1 for i in r.items if i.quantum_status == "broken")
            problems = sum(1 for i in r.items if i.problems or i.error)
            table.add_row(
                *_row(r.target, _status(r)),
                str(len(r.items)),
                str(vulnerable),
                str(problems),
            )
    console.print(table)
    if summary is not None:
        kept = len(summary.get("usages_not_rechecked", []))
        console.print(
            f"filed: {summary['assets_created']} new asset(s), "
            f"{len(summary['usages_appeared'])} usage(s) appeared, "
            f"{len(summary['usages_disappeared'])} disappeared, {summary['usages_kept']} kept"
            + (f", {kept} kept unchecked (a part could not be read)" if kept else "")
        )
    if cbom is not None:
        console.print(f"CBOM written to {safe(str(cbom))}")


def _targets(targets: list[str] | None, file: Path | None) -> list[str]:
    from inventory.discovery.targets import read_target_file

    out = list(targets or [])
    if file is not None:
        with user_errors():
            out += read_target_file(file)
    return out


def _endpoint_scan(kind: str, help_text: str) -> None:
    """Register `pqcplan scan KIND`: TLS and SSH take the same targets and options."""

    def command(
        org: OrgOption,
        targets: Targets = None,
        file: FromFile = None,
        timeout: Timeout = 10.0,
        concurrency: Concurrency = 64,
        cbom: Cbom = None,
        no_store: NoStore = False,
    ) -> None:
        _scan(kind, _targets(targets, file), org, timeout, concurrency, cbom, no_store)

    scan_app.command(kind, help=help_text)(command)


_endpoint_scan(
    "tls", "Versions, suites, groups (hybrid post-quantum included), signature schemes, chain."
)
_endpoint_scan("ssh", "Banner, key exchanges, host keys, ciphers and MACs.")


@scan_app.command("certs")
def scan_certs(
    org: OrgOption,
    targets: Annotated[list[str], typer.Argument(help="Files or directories.")],
    password: Annotated[
        str | None, typer.Option(help="Store password (prefer --password-env).")
    ] = None,
    password_env: Annotated[str | None, typer.Option(help="Variable holding the password.")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds per store, at most.")] = 60.0,
    cbom: Cbom = None,
    no_store: NoStore = False,
) -> None:
    """Certificates and keys in files: PEM, DER, PKCS#1/#8, OpenSSH, PKCS#12, Java keystores."""

    if password_env:
        if password_env not in os.environ:
            with user_errors():
                raise InputError(
                    f"environment variable {password_env} is not set", "--password-env"
                )
        password = os.environ[password_env]
    paths = [str(Path(t).resolve()) for t in targets]
    _scan("certs", paths, org, timeout, 1, cbom, no_store, password)


@scope_app.command("add")
def scope_add(
    org: OrgOption,
    value: Annotated[str, typer.Argument(help="CIDR range, host name, or directory.")],
    kind: Annotated[str, typer.Option(help="network or path.")] = "network",
    ports: Annotated[str | None, typer.Option(help="e.g. 443,8443,9000-9100")] = None,
    note: str | None = None,
) -> None:
    from core.audit import record
    from inventory.discovery import service

    with user_errors(), db_session() as session:
        target = resolve_org(session, org)
        row = service.add_scope(session, target.id, kind, value, ports, note)
        session.flush()
        detail = {"value": row.value, "ports": row.ports}
        record(session, operator(target.id), "create", "scan_scope", row.id, target.id, detail)
        stored = f"scope {row.id}: {row.kind} {row.value} ports {row.ports or 'any'}"
    console.print(safe(stored))  # only once committed


@scope_app.command("list")
def scope_list(org: OrgOption) -> None:
    from rich.table import Table

    from inventory.discovery import service

    with user_errors(), db_session() as session:
        target = resolve_org(session, org)
        table = Table("id", "kind", "value", "ports", "note")
        for s in service.list_scopes(session, target.id):
            table.add_row(*_row(str(s.id), s.kind, s.value, s.ports or "any", s.note or ""))
    console.print(table)


@scope_app.command("remove")
def scope_remove(org: OrgOption, scope_id: int) -> None:
    from core.audit import record
    from inventory.discovery import service

    with user_errors(), db_session() as session:
        target = resolve_org(session, org)
        service.delete_scope(session, target.id, scope_id)
        record(session, operator(target.id), "delete", "scan_scope", scope_id, target.id, {})
    console.print(f"scope {scope_id} removed")
