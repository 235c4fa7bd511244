"""Plans use the catalog: a target's priority and device lifetime feed the risk model and
the order, and the plan says so in words; an organization with no target tied plans
exactly as before."""

from __future__ import annotations

from datetime import date

from core.choices import Sector, Tier
from core.models import Organization
from inventory.choices import AssetType, CryptoFunction, Primitive, QuantumStatus
from inventory.models import Asset, CryptoUsage
from migration import service
from migration.inputs import PlanParams


def _inventory(s, sector: Sector) -> int:
    org = Organization(
        slug=f"o-{sector}", name="o", sector=sector, tier=Tier.CRITICAL_PRIVATE_INFRASTRUCTURE
    )
    s.add(org)
    s.flush()
    for name in ("billing portal", "eSIM SM-DP+ server"):  # the same facts but the name
        asset = Asset(organization_id=org.id, ref=name, name=name, asset_type=AssetType.SERVICE)
        s.add(asset)
        s.flush()
        s.add(
            CryptoUsage(
                organization_id=org.id,
                asset_id=asset.id,
                ref=f"{name}:1",
                algorithm="ECDSA-P256",
                algorithm_raw="ECDSA-P256",
                primitive=Primitive.SIGNATURE,
                function=CryptoFunction.CERTIFICATE_SIGNATURE,
                quantum_status=QuantumStatus.BROKEN,
                status_reason="t",
                catalog_version="t",
            )
        )
    s.flush()
    return org.id


def _tasks(s, org_id: int) -> list[dict]:
    params = PlanParams(start=date(2026, 1, 1), capacity=400)
    version = service.generate(s, org_id, "kr-2035", params)
    return [service.task_dict(t) for t in service.tasks_of(s, version.id)]


def test_a_target_raises_the_score_orders_first_and_says_why(session_factory) -> None:
    with session_factory.begin() as s:
        telco = _tasks(s, _inventory(s, Sector.TELECOM))
        other = _tasks(s, _inventory(s, Sector.OTHER))
    esim, billing = telco  # same wave: the target's points put the eSIM server first
    assert esim["asset_name"] == "eSIM SM-DP+ server" and esim["wave"] == billing["wave"]
    part = next(p for p in esim["risk"]["parts"] if p["name"] == "target")
    assert part["reason"].startswith(
        "eSIM remote provisioning PKI (SM-DP+, eUICC certificates): devices in the field "
        "until 2041, 6 y past a CRQC in 2035"
    )
    assert part["points"] == 10 + 6  # critical, and 2041 - 2035
    assert esim["score"] == billing["score"] + 16
    assert any("sector target eSIM remote provisioning PKI" in r for r in esim["reasons"])
    assert not any(p["name"] == "target" for p in billing["risk"]["parts"])

    # no catalog for "other": no target part; apart from the profile's sector order, the
    # same score as the untied telecom asset
    def but_sector(task: dict) -> float:
        sector = sum(p["points"] for p in task["risk"]["parts"] if p["name"] == "sector")
        return round(task["score"] - sector, 1)

    assert {but_sector(t) for t in other} == {but_sector(billing)}
    assert all(p["name"] != "target" for t in other for p in t["risk"]["parts"])


def test_targets_read_beside_the_facts_are_the_ones_read_in_turn(pg_url) -> None:
    """On PostgreSQL the sector matching runs on a second connection while the facts are
    read (`service._beside`), only when that connection sees what the caller's would:
    never after the caller's transaction has written rows of its own."""
    from sqlalchemy import event
    from sqlalchemy.orm import sessionmaker

    from core.db import engine_for

    engine = engine_for(pg_url)
    checkouts: list[object] = []
    event.listen(engine, "checkout", lambda *args: checkouts.append(args[0]))
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory.begin() as s:
        org_id = _inventory(s, Sector.TELECOM)  # written in this transaction: read in turn
        checkouts.clear()
        unseen = service.load_inventory(s, org_id).targets
        assert len(checkouts) == 0 and len(unseen) == 1
    with factory.begin() as s:  # committed now: read beside, on a second connection
        checkouts.clear()
        beside = service.load_inventory(s, org_id).targets
        assert len(checkouts) == 2  # the caller's own, then the second one
        assert beside == service._sector_targets(s, org_id) == unseen
        assert [t.name for t in beside.values()] == [
            "eSIM remote provisioning PKI (SM-DP+, eUICC certificates)"
        ]
