"""Spreadsheet exchange: one row per crypto usage, with its asset's columns beside it.

The header is documented in README.md ("CSV format") and printed by
`pqcplan import csv --template`. A row without `algorithm` records an asset only.
`depends_on` lists provider asset refs separated by `;`, each optionally `ref=kind`.
"""

from __future__ import annotations

import csv
import hashlib
import io
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import LINE, LINE_COLUMN, LONGER, SELF_DEPENDENCY, InputError, pydantic_said
from core.field_limits import limit
from core.i18n import N_, say
from core.input_checks import text_problem
from core.their_words import their_words
from inventory.choices import DependencyKind, Source
from inventory.classification import classify_usage
from inventory.exchange.cbom_import.notes import CSV_UNKNOWN
from inventory.exchange.columns import ASSET_PROFILE_COLUMNS, CERT_COLUMNS
from inventory.exchange.report import CsvImportReport
from inventory.exchange.spreadsheet import guard_cell, unguard_cell
from inventory.models import Asset, CryptoUsage, Dependency
from inventory.schemas import AssetIn, UsageFields
from inventory.service.refs import fit_ref, slugify

ASSET_COLUMNS = [
    "asset_ref",
    "asset_name",
    "asset_type",
    "description",
    *ASSET_PROFILE_COLUMNS,
    "vendor",
    "product",
    "version",
    "location",
]
USAGE_COLUMNS = [
    "usage_ref",
    "algorithm",
    "primitive",
    "function",
    "protocol",
    "key_size",
    "parameter_set",
    "mode",
    "padding",
    "library",
    "library_version",
    *CERT_COLUMNS,
    "evidence",
    "notes",
]
COLUMNS = [*ASSET_COLUMNS, *USAGE_COLUMNS, "depends_on"]
REQUIRED = {"asset_name", "asset_type"}
_Model = TypeVar("_Model", bound=BaseModel)


def template() -> str:
    return ",".join(COLUMNS) + "\n"


def _blank_to_none(row: dict[str, str | None], line: int) -> dict[str, str]:
    """Non-blank cells, with the export's formula guard removed and unstorable text refused."""
    values: dict[str, str] = {}
    for key, raw in row.items():
        if not key or raw is None:
            continue
        value = unguard_cell(raw).strip()
        if not value:
            continue
        if problem := text_problem(value):
            raise InputError(
                N_("text {problem}"), LINE_COLUMN.format(line=line, column=key), problem=problem
            )
        values[key] = value
    ref = values.get("usage_ref", "")
    if len(ref) > (most := limit(CryptoUsage, "ref")):
        too_long = {"type": "string_too_long", "ctx": {"max_length": most}}
        too_long["msg"] = f"String should have at most {most} characters"
        raise InputError(pydantic_said(too_long), LINE_COLUMN.format(line=line, column="usage_ref"))
    return values


def _scan_record(text: str, start_line: int, max_cell: int) -> tuple[int | None, int | None]:
    """Re-read the record that starts on `start_line` the way the csv module does.

    Returns (index of the first cell longer than `max_cell`, line where a quote opened
    and never closed); either may be None. Only runs when the csv module has failed.
    """
    pos = 0
    for _ in range(start_line - 1):
        pos = text.find("\n", pos) + 1
        if pos == 0:
            return None, None
    cell, length, quoted, line, opened = 0, 0, False, start_line, start_line
    i = pos
    while i < len(text):
        ch = text[i]
        if ch == "\n":
            line += 1
        if quoted:
            if ch == '"':
                if text.startswith('"', i + 1):
                    i += 1
                else:
                    quoted = False
                    i += 1
                    continue
        elif ch == '"' and length == 0:
            quoted, opened = True, line
            i += 1
            continue
        elif ch == ",":
            cell, length = cell + 1, 0
            i += 1
            continue
        elif ch in "\r\n":
            return None, None
        length += 1
        if length > max_cell:
            return cell, None
        i += 1
    return None, opened if quoted else None


def _csv_error(exc: csv.Error, text: str, start: int, header: list[str]) -> InputError:
    """Say what broke the csv module's parse, and where, in a user's words."""
    message = str(exc)
    if "field larger than field limit" in message:
        most = csv.field_size_limit()
        index, _ = _scan_record(text, start, most)
        column = header[index] if index is not None and index < len(header) else None
        where = LINE_COLUMN.format(line=start, column=column) if column else LINE.format(line=start)
        return InputError(LONGER, where, what=say(N_("cell")), length=most)
    _, opened = _scan_record(text, start, csv.field_size_limit())
    if opened is not None or "unexpected end of data" in message:
        return InputError(
            N_("unterminated quote: a quoted cell opened here is never closed"),
            LINE.format(line=opened or start),
        )
    if "expected after" in message:
        return InputError(
            N_("text follows the closing quote of a quoted cell (a stray or unterminated quote?)"),
            LINE.format(line=start),
        )
    return InputError(
        N_("not valid CSV: {reason}"), LINE.format(line=start), reason=their_words(message)
    )


