"""A job says "succeeded" only once that is committed, and a result it cannot store fails it."""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

from sqlalchemy.engine import make_url

from core.choices import Sector, Tier
from core.db import session_factory
from core.jobs import JobRunner
from core.models import Job, JobStatus, Organization


def _job(sessions: Any) -> int:
    with sessions.begin() as session:
        org = Organization(slug="lab", name="Lab", sector=Sector.OTHER, tier=Tier.PRIVATE)
        session.add(org)
        session.flush()
        job = Job(organization_id=org.id, kind="test", created_by="test", params={})
        session.add(job)
        session.flush()
        return job.id


def _status(sessions: Any, job_id: int) -> Job:
    with sessions() as session:
        return session.get(Job, job_id)


def test_a_result_that_cannot_be_stored_fails_the_job_with_the_reason(db_url):
    sessions = session_factory(db_url)
    runner = JobRunner(sessions, max_workers=1)
    job_id = _job(sessions)
    runner.submit(job_id, lambda progress: {"value": object()})  # not JSON: cannot be stored
    runner.wait(job_id, timeout=60)
    runner.shutdown()
    job = _status(sessions, job_id)
    assert job.status is JobStatus.FAILED, (job.status, job.error)
    assert "result could not be stored" in job.error and job.finished_at is not None


def test_a_job_finishing_while_sqlite_is_locked_waits_and_then_succeeds(sqlite_url):
    url = sqlite_url + "?timeout=0.2"  # every single status write gives up after 0.2 s
    sessions = session_factory(url)
    runner = JobRunner(sessions, max_workers=1)
    job_id = _job(sessions)
    holder = sqlite3.connect(make_url(url).database, isolation_level=None, check_same_thread=False)
    locked = threading.Event()

    def work(progress: Any) -> dict[str, Any]:
        holder.execute("BEGIN IMMEDIATE")  # another writer takes the lock for 1 s
        locked.set()
        threading.Timer(1.0, lambda: holder.execute("COMMIT")).start()
        progress(0.5, "halfway")  # advisory: skipped while busy, never fails the job
        return {"answer": 42}

    started = time.monotonic()
    runner.submit(job_id, work)
    runner.wait(job_id, timeout=60)
    runner.shutdown()
    holder.close()
    assert locked.is_set() and time.monotonic() - started >= 0.9
    job = _status(sessions, job_id)
    assert job.status is JobStatus.SUCCEEDED, (job.status, job.error)
    assert job.result == {"answer": 42} and job.progress == 1.0
