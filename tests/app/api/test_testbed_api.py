"""Benchmark jobs over HTTP: real engines, stored rows, limits and tenancy."""

from __future__ import annotations

import time

from core.choices import Role, Sector, Tier


def _wait(api, job_id, headers, timeout=120.0):
    api.client.app.state.jobs.wait(job_id, timeout=timeout)
    deadline = time.monotonic() + 10
    while True:
        job = api.client.get(f"/api/v1/testbed/benchmarks/{job_id}", headers=headers).json()
        if job["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def test_engines_report_versions_and_algorithms(api):
    h = api.headers(api.make_org("vendor", Sector.OTHER, Tier.PRIVATE), Role.VENDOR)
    engines = {
        e["name"]: e for e in api.client.get("/api/v1/testbed/engines", headers=h).json()["engines"]
    }
    assert set(engines) == {"liboqs", "openssl", "pqclean", "kpqc"}
    assert "SMAUG-T-128" in engines["kpqc"]["kems"] and "HAETAE-2" in engines["kpqc"]["signatures"]
    assert all(e["available"] for e in engines.values()), engines
    assert engines["liboqs"]["version"].startswith("liboqs 0.")
    assert (
        "ML-KEM-768" in engines["liboqs"]["kems"] and "ML-DSA-65" in engines["liboqs"]["signatures"]
    )
    assert "X25519" in engines["openssl"]["kems"]


def test_benchmark_job_runs_every_engine_and_the_baseline(api):
    org = api.make_org("vendor", Sector.OTHER, Tier.PRIVATE)
    h = api.headers(org, Role.VENDOR)
    product = api.client.post(
        "/api/v1/testbed/products",
        headers=h,
        json={"name": "SecureGate", "version": "9.1", "algorithms": ["mlkem768", "ML-DSA-65"]},
    )
    assert product.status_code == 201 and product.json()["algorithms"] == [
        "ML-KEM-768",
        "ML-DSA-65",
    ]
    resp = api.client.post(
        "/api/v1/testbed/benchmarks",
        headers=h,
        json={
            "algorithms": ["ML-KEM-768"],
            "engines": ["all"],
            "time_budget_s": 0.3,
            "product_id": product.json()["id"],
        },
    )
    assert resp.status_code == 202, resp.text
    job = _wait(api, resp.json()["id"], h)
    assert job["status"] == "succeeded", job
    assert job["progress"] == 1.0
    rows = api.client.get(
        "/api/v1/testbed/results", headers=h, params={"job_id": job["id"]}
    ).json()["items"]
    by_engine = {(r["engine"], r["algorithm"]): r for r in rows}
    assert {
        ("liboqs", "ML-KEM-768"),
        ("openssl", "ML-KEM-768"),
        ("pqclean", "ML-KEM-768"),
        ("openssl", "X25519"),
    } <= set(by_engine)
    kem = by_engine[("liboqs", "ML-KEM-768")]
    assert kem["sizes"]["public_key"] == 1184 and kem["sizes"]["ciphertext"] == 1088
    assert set(kem["operations"]) == {"keygen", "encaps", "decaps"}
    for op in kem["operations"].values():
        assert op["iterations"] > 0 and op["ops_per_s"] > 0 and op["ops_per_s_p50"] > 0
        assert op["p50_us"] <= op["p95_us"] <= op["p99_us"]
        assert op["timing"] == "native-loop"
    assert by_engine[("openssl", "ML-KEM-768")]["operations"]["encaps"]["timing"] == "per-call"
    assert job["result"]["skipped"] == ["kpqc: skipped for ML-KEM-768 (it has no ML-KEM-768)"]
    assert kem["machine"]["cores"] >= 1 and "avx2" in kem["machine"]["cpu_flags"]
    assert kem["product_id"] == product.json()["id"]
    assert by_engine[("openssl", "X25519")]["baseline_for"] == "ML-KEM-768"
    comp = next(c for c in job["result"]["comparisons"] if c["engine"] == "liboqs")
    assert comp["baseline"] == "X25519" and comp["wire_bytes"] == [1184 + 1088, 32 + 32]


def test_limits_are_refused_with_clear_4xx(api):
    h = api.headers(api.make_org("vendor", Sector.OTHER, Tier.PRIVATE), Role.VENDOR)
    post = lambda body: api.client.post("/api/v1/testbed/benchmarks", headers=h, json=body)  # noqa: E731
    resp = post({"algorithms": ["ML-KEM-768"], "time_budget_s": 60})
    assert resp.status_code == 422 and "time_budget_s" in str(resp.json())
    resp = post({"algorithms": ["ML-KEM-768"], "max_iterations": 10**9})
    assert resp.status_code == 422
    resp = post({"algorithms": ["NoSuchKEM"]})
    assert resp.status_code == 422 and resp.json()["location"] == "algorithms[0]"
    many = ["ML-KEM-512", "ML-KEM-768", "ML-KEM-1024", "ML-DSA-44", "ML-DSA-65", "ML-DSA-87"]
    resp = post({"algorithms": many, "time_budget_s": 9})
    assert resp.status_code == 422 and "exceeds the limit" in resp.json()["detail"]
    resp = post({"algorithms": ["ML-KEM-768"], "engines": ["quantum-annealer"]})
    assert resp.status_code == 422
    started = [
        post(
            {
                "algorithms": ["ML-DSA-65"],
                "engines": ["liboqs"],
                "time_budget_s": 2,
                "include_baseline": False,
            }
        )
        for _ in range(2)
    ]
    assert [r.status_code for r in started] == [202, 202]
    third = post({"algorithms": ["ML-DSA-65"], "engines": ["liboqs"], "time_budget_s": 0.1})
    assert third.status_code == 429 and third.headers["Retry-After"]
    for r in started:
        assert _wait(api, r.json()["id"], h)["status"] == "succeeded"


def test_jobs_and_results_are_tenant_scoped(api):
    a = api.headers(api.make_org("vendor-a", Sector.OTHER, Tier.PRIVATE), Role.VENDOR)
    b_org = api.make_org("vendor-b", Sector.OTHER, Tier.PRIVATE)
    b = api.headers(b_org, Role.VENDOR)
    job = api.client.post(
        "/api/v1/testbed/benchmarks",
        headers=a,
        json={"algorithms": ["Ed25519"], "engines": ["openssl"], "time_budget_s": 0.1},
    ).json()
    _wait(api, job["id"], a)
    assert api.client.get(f"/api/v1/testbed/benchmarks/{job['id']}", headers=b).status_code == 404
    assert api.client.get("/api/v1/testbed/results", headers=b).json()["items"] == []
    assert len(api.client.get("/api/v1/testbed/results", headers=a).json()["items"]) == 1
    # vendors see nothing of any inventory; auditors cannot start work
    assert api.client.get("/api/v1/assets", headers=b).status_code == 403
    auditor = api.headers(b_org, Role.AUDITOR)
    assert (
        api.client.post(
            "/api/v1/testbed/benchmarks", headers=auditor, json={"algorithms": ["Ed25519"]}
        ).status_code
        == 403
    )
