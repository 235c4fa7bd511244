"""The writer: assets, then usages, then dependencies, each as one bulk insert and one bulk
update keyed by `ref` within the organization (a re-import updates instead of duplicating;
a usage keeps its earliest `first_seen`). Rows come from `read.ReadCbom`, checked against
the same column limits as the API and the CSV import before anything is sent. It never
commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from core.bulk import insert_rows
from core.errors import InputError
from core.i18n import N_
from core.models import Organization
from core.models.base import utcnow
from inventory.choices import DependencyKind
from inventory.exchange.cbom_import.read import ReadCbom
from inventory.exchange.cbom_import.state import BuildState
from inventory.exchange.report import ImportCounts
from inventory.models import Asset, CryptoUsage, Dependency
from inventory.models.counters import lock_counters


def check_org(session: Session, organization_id: int, read: ReadCbom) -> None:
    """The organization exists; a file describing another one is imported with a warning."""
    org = session.get(Organization, organization_id)
    if org is None:
        raise InputError(
            N_("organization {id} does not exist"), "organization_id", id=organization_id
        )
    read.note_organization(org.slug)


def write(session: Session, org_id: int, read: ReadCbom, report: ImportCounts) -> None:
    lock_counters(session, [org_id])  # before the first counted row (Core writes, no flush)
    asset_ids = _write_assets(session, org_id, read, report)
    _write_usages(session, org_id, asset_ids, read, report)
    _write_dependencies(session, org_id, asset_ids, read.state, report)


def _write_assets(
    session: Session, org_id: int, read: ReadCbom, report: ImportCounts
) -> dict[str, int]:
    """Insert or update the asset rows; returns every asset id of the organization by ref."""
    asset_table = Asset.__table__
    existing = _asset_ids(session, org_id)
    new_assets, upd_assets = [], []
    for ref, row, unstated in read.asset_rows():
        if ref in existing:  # what the CBOM does not state keeps what a person set
            upd_assets.append(
                {k: v for k, v in row.items() if k not in unstated} | {"id": existing[ref]}
            )
        else:
            new_assets.append({**row, "organization_id": org_id})
    _bulk_insert(session, asset_table, new_assets)
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in upd_assets:
        by_columns.setdefault(tuple(sorted(row)), []).append(row)
    for rows in by_columns.values():
        _bulk_update(session, asset_table, rows)
    report.assets_created, report.assets_updated = len(new_assets), len(upd_assets)
    return _asset_ids(session, org_id) if new_assets else existing


def _asset_ids(session: Session, org_id: int) -> dict[str, int]:
    query = select(Asset.ref, Asset.id).where(Asset.organization_id == org_id)
    return dict(session.execute(query).all())  # type: ignore[arg-type]


def _write_usages(
    session: Session,
    org_id: int,
    asset_ids: dict[str, int],
    read: ReadCbom,
    report: ImportCounts,
) -> None:
    usage_table = CryptoUsage.__table__
    old = {
        r: (i, fs)
        for r, i, fs in session.execute(
            select(CryptoUsage.ref, CryptoUsage.id, CryptoUsage.first_seen).where(
                CryptoUsage.organization_id == org_id
            )
        ).all()
    }
    new_usages, upd_usages = [], []
    for usage, owner, row in read.usage_rows():
        row["asset_id"] = asset_ids[owner]
        if row["ref"] in old:
            uid, first_seen = old[row["ref"]]
            if first_seen is not None and not usage.ours:
                row["first_seen"] = min(first_seen, row["first_seen"])
            upd_usages.append({**row, "id": uid})
        else:
            new_usages.append({**row, "organization_id": org_id})
    _bulk_insert(session, usage_table, new_usages)
    _bulk_update(session, usage_table, upd_usages)
    report.usages_created, report.usages_updated = len(new_usages), len(upd_usages)


def _write_dependencies(
    session: Session,
    org_id: int,
    asset_ids: dict[str, int],
    state: BuildState,
    report: ImportCounts,
) -> None:
    """New dependency rows; an existing one only gets its description updated."""
    have = {
        (d, p, DependencyKind(k)): (i, desc)
        for i, d, p, k, desc in session.execute(
            select(
                Dependency.id,
                Dependency.dependent_id,
                Dependency.provider_id,
                Dependency.kind,
                Dependency.description,
            ).where(Dependency.organization_id == org_id)
        ).all()
    }
    new_deps, upd_deps = [], []
    for (dependent, provider, kind), (desc, _path) in state.dependencies.items():
        key = (asset_ids[dependent], asset_ids[provider], kind)
        if key in have:
            did, old_desc = have[key]
            if old_desc != desc:
                upd_deps.append({"id": did, "description": desc})
            continue
        new_deps.append(
            {
                "organization_id": org_id,
                "dependent_id": key[0],
                "provider_id": key[1],
                "kind": kind,
                "description": desc,
            }
        )
    _bulk_insert(session, Dependency.__table__, new_deps)
    _bulk_update(session, Dependency.__table__, upd_deps)
    report.dependencies_created = len(new_deps)


def _bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """All new rows at once (`core.bulk`: COPY on PostgreSQL, one executemany elsewhere;
    the ORM bulk path would split batches by which values are None)."""
    insert_rows(session.connection(), table, rows)


def _bulk_update(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """One executemany of UPDATE ... WHERE id = :_id over the columns of the first row."""
    if not rows:
        return
    cols = [k for k in rows[0] if k != "id"]
    stmt = (
        table.update().where(table.c.id == bindparam("_id")).values({c: bindparam(c) for c in cols})
    )
    if "updated_at" in table.c:
        stmt = stmt.values(updated_at=utcnow())
    params = []
    for r in rows:
        p = {k: v for k, v in r.items() if k != "id"}
        p["_id"] = r["id"]
        params.append(p)
    session.execute(stmt, params)
