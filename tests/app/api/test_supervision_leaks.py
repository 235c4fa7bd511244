"""Supervision without leaking: a supervisor's officer and auditor try every route of the
API and every page of the console against a reporting organization's raw data. Every
raw string of the reporting organization carries a marker; no answer may hold it, no
call may change a row of that organization, and the supervision routes still answer with
its figures (so the crawl reached something real)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.api.main import create_app
from app.settings import Settings
from core.apikeys import issue_key
from core.choices import Role, Sector, Tier
from core.db import engine_for
from core.models import Organization
from core.models.base import Base
from migration.profiles import get_profile, profile_to_dict

MARK = "zqleak"  # every raw string of the reporting organization holds it (any case)
V1 = "/api/v1"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _routes(app) -> list[tuple[str, object]]:
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:
        return [(r.path, r) for r in app.routes]
    return [(ctx.path, ctx.original_route) for ctx in iter_route_contexts(app.routes)]


def _names_organization(route: object) -> bool:
    """Whether the route takes `organization_id` (a query parameter, or a field of its
    query or body model); one that does not is asked once, not with and without it."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return True
    names: set[str] = set()
    todo = [dependant]
    while todo:
        d = todo.pop()
        for param in (*d.query_params, *d.body_params):  # a model's fields count too
            names |= {param.name, *getattr(param.field_info.annotation, "model_fields", {})}
        todo += d.dependencies
    return "organization_id" in names


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=sqlite_url))
    with TestClient(app) as c:
        yield c
    engine_for(sqlite_url).dispose()


def _key(client: TestClient, org_id: int, role: Role) -> dict[str, str]:
    with client.app.state.sessionmaker.begin() as s:
        return {"Authorization": f"Bearer {issue_key(s, org_id, role, f'key {role}')[1]}"}


def _ok(resp, code: int = 200):
    assert resp.status_code == code, resp.text
    return (
        resp.json() if resp.headers.get("content-type", "").startswith("application/json") else resp
    )


