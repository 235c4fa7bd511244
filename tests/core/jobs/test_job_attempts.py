"""One attempt, fenced: cancellation stops a job and rolls its work back; a superseded attempt
(the queue retried it elsewhere) cannot commit; a cancelled job never starts. On SQLite and
PostgreSQL, through the same `run_attempt` both runners use."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.audit import record
from core.choices import Role, Sector, Tier
from core.jobs import JobContext, cancel_job, job_kind, run_attempt
from core.models import AuditEntry, Job, JobStatus, Organization
from core.tenancy import Principal

GATE: dict[int, threading.Event] = {}


@job_kind("test-gated")
def _gated(ctx: JobContext, progress: Any) -> dict[str, Any]:
    """Reports progress, waits for the test, then writes one audit row (fenced)."""
    progress(0.1, "started")
    GATE[ctx.job_id].wait(30)
    with ctx.sessions.begin() as session:
        who = Principal(ctx.organization_id, Role.OFFICER, "gated")
        record(session, who, "test", "job", ctx.job_id, ctx.organization_id, {})
    progress(0.9, "wrote")
    return {"ok": True}


def _job(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        org = Organization(
            slug="o", name="O", sector=Sector.GOVERNMENT, tier=Tier.CENTRAL_GOVERNMENT
        )
        session.add(org)
        session.flush()
        job = Job(organization_id=org.id, kind="test-gated", created_by="t", params={})
        session.add(job)
        session.flush()
        GATE[job.id] = threading.Event()
        return job.id


def _rows(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.actor == "gated"))


def _status(sessions: sessionmaker[Session], job_id: int) -> Job:
    with sessions() as session:
        return session.get(Job, job_id)


def _start(sessions: sessionmaker[Session], job_id: int) -> tuple[threading.Thread, list[str]]:
    out: list[str] = []
    thread = threading.Thread(target=lambda: out.append(run_attempt(sessions, job_id, {})))
    thread.start()
    for _ in range(300):
        if _status(sessions, job_id).progress > 0:
            break
        threading.Event().wait(0.02)
    return thread, out


def test_the_gated_job_runs_and_commits_once(session_factory):
    job_id = _job(session_factory)
    thread, out = _start(session_factory, job_id)
    GATE[job_id].set()
    thread.join(30)
    job = _status(session_factory, job_id)
    assert out == ["succeeded"] and job.status is JobStatus.SUCCEEDED
    assert (job.attempt, job.work_committed, _rows(session_factory)) == (1, True, 1)


def test_cancelling_a_running_job_rolls_its_work_back(session_factory):
    job_id = _job(session_factory)
    thread, out = _start(session_factory, job_id)
    with session_factory.begin() as session:
        assert cancel_job(session, session.get(Job, job_id))
    GATE[job_id].set()
    thread.join(30)
    job = _status(session_factory, job_id)
    assert out == ["cancelled"] and job.status is JobStatus.CANCELLED
    assert (job.work_committed, _rows(session_factory)) == (False, 0)
    with session_factory.begin() as session:  # over: a second cancel changes nothing
        assert not cancel_job(session, session.get(Job, job_id))


def test_a_cancelled_job_never_starts(session_factory):
    job_id = _job(session_factory)
    with session_factory.begin() as session:
        assert cancel_job(session, session.get(Job, job_id))
    GATE[job_id].set()
    assert run_attempt(session_factory, job_id, {}) == "skipped"
    assert _status(session_factory, job_id).started_at is None and _rows(session_factory) == 0


def test_a_superseded_attempt_cannot_commit(session_factory):
    """The queue gave the job to attempt 2 (its worker looked dead): attempt 1 must not land."""
    job_id = _job(session_factory)
    thread, out = _start(session_factory, job_id)
    with session_factory.begin() as session:
        session.execute(update(Job).where(Job.id == job_id).values(attempt=Job.attempt + 1))
    GATE[job_id].set()
    thread.join(30)
    assert out == ["cancelled"] and _rows(session_factory) == 0
    assert _status(session_factory, job_id).status is JobStatus.RUNNING  # attempt 2's to finish