def _pydantic_error(exc: ValidationError, line: int, prefix: str = "") -> InputError:
    err = exc.errors()[0]
    column = prefix + str(err["loc"][0]) if err["loc"] else "?"
    if column == "name":
        column = "asset_name"
    return InputError(pydantic_said(err), LINE_COLUMN.format(line=line, column=column))


def _validated(model: type[_Model], line: int, **cells: Any) -> _Model:
    """`model` made from a row's cells; a problem names the line and the column."""
    try:
        return model(**cells)
    except ValidationError as exc:
        raise _pydantic_error(exc, line) from exc


def _usage_ref(asset_ref: str, values: dict[str, str]) -> str:
    basis = "|".join(values.get(k, "") for k in ("algorithm", "function", "protocol", "library"))
    return fit_ref(f"crypto:{asset_ref}:{hashlib.sha256(basis.encode()).hexdigest()[:12]}")


def import_csv(session: Session, organization_id: int, text: str) -> CsvImportReport:
    """Import rows into one organization. Raises InputError naming line and column; the
    caller's transaction makes the import land whole or not at all."""
    reader = csv.DictReader(io.StringIO(text), strict=True)
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise _csv_error(exc, text, 1, []) from exc
    header = [h.strip() for h in (fieldnames or [])]
    if not header:
        raise InputError(N_("empty file: expected a header line"), LINE.format(line=1))
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise InputError(
            N_("unknown column(s) {columns}; see the documented header"),
            LINE.format(line=1),
            columns=", ".join(unknown),
        )
    missing = REQUIRED - set(header)
    if missing:
        raise InputError(
            N_("missing required column(s) {columns}"),
            LINE.format(line=1),
            columns=", ".join(sorted(missing)),
        )
    reader.fieldnames = header

    writer = _RowWriter(session, organization_id)

    rows = iter(reader)
    while True:
        start = reader.line_num + 1
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _csv_error(exc, text, start, header) from exc
        line = reader.line_num
        try:
            writer.row(row, line)
        except InputError as exc:
            if line > start and exc.location and exc.location.startswith(LINE.format(line=line)):
                raise InputError(
                    N_(
                        "{message} (this row runs from line {start} to {line} because a "
                        "quoted cell spans lines: is a quote on line {start} unterminated?)"
                    ),
                    exc.location,
                    message=exc.said,
                    start=start,
                    line=line,
                ) from None
            raise

    session.flush()
    writer.link_dependencies()
    return writer.report


