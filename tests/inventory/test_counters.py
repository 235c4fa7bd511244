"""The inventory counters equal a fresh GROUP BY after every kind of write, on SQLite and
PostgreSQL: API writes, CSV and CBOM imports, bulk inserts and updates in SQL, deletes and
their cascades, organization deletion; and migration 0011 fills them for rows already there."""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select, text, update

from core.apikeys import issue_key
from core.choices import Role, Sector, Tier
from core.db import engine_for, session_factory
from core.models import Organization
from core.schema import downgrade, upgrade
from core.tenancy import Principal
from inventory.choices import Exposure, Primitive, QuantumStatus
from inventory.exchange.csv_io import template
from inventory.models import Asset, AssetCount, CryptoUsage, UsageCount
from inventory.service.overview import assets_by_exposure
from inventory.service.summary import summarize
from tests.conftest import EXCHANGE_DATA

DATA = EXCHANGE_DATA
VULNERABLE = (QuantumStatus.BROKEN, QuantumStatus.WEAKENED)
CSV = template() + (
    "ca-1,Issuing CA,ca_pki,,PKI team,production,critical,internal,secret,20,,,,,,"
    "sha256WithRSAEncryption,signature,certificate_signature,,2048,,,,,,,,,,,,,,\n"
    "web-1,Citizen portal,application,,Web team,production,high,internet_facing,confidential,"
    "10,,,,https://portal.example.kr,,ECDHE-X25519,key_exchange,tls_key_exchange,TLS 1.3,,,,,"
    "OpenSSL,3.0.13,,,,,,,,,,ca-1=certificates_from\n"
)


def fresh(session) -> tuple[dict, dict]:
    """What the counters must say, counted from the rows themselves."""
    usages = {
        (org, alg, QuantumStatus(st).value): n
        for org, alg, st, n in session.execute(
            select(
                CryptoUsage.organization_id,
                CryptoUsage.algorithm,
                CryptoUsage.quantum_status,
                func.count(),
            ).group_by(
                CryptoUsage.organization_id, CryptoUsage.algorithm, CryptoUsage.quantum_status
            )
        )
    }
    holds = select(CryptoUsage.asset_id).where(CryptoUsage.quantum_status.in_(VULNERABLE))
    vulnerable = set(session.scalars(holds))
    assets: dict[tuple[int, str], list[int]] = {}
    for aid, org, exposure in session.execute(
        select(Asset.id, Asset.organization_id, Asset.exposure)
    ):
        bucket = assets.setdefault((org, Exposure(exposure).value), [0, 0])
        bucket[0] += 1
        bucket[1] += aid in vulnerable
    return usages, {k: tuple(v) for k, v in assets.items()}


def counted(session) -> tuple[dict, dict]:
    usages = {
        (org, alg, QuantumStatus(st).value): n
        for org, alg, st, n in session.execute(select(UsageCount.__table__))
        if n
    }
    assets = {
        (org, Exposure(exposure).value): (n, v)
        for org, exposure, n, v in session.execute(select(AssetCount.__table__))
        if n or v
    }
    return usages, assets


def check(sessions) -> tuple[dict, dict]:
    with sessions() as s:
        expected = fresh(s)
        assert counted(s) == expected
    return expected


