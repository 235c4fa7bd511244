"""Which targets an organization is expected to find: the built-in catalog of its sector,
plus its own catalogs for that sector, filtered by its tier.

Callers pass an organization id they have already authorized; writes are audited here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.audit import record
from core.errors import InputError
from core.i18n import N_, say
from core.models import Organization
from core.tenancy import Forbidden, NotFound, Principal
from inventory.changes import note_written
from migration.sectors.loader import (
    CatalogError,
    builtin_catalogs,
    builtin_for_sector,
    catalog_to_dict,
    parse_catalog,
)
from migration.sectors.models import SectorCatalogRow
from migration.sectors.schema import Catalog, Target


@dataclass(frozen=True)
class ExpectedTarget:
    """One target an organization should find, with the catalog it comes from."""

    catalog: Catalog
    target: Target
    builtin: bool

    @property
    def key(self) -> str:
        return self.catalog.key(self.target)


# Across an organization's own catalogs: every target and every word of its match rules
# becomes part of the completeness check's SQL, run on every check and inventory write.
# A built-in catalog has at most 8 targets and 47 words.
MAX_RULES = 10  # match rules a target (the built-in catalogs use at most 2)
MAX_OWN_TARGETS = 400
MAX_OWN_WORDS = 1500


def match_words(catalog: Catalog) -> int:
    """The words the catalog's match rules hold (keywords, tags, protocols, algorithms,
    evidence)."""
    return sum(
        len(r.keywords) + len(r.tags) + len(r.protocols) + len(r.algorithms) + len(r.evidence)
        for t in catalog.targets
        for r in t.match
    )


def check_bounds(catalog: Catalog, others: list[Catalog]) -> None:
    """Refuse (CatalogError, 422 naming the field) an own catalog past the bounds, beside
    the organization's `others`. Checked when one is saved or validated, not when a stored
    one is read: a catalog stored under older bounds stays readable."""
    for i, target in enumerate(catalog.targets):
        if len(target.match) > MAX_RULES:
            raise CatalogError(
                say(
                    N_("a target has at most {most} match rules, not {count}"),
                    most=MAX_RULES,
                    count=len(target.match),
                ),
                f"targets.{i}.match",
            )
    targets = sum(len(c.targets) for c in others)
    if targets + len(catalog.targets) > MAX_OWN_TARGETS:
        raise CatalogError(
            say(
                N_(
                    "an organization's own catalogs hold at most {most} targets in all; "
                    "its other catalogs have {others} and this one {count}"
                ),
                most=MAX_OWN_TARGETS,
                others=targets,
                count=len(catalog.targets),
            ),
            "targets",
        )
    words = sum(match_words(c) for c in others)
    if words + match_words(catalog) > MAX_OWN_WORDS:
        raise CatalogError(
            say(
                N_(
                    "an organization's own catalogs' match rules hold at most {most} words "
                    "in all (keywords, tags, protocols, algorithms, evidence); its other "
                    "catalogs have {others} and this one {count}"
                ),
                most=MAX_OWN_WORDS,
                others=words,
                count=match_words(catalog),
            ),
            "targets",
        )


def organization(session: Session, org_id: int) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound(f"organization {org_id} not found")
    return org


def own_catalogs(session: Session, org_id: int) -> list[Catalog]:
    rows = session.scalars(
        select(SectorCatalogRow)
        .where(SectorCatalogRow.organization_id == org_id)
        .order_by(SectorCatalogRow.catalog_id)
    )
    return [parse_catalog(row.data, origin=f"catalog {row.catalog_id}") for row in rows]


def catalogs_for(session: Session, org: Organization) -> list[tuple[Catalog, bool]]:
    """(catalog, built in?) that apply to the organization's sector, built-in first."""
    found: list[tuple[Catalog, bool]] = []
    builtin = builtin_for_sector(str(org.sector))
    if builtin is not None:
        found.append((builtin, True))
    found += [(c, False) for c in own_catalogs(session, org.id) if c.sector == org.sector]
    return found


def expected_targets(session: Session, org: Organization) -> list[ExpectedTarget]:
    """The targets the organization's sector and tier expect, in catalog order."""
    return [
        ExpectedTarget(catalog, target, builtin)
        for catalog, builtin in catalogs_for(session, org)
        for target in catalog.targets
        if not target.tiers or org.tier in target.tiers
    ]


def expected_target(session: Session, org: Organization, key: str, where: str) -> ExpectedTarget:
    """The expected target with this key, or bad input at `where` naming the known keys."""
    targets = expected_targets(session, org)
    for item in targets:
        if item.key == key:
            return item
    known = ", ".join(t.key for t in targets) or say(N_("none"))
    raise InputError(
        N_("'{key}' is not a target expected of {org} ({sector}, {tier}); expected: {known}"),
        where,
        key=key,
        org=org.slug,
        sector=org.sector,
        tier=org.tier,
        known=known,
    )


def save_own_catalog(
    session: Session, principal: Principal, org_id: int, data: Any, origin: str = ""
) -> SectorCatalogRow:
    """Validate and store (or replace) one of the organization's catalogs (audited)."""
    catalog = parse_catalog(data, origin=origin)
    if catalog.id in builtin_catalogs():
        raise CatalogError(
            say(N_("'{id}' is a built-in catalog; choose another id"), id=catalog.id), "id", origin
        )
    check_bounds(catalog, [c for c in own_catalogs(session, org_id) if c.id != catalog.id])
    row = session.scalar(
        select(SectorCatalogRow).where(
            SectorCatalogRow.organization_id == org_id,
            SectorCatalogRow.catalog_id == catalog.id,
        )
    )
    action = "update" if row is not None else "create"
    if row is None:
        row = SectorCatalogRow(organization_id=org_id, catalog_id=catalog.id)
        session.add(row)
    row.sector = catalog.sector
    row.version = catalog.version
    row.name = catalog.name
    row.data = catalog_to_dict(catalog)
    session.flush()
    record(
        session,
        principal,
        action,
        "sector_catalog",
        catalog.id,
        org_id,
        {
            "version": catalog.version,
            "sector": str(catalog.sector),
            "targets": len(catalog.targets),
        },
    )
    note_written(session, [org_id])  # its expected targets changed: coverage follows
    return row


def delete_own_catalog(
    session: Session, principal: Principal, org_id: int, catalog_id: str
) -> None:
    if catalog_id in builtin_catalogs():
        raise Forbidden(
            say(N_("'{id}' is a built-in catalog and cannot be deleted"), id=catalog_id)
        )
    result = session.execute(
        delete(SectorCatalogRow).where(
            SectorCatalogRow.organization_id == org_id,
            SectorCatalogRow.catalog_id == catalog_id,
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(say(N_("catalog '{id}' not found"), id=catalog_id))
    record(session, principal, "delete", "sector_catalog", catalog_id, org_id)
    note_written(session, [org_id])
