"""`import_cbom`: read the whole document (`read.read_cbom`: decode, parse, build rows per
component type, read dependencies, assign owners, keep originals, classify), then write.
Nothing is written before the whole document has been read and checked, and nothing is
committed here.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from inventory.exchange.cbom_import.read import read_cbom
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
    read = read_cbom(data, max_components=max_components, source_name=source_name)
    report = ImportReport()
    check_org(session, organization_id, read)
    write(session, organization_id, read, report)
    report.warnings = read.warnings()
    report.unknown_algorithms = read.unknown
    return report
