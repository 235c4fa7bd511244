"""The overview's views equal what a plain reading of every row says."""

from __future__ import annotations

import random

from sqlalchemy import select

from core.choices import Role
from core.tenancy import Principal
from inventory.choices import Criticality, Exposure
from inventory.models import Asset, CryptoUsage
from inventory.service.overview import (
    CRITICALITY_ORDER,
    EXPOSURE_ORDER,
    assets_by_exposure,
    breaks_first,
)


def test_breaks_first_and_exposure_counts_match_a_full_reading(api):
    org, other = api.make_org("mine"), api.make_org("other")
    rng = random.Random(5)
    algs = ["RSA-2048", "ECDSA-P256", "AES-128", "ML-KEM-768"]
    for owner in (org, other):
        headers = api.headers(owner)
        for i in range(30):
            r = api.client.post(
                "/api/v1/assets",
                json={
                    "name": f"a{i}",
                    "asset_type": "service",
                    "exposure": rng.choice(list(Exposure)).value,
                    "criticality": rng.choice(list(Criticality)).value,
                    "secrecy_years": rng.randint(0, 3),
                },
                headers=headers,
            )
            for alg in rng.sample(algs, 2):
                api.client.post(
                    "/api/v1/usages",
                    json={"asset_id": r.json()["id"], "algorithm": alg, "primitive": "signature"},
                    headers=headers,
                )
    me = Principal(organization_id=org.id, role=Role.OFFICER, name="t")
    with api.sessions() as s:
        rows = s.execute(
            select(CryptoUsage, Asset)
            .join(Asset, Asset.id == CryptoUsage.asset_id)
            .where(Asset.organization_id == org.id)
        ).all()
        broken = [(u, a) for u, a in rows if u.quantum_status.value == "broken"]
        broken.sort(
            key=lambda ua: (
                EXPOSURE_ORDER.index(ua[1].exposure),
                CRITICALITY_ORDER.index(ua[1].criticality),
                -ua[1].secrecy_years,
                ua[0].id,
            )
        )
        got = breaks_first(s, me, limit=12)
        assert [u.id for u, _ in got] == [u.id for u, _ in broken[:12]]
        counts = assets_by_exposure(s, me)
        for exposure in Exposure:
            assets = {a.id for _, a in rows if a.exposure == exposure}
            vulnerable = {
                a.id
                for u, a in rows
                if a.exposure == exposure and u.quantum_status.value in ("broken", "weakened")
            }
            assert counts[exposure.value]["vulnerable"] == len(vulnerable)
            assert counts[exposure.value]["assets"] >= len(assets)


def test_summary_vulnerable_assets_and_sectors_match_a_full_reading(api):
    from core.choices import Sector
    from inventory.service.summary import summarize

    bank = api.make_org("bank", sector=Sector.FINANCE)
    agency = api.make_org("agency")
    for org, algs in ((bank, ["RSA-2048", "AES-128", "ML-KEM-768"]), (agency, ["ECDSA-P256"])):
        headers = api.headers(org)
        for i, alg in enumerate(algs * 2):
            r = api.client.post(
                "/api/v1/assets", json={"name": f"a{i}", "asset_type": "host"}, headers=headers
            )
            api.client.post(
                "/api/v1/usages",
                json={"asset_id": r.json()["id"], "algorithm": alg, "primitive": "signature"},
                headers=headers,
            )
    admin = Principal(organization_id=bank.id, role=Role.ADMIN, name="t")
    with api.sessions() as s:
        out = summarize(s, admin)
        usages = s.execute(select(CryptoUsage)).scalars().all()
        vulnerable = {
            u.asset_id for u in usages if u.quantum_status.value in ("broken", "weakened")
        }
        assert out.vulnerable_assets == len(vulnerable) == 6
        assert out.by_sector == {
            "finance": {"broken": 2, "weakened": 2, "resistant": 2},
            "government": {"broken": 2},
        }
        mine = summarize(s, Principal(organization_id=agency.id, role=Role.OFFICER, name="t"))
        assert mine.by_sector == {"government": {"broken": 2}} and mine.vulnerable_assets == 2
