"""Every form of the console that writes leaves the audit entry the API's route leaves, with
the signed-in key as its actor: the forms are walked one by one, each checked for its entry.

A new console form belongs in FORMS: the last test fails on a POST route it does not list.
"""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from app.web.router import PAGE_MODULES
from core.choices import Role
from core.models import AuditEntry, Job
from tests.app.web.test_console_vendor import product_answer
from tests.app.web.test_web_flows import _wait_job
from tests.app.web.test_web_http import _asset

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
CSV = b"asset_name,asset_type,algorithm,primitive\nledger,service,RSA-2048,signature\n"
# POST routes of the console that write nothing an audit log keeps: the session's own rows
NOT_DOMAIN_WRITES = {"/signin", "/signout"}
# POST routes that read only: a report file checked against the testbed's key
READS_ONLY = {"/testbed/report-key/verify"}
FORMS = {
    "/imports",
    "/assets/{asset_id}",
    "/scans/scopes",
    "/scans/scopes/{scope_id}/delete",
    "/scans",
    "/plans",
    "/plans/{plan_id}/versions",
    "/plans/tasks/{task_id}",
    "/testbed/products",
    "/testbed/benchmarks",
    "/testbed/products/{product_id}/sessions",
    "/testbed/sessions/{session_id}/answer",
    "/admin/organizations",
    "/admin/keys",
    "/admin/keys/{key_id}/revoke",
    "/sector/ties",
    "/sector/absences",
    "/procedure/{procedure_id}/{step_id}",
    "/procedure/{procedure_id}/{step_id}/evidence",
    "/reporting",
    "/reporting/{relation_id}/stop",
    "/reporting/report",
}


def _entries(api) -> list[tuple[str, str, str]]:
    with api.sessions() as s:
        return [
            (e.action, e.entity, e.actor)
            for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def test_every_console_form_is_audited_with_its_actor(api, sign_in):
    org = api.make_org()
    asset_id = _asset(api, api.headers(org), "ledger")
    csrf = sign_in(org, Role.ADMIN)
    me = "test admin"
    walked: list[tuple[str, tuple[str, str]]] = []

    def post(path: str, expect: tuple[str, str], files: dict | None = None, **data: str) -> str:
        before = len(_entries(api))
        resp = api.client.post(
            path, data={"csrf": csrf, **data}, files=files, follow_redirects=False
        )
        assert resp.status_code == 303, (path, resp.status_code, resp.text[:400])
        location = resp.headers["location"]
        if location.startswith("/jobs/") or "runs?job=" in location:
            job = int(re.search(r"(\d+)$", location.split("#")[0]).group(1))
            if location.startswith("/jobs/"):
                assert "Succeeded" in _wait_job(api.client, location), path
            else:
                with api.sessions() as s:
                    assert s.get(Job, job) is not None
        after = _entries(api)
        new = after[before:]
        assert (expect[0], expect[1], me) in new, (path, new)
        walked.append((path, expect))
        return location

    post("/imports", ("import", "csv"), files={"file": ("a.csv", CSV, "text/csv")}, kind="csv")
    post(
        f"/assets/{asset_id}", ("update", "asset"), name="ledger", asset_type="service",
        exposure="internet_facing", criticality="high", environment="production",
        data_sensitivity="internal", secrecy_years="3",
    )  # fmt: skip
    post("/scans/scopes", ("create", "scan_scope"), value="127.0.0.1/32")
    post("/scans", ("scan", "tls"), kind="tls", targets="127.0.0.1:1")
    scope_id = re.search(r"/scans/scopes/(\d+)/delete", api.client.get("/scans").text).group(1)
    post(f"/scans/scopes/{scope_id}/delete", ("delete", "scan_scope"))
    job_page = post("/plans", ("generate", "plan_version"), profile="kr-2035")
    version = re.search(r'href="(/plans/(\d+)/versions/1)"', api.client.get(job_page).text)
    plan_id = version.group(2)
    task_id = re.search(r'id="task-(\d+)"', api.client.get(version.group(1)).text).group(1)
    post(f"/plans/tasks/{task_id}", ("status", "plan_task"), status="done")
    post(f"/plans/{plan_id}/versions", ("generate", "plan_version"))
    product = post("/testbed/products", ("create", "product"), name="HSM", version="1",
                   algorithms="ML-KEM-768")  # fmt: skip
    session_page = post(f"{product}/sessions", ("create", "vendor_session"),
                        algorithm="ML-KEM-768", check="kem_sender")  # fmt: skip
    challenge = api.client.get(f"{session_page}/challenge.json").json()["challenge"]
    answer = json.dumps(product_answer(challenge)).encode()
    post(f"{session_page}/answer", ("answer", "vendor_session"),
         files={"file": ("answer.json", answer, "application/json")})  # fmt: skip
    post(
        "/testbed/benchmarks", ("create", "job"), algorithm="ML-KEM-512", time_budget_s="0.02",
        include_baseline="",
    )  # fmt: skip
    post("/admin/organizations", ("create", "organization"), slug="audited", name="Audited",
         sector="finance", tier="private")  # fmt: skip
    issued = post("/admin/keys", ("create", "api_key"), organization_id=str(org.id),
                  role="auditor", name="walked")  # fmt: skip
    key_id = re.search(r"/admin/keys/(\d+)/issued", issued).group(1)
    post(f"/admin/keys/{key_id}/revoke", ("revoke", "api_key"))

    sector = api.client.get("/sector").text
    target = re.search(r'name="target"[^>]*>\s*<option value="([^"]+)"', sector)
    post("/sector/ties", ("create", "target_tie"), target=target.group(1), asset_id=str(asset_id))
    post("/sector/absences", ("update", "target_absence"), target=target.group(1),
         reason="no such system here")  # fmt: skip
    post("/procedure/kr-pilot/select-system", ("update", "procedure_step"), status="in_progress",
         owner="CISO")  # fmt: skip
    post("/procedure/kr-pilot/select-system/evidence", ("create", "procedure_evidence"),
         url="https://example.org/minutes", label="minutes")  # fmt: skip
    api.make_org("ministry")
    post("/reporting", ("create", "reporting_relation"), supervisor="ministry")
    before = len(_entries(api))
    resp = api.client.post("/reporting/report", data={"csrf": csrf, "format": "json"})
    assert resp.status_code == 200, resp.text[:400]  # the signed report is the answer
    assert ("create", "supervision_report", me) in _entries(api)[before:]
    walked.append(("/reporting/report", ("create", "supervision_report")))
    relation = re.search(r"/reporting/(\d+)/stop", api.client.get("/reporting").text).group(1)
    post(f"/reporting/{relation}/stop", ("delete", "reporting_relation"))
    assert len(walked) == len(FORMS)


def test_the_walk_covers_every_console_route_that_writes():
    writes = {
        route.path
        for module in PAGE_MODULES
        for route in module.router.routes
        if set(getattr(route, "methods", ())) - {"GET", "HEAD", "OPTIONS"}
    }
    assert writes - NOT_DOMAIN_WRITES - READS_ONLY == FORMS
