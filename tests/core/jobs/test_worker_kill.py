"""`kill -9` a worker mid-benchmark: the attempt is retried on another worker, the job
succeeds once, and exactly one set of rows lands (the dead attempt's rolled back)."""

from __future__ import annotations

import time

from sqlalchemy import select, text

from core.choices import Sector, Tier
from core.db import session_factory as make_sessions
from core.job_queue import QueueBackend
from core.jobs import start_job
from core.models import Job, JobStatus, Organization
from testbed import benchmark_runs
from testbed.models import BenchmarkRecord


def _benchmark_job(url: str, seconds: float) -> int:
    sessions = make_sessions(url)
    req = benchmark_runs.BenchmarkRequest(
        algorithms=["ML-KEM-768"], engines=["liboqs"], time_budget_s=seconds,
        max_iterations=100_000, include_baseline=False,
    )  # fmt: skip
    runs = benchmark_runs.plan_runs(req)
    with sessions.begin() as session:
        org = Organization(
            slug="v", name="V", sector=Sector.GOVERNMENT, tier=Tier.CENTRAL_GOVERNMENT
        )
        session.add(org)
        session.flush()
        job = Job(
            organization_id=org.id, kind=benchmark_runs.JOB_KIND, created_by="t",
            params={**req.model_dump(), "runs": [r.__dict__ for r in runs]},
        )  # fmt: skip
        return start_job(QueueBackend(url), session, job)


def _job(url: str, job_id: int) -> Job:
    with make_sessions(url)() as session:
        return session.get(Job, job_id)


def _wait(url: str, job_id: int, done: callable, timeout: float) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = _job(url, job_id)
        if done(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} stuck: {job.status} {job.message}")


def test_kill_9_mid_job_retries_once_and_lands_once(pg_url, workers):
    job_id = _benchmark_job(pg_url, seconds=4.0)
    first = workers(name="first")
    _wait(pg_url, job_id, lambda j: j.status is JobStatus.RUNNING and j.progress > 0.05, 60)
    first.kill()  # SIGKILL: no cleanup, no goodbye to the queue
    first.wait(10)
    workers(name="second")
    job = _wait(pg_url, job_id, lambda j: not j.status.active, 90)
    assert job.status is JobStatus.SUCCEEDED, job.error
    assert job.attempt == 2
    with make_sessions(pg_url)() as session:
        records = session.scalars(
            select(BenchmarkRecord).where(BenchmarkRecord.job_id == job_id)
        ).all()
        assert len(records) == len(job.params["runs"]) == 1
        assert records[0].machine["host"] and len(records[0].machine["loadavg"]) == 3
        queue_left = text("SELECT count(*) FROM procrastinate_jobs WHERE status <> 'succeeded'")
        assert session.scalar(queue_left) == 0
