"""What a supervisor sees of a reporting organization's coverage follows its inventory: an
asset added, renamed or deleted, a CSV import, a scan's filing and an own catalog change
each rewrite the shared coverage in their own commit, with nobody asking for a refresh;
an inventory write that fails rewrites nothing."""

from __future__ import annotations

import time
from pathlib import Path

from core.choices import Sector, Tier
from inventory.discovery import service
from tests.inventory.discovery import pki

V1 = "/api/v1"


def _wait(api, headers, job_id: int) -> None:
    for _ in range(600):
        job = api.client.get(f"{V1}/jobs/{job_id}", headers=headers).json()
        if job["status"] not in ("queued", "running"):
            assert job["status"] == "succeeded", (job.get("error"), job)
            return
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not end")


def _seen(api, supervisor, org_id: int) -> dict[str, str]:
    one = api.client.get(f"{V1}/supervision/{org_id}", headers=supervisor)
    assert one.status_code == 200, one.text
    return {t["key"]: t["state"] for t in one.json()["coverage"]["targets"]}


def _own_catalog(api, headers) -> dict:
    """The built-in telecom catalog's first target, as an own catalog's only target."""
    catalog = api.client.get(f"{V1}/sectors/telecom", headers=headers).json()
    catalog.pop("builtin")
    target = catalog["targets"][0] | {
        "id": "lawful-intercept",
        "name": "Lawful intercept handover",
        "match": [{"keywords": ["lawful intercept"]}],
    }
    return catalog | {"id": "telco-own", "name": "Our own targets", "targets": [target]}


def test_coverage_follows_every_inventory_write(api, tmp_path: Path) -> None:
    ministry = api.make_org("ministry", Sector.GOVERNMENT, Tier.CENTRAL_GOVERNMENT)
    telco = api.make_org("telco", Sector.TELECOM, Tier.CRITICAL_PRIVATE_INFRASTRUCTURE)
    officer, supervisor = api.headers(telco), api.headers(ministry)
    started = api.client.post(f"{V1}/reporting", json={"supervisor": "ministry"}, headers=officer)
    assert started.status_code == 201, started.text
    assert _seen(api, supervisor, telco.id)["telecom/suci-concealment"] == "not_found"

    # an asset added by hand, then renamed away from the target, then back, then deleted
    made = api.client.post(
        f"{V1}/assets", json={"name": "UDM cluster", "asset_type": "service"}, headers=officer
    )
    assert made.status_code == 201, made.text
    asset = made.json()["id"]
    assert _seen(api, supervisor, telco.id)["telecom/suci-concealment"] == "found"
    renamed = api.client.patch(f"{V1}/assets/{asset}", json={"name": "billing"}, headers=officer)
    assert renamed.status_code == 200, renamed.text
    assert _seen(api, supervisor, telco.id)["telecom/suci-concealment"] == "not_found"
    api.client.patch(f"{V1}/assets/{asset}", json={"name": "SIDF"}, headers=officer)
    assert _seen(api, supervisor, telco.id)["telecom/suci-concealment"] == "found"
    assert api.client.delete(f"{V1}/assets/{asset}", headers=officer).status_code == 204
    assert _seen(api, supervisor, telco.id)["telecom/suci-concealment"] == "not_found"

    # a CSV import in the request, then one run as a background job
    head = "asset_ref,asset_name,asset_type,usage_ref,algorithm,primitive\n"
    csv = head + "sepp,SEPP roaming gateway,service,u1,ECDSA-P256,signature\n"
    imported = api.client.post(f"{V1}/imports/csv", content=csv.encode(), headers=officer)
    assert imported.status_code == 200, imported.text
    assert _seen(api, supervisor, telco.id)["telecom/roaming-n32"] == "found"
    csv = head + "sidf,SIDF key store,application,u2,ECDH-P256,key_exchange\n"
    queued = api.client.post(
        f"{V1}/imports/csv", params={"background": "true"}, content=csv.encode(), headers=officer
    )
    assert queued.status_code == 202, queued.text
    _wait(api, officer, queued.json()["job_id"])
    assert _seen(api, supervisor, telco.id)["telecom/suci-concealment"] == "found"

    # an import that fails (a bad row) changes nothing, the shared figures included
    before = api.client.get(f"{V1}/supervision/{telco.id}", headers=supervisor).json()
    bad = head + "udm,UDM two,no-such-type,u3,RSA-2048,signature\n"
    refused = api.client.post(f"{V1}/imports/csv", content=bad.encode(), headers=officer)
    assert refused.status_code == 422, refused.text
    after = api.client.get(f"{V1}/supervision/{telco.id}", headers=supervisor).json()
    assert after["coverage"] == before["coverage"]

    # an own catalog that expects one more target: seen as not found at once
    own = api.client.post(
        f"{V1}/sectors/catalogs", json=_own_catalog(api, officer), headers=officer
    )
    assert own.status_code == 201, own.text
    assert _seen(api, supervisor, telco.id)["telco-own/lawful-intercept"] == "not_found"
    gone = api.client.delete(f"{V1}/sectors/catalogs/telco-own", headers=officer)
    assert gone.status_code == 204, gone.text
    assert "telco-own/lawful-intercept" not in _seen(api, supervisor, telco.id)

    # a scan's filing (a certificate store named after the target's system), the sidf
    # asset gone first so that only the scan can make the target found
    sidf = api.client.get(f"{V1}/assets", params={"q": "SIDF"}, headers=officer).json()
    for item in sidf["items"]:
        api.client.delete(f"{V1}/assets/{item['id']}", headers=officer)
    assert _seen(api, supervisor, telco.id)["telecom/suci-concealment"] == "not_found"
    store = tmp_path / "udm-keys"
    store.mkdir()
    (store / "suci.pem").write_bytes(pki.pem(pki.make_cert(pki.ecdsa_key(), "udm.test")))
    with api.sessions.begin() as s:
        service.add_scope(s, telco.id, "path", str(store), None, None)
        req = service.prepare(s, telco.id, "certs", [str(store)])
    results = service.run(req)
    with api.sessions.begin() as s:
        service.record_scan(s, telco.id, req, results, "test")
    assert _seen(api, supervisor, telco.id)["telecom/suci-concealment"] == "found"
