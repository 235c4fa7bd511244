"""`core.jobs.submit`, the one way the faces start a job: the row, its private payload with
who started it, the per-organization limit, and nothing at all when the caller rolls back.
On SQLite and PostgreSQL, on the embedded runner."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.choices import Role, Sector, Tier
from core.jobs import JobContext, JobLimitReached, JobRunner, job_kind, principal_from, submit
from core.models import Job, JobStatus, Organization
from core.tenancy import Principal

RAN: list[int] = []


@job_kind("test-submit")
def _echo(ctx: JobContext, progress: Any) -> dict[str, Any]:
    """Says who started it and what it was given privately."""
    RAN.append(ctx.job_id)
    who = principal_from(ctx.payload["principal"])
    return {"by": who.name, "role": who.role.value, "secret": ctx.payload.get("secret")}


def _org(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        org = Organization(slug="o", name="O", sector=Sector.OTHER, tier=Tier.PRIVATE)
        session.add(org)
        session.flush()
        return org.id


def _jobs(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count(Job.id))) or 0


@pytest.fixture
def runner(session_factory: sessionmaker[Session]) -> Any:
    jobs = JobRunner(session_factory)
    yield jobs
    jobs.shutdown()


def test_a_submitted_job_runs_after_commit_with_its_caller_and_private_payload(
    session_factory: sessionmaker[Session], runner: JobRunner
) -> None:
    RAN.clear()
    org_id = _org(session_factory)
    officer = Principal(org_id, Role.OFFICER, "officer key")
    with session_factory.begin() as session:
        job = submit(
            runner, session, officer, org_id, "test-submit", {"n": 1}, private={"secret": "s3"}
        )
        job_id = job.id
        assert RAN == []  # not before the caller's transaction commits
    runner.wait(job_id, timeout=30)
    with session_factory() as session:
        row = session.get(Job, job_id)
        assert row.status is JobStatus.SUCCEEDED, row.error
        assert row.params == {"n": 1}  # the private payload is not shown on the job
        assert row.created_by == "officer key" and row.organization_id == org_id
        assert row.result == {"by": "officer key", "role": "officer", "secret": "s3"}


def test_the_limit_refuses_one_more_active_job_and_finished_ones_do_not_count(
    session_factory: sessionmaker[Session], runner: JobRunner
) -> None:
    org_id = _org(session_factory)
    vendor = Principal(org_id, Role.VENDOR, "vendor key")
    with session_factory.begin() as session:
        for _ in range(2):  # queued, never enqueued: they stay active
            session.add(Job(organization_id=org_id, kind="test-limit", created_by="t", params={}))
    with pytest.raises(JobLimitReached) as refused, session_factory.begin() as session:
        submit(runner, session, vendor, org_id, "test-limit", {}, limit=2)
    assert str(refused.value) == (
        "your organization already runs 2 test-limit jobs; wait for one to finish"
    )
    assert refused.value.retry_after_s == 10
    assert _jobs(session_factory) == 2
    with session_factory.begin() as session:
        first = session.scalars(select(Job).order_by(Job.id)).first()
        first.status = JobStatus.FAILED
    with session_factory.begin() as session:  # one slot free again; other kinds never counted
        submit(runner, session, vendor, org_id, "test-limit", {}, limit=2)
        submit(runner, session, vendor, org_id, "test-other", {}, limit=2)
    assert _jobs(session_factory) == 4


def test_a_rolled_back_caller_leaves_no_job_and_nothing_runs(
    session_factory: sessionmaker[Session], runner: JobRunner
) -> None:
    org_id = _org(session_factory)
    admin = Principal(org_id, Role.ADMIN, "admin key")
    RAN.clear()
    with pytest.raises(RuntimeError), session_factory.begin() as session:
        job = submit(runner, session, admin, org_id, "test-submit", {})
        assert job.id is not None
        raise RuntimeError("the request failed after starting the job")
    assert _jobs(session_factory) == 0
    runner.shutdown()  # every attempt it was given has finished
    assert RAN == []
