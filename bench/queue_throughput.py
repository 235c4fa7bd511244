"""Job queue throughput on PostgreSQL: small jobs per second from enqueue to done, 1/2/4 workers.

    .venv/bin/python bench/queue_throughput.py --pg ADMIN_URL [--jobs 400] [--workers 1 2 4]

For each worker count: a scratch database (Alembic head), that many `pqcplan worker`
processes (concurrency 1 each), then N small jobs (a one-row CSV import each, the real
import path) enqueued through `start_job` in one transaction; the clock runs from that
commit to the moment the last job row says succeeded. Prints jobs/s and the enqueue-to-done
latency p50/p95 per job. Exit code 1 if a job did not succeed or its row is missing.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from _common import record, scratch_database, stop_all
from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import schema  # noqa: E402
from core.choices import Role, Sector, Tier  # noqa: E402
from core.db import session_factory  # noqa: E402
from core.job_queue import QueueBackend  # noqa: E402
from core.jobs import start_job  # noqa: E402
from core.models import Job, JobStatus, Organization  # noqa: E402
from inventory.models import Asset  # noqa: E402

TINY_ARGS = ["--jobs", "20", "--workers", "1", "2"]


def run(admin: str, n_jobs: int, n_workers: int, logs: Path) -> dict[str, float]:
    with scratch_database(admin, "pqcplan_qbench") as url:
        schema.upgrade(url)
        return _measure(url, n_jobs, n_workers, logs)


def _measure(url: str, n_jobs: int, n_workers: int, logs: Path) -> dict[str, float]:
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for i in range(n_workers):
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "app.cli.main", "worker", "--name", f"b{i}"],
                    cwd=ROOT,
                    env={**os.environ, "DATABASE_URL": url},
                    stdout=open(logs / f"worker-{n_workers}-{i}.log", "wb"),  # noqa: SIM115
                    stderr=subprocess.STDOUT,
                )
            )
        sessions = session_factory(url)
        _wait_for_workers(sessions, n_workers)
        backend = QueueBackend(url)
        who = {"organization_id": 0, "role": Role.ADMIN.value, "name": "bench", "api_key_id": None}
        with sessions.begin() as session:
            org = Organization(
                slug="bench", name="Bench", sector=Sector.GOVERNMENT, tier=Tier.CENTRAL_GOVERNMENT
            )
            session.add(org)
            session.flush()
            who["organization_id"] = org.id
            for i in range(n_jobs):
                csv = f"asset_ref,asset_name,asset_type\nq-{i},Queued {i},application\n".encode()
                job = Job(
                    organization_id=org.id,
                    kind="import",
                    created_by="bench",
                    params={"format": "csv", "bytes": len(csv)},
                )
                payload = {"data": base64.b64encode(csv).decode(), "principal": who}
                start_job(backend, session, job, payload)
        started = time.time()
        while True:
            with sessions() as session:
                left = session.scalar(
                    select(func.count(Job.id)).where(
                        Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING))
                    )
                )
            if left == 0:
                break
            if time.time() - started > 600:
                raise SystemExit("jobs still waiting after 600 s")
            time.sleep(0.05)
        elapsed = time.time() - started
        with sessions() as session:
            jobs = list(session.scalars(select(Job)))
            assets = session.scalar(select(func.count(Asset.id)))
        bad = [j.id for j in jobs if j.status is not JobStatus.SUCCEEDED]
        if bad or assets != n_jobs:
            raise SystemExit(f"{len(bad)} job(s) did not succeed; {assets} of {n_jobs} rows")
        latencies = sorted((j.finished_at.timestamp() - started) for j in jobs)
        return {
            "workers": n_workers,
            "jobs": n_jobs,
            "seconds": round(elapsed, 2),
            "jobs_per_s": round(n_jobs / elapsed, 1),
            "p50_s": round(statistics.median(latencies), 2),
            "p95_s": round(latencies[int(0.95 * (len(latencies) - 1))], 2),
        }
    finally:
        stop_all(procs, grace=30)


def _wait_for_workers(sessions, n: int) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with sessions() as session:
            if session.scalar(text("SELECT count(*) FROM procrastinate_workers")) >= n:
                return
        time.sleep(0.1)
    raise SystemExit("workers did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", required=True, help="PostgreSQL admin URL (scratch databases)")
    parser.add_argument("--jobs", type=int, default=400)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--json", action="store_true", help="one JSON line per run")
    args = parser.parse_args()
    logs = Path(os.environ.get("TMPDIR", "/tmp")) / f"queue-bench-{uuid.uuid4().hex[:6]}"
    logs.mkdir(parents=True)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"PostgreSQL job queue (procrastinate), one-row CSV imports; load average {load}")
    print(f"{'workers':>7} {'jobs':>6} {'seconds':>8} {'jobs/s':>7} {'p50 s':>6} {'p95 s':>6}")
    first: dict[str, float] = {}
    for n in args.workers:
        r = run(args.pg, args.jobs, n, logs)
        print(
            f"{r['workers']:>7} {r['jobs']:>6} {r['seconds']:>8} {r['jobs_per_s']:>7} "
            f"{r['p50_s']:>6} {r['p95_s']:>6}"
        )
        first = first or r
        size = f"{args.jobs} one-row CSV imports"
        record(f"job queue, {n} worker(s): jobs/s", r["jobs_per_s"], "jobs/s", size=size)
        record(f"job queue, {n} worker(s): enqueue-to-done p95", r["p95_s"], "s", size=size)
        if r is not first:
            ratio = r["jobs_per_s"] / max(first["jobs_per_s"], 1e-9)
            name = f"job queue, jobs/s with {n} workers / with {first['workers']:g}"
            record(name, ratio, "x", size=size)
        if args.json:
            print(json.dumps(r))


if __name__ == "__main__":
    main()
