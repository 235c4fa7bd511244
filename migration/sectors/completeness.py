"""The completeness check: for each target an organization's sector and tier expect, is it
found (with the assets that stand for it), not found (with how to look for it), or
declared absent (with the reason and who said so)?

Also the writes that change the answer, each audited with its actor: tags on assets,
ties made by hand, and absences declared or withdrawn.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core.audit import record
from core.errors import Conflict, InputError, said_of
from core.i18n import N_, say
from core.models import Organization
from core.models.base import utcnow
from core.tenancy import NotFound, Principal
from inventory.models import Asset
from migration.sectors.catalogs import (
    ExpectedTarget,
    expected_target,
    expected_targets,
    organization,
)
from migration.sectors.choices import TargetState
from migration.sectors.matching import assets_of_each, counts_and_samples, run_wide
from migration.sectors.models import AssetTag, TargetAbsence, TargetTie
from migration.sectors.schema import check_tag
from migration.sectors.shared import now, reporting, store

SAMPLE = 5  # assets named per found target
TARGETS_PER_STATEMENT = 40  # the built-in catalogs have at most 8 targets: one statement


@dataclass
class TargetCheck:
    key: str
    catalog: str
    name: str
    name_ko: str | None
    priority: str
    state: TargetState
    assets: int  # assets standing for the target (rules and hand ties)
    vulnerable: int  # of those, holding a quantum-broken or weakened usage
    by_hand: int
    sample: list[dict[str, Any]]  # the first assets: {"id", "name"}
    look: list[dict[str, str | None]]  # {"where", "how", "how_ko"}
    absence: dict[str, Any] | None  # {"reason", "by", "at"}
    conflict: bool  # declared absent, yet assets stand for it
    algorithms: list[str]
    why: dict[str, Any]
    sources: list[dict[str, Any]]
    confirmed: bool


@dataclass
class Completeness:
    organization: dict[str, Any]
    catalogs: list[dict[str, Any]]
    targets: list[TargetCheck] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out = {"expected": len(self.targets)} | {s.value: 0 for s in TargetState}
        for item in self.targets:
            out[item.state.value] += 1
        return out

    @property
    def accounted_percent(self) -> float:
        """Targets found or declared absent, as a share of those expected."""
        counts = self.counts
        if not counts["expected"]:
            return 100.0
        done = counts[TargetState.FOUND] + counts[TargetState.DECLARED_ABSENT]
        return round(100 * done / counts["expected"], 1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "organization": self.organization,
            "catalogs": self.catalogs,
            "counts": self.counts,
            "accounted_percent": self.accounted_percent,
            "targets": [asdict(t) | {"state": t.state.value} for t in self.targets],
        }


def check(session: Session, org_id: int, *, sample: int = SAMPLE) -> Completeness:
    """The organization's completeness check (a read: one statement for the assets)."""
    org = organization(session, org_id)
    expected = expected_targets(session, org)
    result = Completeness(
        organization={
            "id": org.id,
            "slug": org.slug,
            "name": org.name,
            "sector": str(org.sector),
            "tier": str(org.tier),
        },
        catalogs=_catalogs_of(expected),
    )
    if not expected:
        return result
    counts: dict[int, tuple[int, int]] = {}
    samples: dict[int, list[dict[str, Any]]] = {}
    for first, part in _parts(expected):
        statement = counts_and_samples([(e.key, e.target.match) for e in part], sample)
        for target, asset_id, name, assets, vulnerable in run_wide(
            session, statement, {"org_id": org.id}
        ):
            if asset_id is None:
                counts[first + int(target)] = (int(assets), int(vulnerable))
            else:
                samples.setdefault(first + int(target), []).append({"id": asset_id, "name": name})
    by_hand = _by_hand(session, org.id)
    absences = {
        a.target_key: a
        for a in session.scalars(
            select(TargetAbsence).where(TargetAbsence.organization_id == org.id)
        )
    }
    for i, item in enumerate(expected):
        assets, vulnerable = counts[i]
        absence = absences.get(item.key)
        if assets:
            state = TargetState.FOUND
        elif absence is not None:
            state = TargetState.DECLARED_ABSENT
        else:
            state = TargetState.NOT_FOUND
        result.targets.append(
            _target_check(
                item,
                state,
                assets,
                vulnerable,
                by_hand.get(item.key, 0),
                sorted(samples.get(i, []), key=lambda a: a["id"]),
                absence,
            )
        )
    return result


