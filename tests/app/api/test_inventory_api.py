"""The inventory API end to end over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from core.choices import Role, Sector, Tier
from core.models import AuditEntry
from inventory.models import Asset, CryptoUsage, Dependency


def _asset(api, headers, name="Web portal", **kw):
    body = {"name": name, "asset_type": "application", "exposure": "internet_facing", **kw}
    resp = api.client.post("/api/v1/assets", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


def _usage(api, headers, asset_id, algorithm, primitive="signature", **kw):
    body = {"asset_id": asset_id, "algorithm": algorithm, "primitive": primitive, **kw}
    resp = api.client.post("/api/v1/usages", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_crud_classifies_and_audits(api):
    org = api.make_org("ministry")
    h = api.headers(org)
    asset = _asset(api, h, secrecy_years=25, data_sensitivity="secret")
    assert asset["organization_id"] == org.id and asset["secrecy_years"] == 25

    rsa = _usage(
        api,
        h,
        asset["id"],
        "sha256WithRSAEncryption",
        key_size=2048,
        function="certificate_signature",
    )
    assert rsa["algorithm"] == "RSA-2048"
    assert rsa["quantum_status"] == "broken"
    assert "Shor" in rsa["status_reason"]
    kem = _usage(
        api,
        h,
        asset["id"],
        "x25519mlkem768",
        primitive="key_exchange",
        function="tls_key_exchange",
        protocol="TLS 1.3",
    )
    assert kem["algorithm"] == "X25519MLKEM768" and kem["quantum_status"] == "hybrid"
    odd = _usage(api, h, asset["id"], "FancyQuantumCipher9000", primitive="symmetric")
    assert odd["quantum_status"] == "unknown" and odd["algorithm"] == "FancyQuantumCipher9000"

    patched = api.client.patch(
        f"/api/v1/usages/{rsa['id']}", headers=h, json={"algorithm": "ML-DSA-65", "key_size": None}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["algorithm"] == "ML-DSA-65"
    assert patched.json()["quantum_status"] == "resistant"

    other = _asset(api, h, "Issuing CA", asset_type="ca_pki", exposure="internal")
    dep = api.client.post(
        "/api/v1/dependencies",
        headers=h,
        json={"dependent_id": asset["id"], "provider_id": other["id"], "kind": "certificates_from"},
    )
    assert dep.status_code == 201, dep.text
    again = api.client.post(
        "/api/v1/dependencies",
        headers=h,
        json={"dependent_id": asset["id"], "provider_id": other["id"], "kind": "certificates_from"},
    )
    assert again.status_code == 409
    self_dep = api.client.post(
        "/api/v1/dependencies",
        headers=h,
        json={"dependent_id": asset["id"], "provider_id": asset["id"], "kind": "other"},
    )
    assert self_dep.status_code == 422 and self_dep.json()["location"] == "provider_id"

    assert api.client.delete(f"/api/v1/assets/{asset['id']}", headers=h).status_code == 204
    assert api.client.get(f"/api/v1/usages/{kem['id']}", headers=h).status_code == 404
    with api.sessions() as s:
        assert s.scalar(select(func.count(CryptoUsage.id))) == 0
        assert s.scalar(select(func.count(Dependency.id))) == 0
        actions = [
            (e.action, e.entity) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]
    assert ("create", "asset") in actions and ("delete", "asset") in actions
    assert ("update", "crypto_usage") in actions


def test_other_tenants_rows_answer_404(api):
    a, b = (
        api.make_org("org-a"),
        api.make_org("org-b", Sector.FINANCE, Tier.CRITICAL_PRIVATE_INFRASTRUCTURE),
    )
    ha, hb = api.headers(a), api.headers(b)
    asset = _asset(api, ha)
    usage = _usage(api, ha, asset["id"], "RSA", key_size=3072)
    for path in (
        f"/api/v1/assets/{asset['id']}",
        f"/api/v1/usages/{usage['id']}",
        f"/api/v1/organizations/{a.id}",
    ):
        assert api.client.get(path, headers=hb).status_code == 404
        assert api.client.delete(path, headers=hb).status_code in (403, 404)
    assert (
        api.client.patch(
            f"/api/v1/assets/{asset['id']}", headers=hb, json={"name": "stolen"}
        ).status_code
        == 404
    )
    # cannot attach a usage or a dependency to another tenant's asset
    assert (
        api.client.post(
            "/api/v1/usages",
            headers=hb,
            json={"asset_id": asset["id"], "algorithm": "RSA", "primitive": "signature"},
        ).status_code
        == 404
    )
    mine = _asset(api, hb, "Bank portal")
    assert (
        api.client.post(
            "/api/v1/dependencies",
            headers=hb,
            json={"dependent_id": mine["id"], "provider_id": asset["id"], "kind": "other"},
        ).status_code
        == 404
    )
    # cannot write into another organization by naming it
    assert (
        api.client.post(
            "/api/v1/assets",
            headers=hb,
            json={"name": "x", "asset_type": "host", "organization_id": a.id},
        ).status_code
        == 404
    )
    # lists and summaries only show own rows
    assert api.client.get("/api/v1/assets", headers=hb).json()["items"][0]["name"] == "Bank portal"
    assert len(api.client.get("/api/v1/assets", headers=hb).json()["items"]) == 1
    assert api.client.get("/api/v1/usages", headers=hb).json()["items"] == []
    assert api.client.get("/api/v1/inventory/summary", headers=hb).json()["usages"] == 0
    with api.sessions() as s:
        assert s.get(Asset, asset["id"]).name == "Web portal"


def test_roles(api):
    org = api.make_org()
    officer, auditor = api.headers(org, Role.OFFICER), api.headers(org, Role.AUDITOR)
    vendor = api.headers(api.make_org("vendor-co", Sector.OTHER, Tier.PRIVATE), Role.VENDOR)
    asset = _asset(api, officer)
    assert api.client.get(f"/api/v1/assets/{asset['id']}", headers=auditor).status_code == 200
    resp = api.client.post(
        "/api/v1/assets", headers=auditor, json={"name": "x", "asset_type": "host"}
    )
    assert resp.status_code == 403 and "auditor" in resp.json()["detail"]
    assert api.client.get("/api/v1/assets", headers=vendor).status_code == 403
    assert api.client.get("/api/v1/inventory/summary", headers=vendor).status_code == 403
    assert (
        api.client.post(
            "/api/v1/organizations",
            headers=officer,
            json={"slug": "new", "name": "n", "sector": "energy", "tier": "private"},
        ).status_code
        == 403
    )
    assert api.client.get("/api/v1/assets").status_code == 401
    assert api.client.get("/api/v1/assets", headers={"X-API-Key": "pqc_nope"}).status_code == 401


def test_admin_sees_all_and_manages_keys(api):
    admin_org = api.make_org("office")
    admin = api.headers(admin_org, Role.ADMIN)
    other = api.make_org("hospital", Sector.HEALTHCARE, Tier.PUBLIC_INSTITUTION)
    created = api.client.post(
        "/api/v1/assets",
        headers=admin,
        json={"name": "EMR", "asset_type": "application", "organization_id": other.id},
    )
    assert created.status_code == 201 and created.json()["organization_id"] == other.id
    key = api.client.post(
        "/api/v1/api-keys",
        headers=admin,
        json={"organization_id": other.id, "role": "auditor", "name": "hospital audit"},
    )
    assert key.status_code == 201
    secret = key.json()["secret"]
    h = {"Authorization": f"Bearer {secret}"}
    assert len(api.client.get("/api/v1/assets", headers=h).json()["items"]) == 1
    assert (
        api.client.delete(f"/api/v1/api-keys/{key.json()['id']}", headers=admin).status_code == 204
    )
    assert api.client.get("/api/v1/assets", headers=h).status_code == 401
    listing = api.client.get("/api/v1/api-keys", headers=admin).json()
    assert all("secret" not in k for k in listing)
    org_list = api.client.get("/api/v1/organizations", headers=admin).json()
    assert {o["slug"] for o in org_list} == {"office", "hospital"}


def test_pagination_and_filters(api):
    org = api.make_org()
    h = api.headers(org)
    ids = []
    for i in range(7):
        a = _asset(
            api, h, f"host {i}", asset_type="host" if i % 2 else "database", exposure="internal"
        )
        ids.append(a["id"])
        _usage(
            api,
            h,
            a["id"],
            "AES-256-GCM" if i % 2 else "ssh-rsa",
            key_size=2048,
            primitive="symmetric" if i % 2 else "signature",
        )
    seen, cursor = [], 0
    while True:
        page = api.client.get(
            "/api/v1/assets", headers=h, params={"limit": 3, "cursor": cursor}
        ).json()
        seen += [a["id"] for a in page["items"]]
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    assert seen == ids
    dbs = api.client.get("/api/v1/assets", headers=h, params={"asset_type": "database"}).json()
    assert len(dbs["items"]) == 4
    broken = api.client.get("/api/v1/assets", headers=h, params={"quantum_status": "broken"}).json()
    assert [a["id"] for a in broken["items"]] == ids[0::2]
    by_alg = api.client.get("/api/v1/usages", headers=h, params={"algorithm": "AES-256"}).json()
    assert len(by_alg["items"]) == 3
    bad = api.client.get("/api/v1/assets", headers=h, params={"exposure": "outer-space"})
    assert bad.status_code == 422
    summary = api.client.get("/api/v1/inventory/summary", headers=h).json()
    assert summary["assets"] == 7 and summary["usages"] == 7
    assert summary["by_status"]["broken"] == 4 and summary["by_status"]["resistant"] == 3
    assert summary["by_sector"]["government"]["broken"] == 4
    assert summary["vulnerable_assets"] == 4


def test_validation_errors_name_the_field(api):
    org = api.make_org()
    h = api.headers(org)
    resp = api.client.post("/api/v1/assets", headers=h, json={"name": "x", "asset_type": "toaster"})
    assert resp.status_code == 422
    assert resp.json()["location"] == "$.asset_type", resp.text
    resp = api.client.post(
        "/api/v1/assets", headers=h, json={"name": "x", "asset_type": "host", "secrecy_years": -1}
    )
    assert resp.json()["location"] == "$.secrecy_years", resp.text
    resp = api.client.post(
        "/api/v1/assets", headers=h, json={"name": "x", "asset_type": "host", "colour": "blue"}
    )
    assert resp.status_code == 422
    asset = _asset(api, h)
    resp = api.client.patch(f"/api/v1/assets/{asset['id']}", headers=h, json={"name": None})
    assert resp.status_code == 422 and resp.json()["location"] == "name"
    assert api.client.get(f"/api/v1/assets/{asset['id']}", headers=h).json()["name"] == "Web portal"


def test_catalog_endpoints(api):
    resp = api.client.get("/api/v1/catalog/classify", params={"name": "prime256v1"})
    assert resp.status_code == 200
    assert resp.json()["canonical"] in ("ECDH-P256", "ECDSA-P256")
    assert api.client.get("/api/v1/catalog/ML-KEM-768").json()["nist_category"] == 3
    assert api.client.get("/api/v1/catalog/NoSuchThing").status_code == 404


def test_audit_log_is_tenant_scoped(api):
    a, b = api.make_org("a"), api.make_org("b")
    _asset(api, api.headers(a), "A's portal")
    _asset(api, api.headers(b), "B's portal")
    log_a = api.client.get("/api/v1/audit", headers=api.headers(a, Role.AUDITOR)).json()
    assert [e["detail"]["name"] for e in log_a] == ["A's portal"]
    assert log_a[0]["actor"] == "test officer" and log_a[0]["action"] == "create"


def test_hostile_values_get_422_not_500(api):
    """Found by fuzzing the OpenAPI schema: each of these was a 500 once."""
    org = api.make_org()
    h = api.headers(org)
    asset = _asset(api, h)
    usage = _usage(api, h, asset["id"], "RSA", key_size=2048)
    for path in ("/api/v1/usages", "/api/v1/assets", "/api/v1/testbed/results"):
        resp = api.client.get(path, headers=h, params={"cursor": 11363279873555466240})
        assert resp.status_code == 422, (path, resp.text)
    resp = api.client.patch(
        f"/api/v1/usages/{usage['id']}",
        headers={**h, "Content-Type": "application/json"},
        content=b'{"protocol": "TLS \\udad0"}',
    )
    assert resp.status_code == 422 and "Unicode" in resp.json()["detail"], resp.text
    admin = api.headers(org, Role.ADMIN)
    resp = api.client.patch(f"/api/v1/organizations/{org.id}", headers=admin, json={"sector": None})
    assert resp.status_code == 422 and resp.json()["location"] == "sector"
    assert api.client.get(f"/api/v1/usages/{usage['id']}", headers=h).json()["protocol"] is None
