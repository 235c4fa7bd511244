"""Coverage shared with supervisors follows the inventory: a commit that writes a reporting
organization's assets or usages (an import, a scan's filing, an edit, a delete) rewrites
the coverage part of its shared figures in the same transaction.

Imported by every process that writes inventories through the app (the API and its
workers, the CLI's database session); light on purpose: the completeness check is
imported only when a written organization reports to someone.
"""

from __future__ import annotations

import weakref

from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from inventory.changes import after_inventory_write
from migration.sectors.shared import reporting, store

_READY: weakref.WeakSet[Engine] = weakref.WeakSet()  # databases known to hold the tables


def _has_sector_tables(session: Session) -> bool:
    """Whether the database has the sector tables yet: a database at an older revision (an
    upgrade's data steps, a downgrade) writes inventories without them. Known once per
    engine when present; looked up again while absent (rare: an older schema)."""
    engine = session.get_bind().engine
    if engine in _READY:
        return True
    if inspect(session.connection()).has_table("reporting_relations"):
        _READY.add(engine)
        return True
    return False


@after_inventory_write
def refresh_coverage(session: Session, organization_ids: frozenset[int]) -> None:
    if not _has_sector_tables(session):
        return
    reporters = [org_id for org_id in sorted(organization_ids) if reporting(session, org_id)]
    if not reporters:
        return
    from migration.sectors.completeness import coverage_figures

    for org_id in reporters:
        store(session, org_id, {"coverage": coverage_figures(session, org_id)})
