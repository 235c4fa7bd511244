"""Who may reach what: every route of the app, tried with every role over HTTP.

The table below is the decision for each route. It is compared with the app's own route
list, so a route added without a decision here fails `test_every_route_has_a_decision`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.api.main import create_app
from app.settings import Settings
from core.apikeys import issue_key
from core.choices import Role, Sector, Tier
from core.db import engine_for
from core.models import Organization
from core.models.base import Base

ADMIN, OFFICER, AUDITOR, VENDOR = Role.ADMIN, Role.OFFICER, Role.AUDITOR, Role.VENDOR
ANONYMOUS = "anonymous"
READ = frozenset({ADMIN, OFFICER, AUDITOR})  # inventory, plans, profiles, audit
WRITE = frozenset({ADMIN, OFFICER})
TESTBED_READ = frozenset({ADMIN, OFFICER, AUDITOR, VENDOR})
TESTBED_WRITE = frozenset({ADMIN, OFFICER, VENDOR})
ADMIN_ONLY = frozenset({ADMIN})
ANY_KEY = frozenset({ADMIN, OFFICER, AUDITOR, VENDOR})  # jobs: vendors see testbed jobs only
PUBLIC = frozenset({ADMIN, OFFICER, AUDITOR, VENDOR, ANONYMOUS})

V1 = "/api/v1"
POLICY: dict[tuple[str, str], frozenset] = {
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", f"{V1}/organizations"): READ,
    ("POST", f"{V1}/organizations"): ADMIN_ONLY,
    ("GET", f"{V1}/organizations/{{org_id}}"): READ,
    ("PATCH", f"{V1}/organizations/{{org_id}}"): WRITE,
    ("DELETE", f"{V1}/organizations/{{org_id}}"): ADMIN_ONLY,
    ("GET", f"{V1}/assets"): READ,
    ("POST", f"{V1}/assets"): WRITE,
    ("GET", f"{V1}/assets/{{asset_id}}"): READ,
    ("PATCH", f"{V1}/assets/{{asset_id}}"): WRITE,
    ("DELETE", f"{V1}/assets/{{asset_id}}"): WRITE,
    ("GET", f"{V1}/usages"): READ,
    ("POST", f"{V1}/usages"): WRITE,
    ("GET", f"{V1}/usages/{{usage_id}}"): READ,
    ("PATCH", f"{V1}/usages/{{usage_id}}"): WRITE,
    ("DELETE", f"{V1}/usages/{{usage_id}}"): WRITE,
    ("GET", f"{V1}/dependencies"): READ,
    ("POST", f"{V1}/dependencies"): WRITE,
    ("GET", f"{V1}/dependencies/{{dep_id}}"): READ,
    ("DELETE", f"{V1}/dependencies/{{dep_id}}"): WRITE,
    ("GET", f"{V1}/inventory/summary"): READ,
    ("GET", f"{V1}/catalog"): PUBLIC,  # public reference data, no tenant rows
    ("GET", f"{V1}/catalog/classify"): PUBLIC,
    ("GET", f"{V1}/catalog/{{name}}"): PUBLIC,
    ("POST", f"{V1}/imports/{{kind}}"): WRITE,
    ("GET", f"{V1}/imports/csv/template"): PUBLIC,
    ("GET", f"{V1}/exports/cbom"): READ,
    ("GET", f"{V1}/exports/csv"): READ,
    ("GET", f"{V1}/api-keys"): ADMIN_ONLY,
    ("POST", f"{V1}/api-keys"): ADMIN_ONLY,
    ("DELETE", f"{V1}/api-keys/{{key_id}}"): ADMIN_ONLY,
    ("GET", f"{V1}/audit"): READ,
    ("GET", f"{V1}/jobs"): ANY_KEY,
    ("GET", f"{V1}/jobs/{{job_id}}"): ANY_KEY,
    ("POST", f"{V1}/jobs/{{job_id}}/cancel"): TESTBED_WRITE,
    ("POST", f"{V1}/plans"): WRITE,
    ("GET", f"{V1}/plans"): READ,
    ("GET", f"{V1}/plans/{{plan_id}}"): READ,
    ("DELETE", f"{V1}/plans/{{plan_id}}"): WRITE,
    ("POST", f"{V1}/plans/{{plan_id}}/versions"): WRITE,
    ("GET", f"{V1}/plans/{{plan_id}}/versions/{{number}}"): READ,
    ("GET", f"{V1}/plans/{{plan_id}}/versions/{{number}}/tasks"): READ,
    ("GET", f"{V1}/plans/{{plan_id}}/versions/{{number}}/export"): READ,
    ("GET", f"{V1}/plans/{{plan_id}}/compare"): READ,
    ("PATCH", f"{V1}/plans/tasks/{{task_id}}"): WRITE,
    ("POST", f"{V1}/plans/judge"): READ,
    ("GET", f"{V1}/profiles"): READ,
    ("POST", f"{V1}/profiles"): WRITE,
    ("GET", f"{V1}/profiles/{{profile_id}}"): READ,
    ("DELETE", f"{V1}/profiles/{{profile_id}}"): WRITE,
    ("POST", f"{V1}/profiles/validate"): READ,
    ("GET", f"{V1}/testbed/engines"): TESTBED_READ,
    ("POST", f"{V1}/testbed/products"): TESTBED_WRITE,
    ("GET", f"{V1}/testbed/products"): TESTBED_READ,
    ("GET", f"{V1}/testbed/products/{{product_id}}"): TESTBED_READ,
    ("POST", f"{V1}/testbed/benchmarks"): TESTBED_WRITE,
    ("GET", f"{V1}/testbed/benchmarks"): TESTBED_READ,
    ("GET", f"{V1}/testbed/benchmarks/{{job_id}}"): TESTBED_READ,
    ("GET", f"{V1}/testbed/results"): TESTBED_READ,
    ("POST", f"{V1}/testbed/sessions"): TESTBED_WRITE,
    ("GET", f"{V1}/testbed/sessions"): TESTBED_READ,
    ("GET", f"{V1}/testbed/sessions/{{session_id}}"): TESTBED_READ,
    ("POST", f"{V1}/testbed/sessions/{{session_id}}/answer"): TESTBED_WRITE,
    ("GET", f"{V1}/testbed/sessions/{{session_id}}/report"): TESTBED_READ,
    ("GET", f"{V1}/testbed/reports"): TESTBED_READ,
    ("POST", f"{V1}/testbed/reports/verify"): TESTBED_READ,
    ("GET", f"{V1}/testbed/report-key"): PUBLIC,  # the public key that verifies reports
    ("POST", f"{V1}/scan-scopes"): WRITE,
    ("GET", f"{V1}/scan-scopes"): READ,
    ("DELETE", f"{V1}/scan-scopes/{{scope_id}}"): WRITE,
    ("POST", f"{V1}/scans"): WRITE,
    ("GET", f"{V1}/scans"): READ,
    ("GET", f"{V1}/scans/{{scan_id}}"): READ,
    ("GET", f"{V1}/sectors"): READ,
    ("GET", f"{V1}/sectors/{{sector}}"): READ,
    ("POST", f"{V1}/sectors/catalogs/validate"): READ,
    ("POST", f"{V1}/sectors/catalogs"): WRITE,
    ("DELETE", f"{V1}/sectors/catalogs/{{catalog_id}}"): WRITE,
    ("GET", f"{V1}/sector-check"): READ,
    ("POST", f"{V1}/sector-ties"): WRITE,
    ("DELETE", f"{V1}/sector-ties"): WRITE,
    ("POST", f"{V1}/sector-absences"): WRITE,
    ("DELETE", f"{V1}/sector-absences"): WRITE,
    ("GET", f"{V1}/asset-tags/{{asset_id}}"): READ,
    ("POST", f"{V1}/asset-tags/{{asset_id}}"): WRITE,
    ("DELETE", f"{V1}/asset-tags/{{asset_id}}/{{tag}}"): WRITE,
    ("GET", f"{V1}/procedure"): READ,
    ("PATCH", f"{V1}/procedure/{{procedure_id}}/{{step_id}}"): WRITE,
    ("POST", f"{V1}/procedure/{{procedure_id}}/{{step_id}}/evidence"): WRITE,
    ("POST", f"{V1}/procedure/{{procedure_id}}/{{step_id}}/evidence/file"): WRITE,
    ("GET", f"{V1}/procedure/evidence/{{evidence_id}}/file"): READ,
    ("DELETE", f"{V1}/procedure/evidence/{{evidence_id}}"): WRITE,
    ("GET", f"{V1}/procedure/plan-versions/{{version_id}}"): READ,
    ("GET", f"{V1}/reporting"): READ,
    ("POST", f"{V1}/reporting"): WRITE,  # and only the reporting organization's own keys
    ("POST", f"{V1}/reporting/{{relation_id}}/stop"): WRITE,
    ("GET", f"{V1}/reporting/shared"): READ,
    ("POST", f"{V1}/reporting/shared/refresh"): WRITE,
    ("POST", f"{V1}/reporting/report"): READ,  # an auditor may hand the signed report over
    ("GET", f"{V1}/supervision"): READ,  # a supervisor's own organization's view
    ("GET", f"{V1}/supervision/{{org_id}}"): READ,
}


def _routes(app) -> list[tuple[str, object]]:
    """(full path, route) of every route, through included routers on any FastAPI."""
    try:
        from fastapi.routing import iter_route_contexts  # FastAPI >= 0.16x: lazy includes
    except ImportError:
        return [(r.path, r) for r in app.routes]
    return [(ctx.path, ctx.original_route) for ctx in iter_route_contexts(app.routes)]


META = frozenset({"/openapi.json", "/docs", "/redoc", "/healthz"})


def _in_scope(path: str) -> bool:
    """The API (API keys) and its meta pages; the web pages sign in with cookies instead."""
    return path.startswith("/api/") or path in META


def _app_routes(app) -> set[tuple[str, str]]:
    out = set()
    for path, route in _routes(app):
        methods = getattr(route, "methods", None)
        if methods is None or not _in_scope(path):  # mounts: static assets
            continue
        out |= {(m, path) for m in methods - {"HEAD"}}
    return out


def _url(path: str) -> str:
    """Fill path parameters with ids that exist nowhere (and valid literals)."""
    path = path.replace("{kind}", "csv")
    path = re.sub(r"\{(name|profile_id)\}", "no-such-thing", path)
    return re.sub(r"\{\w+\}", "999999", path)


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=sqlite_url))
    with TestClient(app) as c:
        yield c
    engine_for(sqlite_url).dispose()


def _keys(client: TestClient) -> dict[Role, dict[str, str]]:
    sessions = client.app.state.sessionmaker
    with sessions.begin() as s:
        org = Organization(slug="tenant", name="Tenant", sector=Sector.FINANCE, tier=Tier.PRIVATE)
        s.add(org)
        s.flush()
        return {
            role: {"Authorization": f"Bearer {issue_key(s, org.id, role, role.value)[1]}"}
            for role in Role
        }


def _counts(client: TestClient) -> dict[str, int]:
    with client.app.state.sessionmaker() as s:
        return {
            t.name: s.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
        }


def test_every_route_has_a_decision(client):
    routes = _app_routes(client.app)
    assert routes - POLICY.keys() == set(), "routes without an access decision in POLICY"
    assert POLICY.keys() - routes == set(), "POLICY names routes the app does not have"


def test_every_role_reaches_exactly_its_routes(client):
    keys = _keys(client)
    callers: dict[object, dict[str, str]] = {**keys, ANONYMOUS: {}}

    def call(method: str, path: str, who: object):
        body = {} if method in ("POST", "PATCH") else None
        return client.request(
            method,
            _url(path),
            headers={**callers[who], "Content-Type": "application/json"},
            content=None if body is None else json.dumps(body),
        )

    # Refusals first: each must leave every table exactly as it was.
    before = _counts(client)
    for (method, path), allowed in sorted(POLICY.items()):
        for who in callers:
            if who in allowed:
                continue
            resp = call(method, path, who)
            expected = 401 if who == ANONYMOUS else 403
            assert resp.status_code == expected, (method, path, who, resp.text)
            if who != ANONYMOUS:
                assert f"role '{who}'" in resp.json()["detail"], resp.text
    assert _counts(client) == before

    for (method, path), allowed in sorted(POLICY.items()):
        for who in allowed:
            resp = call(method, path, who)
            assert resp.status_code not in (401, 403), (method, path, who, resp.text)
            assert resp.status_code < 500, (method, path, who, resp.text)


def test_role_dependencies_are_declared_not_called(client):
    """Each authenticated route states its roles as a dependency the app can list."""
    for path, route in _routes(client.app):
        if not isinstance(route, APIRoute) or not _in_scope(path):
            continue
        methods = route.methods - {"HEAD"}
        decisions = {POLICY[(m, path)] for m in methods}
        declared = {
            getattr(dep.call, "allowed_roles", None) for dep in route.dependant.dependencies
        } - {None}
        if not declared:  # no role dependency: open to any key, or to anyone
            assert decisions <= {PUBLIC, ANY_KEY}, (path, decisions)
            continue
        assert declared == decisions, (path, declared, decisions)


def _csv_import(api, headers) -> int:
    rows = "asset_name,asset_type,algorithm,primitive\nPortal,application,RSA-2048,signature\n"
    resp = api.client.post(
        "/api/v1/imports/csv", headers=headers, params={"background": True}, content=rows
    )
    assert resp.status_code == 202, resp.text
    return resp.json()["job_id"]


def test_vendor_sees_its_testbed_jobs_only(api):
    """Import reports and plan summaries are inventory data: not for a vendor's key."""
    org = api.make_org("maker", Sector.MANUFACTURING, Tier.PRIVATE)
    officer, auditor, vendor = (api.headers(org, r) for r in (OFFICER, AUDITOR, VENDOR))
    import_id = _csv_import(api, officer)
    plan = api.client.post(
        "/api/v1/plans", headers=officer, json={"profile": "kr-2035", "background": True}
    )
    assert plan.status_code == 202, plan.text
    plan_id = plan.json()["job_id"]
    bench = api.client.post(
        "/api/v1/testbed/benchmarks",
        headers=vendor,
        json={"algorithms": ["Ed25519"], "engines": ["openssl"], "time_budget_s": 0.1},
    )
    assert bench.status_code == 202, bench.text
    bench_id = bench.json()["id"]
    for job_id in (import_id, plan_id, bench_id):
        api.client.app.state.jobs.wait(job_id, timeout=60)

    seen = api.client.get("/api/v1/jobs", headers=vendor).json()["items"]
    assert [(j["id"], j["kind"]) for j in seen] == [(bench_id, "benchmark")]
    for kind in ("import", "plan"):
        assert (
            api.client.get("/api/v1/jobs", headers=vendor, params={"kind": kind}).json()["items"]
            == []
        )
    for hidden in (import_id, plan_id):
        resp = api.client.get(f"/api/v1/jobs/{hidden}", headers=vendor)
        assert resp.status_code == 404, resp.text
    assert api.client.get(f"/api/v1/jobs/{bench_id}", headers=vendor).status_code == 200

    everything = api.client.get("/api/v1/jobs", headers=auditor).json()["items"]
    assert {j["id"] for j in everything} == {import_id, plan_id, bench_id}
    report = api.client.get(f"/api/v1/jobs/{import_id}", headers=auditor).json()
    assert report["status"] == "succeeded", report["error"]
    assert report["result"]["kind"] == "csv"
