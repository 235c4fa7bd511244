"""Domain errors become HTTP answers in one place (`app.api.errors.DOMAIN_ERRORS`).

Each raiser's answer is pinned here: the mapping through the real app (a route raising the
real exception type), and the answers that moved out of routers, over HTTP."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.api.main import create_app
from app.settings import Settings
from core.choices import Role
from core.errors import Conflict, InputError, TooLarge
from core.jobs import JobLimitReached
from core.tenancy import Forbidden, NotFound
from migration.profiles import ProfileError, UnknownProfile
from testbed.conformance.common import OracleDisagreement
from testbed.conformance.quotas import RateLimited
from testbed.conformance.service import SessionExpired

ROUTERS = Path(__file__).resolve().parents[3] / "app" / "api" / "routers"

RAISED = {
    "oracle": (
        OracleDisagreement("ML-KEM-768 decapsulation: liboqs and openssl differ"),
        503,
        "the testbed's reference implementations disagree, nothing can be graded: "
        "ML-KEM-768 decapsulation: liboqs and openssl differ",
        {},
    ),
    "expired": (SessionExpired("session 3 expired; open a new one"), 410, None, {}),
    "rate": (
        RateLimited("request rate limit reached for your organization", 7),
        429,
        "request rate limit reached for your organization; retry in 7 s",
        {"retry-after": "7"},
    ),
    "jobs": (
        JobLimitReached("benchmark", 2),
        429,
        "your organization already runs 2 benchmark jobs; wait for one to finish",
        {"retry-after": "10"},
    ),
    "profile": (UnknownProfile("unknown profile 'xx'"), 404, None, {}),
    "missing": (NotFound(""), 404, "not found", {}),
    "forbidden": (Forbidden("role 'auditor' cannot run testbed work"), 403, None, {}),
    "conflict": (Conflict("an organization with slug 'a' already exists"), 409, None, {}),
    "large": (TooLarge("the body is over 2 MiB", "body"), 413, "the body is over 2 MiB", {}),
    "input": (InputError("must be positive", "$.capacity"), 422, "must be positive", {}),
    "bad_profile": (ProfileError("too short", "phases.0.name"), 422, "too short", {}),
}
LOCATIONS = {"large": "body", "input": "$.capacity", "bad_profile": "phases.0.name"}


def _raiser(exc: Exception):
    def route() -> None:
        raise exc

    return route


@pytest.fixture
def raising_client(sqlite_url: str):
    app = create_app(Settings(database_url=sqlite_url))
    for name, (exc, *_) in RAISED.items():
        app.add_api_route(f"/raise/{name}", _raiser(exc))
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize("name", sorted(RAISED))
def test_each_domain_error_answers_as_listed(raising_client, name: str) -> None:
    exc, status, detail, headers = RAISED[name]
    resp = raising_client.get(f"/raise/{name}")
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["detail"] == (detail if detail is not None else str(exc))
    assert body.get("location") == LOCATIONS.get(name)
    for header, value in headers.items():
        assert resp.headers[header] == value


def test_no_router_builds_an_http_exception() -> None:
    """Routers raise typed errors; the handlers in app/api/errors.py answer them."""
    built = []
    for path in sorted(ROUTERS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "HTTPException":
                built.append(f"{path.name}:{node.lineno}")
    assert built == []


def test_answers_that_moved_out_of_routers(api) -> None:
    org = api.make_org()
    officer, vendor = api.headers(org), api.headers(org, Role.VENDOR)
    rows = "asset_name,asset_type,algorithm,primitive\nPortal,application,RSA-2048,signature\n"
    started = api.client.post(
        "/api/v1/imports/csv", headers=officer, params={"background": True}, content=rows
    )
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    api.client.app.state.jobs.wait(job_id, timeout=60)

    # an import job is not a benchmark job, and a vendor may not cancel (or see) it
    resp = api.client.get(f"/api/v1/testbed/benchmarks/{job_id}", headers=officer)
    assert resp.status_code == 404 and resp.json() == {
        "detail": f"benchmark job {job_id} not found"
    }
    resp = api.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=vendor)
    assert resp.status_code == 404 and resp.json() == {"detail": f"Job {job_id} not found"}
    resp = api.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=api.headers(org, Role.AUDITOR))
    assert resp.status_code == 403, resp.text
    assert resp.json() == {"detail": "role 'auditor' cannot run testbed work"}
    resp = api.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=officer)
    assert resp.status_code == 409 and resp.json() == {
        "detail": f"job {job_id} is already succeeded"
    }

    # a profile named in a path is a 404, named in a body a 422 at that field
    resp = api.client.get("/api/v1/profiles/no-such", headers=officer)
    assert resp.status_code == 404 and "unknown profile 'no-such'" in resp.json()["detail"]
    for body, field in (
        ({"profile": "no-such"}, "profile"),
        ({"profiles": ["no-such"]}, "profiles"),
    ):
        path = "/api/v1/plans" if "profile" in body else "/api/v1/plans/judge"
        resp = api.client.post(path, headers=officer, json=body)
        assert resp.status_code == 422 and resp.json()["location"] == field, resp.text

    # a session without its report yet
    product = api.client.post(
        "/api/v1/testbed/products",
        headers=vendor,
        json={"name": "box", "version": "1", "algorithms": ["ML-KEM-768"]},
    ).json()
    opened = api.client.post(
        "/api/v1/testbed/sessions",
        headers=vendor,
        json={"product_id": product["id"], "algorithm": "ML-KEM-768", "check": "kem_sender"},
    )
    assert opened.status_code == 201, opened.text
    sid = opened.json()["id"]
    resp = api.client.get(f"/api/v1/testbed/sessions/{sid}/report", headers=vendor)
    assert resp.status_code == 404
    assert resp.json() == {"detail": f"session {sid} has no report yet (not answered)"}


def test_only_an_administrator_registers_a_directory_scope(api) -> None:
    org = api.make_org()
    body = {"kind": "path", "value": "/srv/certs"}
    resp = api.client.post("/api/v1/scan-scopes", headers=api.headers(org), json=body)
    assert resp.status_code == 403
    assert resp.json() == {
        "detail": "only an administrator may register a directory of this server"
    }
    resp = api.client.post("/api/v1/scan-scopes", headers=api.headers(org, Role.AUDITOR), json=body)
    assert resp.status_code == 403 and resp.json()["detail"].startswith("role 'auditor'")
    admin = api.client.post(
        "/api/v1/scan-scopes",
        headers=api.headers(org, Role.ADMIN),
        json={**body, "value": "/tmp"},
    )
    assert admin.status_code == 201, admin.text
