"""Coverage shared with supervisors follows the inventory: a commit that writes a reporting
organization's assets or usages (an import, a scan's filing, an edit, a delete) rewrites
the coverage part of its shared figures in the same transaction.

Imported by every process that writes inventories through the app (the API and its
workers, the CLI's database session); light on purpose: the sector models are imported
only when a transaction wrote an inventory, the completeness check only when a written
organization reports to someone (a command that only reads, `pqcplan org list`, pays
neither).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.db import table_present
from inventory.changes import after_inventory_write

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@after_inventory_write
def refresh_coverage(session: Session, organization_ids: frozenset[int]) -> None:
    if not table_present(session, "reporting_relations"):  # an older revision has none
        return
    from migration.sectors.shared import reporting, store

    reporters = [org_id for org_id in sorted(organization_ids) if reporting(session, org_id)]
    if not reporters:
        return
    from migration.sectors.completeness import coverage_figures

    for org_id in reporters:
        store(session, org_id, {"coverage": coverage_figures(session, org_id)})
