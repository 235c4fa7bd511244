"""`pqcplan sector`, `pqcplan procedure`, `pqcplan supervision`: sector guidelines on the
command line (the server's operator acts for the organization named by `--org`).

Heavy modules (the models, the planner, the report signer) are imported inside the
commands, so `pqcplan --help` stays quick.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from app.cli.common import (
    OrgOption,
    console,
    db_session,
    doing,
    err_console,
    operator,
    resolve_org,
    user_errors,
)
from core.display import printable
from core.i18n import label

sector_app = typer.Typer(help="Sector transition targets and completeness.", no_args_is_help=True)
catalog_app = typer.Typer(help="Your own sector catalogs (YAML).", no_args_is_help=True)
procedure_app = typer.Typer(help="The adoption procedure as tracked work.", no_args_is_help=True)
supervision_app = typer.Typer(help="Reporting to a supervisor, and its view.", no_args_is_help=True)
sector_app.add_typer(catalog_app, name="catalog")

Format = Annotated[str, typer.Option("--format", "-f", help="table, json or md.")]
Lang = Annotated[
    str,
    typer.Option("--lang", help="en or ko: the language of table and md (json is data)."),
]


def _t(value: Any) -> str:
    """Input text as rich prints it literally and safely."""
    return escape(printable("" if value is None else value))


def _formats(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        err_console.print(f"[red]error:[/red] --format must be one of {', '.join(allowed)}")
        raise typer.Exit(2)


def _langs(lang: str) -> None:
    if lang not in ("en", "ko"):
        err_console.print("[red]error:[/red] --lang must be en or ko")
        raise typer.Exit(2)


def _json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


# --- sector ----------------------------------------------------------------------------


@sector_app.command("list")
def list_sectors() -> None:
    """The built-in catalogs: sector, targets and how many sources were read first hand."""
    from migration.sectors.loader import builtin_catalogs

    table = Table("sector", "catalog", "version", "targets", "sources", "secondary")
    total = 0
    for c in sorted(builtin_catalogs().values(), key=lambda c: c.sector):
        secondary = sum(1 for s in c.sources if not s.confirmed)
        table.add_row(
            str(c.sector), c.id, c.version, str(len(c.targets)), str(len(c.sources)), str(secondary)
        )
        total += len(c.targets)
    console.print(table)
    console.print(f"{total} targets in {len(builtin_catalogs())} sectors")


@sector_app.command("show")
def show(
    sector: Annotated[str, typer.Argument(help="A sector (telecom) or catalog id.")],
    org: Annotated[
        str | None, typer.Option("--org", help="Also look in this organization's own catalogs.")
    ] = None,
    fmt: Format = "table",
    lang: Lang = "en",
) -> None:
    """A sector's targets: typical algorithms, why they matter, where to look, sources."""
    from migration.sectors.loader import UnknownSector, catalog_to_dict, get_catalog_by_sector_or_id
    from migration.sectors.render import (
        catalog_markdown,
        lifetimes,
        priority_word,
        said,
        target_lines,
    )

    _formats(fmt, ("table", "json", "md"))
    _langs(lang)
    with user_errors():
        try:
            catalog = get_catalog_by_sector_or_id(sector)
        except UnknownSector as exc:
            if org is None:
                err_console.print(f"[red]error:[/red] {escape(str(exc))}")
                raise typer.Exit(2) from None
            from migration.sectors.catalogs import own_catalogs  # the database: only here

            with db_session() as session:
                mine = {c.id: c for c in own_catalogs(session, resolve_org(session, org).id)}
            if sector not in mine:
                err_console.print(f"[red]error:[/red] {escape(str(exc))}")
                raise typer.Exit(2) from None
            catalog = mine[sector]
    if fmt == "json":  # the catalog as data: both languages, as the file has them
        _json(catalog_to_dict(catalog))
        return
    if fmt == "md":
        typer.echo(catalog_markdown(catalog, lang), nl=False)
        return
    name = said(catalog.name, catalog.name_ko, lang)
    console.print(f"[bold]{_t(name)}[/bold] ({_t(catalog.id)} {_t(catalog.version)})")
    description = said(catalog.description, catalog.description_ko, lang)
    if description:
        console.print(_t(description.strip()))
    for target in catalog.targets:
        life = lifetimes(target, lang)
        priority = priority_word(target.priority, lang)
        title = said(target.name, target.name_ko, lang)
        console.print(
            f"\n[bold]{_t(catalog.key(target))}[/bold] {_t(title)} "
            f"{escape('[' + priority + ']')}{' (' + _t(', '.join(life)) + ')' if life else ''}"
        )
        for line in target_lines(catalog, target, lang):
            console.print(f"  {_t(line)}")