class _RowWriter:
    """Writes rows into one organization: assets and usages at once (matched by ref),
    dependencies at the end, when every asset of the file has been seen."""

    def __init__(self, session: Session, organization_id: int) -> None:
        self.session = session
        self.org_id = organization_id
        self.assets = {
            a.ref: a
            for a in session.scalars(select(Asset).where(Asset.organization_id == organization_id))
        }
        self.usages = {
            u.ref: u
            for u in session.scalars(
                select(CryptoUsage).where(CryptoUsage.organization_id == organization_id)
            )
        }
        self.report = CsvImportReport()
        self.pending: list[tuple[int, str, str]] = []  # (line, dependent ref, "provider[=kind]")
        self.seen_assets: set[str] = set()

    def row(self, row: dict[str, str | None], line: int) -> None:
        """Write one row; its dependencies wait for `link_dependencies`."""
        if None in row:
            raise InputError(N_("more fields than header columns"), LINE.format(line=line))
        values = _blank_to_none(row, line)
        if not values:
            return
        self.report.rows += 1
        asset = self._asset(values, line)
        if "algorithm" in values:
            self._usage(asset, values, line)
        elif any(c in values for c in USAGE_COLUMNS):
            raise InputError(
                N_("usage columns are set but 'algorithm' is empty"),
                LINE_COLUMN.format(line=line, column="algorithm"),
            )
        items = (item.strip() for item in values.get("depends_on", "").split(";"))
        self.pending += [(line, asset.ref, item) for item in items if item]

    def _asset(self, values: dict[str, str], line: int) -> Asset:
        ref = values.get("asset_ref") or f"asset:{slugify(values.get('asset_name', ''))}"
        fields: dict[str, Any] = {c: values[c] for c in ASSET_COLUMNS[3:] if c in values}
        spec = _validated(
            AssetIn,
            line,
            ref=ref,
            name=values.get("asset_name", ""),
            asset_type=values.get("asset_type", ""),
            **fields,
        )
        data = spec.model_dump(exclude={"organization_id", "ref"})
        asset = self.assets.get(ref)
        if asset is None:
            asset = Asset(organization_id=self.org_id, ref=ref, **data)
            self.session.add(asset)
            self.assets[ref] = asset
            self.report.assets_created += 1
        elif ref not in self.seen_assets:
            explicit = {k: v for k, v in data.items() if k in fields or k in ("name", "asset_type")}
            for key, value in explicit.items():
                setattr(asset, key, value)
            self.report.assets_updated += 1
        self.seen_assets.add(ref)
        return asset

    def _usage(self, asset: Asset, values: dict[str, str], line: int) -> None:
        report = self.report
        fields = {c: values[c] for c in USAGE_COLUMNS[3:] if c in values}
        spec = _validated(
            UsageFields,
            line,
            algorithm=values["algorithm"],
            primitive=values.get("primitive"),
            **fields,
        )
        if spec.primitive is None:
            raise InputError(
                N_("primitive is required when algorithm is set"),
                LINE_COLUMN.format(line=line, column="primitive"),
            )
        ref = values.get("usage_ref") or _usage_ref(asset.ref, values)
        data = spec.model_dump(exclude={"algorithm", "curve"}, exclude_none=True)
        usage = self.usages.get(ref)
        if usage is None:
            usage = CryptoUsage(
                organization_id=asset.organization_id,
                ref=ref,
                asset=asset,
                algorithm_raw=values["algorithm"],
                source=Source.CSV,
                evidence=data.pop("evidence", None) or f"CSV line {line}",
                **data,
            )
            self.session.add(usage)
            self.usages[ref] = usage
            report.usages_created += 1
        else:
            usage.asset = asset
            usage.algorithm_raw = values["algorithm"]
            for key, value in data.items():
                setattr(usage, key, value)
            report.usages_updated += 1
        classify_usage(usage)
        if (
            usage.quantum_status.value == "unknown"
            and usage.algorithm not in report.unknown_algorithms
        ):
            report.unknown_algorithms.append(usage.algorithm)
            report.warnings.append(CSV_UNKNOWN.format(line=line, algorithm=usage.algorithm))

    def link_dependencies(self) -> None:
        """The `depends_on` cells of every row, now that every asset has an id."""
        existing = set(
            self.session.execute(
                select(Dependency.dependent_id, Dependency.provider_id, Dependency.kind).where(
                    Dependency.organization_id == self.org_id
                )
            ).all()
        )
        added: list[tuple[int, int, DependencyKind]] = []
        for line, dependent_ref, item in self.pending:
            provider_ref, _, kind_text = item.partition("=")
            provider_ref = provider_ref.strip()
            provider = self.assets.get(provider_ref)
            if provider is None:
                raise InputError(
                    N_("depends_on names unknown asset ref '{ref}'"),
                    LINE_COLUMN.format(line=line, column="depends_on"),
                    ref=provider_ref,
                )
            try:
                kind = DependencyKind(kind_text.strip() or DependencyKind.OTHER)
            except ValueError as exc:
                allowed = ", ".join(k.value for k in DependencyKind)
                raise InputError(
                    N_("unknown dependency kind '{kind}' (allowed: {allowed})"),
                    LINE_COLUMN.format(line=line, column="depends_on"),
                    kind=kind_text,
                    allowed=allowed,
                ) from exc
            dependent = self.assets[dependent_ref]
            if dependent.id == provider.id:
                raise InputError(
                    SELF_DEPENDENCY, LINE_COLUMN.format(line=line, column="depends_on")
                )
            key = (dependent.id, provider.id, kind)
            if key not in existing:
                existing.add(key)
                added.append(key)
        self.session.add_all(
            Dependency(organization_id=self.org_id, dependent_id=d, provider_id=p, kind=k)
            for d, p, k in added
        )
        self.report.dependencies_created += len(added)


def export_csv(session: Session, organization_id: int) -> str:
    """The same layout the importer reads: importing the export changes nothing."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    deps: dict[int, list[str]] = {}
    refs = dict(
        session.execute(
            select(Asset.id, Asset.ref).where(Asset.organization_id == organization_id)
        ).all()
    )
    for d in session.scalars(
        select(Dependency).where(Dependency.organization_id == organization_id)
    ):
        deps.setdefault(d.dependent_id, []).append(f"{refs[d.provider_id]}={d.kind.value}")
    for asset in session.scalars(
        select(Asset).where(Asset.organization_id == organization_id).order_by(Asset.id)
    ):
        base = {"asset_ref": asset.ref, "asset_name": asset.name}
        for col in ASSET_COLUMNS[2:]:
            base[col] = _cell(getattr(asset, col))
        base["depends_on"] = ";".join(deps.get(asset.id, []))
        if not asset.usages:
            writer.writerow(_guarded(base))
        for usage in sorted(asset.usages, key=lambda u: u.id):
            row = dict(base)
            row["usage_ref"] = usage.ref
            row["algorithm"] = usage.algorithm_raw
            for col in USAGE_COLUMNS[2:]:
                row[col] = _cell(getattr(usage, col))
            writer.writerow(_guarded(row))
    return out.getvalue()


def _guarded(row: dict[str, str]) -> dict[str, str]:
    """No cell a spreadsheet would run as a formula; the importer removes the guard."""
    return {k: guard_cell(v) for k, v in row.items()}


def _cell(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[no-any-return,union-attr]
    return str(getattr(value, "value", value))
