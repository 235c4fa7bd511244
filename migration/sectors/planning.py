"""What the planner takes from the sector catalog: for each asset that stands for an
expected target, the target (the strongest one when it stands for several)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from migration.inputs import TargetFacts
from migration.sectors.catalogs import expected_targets, organization
from migration.sectors.completeness import assets_of_targets
from migration.sectors.schema import PRIORITIES


def plan_targets(session: Session, org_id: int) -> dict[int, TargetFacts]:
    """asset id -> the sector target it stands for: the highest priority first, then the
    longest device life, then the longest secrecy, then the key (deterministic)."""
    org = organization(session, org_id)
    expected = {e.key: e for e in expected_targets(session, org)}
    if not expected:
        return {}
    facts = {
        key: TargetFacts(
            key=key,
            name=e.target.name,
            priority=e.target.priority,
            device_lifetime_years=e.target.why.device_lifetime_years,
            secrecy_years=e.target.why.secrecy_years,
        )
        for key, e in expected.items()
    }

    def strength(f: TargetFacts) -> tuple[int, int, int, str]:
        return (
            -PRIORITIES.index(f.priority),  # type: ignore[arg-type]
            f.device_lifetime_years or 0,
            f.secrecy_years or 0,
            f.key,
        )

    out: dict[int, TargetFacts] = {}
    for key, asset_ids in assets_of_targets(session, org).items():
        candidate = facts[key]
        for asset_id in asset_ids:
            held = out.get(asset_id)
            if held is None or strength(candidate) > strength(held):
                out[asset_id] = candidate
    return out
