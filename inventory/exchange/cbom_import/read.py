"""Reading a CBOM into rows, with no database: decode, parse, build rows per component
type, read dependencies, assign owners, keep originals, classify, then the rows a writer
sends, checked against the column limits.

`import_cbom` (pipeline) writes what `read_cbom` reads; `pqcplan judge` judges it as it
is, so neither SQLAlchemy nor a scratch database is loaded to judge a file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import inventory.exchange.cbom_import.notes as N
from core.errors import LONGER, InputError
from core.field_limits import table_limits
from core.input_checks import loads_strict
from inventory.exchange.cbom_import.algorithm import build_algorithm
from inventory.exchange.cbom_import.assets import UNSTATED, asset_row
from inventory.exchange.cbom_import.certificate import build_certificate
from inventory.exchange.cbom_import.classify import classify_usages
from inventory.exchange.cbom_import.dependencies import build_dependencies, read_dependencies
from inventory.exchange.cbom_import.key_material import build_key_material
from inventory.exchange.cbom_import.ownership import Owned, assign_owners, attach_originals
from inventory.exchange.cbom_import.parser import Component, Parser
from inventory.exchange.cbom_import.protocol import build_protocol
from inventory.exchange.cbom_import.state import BuildState, Usage


@dataclass
class ReadCbom:
    """A whole CBOM read and checked: its rows, who owns each usage, and the warnings."""

    parser: Parser
    state: BuildState
    owned: Owned
    #: algorithm names the catalog does not know, sorted
    unknown: list[str]

    def note_organization(self, slug: str) -> None:
        """A file describing another organization than ``slug`` is imported with a warning."""
        stated = self.parser.org_props.get("slug")
        if stated is not None and stated != slug:
            self.parser.notes.add(
                "$.metadata.properties", N.OTHER_ORGANIZATION.format(slug=stated, org=slug)
            )

    def asset_rows(self) -> Iterator[tuple[str, dict[str, Any], frozenset[str]]]:
        """(ref, row, the columns the CBOM left at their defaults) per asset, in order;
        each row checked against the column limits."""
        for ref, full in self.state.assets.items():
            comp = self.parser.comps.get(ref)
            row = {k: v for k, v in full.items() if k != UNSTATED}
            check_lengths("assets", row, comp.path if comp else "$.metadata")
            yield ref, row, full.get(UNSTATED, frozenset())

    def usage_rows(self) -> Iterator[tuple[Usage, str, dict[str, Any]]]:
        """(usage, ref of the asset owning it, a copy of its row) per distinct usage ref,
        in order; each row checked against the column limits."""
        seen: set[str] = set()
        for usage, owner in self.owned:
            row = dict(usage.row)
            if row["ref"] in seen:
                continue
            seen.add(row["ref"])
            check_lengths("crypto_usages", row, usage.path)
            yield usage, owner, row

    def warnings(self) -> list[str]:
        return self.parser.notes.render()


def read_cbom(
    data: bytes | str, *, max_components: int = 1_000_000, source_name: str | None = None
) -> ReadCbom:
    """Read a CycloneDX CBOM (see `import_cbom`); InputError (with the JSON path) for a
    malformed document, TooLarge past `max_components`."""
    raw = bytes(data) if not isinstance(data, str) else data.encode()
    # bad UTF-8, NaN/Infinity, NUL and lone surrogates are refused with their JSON path
    doc = loads_strict(data, duplicates=False, max_depth=None)
    parser = Parser(doc, max_components, source_name, hashlib.sha256(raw).hexdigest()[:16])
    parser.parse()
    state = BuildState(parser)
    for comp in parser.order:
        if not comp.crypto:
            state.assets[comp.ref] = asset_row(comp, parser.notes)
    read_dependencies(state)
    build_usages(state)
    owned = assign_owners(state)
    attach_originals(state, owned)
    build_dependencies(state)
    unknown = classify_usages(owned, parser)
    return ReadCbom(parser, state, owned, unknown)


def build_usages(state: BuildState) -> None:
    """Certificates, then protocols, then keys, then algorithms: each kind may fold the
    components the next ones would otherwise turn into usages of their own."""
    by_type: dict[str, list[Component]] = {
        "certificate": [],
        "protocol": [],
        "related-crypto-material": [],
        "algorithm": [],
    }
    for comp in state.p.order:
        if comp.crypto and not comp.skip:
            by_type.get(comp.asset_type or "", by_type["algorithm"]).append(comp)
    for comp in by_type["certificate"]:
        build_certificate(state, comp)
    for comp in by_type["protocol"]:
        build_protocol(state, comp)
    for comp in by_type["related-crypto-material"]:
        build_key_material(state, comp)
    for comp in by_type["algorithm"]:
        build_algorithm(state, comp)


_LIMITS: dict[str, list[tuple[str, int]]] = {}


def check_lengths(table: str, row: dict[str, Any], path: str) -> None:
    """Refuse a text longer than its column holds: the same limits as the API and the CSV
    import (`core.field_limits`), checked before anything is sent."""
    limits = _LIMITS.get(table)
    if limits is None:
        limits = _LIMITS[table] = list(table_limits(table).items())
    for col, length in limits:
        value = row.get(col)
        if value.__class__ is str and len(value) > length:
            raise InputError(LONGER, path, what=col, length=length)
