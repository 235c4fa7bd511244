"""The scaled topology on loopback: two API processes and two workers on one PostgreSQL.

200 mixed jobs (plans, CSV imports, benchmarks) go in through both APIs while one worker is
killed with SIGKILL. Every job ends succeeded, each did its work exactly once, and the
"2 benchmark jobs per organization" limit held across both API processes (429 +
Retry-After when full, never 3 active at once).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import httpx
from sqlalchemy import func, select, text

from core.apikeys import issue_key
from core.choices import Role, Sector, Tier
from core.db import session_factory
from core.models import Job, JobStatus, Organization
from inventory.models import Asset
from migration.models import PlanVersion
from testbed.models import BenchmarkRecord
from tests.app.api.live_server import free_port
from tests.conftest import ROOT

PLANS, IMPORTS, BENCHMARKS = 120, 60, 20


def _api(url: str, tmp_path, name: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "API_RUNS_JOBS": "false"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli.main", "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=open(tmp_path / f"{name}.log", "wb"), stderr=subprocess.STDOUT,  # noqa: SIM115
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not become ready")


HOLDS_A_JOB = text(
    "SELECT 1 FROM procrastinate_jobs p JOIN jobs j ON j.id = (p.args->>'job_id')::int "
    "WHERE p.status = 'doing' AND p.worker_id = :w AND j.status = 'running' LIMIT 1"
)  # a job of any kind mid-work on that worker (waiting for a benchmark there was flaky:
# at most two run at once across both workers, each for ~0.2 s, and the survivor may take them)


def _until(sessions, query, args=None, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions() as s:
            value = s.scalar(query, args or {})
        if value is not None:
            return value
        time.sleep(0.02)
    raise AssertionError(f"never true: {query}")


def _victim_holds_a_job(sessions, victim, victim_id: int, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Wait until the victim worker is mid-job; if it never is, say what the queue and the
    victim were doing (its threads' stacks: `pqcplan worker` dumps them on SIGUSR1)."""
    try:
        _until(sessions, HOLDS_A_JOB, {"w": victim_id}, timeout=120)
    except AssertionError as exc:
        with sessions() as s:
            queue = s.execute(
                text(
                    "SELECT status, worker_id, count(*) FROM procrastinate_jobs "
                    "GROUP BY status, worker_id ORDER BY 1, 2"
                )
            ).all()
            beats = s.execute(
                text("SELECT id, now() - last_heartbeat FROM procrastinate_workers")
            ).all()
            ours = s.execute(select(Job.status, func.count()).group_by(Job.status)).all()
        if victim.poll() is None:
            victim.send_signal(signal.SIGUSR1)
            time.sleep(1)
        log = (tmp_path / "worker-victim-0.log").read_text(errors="replace")
        raise AssertionError(
            f"{exc}; victim {victim_id} alive: {victim.poll() is None}; queue: {queue}; "
            f"workers' heartbeat ages: {beats}; jobs: {ours}; its log ends: {log[-6000:]}"
        ) from None


def _first_worker_id(sessions) -> int:  # type: ignore[no-untyped-def]
    return _until(sessions, text("SELECT min(id) FROM procrastinate_workers"))


def _submit(client: httpx.Client, base: str, key: str, i: int) -> tuple[str, int, int]:
    """Start job i; returns (kind, job id, 429s met on the way)."""
    h = {"Authorization": f"Bearer {key}"}
    if i % 10 < 6:
        body = {"profile": "kr-2035", "background": True, "name": f"plan {i}"}
        r = client.post(f"{base}/api/v1/plans", json=body, headers=h)
        assert r.status_code == 202, r.text
        return "plan", r.json()["job_id"], 0
    if i % 10 < 9:
        csv = f"asset_ref,asset_name,asset_type\nimp-{i},Imported {i},application\n"
        r = client.post(
            f"{base}/api/v1/imports/csv", params={"background": "true"}, content=csv.encode(),
            headers={**h, "Content-Type": "text/csv"},
        )  # fmt: skip
        assert r.status_code == 202, r.text
        return "import", r.json()["job_id"], 0
    refused = 0
    body = {
        "algorithms": ["ML-KEM-512"], "engines": ["liboqs"], "time_budget_s": 0.2,
        "include_baseline": False, "warmup": 0,
    }  # fmt: skip
    while True:
        r = client.post(f"{base}/api/v1/testbed/benchmarks", json=body, headers=h)
        if r.status_code != 429:
            assert r.status_code == 202, r.text
            return "benchmark", r.json()["id"], refused
        assert int(r.headers["Retry-After"]) >= 1
        refused += 1
        time.sleep(0.2)