@sector_app.command("check")
def check_cmd(org: OrgOption, fmt: Format = "table", lang: Lang = "en") -> None:
    """For each expected target: found (with assets), not found (how to look), or declared
    absent (reason and who). Exit 0 whatever the answer: it is a report, not a gate."""
    doing(f"checking the sector targets of organization {org}")
    from core.i18n import gettext_for
    from migration.sectors.completeness import check
    from migration.sectors.render import CHECK_HEADINGS, check_markdown, check_rows, counts_sentence

    _formats(fmt, ("table", "json", "md"))
    _langs(lang)
    with user_errors(), db_session() as session:
        result = check(session, resolve_org(session, org).id).as_dict()
    if fmt == "json":  # data: states are machine values, names in both languages
        _json(result)
        return
    if fmt == "md":
        typer.echo(check_markdown(result, lang), nl=False)
        return
    _ = gettext_for(lang)
    o = result["organization"]
    sector, tier = o["sector"], o["tier"]
    if lang == "ko":
        sector, tier = label(sector, lang=lang), label(tier, lang=lang)
    console.print(f"[bold]{_t(o['name'])}[/bold] ({_t(sector)}, {_t(tier)})")
    table = Table(*(_(h) for h in CHECK_HEADINGS))
    for t, row in zip(result["targets"], check_rows(result, lang), strict=True):
        style = {"found": "green", "not_found": "red", "declared_absent": "yellow"}[t["state"]]
        key, priority, state, assets, vulnerable, detail = row
        table.add_row(
            _t(key), priority, f"[{style}]{escape(state)}[/{style}]", assets, vulnerable, _t(detail)
        )
    console.print(table)
    console.print(_t(counts_sentence(result, lang)))


def _asset_id(session: Any, org_id: int, key: str) -> int:
    from sqlalchemy import select

    from core.tenancy import NotFound
    from inventory.models import Asset

    found = session.scalar(
        select(Asset.id).where(Asset.organization_id == org_id, Asset.ref == key)
    )
    if found is None and key.isdigit():
        found = session.scalar(
            select(Asset.id).where(Asset.organization_id == org_id, Asset.id == int(key))
        )
    if found is None:
        raise NotFound(f"no asset with ref or id '{key}' in this organization")
    return found


@sector_app.command("tie")
def tie_cmd(
    org: OrgOption,
    target: Annotated[str, typer.Option("--target", help="catalog/target, e.g. telecom/dnssec")],
    asset: Annotated[str, typer.Option("--asset", help="Asset ref or id.")],
    remove: Annotated[bool, typer.Option("--remove", help="Remove the tie.")] = False,
) -> None:
    """Tie an asset to a target by hand (or remove such a tie)."""
    from migration.sectors import completeness

    with user_errors(), db_session() as session:
        o = resolve_org(session, org)
        asset_id = _asset_id(session, o.id, asset)
        if remove:
            completeness.untie(session, operator(o.id), o.id, asset_id, target)
        else:
            completeness.tie(session, operator(o.id), o.id, asset_id, target)
    done = f"untied asset {asset_id} from" if remove else f"tied asset {asset_id} to"
    console.print(f"{done} {_t(target)}")


