"""Agency, vendor and admin pages over HTTP: plan jobs, timeline, task status, keys, audit."""

from __future__ import annotations

import re
import time

from sqlalchemy import func, select

from core.choices import Role
from core.models import ApiKey, WebSession
from tests.app.web.test_web_http import CSRF, _asset, _key, sign_in
from tests.conftest import EXCHANGE_DATA


def _wait_job(client, job_path: str) -> str:
    for _ in range(300):
        page = client.get(job_path)
        if "data-job-running" not in page.text:
            return page.text
        time.sleep(0.1)
    raise AssertionError(f"{job_path} still running")


def test_generate_a_plan_see_its_timeline_and_change_a_task(api):
    org = api.make_org()
    headers = api.headers(org)
    for i in range(4):
        _asset(api, headers, f"svc {i}", "RSA-2048")
    csrf = sign_in(api.client, _key(api, org))
    plans = api.client.get("/plans")
    csrf = CSRF.search(plans.text).group(1)
    resp = api.client.post(
        "/plans",
        data={"csrf": csrf, "profile": "kr-2035", "name": "national"},
        follow_redirects=False,
    )
    assert resp.status_code == 303 and resp.headers["location"].startswith("/jobs/")
    job_page = _wait_job(api.client, resp.headers["location"])
    link = re.search(r'href="(/plans/\d+/versions/1)"', job_page).group(1)
    version = api.client.get(link)
    assert version.status_code == 200
    assert 'id="task-count">4<' in version.text
    assert "<svg" in version.text and "Effort per quarter" in version.text
    task_id = re.search(r'id="task-(\d+)"', version.text).group(1)
    changed = api.client.post(
        f"/plans/tasks/{task_id}",
        data={"csrf": csrf, "status": "done", "back": link},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    api_tasks = api.client.get(
        link.replace("/plans/", "/api/v1/plans/") + "/tasks", headers=headers
    ).json()
    assert [t["status"] for t in api_tasks["items"] if str(t["id"]) == task_id] == ["done"]
    bad = api.client.post(f"/plans/tasks/{task_id}", data={"csrf": csrf, "status": "finished"})
    assert bad.status_code == 422 and "form.status" in bad.text
    export = api.client.get(link + "/export?format=csv")
    assert export.status_code == 200 and "attachment" in export.headers["content-disposition"]
    judge = api.client.get("/judge", params={"profile": ["kr-2035", "us-nist-ir8547"]})
    assert judge.status_code == 200 and "kr-2035" in judge.text
    # one profile cannot disagree with itself: its verdicts are listed, not hidden
    one = api.client.get("/judge", params={"profile": ["kr-2035"]})
    assert one.status_code == 200 and "<tbody><tr>" in one.text
    unknown = api.client.get("/judge", params={"profile": ["nowhere-2099"]})
    assert unknown.status_code == 422 and "query.profile" in unknown.text


def test_a_bad_plan_form_names_the_field_and_writes_nothing(api):
    org = api.make_org()
    csrf = sign_in(api.client, _key(api, org))
    resp = api.client.post(
        "/plans", data={"csrf": csrf, "profile": "kr-2035", "name": "mine", "crqc_year": "x"}
    )
    # the form comes back with its input kept and the field marked
    assert resp.status_code == 422 and 'id="plan-crqc_year-error"' in resp.text
    assert 'name="crqc_year" type="text" value="x"' in resp.text
    assert 'value="mine"' in resp.text and 'aria-invalid="true"' in resp.text
    assert api.client.get("/api/v1/jobs", headers=api.headers(org)).json()["items"] == []


def test_admin_issues_a_key_shown_once_and_revokes_it(api):
    admin_org, org = api.make_org("admins"), api.make_org("tenant")
    csrf = sign_in(api.client, _key(api, admin_org, Role.ADMIN))
    posted = api.client.post(
        "/admin/keys",
        data={"csrf": csrf, "organization_id": org.id, "role": "auditor", "name": "web"},
        follow_redirects=False,
    )
    assert posted.status_code == 303  # post/redirect/get: a reload issues nothing
    issued = api.client.get(posted.headers["location"])
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    secret = re.search(r'<output id="secret" for="copy-secret">([^<]+)</output>', issued.text)
    secret = secret.group(1)
    again = api.client.get(posted.headers["location"])  # the reload shows it no more
    assert secret not in again.text and 'id="secret-gone"' in again.text
    assert api.client.get("/api/v1/assets", headers={"X-API-Key": secret}).status_code == 200
    admin_page = api.client.get("/admin").text
    assert secret not in admin_page  # listed by prefix only, never again in full
    with api.sessions() as s:
        key_id = s.scalar(select(ApiKey.id).where(ApiKey.name == "web"))
    revoked = api.client.post(
        f"/admin/keys/{key_id}/revoke", data={"csrf": csrf}, follow_redirects=False
    )
    assert revoked.status_code == 303
    assert api.client.get("/api/v1/assets", headers={"X-API-Key": secret}).status_code == 401
    with api.sessions() as s:
        assert s.scalar(select(func.count(ApiKey.id)).where(ApiKey.name == "web")) == 1
    audit = api.client.get("/audit", params={"entity": "api_key"}).text
    assert "Revoked" in audit


def test_officer_cannot_reach_admin_pages_or_forge_a_form(api):
    org = api.make_org()
    csrf = sign_in(api.client, _key(api, org))
    assert api.client.get("/admin").status_code == 403
    assert api.client.post("/admin/keys/1/revoke", data={"csrf": csrf}).status_code == 403
    forged = api.client.post("/plans", data={"profile": "kr-2035"})
    assert forged.status_code == 403
    with api.sessions() as s:
        assert s.scalar(select(WebSession.ended_at)) is None


def test_vendor_registers_a_product_and_reads_the_report_key(api):
    org = api.make_org()
    csrf = sign_in(api.client, _key(api, org, Role.VENDOR))
    resp = api.client.post(
        "/testbed/products",
        data={"csrf": csrf, "name": "VPN box", "version": "2.0", "algorithms": "ML-KEM-768"},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    product = api.client.get(resp.headers["location"])
    assert product.status_code == 200 and "VPN box" in product.text
    key = api.client.get("/testbed/report-key")
    assert key.status_code == 200 and "pqcplan verify-report" in key.text
    other = api.make_org("other")
    with api.sessions() as s:
        assert s.scalar(select(ApiKey.id).where(ApiKey.organization_id == other.id)) is None
    theirs = api.client.post(
        "/api/v1/testbed/products",
        json={"name": "theirs", "version": "1"},
        headers=api.headers(other, Role.VENDOR),
    ).json()["id"]
    assert api.client.get(f"/testbed/products/{theirs}").status_code == 404


def test_upload_a_cbom_follow_its_job_and_see_a_bad_file_located(api):
    org = api.make_org()
    csrf = sign_in(api.client, _key(api, org))
    cbom = EXCHANGE_DATA / "cyclonedx-protocol-1.7.cdx.json"
    resp = api.client.post(
        "/imports",
        data={"csrf": csrf, "kind": "cbom"},
        files={"file": ("bom.json", cbom.read_bytes(), "application/json")},
        follow_redirects=False,
    )
    assert resp.status_code == 303, resp.text
    page = _wait_job(api.client, resp.headers["location"])
    assert "Succeeded" in page and 'id="import-report"' in page
    assert "payment gateway" in api.client.get("/assets", params={"q": "payment"}).text
    bad = api.client.post(
        "/imports",
        data={"csrf": csrf, "kind": "cbom"},
        files={
            "file": (
                "bad.json",
                b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": 7}]}',
                "application/json",
            )
        },
        follow_redirects=False,
    )
    page = _wait_job(api.client, bad.headers["location"])
    assert "Failed" in page and "components[0]" in page


def test_scans_page_refuses_a_target_outside_every_scope(api):
    org = api.make_org()
    csrf = sign_in(api.client, _key(api, org))
    assert api.client.get("/scans").status_code == 200
    resp = api.client.post("/scans", data={"csrf": csrf, "kind": "tls", "targets": "10.9.9.9:443"})
    assert resp.status_code == 403  # out of scope: refused before a packet is sent
    assert api.client.get("/api/v1/jobs", headers=api.headers(org)).json()["items"] == []
    empty = api.client.post("/scans", data={"csrf": csrf, "kind": "tls", "targets": " "})
    assert empty.status_code == 422 and 'id="scan-targets-error"' in empty.text


def test_a_job_that_is_not_a_benchmark_is_a_404_page_on_the_runs_page(api):
    org = api.make_org()
    csrf = sign_in(api.client, _key(api, org))
    api.client.post("/plans", data={"csrf": csrf, "profile": "kr-2035"})
    job_id = api.client.get("/api/v1/jobs", headers=api.headers(org)).json()["items"][0]["id"]
    resp = api.client.get(f"/testbed/runs?job={job_id}")
    assert resp.status_code == 404 and resp.headers["content-type"].startswith("text/html")
