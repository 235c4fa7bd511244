"""`pqcplan judge FILE`: the policy verdict on a CBOM or CSV file, for CI pipelines.

No database is configured or touched. The file goes through the very importers and the very
judgement the stored path uses, judged with `migration.compare.judge`. A CBOM is read by the
importer's own reading (`inventory.exchange.cbom_import.read`: the rows `pqcplan import`
writes, checked the same way) straight into planner facts, with no database and without
SQLAlchemy; a CSV is imported into a private in-memory SQLite database (schema from the
models, which a test keeps equal to the Alembic migrations) and read back with
`migration.service.load_inventory`. Sharing the code path this way is why the verdicts equal
those of `pqcplan import ...` followed by `pqcplan plan judge` (a test holds it).

Exit codes: 0 the gate passes, 1 a usage fails it (or nothing could be judged: an unknown
algorithm, or no cryptographic component at all, unless `--allow-unknown` / `--allow-empty`),
2 bad input (file, profile or option).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from app.cli.common import console, doing, err_console, read_input_file, safe, user_errors
from core.choices import Sector, Tier
from core.errors import InputError

if TYPE_CHECKING:  # the command imports these when it runs (see app.cli.main)
    from collections.abc import Iterable

    from migration.compare import Judgement
    from migration.profiles.schema import Profile
    from migration.scheduler import PlanInput
    from migration.stateless import GateResult

DEFAULT_PROFILES = ("kr-2035", "us-nist-ir8547", "eu-2030-2035")


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    MD = "md"
    SARIF = "sarif"


class InputFormat(StrEnum):
    AUTO = "auto"
    CBOM = "cbom"
    CSV = "csv"


@dataclass
class LoadedFile:
    inventory: PlanInput
    #: usage id -> (line in the file, logical location)
    locations: dict[int, tuple[int, str]]
    warnings: list[str]
    #: usage id -> where a scanner saw it in source code (CBOM `evidence.occurrences`)
    occurrences: dict[int, list[tuple[str, int, int | None]]] = field(default_factory=dict)


def _scratch_engine():  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import StaticPool

    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _fk(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    return engine


def _create_schema(engine) -> None:  # type: ignore[no-untyped-def]
    """The scratch schema from the models, not the Alembic history: 0.2 s instead of about 4 s
    of loading and running migrations. The models equal the migrations (the autogenerate
    compare in tests/alembic/test_schema_migrations.py), so the import sees the same tables,
    constraints and indexes."""
    import inventory.models  # noqa: F401  (registers the tables the import writes)
    import migration.models  # plans
    import migration.sectors.models  # noqa: F401  (the sector targets the judge reads)
    from core.models.base import Base

    Base.metadata.create_all(engine)


def _line_of(lines: list[str], needle: str) -> int | None:
    quoted = f'"{needle}"'
    for number, line in enumerate(lines, start=1):
        if quoted in line or (needle and needle in line.split(",")):
            return number
    return None


_JSON_PATH = re.compile(r"\$[^\s;,]*")


def load_file(
    payload: bytes,
    *,
    name: str,
    kind: InputFormat = InputFormat.AUTO,
    sector: Sector = Sector.OTHER,
    tier: Tier = Tier.PRIVATE,
) -> LoadedFile:
    """Read ``payload`` (a CBOM or the CSV layout) as the importer reads it, into planner facts."""
    if kind is InputFormat.AUTO:
        kind = InputFormat.CSV if name.lower().endswith(".csv") else InputFormat.CBOM
    if kind is InputFormat.CBOM:
        return _read_cbom(payload, name=name, sector=sector, tier=tier)
    return _load_csv(payload, name=name, sector=sector, tier=tier)


def _read_cbom(payload: bytes, *, name: str, sector: Sector, tier: Tier) -> LoadedFile:
    """A CBOM read by the importer's own reading (`read_cbom`: the rows `pqcplan import`
    would write, checked the same way) and made the facts `load_inventory` would read back
    from a fresh organization: ids in the order the rows would be inserted. No database:
    SQLAlchemy and a scratch schema cost 0.5-0.8 s of CPU per call. The verdicts stay those
    of the stored path (tests/migration/test_judge_stateless.py)."""
    from inventory.choices import AssetType, Criticality, DataSensitivity, Exposure, QuantumStatus
    from inventory.exchange.cbom_import.read import read_cbom
    from migration.inputs import AssetFacts, LibraryFacts, PlanInput, UsageFacts

    read = read_cbom(payload, source_name=name)
    read.note_organization(_SCRATCH_SLUG)
    org_id = 1
    asset_ids: dict[str, int] = {}
    assets = []
    libraries = []  # what the stack catalog may know (`load_inventory` reads the same)
    for ref, row, _unstated in read.asset_rows():
        asset_ids[ref] = len(asset_ids) + 1
        if row["asset_type"] == AssetType.LIBRARY_FIRMWARE and row["product"] is not None:
            libraries.append(
                LibraryFacts(asset_ids[ref], row["name"], row["product"], row["version"], ref)
            )
        assets.append(
            AssetFacts(
                id=asset_ids[ref],
                name=row["name"],
                org_id=org_id,
                sector=str(sector),
                tier=str(tier),
                asset_type=AssetType(row["asset_type"]),
                exposure=Exposure(row["exposure"]),
                criticality=Criticality(row["criticality"]),
                data_sensitivity=DataSensitivity(row["data_sensitivity"]),
                secrecy_years=row["secrecy_years"] or 0,
            )
        )
    usages = []
    rows = []  # (usage id, ref, evidence, asset ref)
    for _usage, owner, row in read.usage_rows():
        uid = len(usages) + 1
        usages.append(
            UsageFacts(
                id=uid,
                asset_id=asset_ids[owner],
                algorithm=row["algorithm"],
                primitive=str(row["primitive"]),
                function=str(row["function"]),
                quantum_status=QuantumStatus(row["quantum_status"]),
                ref=row["ref"],
            )
        )
        rows.append((uid, row["ref"], row["evidence"], owner))
    dependencies = [
        (asset_ids[provider], asset_ids[dependent])
        for dependent, provider, _kind in read.state.dependencies
    ]
    text = payload.decode("utf-8", errors="replace")
    inventory = PlanInput(assets, dependencies, usages, libraries)
    refs = {ref: uid for uid, ref, _evidence, _asset in rows}
    occurrences = {
        refs[ref]: places for ref, places in _source_places(payload).items() if ref in refs
    }
    return LoadedFile(inventory, _locations(text, rows), read.warnings(), occurrences)


def _load_csv(payload: bytes, *, name: str, sector: Sector, tier: Tier) -> LoadedFile:
    """The CSV layout imported into a scratch database and read back (`load_inventory`)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from core.models import Organization
    from inventory.exchange.imports import Document, load_document
    from inventory.models import Asset, CryptoUsage
    from migration.service import load_inventory

    engine = _scratch_engine()
    try:
        _create_schema(engine)
        with Session(engine) as session, session.begin():
            org = Organization(slug=_SCRATCH_SLUG, name=name, sector=sector, tier=tier)
            session.add(org)
            session.flush()
            doc = Document("csv", payload, name=name, location=name)
            load_document(session, org.id, doc)  # as `pqcplan import`, unaudited
            text = payload.decode("utf-8-sig")  # load_document refused anything else
            session.flush()
            inventory = load_inventory(session, org.id)
            rows = session.execute(
                select(CryptoUsage.id, CryptoUsage.ref, CryptoUsage.evidence, Asset.ref).join(
                    Asset, Asset.id == CryptoUsage.asset_id
                )
            ).all()
            session.rollback()
        return LoadedFile(inventory, _locations(text, rows), [])
    finally:
        engine.dispose()


