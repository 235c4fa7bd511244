"""Long work as jobs: a plan generated in the background, followed through /api/v1/jobs."""

from __future__ import annotations

from core.choices import Role
from tests.app.api.seed import post_asset_with_rsa


def test_background_plan_generation_is_a_job(api):
    org = api.make_org("ministry")
    h = api.headers(org)
    post_asset_with_rsa(api.client, h)
    resp = api.client.post(
        "/api/v1/plans",
        headers=h,
        json={"profile": "kr-2035", "background": True, "start": "2026-12-01"},
    )
    assert resp.status_code == 202, resp.text
    job_id = resp.json()["job_id"]
    api.client.app.state.jobs.wait(job_id, timeout=60)
    job = api.client.get(f"/api/v1/jobs/{job_id}", headers=h).json()
    assert job["status"] == "succeeded", job
    assert job["kind"] == "plan" and job["progress"] == 1.0
    plan = api.client.get(f"/api/v1/plans/{job['result']['plan_id']}", headers=h)
    assert plan.status_code == 200 and plan.json()["profile"] == "kr-2035"
    assert job["result"]["summary"]["tasks"] >= 1

    other = api.headers(api.make_org("bank"), Role.OFFICER)
    assert api.client.get(f"/api/v1/jobs/{job_id}", headers=other).status_code == 404
    assert api.client.get("/api/v1/jobs", headers=other).json()["items"] == []

    bad = api.client.post(
        "/api/v1/plans", headers=h, json={"profile": "xx-1999", "background": True}
    )
    assert bad.status_code == 422 and bad.json()["location"] == "profile"


def test_background_import_is_a_job_and_a_bad_file_fails_it_cleanly(api):
    import json

    org = api.make_org("hospital")
    h = api.headers(org)
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "components": [
            {"type": "application", "name": "EMR", "bom-ref": "emr"},
            {
                "type": "cryptographic-asset",
                "name": "RSA-2048",
                "bom-ref": "rsa",
                "cryptoProperties": {
                    "assetType": "algorithm",
                    "algorithmProperties": {"primitive": "signature"},
                },
            },
        ],
        "dependencies": [{"ref": "emr", "dependsOn": ["rsa"]}],
    }
    resp = api.client.post(
        "/api/v1/imports/cbom", headers=h, params={"background": True}, content=json.dumps(doc)
    )
    assert resp.status_code == 202, resp.text
    job_id = resp.json()["job_id"]
    api.client.app.state.jobs.wait(job_id, timeout=60)
    job = api.client.get(f"/api/v1/jobs/{job_id}", headers=h).json()
    assert job["status"] == "succeeded", job
    assert job["result"]["report"]["usages_created"] == 1
    usages = api.client.get("/api/v1/usages", headers=h).json()["items"]
    assert [u["algorithm"] for u in usages] == ["RSA-2048"]

    doc["components"][1] = {"type": "cryptographic-asset", "bom-ref": "no-name"}
    bad = api.client.post(
        "/api/v1/imports/cbom", headers=h, params={"background": True}, content=json.dumps(doc)
    )
    assert bad.status_code == 202
    api.client.app.state.jobs.wait(bad.json()["job_id"], timeout=60)
    failed = api.client.get(f"/api/v1/jobs/{bad.json()['job_id']}", headers=h).json()
    assert failed["status"] == "failed" and "$.components[1]" in failed["error"]
    assert len(api.client.get("/api/v1/usages", headers=h).json()["items"]) == 1
