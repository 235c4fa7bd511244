"""Long work as jobs: a plan generated in the background, followed through /api/v1/jobs."""

from __future__ import annotations

from inventory.choices import Role


def test_background_plan_generation_is_a_job(api):
    org = api.make_org("ministry")
    h = api.headers(org)
    asset = api.client.post(
        "/api/v1/assets",
        headers=h,
        json={"name": "Portal", "asset_type": "application", "exposure": "internet_facing"},
    ).json()
    api.client.post(
        "/api/v1/usages",
        headers=h,
        json={
            "asset_id": asset["id"],
            "algorithm": "RSA-2048",
            "primitive": "signature",
            "function": "certificate_signature",
        },
    )
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
