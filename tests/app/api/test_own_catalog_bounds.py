"""An organization's own sector catalogs are bounded where the check's SQL would grow past
what the databases take (SQLite refused 200 targets of 60 words each with "too many
references" after 13 s, a 500), and a check over several statements (more targets than
one holds) puts each finding on its own target."""

from __future__ import annotations

from sqlalchemy import func, select

from core.choices import Sector, Tier
from core.models import Organization
from migration.sectors.completeness import TARGETS_PER_STATEMENT, assets_of_targets
from migration.sectors.models import SectorCatalogRow

V1 = "/api/v1"


def _catalog(api, headers, targets: int, rules: int, words: int) -> dict:
    catalog = api.client.get(f"{V1}/sectors/telecom", headers=headers).json()
    catalog.pop("builtin")
    first = catalog["targets"][0]
    made = [
        first
        | {
            "id": f"own-{i}",
            "name": f"Own target {i}",
            "match": [{"keywords": [f"zq{i}k{r}w{k}" for k in range(words)]} for r in range(rules)],
        }
        for i in range(targets)
    ]
    return catalog | {"id": "own", "name": "Own", "targets": made}


def test_own_catalogs_are_bounded_and_checked_in_parts(api) -> None:
    org = api.make_org("telco", Sector.TELECOM, Tier.CRITICAL_PRIVATE_INFRASTRUCTURE)
    officer = api.headers(org)

    too_many_rules = _catalog(api, officer, 1, 11, 1)
    refused = api.client.post(f"{V1}/sectors/catalogs", json=too_many_rules, headers=officer)
    assert refused.status_code == 422 and refused.json()["location"] == "targets.0.match"
    checked = api.client.post(
        f"{V1}/sectors/catalogs/validate", json=too_many_rules, headers=officer
    )
    assert checked.status_code == 422 and checked.json()["location"] == "targets.0.match"
    too_many_words = _catalog(api, officer, 200, 10, 30)
    refused = api.client.post(f"{V1}/sectors/catalogs", json=too_many_words, headers=officer)
    assert refused.status_code == 422, refused.text
    assert "at most 1500 words" in refused.json()["detail"]
    with api.sessions() as s:
        assert s.scalar(select(func.count()).select_from(SectorCatalogRow)) == 0

    # at the bound: 200 targets of 7 words (1,400), checked in several statements
    assert 3 * TARGETS_PER_STATEMENT < 200 + 8
    saved = api.client.post(
        f"{V1}/sectors/catalogs", json=_catalog(api, officer, 200, 1, 7), headers=officer
    )
    assert saved.status_code == 201, saved.text
    late = api.client.post(
        f"{V1}/assets", json={"name": "box zq150k0w6", "asset_type": "service"}, headers=officer
    )
    early = api.client.post(
        f"{V1}/assets", json={"name": "SEPP roaming", "asset_type": "service"}, headers=officer
    )
    checked = api.client.get(f"{V1}/sector-check", headers=officer)
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["counts"]["expected"] == 208
    found = {t["key"]: t for t in body["targets"] if t["state"] == "found"}
    assert set(found) == {"own/own-150", "telecom/roaming-n32"}
    assert found["own/own-150"]["sample"] == [{"id": late.json()["id"], "name": "box zq150k0w6"}]
    with api.sessions() as s:
        of_targets = assets_of_targets(s, s.get(Organization, org.id))
    assert of_targets["own/own-150"] == [late.json()["id"]]
    assert of_targets["telecom/roaming-n32"] == [early.json()["id"]]
    assert sum(len(v) for v in of_targets.values()) == 2


def test_a_catalog_stored_under_older_bounds_is_still_read(api) -> None:
    """The bounds hold when a catalog is saved; one stored before them (11 rules a target)
    is still read, and the check answers."""
    org = api.make_org("telco", Sector.TELECOM, Tier.CRITICAL_PRIVATE_INFRASTRUCTURE)
    officer = api.headers(org)
    old = _catalog(api, officer, 2, 11, 2)
    with api.sessions.begin() as s:
        s.add(
            SectorCatalogRow(
                organization_id=org.id,
                catalog_id="own",
                sector="telecom",
                version=old["version"],
                name=old["name"],
                data=old,
            )
        )
    named = api.client.post(
        f"{V1}/assets", json={"name": "zq1k10w1 host", "asset_type": "service"}, headers=officer
    )
    assert named.status_code == 201, named.text
    checked = api.client.get(f"{V1}/sector-check", headers=officer)
    assert checked.status_code == 200, checked.text
    states = {t["key"]: t["state"] for t in checked.json()["targets"]}
    assert states["own/own-1"] == "found" and states["own/own-0"] == "not_found"