_SCRATCH_SLUG = "judged-file"  # the organization a judged file is read into


def _locations(
    text: str, rows: Iterable[tuple[int, str, str | None, str]]
) -> dict[int, tuple[int, str]]:
    """Usage id -> (line in the file, logical location), from (id, ref, evidence, asset ref)."""
    lines = text.splitlines()
    locations: dict[int, tuple[int, str]] = {}
    for uid, ref, evidence, asset_ref in rows:
        line = _line_of(lines, ref) or _line_of(lines, asset_ref) or 1
        found = _JSON_PATH.search(evidence or "")
        logical = found.group(0) if found else f"{asset_ref}/{ref}"
        locations[uid] = (line, logical)
    return locations


def _source_places(payload: bytes) -> dict[str, list[tuple[str, int, int | None]]]:
    """Source locations by bom-ref of each CBOM component listing `evidence.occurrences`
    (ours and CBOMkit's): SARIF then points at the source lines, not at the CBOM."""
    try:
        doc = json.loads(payload)
    except ValueError:
        return {}
    found: dict[str, list[tuple[str, int, int | None]]] = {}
    for comp in doc.get("components") or [] if isinstance(doc, dict) else []:
        if not isinstance(comp, dict) or not isinstance(comp.get("bom-ref"), str):
            continue
        evidence = comp.get("evidence")
        occs = evidence.get("occurrences") if isinstance(evidence, dict) else None
        places = []
        for occ in occs if isinstance(occs, list) else []:
            if isinstance(occ, dict) and isinstance(occ.get("location"), str):
                line = occ.get("line") if isinstance(occ.get("line"), int) else 1
                offset = occ.get("offset") if isinstance(occ.get("offset"), int) else None
                places.append((occ["location"], max(1, line), offset))
        if places:
            found[comp["bom-ref"]] = places
    return found


