"""The per-request key lookup on PostgreSQL (scaled mode): no cache, so a revocation holds at
once in every process, and a valid key costs reads only (no row of the failed-key budget is
written or locked), while failed keys still count across processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from app.api.main import create_app
from app.settings import Settings
from core.apikeys import issue_key
from core.choices import Role, Sector, Tier
from core.db import session_factory
from core.models import Organization, RateLimitBucket
from tests.app.api.live_server import free_port, serve

ROOT = Path(__file__).resolve().parents[3]


def _keys(url: str) -> dict[Role, str]:
    """An admin and an officer key of one organization, written straight to the database."""
    with session_factory(url).begin() as session:
        org = Organization(slug="k", name="K", sector=Sector.FINANCE, tier=Tier.PRIVATE)
        session.add(org)
        session.flush()
        return {role: issue_key(session, org.id, role, role.value)[1] for role in Role}


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _start(url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "API_RUNS_JOBS": "false"}
    env.pop("BOOTSTRAP_ADMIN_KEY", None)
    cmd = [sys.executable, "-m", "app.cli.main", "serve", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=out)
    return proc, f"http://127.0.0.1:{port}"


def _wait_ready(proc: subprocess.Popen[bytes], base: str, log: Path) -> None:
    for _ in range(1200):
        assert proc.poll() is None, log.read_text()[-2000:]
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"server did not start: {log.read_text()[-2000:]}")


def test_revoked_key_is_refused_on_the_next_request_of_another_process(pg_url, tmp_path):
    keys = _keys(pg_url)
    a, base_a = _start(pg_url, tmp_path / "a.log")
    b, base_b = _start(pg_url, tmp_path / "b.log")
    try:
        _wait_ready(a, base_a, tmp_path / "a.log")
        _wait_ready(b, base_b, tmp_path / "b.log")
        officer = _bearer(keys[Role.OFFICER])
        with httpx.Client(base_url=base_b, headers=officer) as on_b:
            for _ in range(5):  # B has seen the key, several times
                assert on_b.get("/api/v1/assets").status_code == 200
            listed = httpx.get(f"{base_a}/api/v1/api-keys", headers=_bearer(keys[Role.ADMIN]))
            key_id = next(k["id"] for k in listed.json() if k["name"] == Role.OFFICER.value)
            revoked = httpx.delete(
                f"{base_a}/api/v1/api-keys/{key_id}", headers=_bearer(keys[Role.ADMIN])
            )
            assert revoked.status_code == 204, revoked.text
            refused = on_b.get("/api/v1/assets")  # the very next request, on the other process
            assert refused.status_code == 401, refused.text
            assert refused.json()["detail"] == "invalid or revoked API key"
    finally:
        for proc in (a, b):
            proc.send_signal(signal.SIGTERM)
        for proc in (a, b):
            proc.wait(60)


def _buckets(url: str) -> int:
    with session_factory(url)() as session:
        return session.scalar(select(func.count()).select_from(RateLimitBucket)) or 0


def test_valid_keys_write_once_and_bad_keys_still_count_across_processes(pg_url):
    keys = _keys(pg_url)
    settings = {"auth_failure_limit": 3, "auth_failure_window_seconds": 60.0}
    one = create_app(Settings(database_url=pg_url, api_runs_jobs=False, **settings))
    other_url = pg_url + "?application_name=other"  # its own engine and pool: another process
    two = create_app(Settings(database_url=other_url, api_runs_jobs=False, **settings))
    valid = _bearer(keys[Role.OFFICER])
    with serve(one) as base_one, serve(two) as base_two:
        for base in (base_one, base_two) * 5:
            assert httpx.get(f"{base}/api/v1/assets", headers=valid).status_code == 200
        # checking the budget wrote nothing; that the key works from here, one row
        assert _buckets(pg_url) == 1
        for base in (base_one, base_two, base_one):
            assert httpx.get(f"{base}/api/v1/assets", headers=_bearer("pqc_bad")).status_code == 401
        blocked = httpx.get(f"{base_two}/api/v1/assets", headers=_bearer("pqc_bad"))
        assert blocked.status_code == 429 and 1 <= int(blocked.headers["retry-after"]) <= 20
        assert "127.0.0.1" in blocked.json()["detail"]
        assert httpx.get(f"{base_one}/api/v1/assets", headers=valid).status_code == 200