def _reporting_org(client: TestClient) -> tuple[int, int, dict[str, object]]:
    """A bank full of marked raw data, reporting to a ministry; returns their ids and the
    ids that name the bank's rows."""
    with client.app.state.sessionmaker.begin() as s:
        bank = Organization(
            slug="bank",
            name="Bank",
            sector=Sector.FINANCE,
            tier=Tier.CRITICAL_PRIVATE_INFRASTRUCTURE,
        )
        ministry = Organization(
            slug="ministry", name="Ministry", sector=Sector.GOVERNMENT, tier=Tier.CENTRAL_GOVERNMENT
        )
        s.add_all([bank, ministry])
        s.flush()
        bank_id, ministry_id = bank.id, ministry.id
    officer = _key(client, bank_id, Role.OFFICER)

    def post(path: str, body: dict, code: int = 201):
        return _ok(client.post(f"{V1}{path}", json=body, headers=officer), code)

    asset = post(
        "/assets",
        {
            "name": "ZQLEAK card switch",
            "asset_type": "service",
            "description": "ZQLEAK desc",
            "owner": "ZQLEAK owner",
            "location": "zqleak-endpoint.example:8443",
            "vendor": "ZQLEAK vendor",
            "product": "ZQLEAK product",
            "exposure": "internet_facing",
        },
    )
    other = post("/assets", {"name": "ZQLEAK HSM", "asset_type": "hsm"})
    usage = post(
        "/usages",
        {
            "asset_id": asset["id"],
            "algorithm": "RSA-2048",
            "primitive": "signature",
            "function": "tls_authentication",
            "evidence": "ZQLEAK evidence seen on 10.9.9.9:443",
            "notes": "ZQLEAK note",
            "cert_subject": "CN=ZQLEAK subject",
            "library": "ZQLEAK lib",
        },
    )
    dep = post(
        "/dependencies",
        {
            "dependent_id": asset["id"],
            "provider_id": other["id"],
            "kind": "keys_in",
            "description": "ZQLEAK dep",
        },
    )
    _ok(
        client.post(
            f"{V1}/asset-tags/{asset['id']}", json={"tags": ["zqleak-tag"]}, headers=officer
        )
    )
    post(
        "/sector-absences",
        {"target": "finance/customer-certificate-pki", "reason": "ZQLEAK reason"},
    )
    scope = post(
        "/scan-scopes", {"kind": "network", "value": "zqleak-host.example", "note": "ZQLEAK scope"}
    )
    profile = profile_to_dict(get_profile("kr-2035")) | {
        "id": "bank-profile",
        "name": "ZQLEAK profile",
    }
    post("/profiles", profile)
    catalog = _ok(client.get(f"{V1}/sectors/telecom", headers=officer))
    catalog.pop("builtin")
    catalog |= {"id": "bank-catalog", "name": "ZQLEAK catalog"}
    post("/sectors/catalogs", catalog)
    plan = post("/plans", {"profile": "kr-2035", "name": "ZQLEAK plan"})
    version_id = plan["versions"][0]["id"]
    task = _ok(client.get(f"{V1}/plans/{plan['id']}/versions/1/tasks", headers=officer))
    task_id = task["items"][0]["id"]
    _ok(
        client.patch(
            f"{V1}/plans/tasks/{task_id}",
            json={"status": "in_progress", "note": "ZQLEAK task note"},
            headers=officer,
        )
    )
    step = f"{V1}/procedure/kr-pilot/identify-assets"
    _ok(
        client.patch(
            step,
            json={
                "status": "in_progress",
                "owner": "ZQLEAK proc owner",
                "note": "ZQLEAK proc note",
            },
            headers=officer,
        )
    )
    post(
        "/procedure/kr-pilot/identify-assets/evidence",
        {"url": "https://zqleak.example/link", "label": "ZQLEAK link"},
    )
    evidence = _ok(
        client.post(
            f"{step}/evidence/file",
            params={"filename": "zqleak.txt"},
            content=b"ZQLEAK file content",
            headers=officer,
        ),
        201,
    )
    post("/procedure/kr-pilot/apply/evidence", {"plan_version_id": version_id})
    job = _ok(
        client.post(
            f"{V1}/imports/csv",
            params={"background": True},
            headers=officer,
            content="asset_name,asset_type\nZQLEAK csv asset,service\n",
        ),
        202,
    )
    client.app.state.jobs.wait(job["job_id"], timeout=60)
    relation = post("/reporting", {"supervisor": "ministry"})
    ids = {
        "asset_id": asset["id"],
        "usage_id": usage["id"],
        "dep_id": dep["id"],
        "plan_id": plan["id"],
        "number": 1,
        "task_id": task_id,
        "job_id": job["job_id"],
        "org_id": bank_id,
        "evidence_id": evidence["id"],
        "version_id": version_id,
        "relation_id": relation["id"],
        "scope_id": scope["id"],
        "scan_id": 999999,
        "profile_id": "bank-profile",
        "catalog_id": "bank-catalog",
        "sector": "bank-catalog",
        "tag": "zqleak-tag",
        "procedure_id": "kr-pilot",
        "step_id": "identify-assets",
        "name": "RSA-2048",
        "kind": "csv",
    }
    return bank_id, ministry_id, ids


def _fill(path: str, ids: dict[str, object]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 999999)), path)


def _bank_rows(client: TestClient, bank_id: int) -> dict[str, int]:
    with client.app.state.sessionmaker() as s:
        return {
            t.name: s.scalar(
                select(func.count()).select_from(t).where(t.c.organization_id == bank_id)
            )
            for t in Base.metadata.sorted_tables
            if "organization_id" in t.c
        }


def _clean(resp, where: str) -> None:
    assert resp.status_code < 500, (where, resp.status_code, resp.text[:300])
    seen = (resp.text + json.dumps(dict(resp.headers))).lower()
    assert MARK not in seen, (where, resp.status_code, resp.text[:500])