def resolve_profiles(ids: list[str] | None) -> list[Profile]:
    from migration.profiles import UnknownProfile, get_profile

    chosen = list(dict.fromkeys(ids or DEFAULT_PROFILES))
    out = []
    for pid in chosen:
        try:
            out.append(get_profile(pid))
        except UnknownProfile as exc:
            raise InputError(str(exc), "--profile") from None
    return out


def render_table(
    judgements: list[Judgement],
    profiles: list[Profile],
    result: GateResult,
    out: Console,
    *,
    show_all: bool = False,
    counted: list[Judgement] | None = None,
    nothing: str = "no cryptographic component in the file: nothing was judged",
) -> None:
    """One block per usage: a narrow table of the profiles, then what satisfies all.

    Reads on an 80-column terminal: no column holds more than one profile's verdict.
    ``counted`` is what the gate judged when only some of it is shown (the closing counts
    are of all of it); ``nothing`` says what was empty.
    """
    from rich import box
    from rich.table import Table

    findings = {f.judgement.usage_id: f for f in result.findings}
    shown = [j for j in judgements if show_all or j.usage_id in findings]
    for j in shown:
        f = findings.get(j.usage_id)
        mark = "[red]FAIL[/red] " if f and f.failing else ""
        out.print(
            f"{mark}[bold]{safe(j.algorithm)}[/bold] in {safe(j.asset_name)} "
            f"({j.use.replace('_', ' ')})"
        )
        table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False, expand=False)
        table.add_column("profile", overflow="fold", min_width=10)
        table.add_column("verdict", overflow="fold")
        table.add_column("deadline", no_wrap=True)
        table.add_column("target", overflow="fold", min_width=14)
        for v in j.verdicts:
            table.add_row(v.profile_id, v.verdict, str(v.deadline or ""), safe(v.target or ""))
        out.print(table)
        if f:
            out.print(f"  satisfies all: {safe(f.satisfy.text())}", soft_wrap=False)
            out.print(f"  gate: {safe(f.why)}")
        for d in j.disagreements:
            out.print(f"  [yellow]disagreement:[/yellow] {safe(d)}")
        out.print()
    if result.empty:
        fail = "[red]FAIL[/red] " if result.empty_fails else ""
        out.print(f"{fail}{nothing}")
    counted = judgements if counted is None else counted
    out.print(
        f"{len(counted)} usages, {len(result.findings)} to act on, "
        f"{len(result.failed)} failing the gate, "
        f"{sum(1 for j in counted if j.disagreements)} with disagreements "
        f"(profiles: {', '.join(p.id for p in profiles)})"
    )


