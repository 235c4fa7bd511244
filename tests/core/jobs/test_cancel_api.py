"""Cancelling a job over the API and the CLI: 200 with status cancelled, 409 once over, 404 for
another tenant's job, 403 for an auditor; the CLI exits 2 with one line for an unknown job."""

from __future__ import annotations

from typer.testing import CliRunner

from app.cli.main import app as cli
from core.choices import Role
from core.models import Job


def _queued(api, org, kind="plan") -> int:
    with api.sessions.begin() as session:
        job = Job(organization_id=org.id, kind=kind, created_by="t", params={})
        session.add(job)
        session.flush()
        return job.id


def test_cancel_over_the_api(api):
    org, other = api.make_org("a"), api.make_org("b")
    h = api.headers(org)
    job_id = _queued(api, org)
    c = api.client
    assert c.post(f"/api/v1/jobs/{job_id}/cancel", headers=api.headers(other)).status_code == 404
    r = c.post(f"/api/v1/jobs/{job_id}/cancel", headers=api.headers(org, Role.AUDITOR))
    assert r.status_code == 403
    r = c.post(f"/api/v1/jobs/{job_id}/cancel", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text
    assert c.get(f"/api/v1/jobs/{job_id}", headers=h).json()["status"] == "cancelled"
    r = c.post(f"/api/v1/jobs/{job_id}/cancel", headers=h)
    assert r.status_code == 409 and "cancelled" in r.json()["detail"]
    vendor = api.headers(org, Role.VENDOR)  # vendors: their testbed jobs only
    assert c.post(f"/api/v1/jobs/{_queued(api, org)}/cancel", headers=vendor).status_code == 404
    bench = _queued(api, org, "benchmark")
    r = c.post(f"/api/v1/jobs/{bench}/cancel", headers=vendor)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"


def test_cancel_from_the_cli(api, db_url, monkeypatch):
    from app.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    org = api.make_org("a")
    job_id = _queued(api, org)
    runner = CliRunner()
    result = runner.invoke(cli, ["job", "cancel", str(job_id)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["job", "cancel", str(job_id)])
    assert result.exit_code == 2 and "already cancelled" in result.output
    result = runner.invoke(cli, ["job", "cancel", "999999"])
    assert result.exit_code == 2 and "no job 999999" in result.output
    get_settings.cache_clear()
