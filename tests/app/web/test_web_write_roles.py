"""Every form of the web console checks the role itself, as the API's dependencies do.

A page calls the shared functions (and some API route functions) directly, so the API's
role dependencies do not run for it: a page that forgot its check let an auditor import,
plan, change tasks or run the testbed, and a vendor read plan diffs, exports and scans.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from core.choices import Role
from core.models import Job
from inventory.models import ScanRun
from migration.models import PlanTask, PlanVersion
from testbed.models import Product

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _sign_in(api, org, role: Role) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    api.client.cookies.clear()
    key = api.headers(org, role)["Authorization"].removeprefix("Bearer ")
    token = CSRF.search(api.client.get("/signin").text).group(1)
    done = api.client.post("/signin", data={"api_key": key, "csrf": token}, follow_redirects=False)
    assert done.status_code == 303, done.text
    return CSRF.search(api.client.get(done.headers["location"]).text).group(1)


def _plan(api, org) -> tuple[int, int]:
    """A plan with one version of one task, made by an officer through the API."""
    officer = api.headers(org)
    asset = {"name": "portal", "asset_type": "service", "exposure": "internet_facing"}
    aid = api.client.post("/api/v1/assets", json=asset, headers=officer).json()["id"]
    usage = {"asset_id": aid, "algorithm": "RSA-2048", "primitive": "signature"}
    assert api.client.post("/api/v1/usages", json=usage, headers=officer).status_code == 201
    plan = api.client.post("/api/v1/plans", json={"profile": "kr-2035"}, headers=officer)
    assert plan.status_code == 201, plan.text
    plan_id = plan.json()["id"]
    tasks = api.client.get(f"/api/v1/plans/{plan_id}/versions/1/tasks", headers=officer)
    return plan_id, tasks.json()["items"][0]["id"]


def _counts(api) -> dict[str, int]:
    with api.sessions() as s:
        return {
            "jobs": s.scalar(select(func.count(Job.id))),
            "products": s.scalar(select(func.count(Product.id))),
            "versions": s.scalar(select(func.count(PlanVersion.id))),
            "tasks not planned": s.scalar(
                select(func.count(PlanTask.id)).where(PlanTask.status != "planned")
            ),
        }


def test_an_auditor_gets_403_on_every_form_that_writes_and_nothing_changes(api):
    org = api.make_org()
    plan_id, task_id = _plan(api, org)
    body = {"name": "gate", "version": "1", "algorithms": ["ML-KEM-768"]}
    made = api.client.post("/api/v1/testbed/products", json=body, headers=api.headers(org))
    product = made.json()["id"]
    before = _counts(api)
    csrf = _sign_in(api, org, Role.AUDITOR)
    forms = [
        ("/imports", {"kind": "csv"}, {"file": ("a.csv", b"asset_name,algorithm\nx,RSA-2048\n")}),
        ("/plans", {"profile": "kr-2035"}, None),
        (f"/plans/{plan_id}/versions", {}, None),
        (f"/plans/tasks/{task_id}", {"status": "done"}, None),
        ("/scans", {"kind": "tls", "targets": "127.0.0.1:443"}, None),
        ("/testbed/products", {"name": "p", "version": "1"}, None),
        ("/testbed/benchmarks", {"algorithm": "ML-KEM-512", "time_budget_s": "0.05"}, None),
        (
            f"/testbed/products/{product}/sessions",
            {"algorithm": "ML-KEM-768", "check": "kem_sender"},
            None,
        ),
        ("/testbed/sessions/1/answer", {}, {"file": ("a.json", b'{"items": {}}')}),
    ]
    for path, data, files in forms:
        answer = api.client.post(
            path, data={**data, "csrf": csrf}, files=files, follow_redirects=False
        )
        assert answer.status_code == 403, (path, answer.status_code, answer.text[:300])
        assert "The role &#39;Auditor&#39; cannot" in answer.text, path
    assert _counts(api) == before


def test_a_vendor_gets_403_on_plan_diffs_exports_and_scans(api):
    org = api.make_org()
    plan_id, _ = _plan(api, org)
    with api.sessions.begin() as s:
        scan = ScanRun(organization_id=org.id, kind="tls", targets=["h:443"], created_by="t")
        s.add(scan)
        s.flush()
        scan_id = scan.id
    _sign_in(api, org, Role.VENDOR)
    for path in (
        f"/plans/{plan_id}/compare?from=1&to=1",
        f"/plans/{plan_id}/versions/1/export?format=csv",
        f"/scans/{scan_id}",
    ):
        answer = api.client.get(path)
        assert answer.status_code == 403, (path, answer.status_code, answer.text[:300])
        assert "portal" not in answer.text and "h:443" not in answer.text, path


def test_the_benchmark_limit_is_a_429_page_in_the_console(api):
    """The per-organization limit `core.jobs.submit` enforces reads the same in the browser."""
    org = api.make_org()
    csrf = _sign_in(api, org, Role.VENDOR)
    with api.sessions.begin() as s:  # two benchmarks still queued: the organization's limit
        for _ in range(2):
            s.add(Job(organization_id=org.id, kind="benchmark", created_by="t", params={}))
    answer = api.client.post(
        "/testbed/benchmarks",
        data={"algorithm": "ML-KEM-512", "time_budget_s": "0.05", "csrf": csrf},
        follow_redirects=False,
    )
    assert answer.status_code == 429, answer.text[:300]
    assert "already runs 2 benchmark jobs" in answer.text
    with api.sessions() as s:
        assert s.scalar(select(func.count(Job.id))) == 2