def _relative_uri(file: Path) -> str:
    """The judged file as a path relative to the directory pqcplan runs in (SARIF's SRCROOT),
    or its name when it lies elsewhere."""
    try:
        return file.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return file.name


def _tool_version() -> str:
    try:
        return version("pqcplan")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


def judge_cmd(
    file: Annotated[Path, typer.Argument(help="CycloneDX CBOM (JSON) or the CSV layout.")],
    profile: Annotated[
        list[str] | None,
        typer.Option(
            "--profile", help=f"Repeat for each profile (default: {', '.join(DEFAULT_PROFILES)})."
        ),
    ] = None,
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.TABLE,
    input_format: Annotated[
        InputFormat, typer.Option("--input-format", help="File type (auto: by extension).")
    ] = InputFormat.AUTO,
    fail_within: Annotated[
        float,
        typer.Option(
            "--fail-within",
            min=0,
            max=100,
            help="Also fail on deadlines within this many years (0: only passed deadlines).",
        ),
    ] = 0,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Judge as of this date (YYYY-MM-DD).")
    ] = None,
    sector: Annotated[Sector, typer.Option(help="Sector of the organization.")] = Sector.OTHER,
    tier: Annotated[Tier, typer.Option(help="Tier of the organization.")] = Tier.PRIVATE,
    show_all: Annotated[bool, typer.Option("--all", help="Table: list every usage.")] = False,
    allow_unknown: Annotated[
        bool,
        typer.Option(
            "--allow-unknown",
            help="Do not fail on algorithms the catalog does not know (they stay 'review').",
        ),
    ] = False,
    allow_empty: Annotated[
        bool,
        typer.Option(
            "--allow-empty", help="Do not fail on a file with no cryptographic component."
        ),
    ] = False,
    out_file: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to this file.")
    ] = None,
) -> None:
    """Judge a CBOM or CSV file under policy profiles, without a database (exit 1 if it fails)."""
    doing(f"judging {file.name} under {', '.join(profile or DEFAULT_PROFILES)}")
    from migration.compare import judge
    from migration.profiles import ProfileError
    from migration.stateless import dumps, gate, to_json, to_markdown, to_sarif

    with user_errors():
        try:
            today = date.fromisoformat(as_of) if as_of else date.today()
        except ValueError:
            raise InputError(f"not a date (YYYY-MM-DD): {as_of!r}", "--as-of") from None
        try:
            profiles = resolve_profiles(profile)
        except ProfileError as exc:
            raise InputError(str(exc), "--profile") from None
        loaded = load_file(
            read_input_file(file), name=file.name, kind=input_format, sector=sector, tier=tier
        )
        judgements = judge(loaded.inventory, profiles, today)
        result = gate(
            judgements,
            profiles,
            today=today,
            fail_within_years=fail_within,
            allow_unknown=allow_unknown,
            allow_empty=allow_empty,
        )

    if output is Format.TABLE:
        for warning in loaded.warnings:
            err_console.print(f"[yellow]warning:[/yellow] {safe(warning)}")
        if out_file:
            with out_file.open("w") as handle:
                target = Console(file=handle, width=80, no_color=True)
                render_table(judgements, profiles, result, target, show_all=show_all)
        else:
            render_table(judgements, profiles, result, console, show_all=show_all)
    else:
        if output is Format.JSON:
            text = dumps(to_json(judgements, profiles, result, source=file.name, today=today))
        elif output is Format.MD:
            text = to_markdown(judgements, profiles, result, source=file.name)
        else:
            sarif = to_sarif(
                result,
                profiles,
                artifact_uri=_relative_uri(file),
                locations=loaded.locations,
                tool_version=_tool_version(),
                occurrences=loaded.occurrences,
            )
            text = dumps(sarif)
        if out_file:
            out_file.write_text(text)
        else:
            sys.stdout.write(text)
    raise typer.Exit(result.exit_code)