@sector_app.command("absent")
def absent_cmd(
    org: OrgOption,
    target: Annotated[str, typer.Option("--target")],
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why the organization has none.")
    ] = None,
    withdraw: Annotated[bool, typer.Option("--withdraw", help="Withdraw the declaration.")] = False,
) -> None:
    """Declare a target absent with the reason (the CLI's operator is recorded)."""
    from core.errors import InputError
    from migration.sectors import completeness

    with user_errors(), db_session() as session:
        o = resolve_org(session, org)
        if withdraw:
            completeness.withdraw_absence(session, operator(o.id), o.id, target)
        else:
            if not reason or len(reason.strip()) < 3:
                raise InputError("give the reason (at least 3 characters)", "--reason")
            completeness.declare_absent(session, operator(o.id), o.id, target, reason.strip())
    console.print(f"{'withdrawn' if withdraw else 'declared absent'}: {_t(target)}")


@sector_app.command("tag")
def tag_cmd(
    org: OrgOption,
    asset: Annotated[str, typer.Option("--asset", help="Asset ref or id.")],
    tags: Annotated[list[str], typer.Argument(help="Tags (lower-case, digits, . _ -).")],
    remove: Annotated[bool, typer.Option("--remove")] = False,
) -> None:
    """Tag an asset; catalog match rules can ask for tags."""
    from migration.sectors import completeness

    with user_errors(), db_session() as session:
        o = resolve_org(session, org)
        asset_id = _asset_id(session, o.id, asset)
        if remove:
            for tag in tags:
                completeness.untag_asset(session, operator(o.id), o.id, asset_id, tag)
            now = completeness.asset_tags(session, o.id, asset_id)
        else:
            now = completeness.tag_asset(session, operator(o.id), o.id, asset_id, tags)
    console.print(f"asset {asset_id} tags: {_t(', '.join(now)) or '-'}")


@catalog_app.command("validate")
def catalog_validate(path: Annotated[Path, typer.Argument(help="A YAML or JSON catalog.")]) -> None:
    """Check a catalog file; the first problem is named by its field."""
    from migration.sectors.loader import CatalogError, load_catalog_file

    try:
        catalog = load_catalog_file(path)
    except (CatalogError, OSError) as exc:
        err_console.print(f"[red]invalid:[/red] {_t(exc)}")
        sys.exit(2)
    size = len(catalog.targets)
    console.print(f"[green]valid[/green]: {_t(catalog.id)} {_t(catalog.version)}, {size} targets")


@catalog_app.command("add")
def catalog_add(path: Annotated[Path, typer.Argument()], org: OrgOption) -> None:
    """Store one of the organization's own catalogs (replaces one with the same id)."""
    from migration.sectors.catalogs import save_own_catalog
    from migration.sectors.loader import CatalogError, catalog_to_dict, load_catalog_file

    try:
        catalog = load_catalog_file(path)
    except (CatalogError, OSError) as exc:
        err_console.print(f"[red]invalid:[/red] {_t(exc)}")
        sys.exit(2)
    with user_errors(), db_session() as session:
        o = resolve_org(session, org)
        save_own_catalog(session, operator(o.id), o.id, catalog_to_dict(catalog), str(path))
    console.print(f"stored catalog {_t(catalog.id)} for {_t(o.slug)}")


@catalog_app.command("remove")
def catalog_remove(catalog_id: Annotated[str, typer.Argument()], org: OrgOption) -> None:
    from migration.sectors.catalogs import delete_own_catalog

    with user_errors(), db_session() as session:
        o = resolve_org(session, org)
        delete_own_catalog(session, operator(o.id), o.id, catalog_id)
    console.print(f"removed catalog {_t(catalog_id)}")


# --- procedure ---------------------------------------------------------------------------


@procedure_app.command("show")
def procedure_show(org: OrgOption, fmt: Format = "table") -> None:
    """Every step of the Korean pilot model and of GSMA PQ.03's phases, as the
    organization stands."""
    from migration.sectors.procedure import view

    _formats(fmt, ("table", "json"))
    with user_errors(), db_session() as session:
        steps = view(session, resolve_org(session, org).id)
    if fmt == "json":
        _json(steps)
        return
    for p in steps:
        table = Table("step", "status", "owner", "due", "done", "evidence", title=_t(p["name"]))
        for s in p["steps"]:
            table.add_row(
                _t(s["id"]),
                s["status"],
                _t(s["owner"]),
                s["due_on"] or "",
                s["done_on"] or "",
                str(len(s["evidence"])),
            )
        console.print(table)