def test_a_supervisor_never_sees_a_raw_string_of_a_reporting_organization(client) -> None:
    bank_id, ministry_id, ids = _reporting_org(client)
    bank_officer = _key(client, bank_id, Role.OFFICER)
    # the markers are there for the bank itself (so the crawl below could find them)
    own = client.get(f"{V1}/sector-check", headers=bank_officer)
    assert MARK in own.text.lower()
    before = _bank_rows(client, bank_id)

    api_calls = 0
    for role in (Role.OFFICER, Role.AUDITOR):
        headers = _key(client, ministry_id, role)
        resp = client.get(f"{V1}/supervision", headers=headers)
        _clean(resp, f"{role} supervision view")
        view = _ok(resp)
        (row,) = view["organizations"]
        assert row["organization"]["slug"] == "bank"
        assert row["coverage"]["counts"]["declared_absent"] == 1
        assert row["plan"]["version_id"] == ids["version_id"]
        for path, route in _routes(client.app):
            methods = getattr(route, "methods", None) or set()
            if not path.startswith("/api/"):
                continue
            for method in sorted(methods - {"HEAD"}):
                url = _fill(path, ids)
                named = {
                    "organization_id": bank_id,
                    "asset_id": ids["asset_id"],
                    "target": "finance/customer-certificate-pki",
                    "kind": "import",
                }
                variants = [named]
                if _names_organization(route):
                    variants.append({k: v for k, v in named.items() if k != "organization_id"})
                for params in variants:
                    body = None
                    if method in ("POST", "PATCH", "PUT"):
                        body = json.dumps({**params, "profile": "bank-profile", "status": "done"})
                    resp = client.request(
                        method,
                        url,
                        params=params,
                        content=body,
                        headers={**headers, "Content-Type": "application/json"},
                    )
                    _clean(resp, f"{role} {method} {url} {params}")
                    if method == "GET" and resp.status_code == 200 and "{" in path:
                        # a raw row of the bank, by its id: only the public catalog and the
                        # supervision view may answer
                        assert path.startswith(
                            (f"{V1}/catalog", f"{V1}/supervision/", f"{V1}/sectors/")
                        ), (role, url)
                api_calls += 1
    assert api_calls > 150  # every API route, twice
    assert _bank_rows(client, bank_id) == before  # nothing written into the bank

    # every page of the console, signed in as the supervisor's officer
    key = _key(client, ministry_id, Role.OFFICER)["Authorization"].removeprefix("Bearer ")
    client.cookies.clear()
    token = CSRF.search(client.get("/signin").text).group(1)
    done = client.post("/signin", data={"api_key": key, "csrf": token}, follow_redirects=False)
    assert done.status_code == 303
    csrf = CSRF.search(client.get("/overview").text).group(1)
    pages = 0
    for path, route in _routes(client.app):
        methods = getattr(route, "methods", None) or set()
        if path.startswith(("/api/", "/static", "/docs", "/redoc", "/openapi")) or not methods:
            continue
        if path in ("/signout", "/signin"):
            continue
        url = _fill(path, ids)
        for method in sorted(methods - {"HEAD"}):
            if method == "GET":
                resp = client.get(url, params={"organization_id": bank_id})
            else:
                resp = client.post(
                    url,
                    data={
                        "csrf": csrf,
                        "asset_id": str(ids["asset_id"]),
                        "target": "finance/customer-certificate-pki",
                        "status": "done",
                        "profile": "kr-2035",
                    },
                    follow_redirects=False,
                )
            pages += 1
            _clean(resp, f"page {method} {url}")
    assert pages > 30
    for page_url in ("/supervision", f"/supervision/{bank_id}"):
        shown = client.get(page_url)
        assert shown.status_code == 200 and "Bank" in shown.text
        _clean(shown, page_url)
    assert _bank_rows(client, bank_id) == before
