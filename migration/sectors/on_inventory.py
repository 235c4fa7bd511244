"""Coverage shared with supervisors follows the inventory: a commit that writes a reporting
organization's assets or usages (an import, a scan's filing, an edit, a delete) rewrites
the coverage part of its shared figures in the same transaction.

Imported by every process that writes inventories through the app (the API and its
workers, the CLI's database session); light on purpose: the completeness check is
imported only when a written organization reports to someone.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.db import table_present
from inventory.changes import after_inventory_write
from migration.sectors.shared import reporting, store


@after_inventory_write
def refresh_coverage(session: Session, organization_ids: frozenset[int]) -> None:
    if not table_present(session, "reporting_relations"):  # an older revision has none
        return
    reporters = [org_id for org_id in sorted(organization_ids) if reporting(session, org_id)]
    if not reporters:
        return
    from migration.sectors.completeness import coverage_figures

    for org_id in reporters:
        store(session, org_id, {"coverage": coverage_figures(session, org_id)})