def _usage(api, h, asset_id: int, algorithm: str) -> int:
    r = api.client.post(
        "/api/v1/usages",
        json={"asset_id": asset_id, "algorithm": algorithm, "primitive": "signature"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _asset(api, h, name: str, exposure: str = "internal") -> int:
    r = api.client.post(
        "/api/v1/assets",
        json={"name": name, "asset_type": "service", "exposure": exposure},
        headers=h,
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_api_writes_keep_counters_equal_to_a_fresh_count(api):
    org, other = api.make_org("mine"), api.make_org("other")
    h, ho = api.headers(org), api.headers(other)
    a1, a2 = _asset(api, h, "one", "internet_facing"), _asset(api, h, "two")
    b1 = _asset(api, ho, "theirs", "isolated")
    check(api.sessions)
    u1 = _usage(api, h, a1, "RSA-2048")
    u2 = _usage(api, h, a1, "AES-128")  # weakened: a1 stays one vulnerable asset
    _usage(api, h, a2, "ML-KEM-768")
    _usage(api, ho, b1, "ECDSA-P256")
    _, assets = check(api.sessions)
    assert assets[(org.id, "internet_facing")] == (1, 1)
    assert assets[(org.id, "internal")] == (1, 0)
    # a usage changes algorithm (broken -> resistant), then back; the asset moves exposure
    r = api.client.patch(f"/api/v1/usages/{u1}", json={"algorithm": "ML-DSA-65"}, headers=h)
    assert r.status_code == 200, r.text
    check(api.sessions)
    r = api.client.patch(f"/api/v1/usages/{u2}", json={"algorithm": "AES-256"}, headers=h)
    assert r.status_code == 200, r.text
    _, assets = check(api.sessions)
    assert assets[(org.id, "internet_facing")] == (1, 0)
    r = api.client.patch(f"/api/v1/usages/{u2}", json={"algorithm": "AES-128"}, headers=h)
    r = api.client.patch(f"/api/v1/assets/{a1}", json={"exposure": "isolated"}, headers=h)
    assert r.status_code == 200, r.text
    _, assets = check(api.sessions)
    assert assets[(org.id, "isolated")] == (1, 1)
    assert api.client.delete(f"/api/v1/usages/{u2}", headers=h).status_code == 204
    check(api.sessions)
    assert api.client.delete(f"/api/v1/assets/{a2}", headers=h).status_code == 204
    check(api.sessions)
    # the page and the API read the counters: they agree with the fresh count too
    with api.sessions() as s:
        me = Principal(organization_id=org.id, role=Role.OFFICER, name="t")
        usages, assets = fresh(s)
        summary = summarize(s, me)
        mine = {k: v for k, v in usages.items() if k[0] == org.id}
        assert summary.usages == sum(mine.values())
        assert summary.assets == sum(n for (o, _), (n, _) in assets.items() if o == org.id)
        by_exposure = assets_by_exposure(s, me)
        assert by_exposure["isolated"] == {"assets": 1, "vulnerable": 0}
        assert sum(v["assets"] for v in by_exposure.values()) == summary.assets


def test_imports_bulk_sql_cascades_and_org_deletion(api):
    org, other = api.make_org("mine"), api.make_org("other")
    h, ho = api.headers(org), api.headers(other)
    csv = CSV
    r = api.client.post("/api/v1/imports/csv", headers=h, content=csv)
    assert r.status_code == 200, r.text
    check(api.sessions)
    again = api.client.post("/api/v1/imports/csv", headers=h, content=csv)  # updates in place
    assert again.status_code == 200, again.text
    check(api.sessions)
    for name in ("cyclonedx-protocol-1.7.cdx.json", "cbomkit-occurrences-1.6.cdx.json"):
        r = api.client.post("/api/v1/imports/cbom", headers=ho, content=(DATA / name).read_bytes())
        assert r.status_code == 200, r.text
        check(api.sessions)
    # a failed import leaves rows and counters as they were
    before = check(api.sessions)
    bad = api.client.post("/api/v1/imports/csv", headers=h, content=csv.replace("ca-1=", "ca-9="))
    assert bad.status_code == 422
    assert check(api.sessions) == before
    with api.sessions.begin() as s:  # bulk insert, as bench/web_pages.py writes
        s.execute(
            insert(Asset),
            [
                {
                    "organization_id": org.id,
                    "ref": f"bulk-{i}",
                    "name": f"bulk {i}",
                    "asset_type": "service",
                    "exposure": list(Exposure)[i % 3],
                }
                for i in range(30)
            ],
        )
        ids = list(s.scalars(select(Asset.id).where(Asset.ref.like("bulk-%"))))
        statuses = [QuantumStatus.BROKEN, QuantumStatus.WEAKENED, QuantumStatus.RESISTANT]
        s.execute(
            insert(CryptoUsage),
            [
                {
                    "organization_id": org.id,
                    "asset_id": ids[i % len(ids)],
                    "ref": f"bulk-u-{i}",
                    "algorithm": f"ALG-{i % 4}",
                    "algorithm_raw": "x",
                    "primitive": Primitive.SIGNATURE,
                    "quantum_status": statuses[i % 3],
                    "status_reason": "bulk",
                    "catalog_version": "t",
                }
                for i in range(120)
            ],
        )
    check(api.sessions)
    with api.sessions.begin() as s:  # bulk reclassification, usages moved between assets
        s.execute(
            update(CryptoUsage)
            .where(CryptoUsage.algorithm == "ALG-1")
            .values(quantum_status=QuantumStatus.RESISTANT)
        )
        s.execute(
            update(CryptoUsage).where(CryptoUsage.algorithm == "ALG-2").values(asset_id=ids[0])
        )
        s.execute(update(Asset).where(Asset.id.in_(ids[:10])).values(exposure=Exposure.INTERNAL))
    check(api.sessions)
    with api.sessions.begin() as s:  # the database's cascade, not the ORM's
        s.execute(delete(Asset).where(Asset.id.in_(ids[:7])))
        s.execute(delete(CryptoUsage).where(CryptoUsage.algorithm == "ALG-3"))
    check(api.sessions)
    admin = _admin(api)
    gone = api.client.delete(f"/api/v1/organizations/{other.id}", headers=admin)
    assert gone.status_code == 204, gone.text
    usages, _ = check(api.sessions)
    assert not [k for k in usages if k[0] == other.id]
    with api.sessions() as s:
        assert not s.scalar(select(func.count()).where(AssetCount.organization_id == other.id))
    with api.sessions.begin() as s:
        s.execute(delete(Organization).where(Organization.id == org.id))
    assert check(api.sessions) == ({}, {})


def _admin(api) -> dict[str, str]:
    with api.sessions.begin() as s:
        _, secret = issue_key(s, _new_org(s, "admins"), Role.ADMIN, "admin")
    return {"Authorization": f"Bearer {secret}"}


def _new_org(session, slug: str) -> int:
    values = {"slug": slug, "name": slug, "sector": Sector.GOVERNMENT}
    stmt = insert(Organization).values(values | {"tier": Tier.CENTRAL_GOVERNMENT})
    return session.scalar(stmt.returning(Organization.id))


def test_upgrade_counts_existing_rows_and_downgrade_removes_counters(db_url):
    downgrade(db_url, "0010")
    sessions = session_factory(db_url)
    with sessions.begin() as s:
        org_id = _new_org(s, "old")
        for i, exposure in enumerate(Exposure):
            asset = Asset(organization_id=org_id, ref=f"a{i}", name="a", asset_type="service")
            asset.exposure = exposure
            s.add(asset)
            s.flush()
            for k, status in enumerate(list(QuantumStatus)[i:]):
                s.add(
                    CryptoUsage(
                        organization_id=org_id,
                        asset_id=asset.id,
                        ref=f"u{i}-{k}",
                        algorithm=f"ALG-{k}",
                        algorithm_raw="x",
                        primitive=Primitive.SIGNATURE,
                        quantum_status=status,
                        status_reason="old",
                        catalog_version="t",
                    )
                )
    upgrade(db_url)
    usages, assets = check(sessions)
    assert sum(usages.values()) == 5 + 4 + 3
    assert assets[(org_id, "isolated")] == (1, 0)  # from resistant on: nothing vulnerable
    assert assets[(org_id, "internal")] == (1, 1)
    downgrade(db_url, "0010")
    engine = engine_for(db_url)
    with engine.connect() as c:
        if engine.dialect.name == "postgresql":
            names = (
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
                " AND tgname NOT LIKE 'procrastinate%'"
            )
            functions = "SELECT proname FROM pg_proc WHERE proname LIKE 'pqcplan_%'"
            assert list(c.execute(text(functions))) == []
        else:
            names = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        assert list(c.execute(text(names))) == []
        tables = {"usage_counts", "asset_counts", "plan_timeline_cells"}
        assert not tables & set(engine.dialect.get_table_names(c))
    with sessions.begin() as s:  # writes work without the counters
        s.execute(delete(Asset).where(Asset.ref == "a0"))
    upgrade(db_url)
