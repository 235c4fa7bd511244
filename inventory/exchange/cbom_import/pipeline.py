"""`import_cbom`, the steps in order: decode, parse, build rows per component type, read
dependencies, assign owners, keep originals, classify, write. Nothing is written before the
whole document has been read and checked, and nothing is committed here.
"""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from core.input_checks import loads_strict
from inventory.exchange.cbom_import.algorithm import build_algorithm
from inventory.exchange.cbom_import.assets import asset_row
from inventory.exchange.cbom_import.certificate import build_certificate
from inventory.exchange.cbom_import.classify import classify_usages
from inventory.exchange.cbom_import.dependencies import build_dependencies, read_dependencies
from inventory.exchange.cbom_import.key_material import build_key_material
from inventory.exchange.cbom_import.ownership import assign_owners, attach_originals
from inventory.exchange.cbom_import.parser import Component, Parser
from inventory.exchange.cbom_import.protocol import build_protocol
from inventory.exchange.cbom_import.state import BuildState
from inventory.exchange.cbom_import.writer import check_org, write
from inventory.exchange.report import ImportReport


def import_cbom(
    session: Session,
    organization_id: int,
    data: bytes | str,
    *,
    max_components: int = 1_000_000,
    source_name: str | None = None,
) -> ImportReport:
    """Import a CycloneDX CBOM into the organization (docs/cbom-import.md has the mapping).

    Raises InputError (with the JSON path) for malformed documents and TooLarge past
    `max_components`; nothing is written before the whole document has been checked. Does
    not commit. `source_name` (e.g. the file name) prefixes evidence and names the synthetic
    asset that holds crypto no component claims.
    """
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

    report = ImportReport()
    check_org(session, organization_id, parser)
    write(session, organization_id, state, owned, report)
    report.warnings = parser.notes.render()
    report.unknown_algorithms = unknown
    return report


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