def _date(value: str | None, where: str) -> date | None:
    from core.errors import InputError

    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError("not a date (YYYY-MM-DD)", where) from None


@procedure_app.command("set")
def procedure_set(
    org: OrgOption,
    procedure_id: Annotated[str, typer.Argument(help="kr-pilot or gsma-pq03")],
    step_id: Annotated[str, typer.Argument()],
    status: Annotated[
        str | None, typer.Option(help="not_started, in_progress, done, not_applicable")
    ] = None,
    owner: Annotated[str | None, typer.Option()] = None,
    due: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    done: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    note: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Change a step (only what is given)."""
    from core.errors import InputError
    from migration.sectors.choices import StepStatus
    from migration.sectors.procedure import update_step

    with user_errors(), db_session() as session:
        o = resolve_org(session, org)
        given: dict[str, Any] = {}
        if status is not None:
            try:
                given["status"] = StepStatus(status)
            except ValueError:
                raise InputError(f"unknown status '{status}'", "--status") from None
        for name, value in (("owner", owner), ("note", note)):
            if value is not None:
                given[name] = value
        if due is not None:
            given["due_on"] = _date(due, "--due")
        if done is not None:
            given["done_on"] = _date(done, "--done")
        row = update_step(session, operator(o.id), o.id, procedure_id, step_id, **given)
        shown = f"{procedure_id}/{step_id}: {row.status}"
    console.print(_t(shown))


@procedure_app.command("evidence")
def procedure_evidence(
    org: OrgOption,
    procedure_id: Annotated[str, typer.Argument()],
    step_id: Annotated[str, typer.Argument()],
    link: Annotated[str | None, typer.Option("--link")] = None,
    file: Annotated[Path | None, typer.Option("--file")] = None,
    plan_version: Annotated[
        int | None, typer.Option("--plan-version", help="Plan version id.")
    ] = None,
    label: Annotated[str | None, typer.Option("--label")] = None,
) -> None:
    """Add a link, a file or a plan version as evidence of a step."""
    from app.cli.common import read_input_file
    from migration.sectors.procedure import add_evidence

    with user_errors(), db_session() as session:
        o = resolve_org(session, org)
        content = read_input_file(file) if file is not None else None
        item = add_evidence(
            session, operator(o.id), o.id, procedure_id, step_id, url=link, label=label,
            file_name=file.name if file else None, content=content, plan_version_id=plan_version,
        )  # fmt: skip
        shown = f"evidence {item.id} ({item.kind}): {item.label}"
    console.print(_t(shown))


# --- supervision -------------------------------------------------------------------------


@supervision_app.command("start")
def supervision_start(
    org: OrgOption, to: Annotated[str, typer.Option("--to", help="The supervisor's slug.")]
) -> None:
    """Start reporting to a supervisor (recorded in both organizations' audit logs)."""
    from migration.sectors.supervision import start_reporting

    with user_errors(), db_session() as session:
        o = resolve_org(session, org)
        row = start_reporting(session, operator(o.id), o.id, to)
        shown = f"{o.slug} reports to {to} (relation {row.id})"
    console.print(_t(shown))


@supervision_app.command("stop")
def supervision_stop(org: OrgOption, relation: Annotated[int, typer.Argument()]) -> None:
    from migration.sectors.supervision import stop_reporting

    with user_errors(), db_session() as session:
        o = resolve_org(session, org)
        stop_reporting(session, operator(o.id), o.id, relation)
    console.print(f"stopped relation {relation}")


@supervision_app.command("list")
def supervision_list(org: OrgOption) -> None:
    """Both sides: whom the organization reports to, and who reports to it."""
    from migration.sectors.supervision import relations_of

    with user_errors(), db_session() as session:
        both = relations_of(session, resolve_org(session, org).id)
    table = Table("id", "direction", "organization", "since", "stopped")
    for side, rows in (("reports to", both["reports_to"]), ("reported by", both["reported_by"])):
        for r in rows:
            table.add_row(
                str(r["id"]),
                side,
                _t(r["organization"]["slug"]),
                r["started_at"][:10],
                (r["stopped_at"] or "")[:10],
            )
    console.print(table)


@supervision_app.command("view")
def supervision_view(org: OrgOption, fmt: Format = "table") -> None:
    """The supervisor's view: each reporting organization's shared figures and the sector
    aggregates (counts only)."""
    from migration.sectors.supervision import supervisor_view

    _formats(fmt, ("table", "json"))
    with user_errors(), db_session() as session:
        view = supervisor_view(session, resolve_org(session, org).id)
    if fmt == "json":
        _json(view)
        return
    table = Table("organization", "sector", "found", "accounted", "plan done", "at risk", "as of")
    for row in view["organizations"]:
        c, p = row["coverage"] or {}, row["plan"] or {}
        counts = c.get("counts") or {}
        table.add_row(
            _t(row["organization"]["slug"]),
            row["organization"]["sector"],
            f"{counts.get('found', 0)}/{counts.get('expected', 0)}",
            f"{c.get('accounted_percent', '')}%",
            f"{p['percent_done']}%" if p.get("percent_done") else "-",
            str((p.get("at_risk") or {}).get("tasks", "-")),
            (row["computed_at"] or "")[:16],
        )
    console.print(table)
    sectors = Table("sector", "organizations", "found", "accounted", "plan done", "at risk")
    for s in view["sectors"]:
        sectors.add_row(
            s["sector"],
            str(s["organizations"]),
            f"{s['counts'].get('found', 0)}/{s['counts'].get('expected', 0)}",
            f"{s['accounted_percent']}%",
            f"{s['plan_percent_tasks_done']}%",
            str(s["deadlines_at_risk"]),
        )
    console.print(sectors)


@supervision_app.command("report")
def supervision_report_cmd(
    org: OrgOption,
    fmt: Annotated[str, typer.Option("--format", "-f", help="json, md or html")] = "html",
    lang: Annotated[str, typer.Option("--lang", help="en or ko")] = "en",
    for_: Annotated[str | None, typer.Option("--for", help="The supervisor's slug.")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output")] = None,
) -> None:
    """The organization's signed report for its supervisor (check it with `verify`)."""
    from app import supervision_report

    with user_errors(), db_session() as session:
        o = resolve_org(session, org)
        issued = supervision_report.issue(session, operator(o.id), o.id, fmt, lang, for_)
    if output is None:
        typer.echo(issued.text, nl=False)
        return
    output.write_text(issued.text, encoding="utf-8")
    err_console.print(_t(f"wrote {output} ({len(issued.text.encode())} bytes)"))


@supervision_app.command("verify")
def supervision_verify(
    file: Annotated[Path, typer.Argument(help="A report: JSON, or HTML/Markdown from pqcplan.")],
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            envvar="PQCPLAN_REPORT_KEY",
            help="The report key (GET /api/v1/testbed/report-key).",
        ),
    ] = None,
) -> None:
    """Check a report offline: exit 0 only when the trusted key signed it and the visible
    page is what was signed; 1 when not; 2 without a trusted key or a readable file."""
    from app import supervision_report
    from testbed.conformance.reports import load_public_key

    try:
        text = file.read_text(encoding="utf-8")
        public_key = load_public_key(key.read_bytes()) if key is not None else None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        err_console.print(f"[red]error:[/red] {_t(exc)}")
        raise typer.Exit(2) from None
    checked = supervision_report.check(text, public_key)
    if not checked.ok:
        reason = checked.problem or checked.verification.reason
        err_console.print(f"[red]INVALID[/red] {_t(file)}: {_t(reason)}")
        raise typer.Exit(1)
    body = checked.body or {}
    counts = body["coverage"]["counts"]
    console.print(
        f"{'[green]valid[/green]' if public_key else 'unverified'} {_t(file)} ({checked.fmt}): "
        f"{_t(body['organization']['name'])}, issued {_t(body['issued_at'])}; targets found "
        f"{counts['found']}/{counts['expected']}, key {_t(checked.verification.key_id)}"
    )
    if public_key is None:
        err_console.print(
            "[red]error:[/red] no trusted key: the key inside a report proves nothing; pass "
            "--key (or set PQCPLAN_REPORT_KEY) with GET /api/v1/testbed/report-key"
        )
        raise typer.Exit(2)