def test_two_apis_two_workers_200_jobs_one_worker_killed(pg_url, workers, tmp_path):
    sessions = session_factory(pg_url)
    with sessions.begin() as s:
        org = Organization(
            slug="m", name="M", sector=Sector.GOVERNMENT, tier=Tier.CENTRAL_GOVERNMENT
        )
        s.add(org)
        s.flush()
        key = issue_key(s, org.id, Role.OFFICER, "load")[1]
    apis = [_api(pg_url, tmp_path, "api-a"), _api(pg_url, tmp_path, "api-b")]
    try:
        victim = workers("--concurrency", "2", name="victim")
        victim_id = _first_worker_id(sessions)  # registered before the survivor starts
        started = time.monotonic()
        with httpx.Client(timeout=30) as client, ThreadPoolExecutor(8) as pool:
            submit = [
                partial(_submit, client, apis[i % 2][1], key, i)
                for i in range(PLANS + IMPORTS + BENCHMARKS)
            ]
            futures = [pool.submit(f) for f in submit[:80]]  # the victim alone takes these
            _victim_holds_a_job(sessions, victim, victim_id, tmp_path)
            workers("--concurrency", "2", name="survivor")
            _until(sessions, text("SELECT 1 FROM procrastinate_workers HAVING count(*) >= 2"))
            futures += [pool.submit(f) for f in submit[80:]]
            _victim_holds_a_job(sessions, victim, victim_id, tmp_path)
            victim.send_signal(signal.SIGKILL)  # mid-run: it holds a job right now
            done = [f.result() for f in futures]
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with sessions() as s:
                left = s.scalar(
                    select(func.count(Job.id)).where(Job.status.in_(("queued", "running")))
                )
            if left == 0:
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - started
    finally:
        for proc, _ in apis:
            proc.send_signal(signal.SIGTERM)
        for proc, _ in apis:
            proc.wait(30)
    with sessions() as s:
        jobs = {j.id: j for j in s.scalars(select(Job))}
        assert len(jobs) == 200 == len({job_id for _, job_id, _ in done})
        bad = [
            (j.id, j.kind, j.status, j.error)
            for j in jobs.values()
            if j.status is not JobStatus.SUCCEEDED
        ]
        assert bad == [], bad
        # exactly once: one plan version, one asset, one benchmark row per job
        assert s.scalar(select(func.count(PlanVersion.id))) == PLANS
        assert s.scalar(select(func.count(Asset.id)).where(Asset.ref.like("imp-%"))) == IMPORTS
        per_job = s.execute(
            select(BenchmarkRecord.job_id, func.count()).group_by(BenchmarkRecord.job_id)
        ).all()
        assert len(per_job) == BENCHMARKS and {n for _, n in per_job} == {1}
        # the per-organization limit held across both API processes
        spans = [(j.created_at, j.finished_at) for j in jobs.values() if j.kind == "benchmark"]
        edges = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])
        active, most = 0, 0
        for _, step in edges:
            active += step
            most = max(most, active)
        assert most <= 2
    retried = [
        j for j in jobs.values() if j.attempt > 1 or "its worker stopped" in (j.message or "")
    ]
    logs = {p.name: p.read_text()[-2000:] for p in tmp_path.glob("worker-*.log")}
    assert retried, f"the killed worker's job was not recovered: {logs}"
    print(
        f"200 jobs in {elapsed:.1f} s; {len(retried)} retried after the kill; "
        f"{sum(n for *_, n in done)} benchmark 429s"
    )