def _parts(expected: list[ExpectedTarget]) -> list[tuple[int, list[ExpectedTarget]]]:
    """The targets in runs of `TARGETS_PER_STATEMENT` (index of the first, the run): one
    statement for a sector's catalog, several for an organization with large own catalogs,
    whose single statement SQLite refuses ("too many references", past 65,535) after
    seconds of planning."""
    step = TARGETS_PER_STATEMENT
    return [(i, expected[i : i + step]) for i in range(0, len(expected), step)]


def _catalogs_of(expected: list[ExpectedTarget]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for item in expected:
        c = item.catalog
        seen.setdefault(
            c.id, {"id": c.id, "name": c.name, "version": c.version, "builtin": item.builtin}
        )
    return list(seen.values())


def _by_hand(session: Session, org_id: int) -> dict[str, int]:
    """Assets tied by hand, per target key."""
    rows = session.execute(
        select(TargetTie.target_key, func.count())
        .where(TargetTie.organization_id == org_id)
        .group_by(TargetTie.target_key)
    )
    return {key: int(n) for key, n in rows}


def _target_check(
    item: ExpectedTarget,
    state: TargetState,
    assets: int,
    vulnerable: int,
    by_hand: int,
    sample: list[dict[str, Any]],
    absence: TargetAbsence | None,
) -> TargetCheck:
    target, catalog = item.target, item.catalog
    return TargetCheck(
        key=item.key,
        catalog=catalog.id,
        name=target.name,
        name_ko=target.name_ko,
        priority=target.priority,
        state=state,
        assets=assets,
        vulnerable=vulnerable,
        by_hand=by_hand,
        sample=sample,
        look=[{"where": h.where, "how": h.how, "how_ko": h.how_ko} for h in target.look],
        absence=None
        if absence is None
        else {
            "reason": absence.reason,
            "by": absence.declared_by,
            "at": absence.declared_at.isoformat(),
        },
        conflict=absence is not None and assets > 0,
        algorithms=list(target.algorithms),
        why=target.why.model_dump(),
        sources=[
            {
                "id": ref,
                "title": catalog.source(ref).title,
                "url": catalog.source(ref).url,
                "citation": catalog.source(ref).citation,
                "confirmed": catalog.source(ref).confirmed,
                "note": catalog.source(ref).note,
                "note_ko": catalog.source(ref).note_ko,
            }
            for ref in target.sources
        ],
        confirmed=catalog.confirmed(target),
    )


# --- writes -------------------------------------------------------------------------


def _asset_of(session: Session, org_id: int, asset_id: int) -> Asset:
    asset = session.get(Asset, asset_id)
    if asset is None or asset.organization_id != org_id:
        raise NotFound(f"Asset {asset_id} not found")
    return asset


def coverage_figures(session: Session, org_id: int) -> dict[str, Any]:
    """The coverage part of the shared figures (`shared`): states and counts per target,
    no asset name, no absence reason."""
    found = check(session, org_id, sample=0)
    return {
        "as_of": now(),
        "sector": found.organization["sector"],
        "tier": found.organization["tier"],
        "catalogs": found.catalogs,
        "counts": found.counts,
        "accounted_percent": f"{found.accounted_percent:.1f}",
        "targets": [
            {
                "key": t.key,
                "name": t.name,
                "name_ko": t.name_ko,
                "priority": t.priority,
                "state": t.state.value,
                "assets": t.assets,
                "vulnerable": t.vulnerable,
                "conflict": t.conflict,
            }
            for t in found.targets
        ],
    }


def _changed(session: Session, org_id: int) -> None:
    """Ties, tags and absences move the coverage its supervisors see."""
    if reporting(session, org_id):
        store(session, org_id, {"coverage": coverage_figures(session, org_id)})


def _tag(tag: str) -> str:
    try:
        return check_tag(tag)
    except ValueError as exc:
        raise InputError(said_of(exc), "tags") from None


def tag_asset(
    session: Session, principal: Principal, org_id: int, asset_id: int, tags: list[str]
) -> list[str]:
    """Add tags to an asset (existing ones are kept); returns the asset's tags."""
    asset = _asset_of(session, org_id, asset_id)
    wanted = sorted({_tag(t) for t in tags})
    have = set(session.scalars(select(AssetTag.tag).where(AssetTag.asset_id == asset.id)))
    added = [t for t in wanted if t not in have]
    for tag in added:
        session.add(AssetTag(organization_id=org_id, asset_id=asset.id, tag=tag))
    session.flush()
    if added:
        record(session, principal, "update", "asset_tags", asset.id, org_id, {"added": added})
        _changed(session, org_id)
    return sorted(have | set(added))


def untag_asset(
    session: Session, principal: Principal, org_id: int, asset_id: int, tag: str
) -> None:
    asset = _asset_of(session, org_id, asset_id)
    result = session.execute(
        delete(AssetTag).where(AssetTag.asset_id == asset.id, AssetTag.tag == _tag(tag))
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(say(N_("asset {id} has no tag '{tag}'"), id=asset_id, tag=tag))
    record(session, principal, "update", "asset_tags", asset.id, org_id, {"removed": [tag]})
    _changed(session, org_id)


def asset_tags(session: Session, org_id: int, asset_id: int) -> list[str]:
    asset = _asset_of(session, org_id, asset_id)
    return sorted(session.scalars(select(AssetTag.tag).where(AssetTag.asset_id == asset.id)))


def tie(session: Session, principal: Principal, org_id: int, asset_id: int, key: str) -> TargetTie:
    """Tie an asset to an expected target by hand."""
    org = organization(session, org_id)
    expected_target(session, org, key, "target")
    asset = _asset_of(session, org_id, asset_id)
    if session.scalar(
        select(TargetTie.id).where(TargetTie.asset_id == asset.id, TargetTie.target_key == key)
    ):
        raise Conflict(say(N_("asset {id} is already tied to {key}"), id=asset.id, key=key))
    row = TargetTie(
        organization_id=org_id, asset_id=asset.id, target_key=key, tied_by=principal.name
    )
    session.add(row)
    session.flush()
    record(
        session,
        principal,
        "create",
        "target_tie",
        row.id,
        org_id,
        {"asset_id": asset.id, "target": key},
    )
    _changed(session, org_id)
    return row


def untie(session: Session, principal: Principal, org_id: int, asset_id: int, key: str) -> None:
    result = session.execute(
        delete(TargetTie).where(
            TargetTie.organization_id == org_id,
            TargetTie.asset_id == asset_id,
            TargetTie.target_key == key,
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(say(N_("asset {id} is not tied to {key} by hand"), id=asset_id, key=key))
    record(
        session,
        principal,
        "delete",
        "target_tie",
        None,
        org_id,
        {"asset_id": asset_id, "target": key},
    )
    _changed(session, org_id)


def declare_absent(
    session: Session, principal: Principal, org_id: int, key: str, reason: str
) -> TargetAbsence:
    """Say the organization has no such system, and why (replaces an earlier reason)."""
    org = organization(session, org_id)
    expected_target(session, org, key, "target")
    row = session.scalar(
        select(TargetAbsence).where(
            TargetAbsence.organization_id == org_id, TargetAbsence.target_key == key
        )
    )
    if row is None:
        row = TargetAbsence(organization_id=org_id, target_key=key)
        session.add(row)
    row.reason = reason
    row.declared_by = principal.name
    row.declared_at = utcnow()
    session.flush()
    record(
        session,
        principal,
        "update",
        "target_absence",
        row.id,
        org_id,
        {"target": key, "reason": reason},
    )
    _changed(session, org_id)
    return row


def withdraw_absence(session: Session, principal: Principal, org_id: int, key: str) -> None:
    result = session.execute(
        delete(TargetAbsence).where(
            TargetAbsence.organization_id == org_id, TargetAbsence.target_key == key
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(say(N_("{key} is not declared absent"), key=key))
    record(session, principal, "delete", "target_absence", None, org_id, {"target": key})
    _changed(session, org_id)


def assets_of_targets(session: Session, org: Organization) -> dict[str, list[int]]:
    """Every asset id standing for each expected target (the planner's input)."""
    expected = expected_targets(session, org)
    if not expected:
        return {}
    out: dict[str, list[int]] = {item.key: [] for item in expected}
    for _, part in _parts(expected):
        statement = assets_of_each([(e.key, e.target.match) for e in part])
        for asset_id, *marks in run_wide(session, statement, {"org_id": org.id}):
            for item, mark in zip(part, marks, strict=True):
                if mark:
                    out[item.key].append(int(asset_id))
    return out
