"""Jobs keep their private arguments in `job_payloads`, recover only orphans, and wait out a
busy database.

- The queue entry names the job only: uploaded bytes live beside the job row (PostgreSQL
  caps a JSON value at 255 MB, so a 200 MiB upload could not be queued inside one), and
  they are deleted once the job is over.
- Two processes on one SQLite file: a process starting up does not fail the jobs another
  live process runs; once that process is killed, its jobs are failed, saying why.
- Work that meets a busy database is tried again with backoff; a job that cannot get in
  fails with a sentence a person can act on, not a driver message.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core import jobs
from core.choices import Role, Sector, Tier
from core.db import session_factory as sessions_for
from core.job_queue import QueueBackend
from core.jobs import JobContext, JobRunner, JobTimings, explain, job_kind, submit
from core.models import Job, JobPayload, JobStatus, Organization
from core.tenancy import Principal

SEEN: dict[int, Any] = {}


@job_kind("test-bytes")
def _bytes_job(ctx: JobContext, progress: Any) -> dict[str, Any]:
    SEEN[ctx.job_id] = ctx.content
    return {"bytes": len(ctx.content or b""), "starter": ctx.payload["principal"]["name"]}


GO = threading.Event()
STARTED = threading.Event()
TRIES: list[int] = []


@job_kind("test-write")
def _write_job(ctx: JobContext, progress: Any) -> dict[str, Any]:
    """Waits for the test's signal, then writes one row (its whole work, fenced)."""
    TRIES.append(ctx.job_id)
    STARTED.set()
    GO.wait(30)
    with ctx.sessions.begin() as session:
        slug = f"made-{ctx.job_id}"
        session.add(Organization(slug=slug, name="x", sector=Sector.OTHER, tier=Tier.PRIVATE))
    return {"ok": True}


def _org(sessions: sessionmaker[Session], slug: str = "o") -> int:
    with sessions.begin() as session:
        org = Organization(slug=slug, name=slug, sector=Sector.OTHER, tier=Tier.PRIVATE)
        session.add(org)
        session.flush()
        return org.id


def _payloads(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(JobPayload)) or 0


@pytest.mark.postgres
def test_uploaded_bytes_stay_out_of_the_queue_entry_and_go_when_the_job_ends(
    pg_url: str,
) -> None:
    sessions = sessions_for(pg_url)
    backend = QueueBackend(pg_url)
    org_id = _org(sessions)
    content = os.urandom(3 * 1024 * 1024) + b"\x00\xff"  # binary, NUL bytes included
    with sessions.begin() as session:
        job = submit(
            backend, session, Principal(org_id, Role.OFFICER, "up"), org_id, "test-bytes", {},
            content=content,
        )  # fmt: skip
        job_id = job.id
    with sessions() as session:
        entry = session.execute(
            text("SELECT octet_length(args::text) FROM procrastinate_jobs WHERE task_name = :t"),
            {"t": "pqcplan.run_job"},
        ).scalar_one()
        assert entry < 200, "the queue entry carries the job id only"
        assert session.get(JobPayload, job_id).content == content
    backend.wait(job_id, timeout=120)
    with sessions() as session:
        row = session.get(Job, job_id)
        assert row.status is JobStatus.SUCCEEDED, row.error
        assert row.result == {"bytes": len(content), "starter": "up"}
    assert SEEN[job_id] == content
    assert _payloads(sessions) == 0


def test_a_cancelled_queued_job_forgets_its_payload(session_factory) -> None:
    org_id = _org(session_factory)
    idle = JobRunner(session_factory, max_workers=1)
    idle.submit_attempt = lambda *_: None  # type: ignore[method-assign]  (never runs it)
    try:
        with session_factory.begin() as session:
            job = submit(
                idle, session, Principal(org_id, Role.ADMIN, "a"), org_id, "test-bytes", {},
                content=b"secret",
            )  # fmt: skip
        assert _payloads(session_factory) == 1
        with session_factory.begin() as session:
            assert jobs.cancel_job(session, session.get(Job, job.id))
        assert _payloads(session_factory) == 0
    finally:
        idle.shutdown()


_OTHER_PROCESS = textwrap.dedent(
    """
    import sys, time
    from core.db import session_factory
    from core.jobs import JobContext, JobRunner, job_kind, submit
    from core.choices import Role
    from core.tenancy import Principal

    @job_kind("test-hold")
    def hold(ctx: JobContext, progress) -> dict:
        print("running", ctx.job_id, flush=True)
        time.sleep(600)
        return {}

    sessions = session_factory(sys.argv[1])
    runner = JobRunner(sessions, max_workers=1)
    runner.recover()
    with sessions.begin() as session:
        submit(runner, session, Principal(int(sys.argv[2]), Role.ADMIN, "other"),
               int(sys.argv[2]), "test-hold", {})
    time.sleep(600)
    """
)


def test_a_second_process_fails_only_the_jobs_of_a_dead_one(tmp_path: Path, sqlite_url: str):
    sessions = sessions_for(sqlite_url)
    org_id = _org(sessions)
    other = subprocess.Popen(
        [sys.executable, "-c", _OTHER_PROCESS, sqlite_url, str(org_id)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout is not None
        line = other.stdout.readline()  # its job is running
        assert line.startswith("running"), line
        job_id = int(line.split()[1])
        here = JobRunner(sessions, max_workers=1)
        try:
            assert here.recover() == 0  # the other process is alive: its job is its own
            with sessions() as session:
                row = session.get(Job, job_id)
                assert row.status is JobStatus.RUNNING and row.owner.endswith(
                    f":{other.pid}:" + row.owner.rsplit(":", 1)[1]
                )
            os.kill(other.pid, signal.SIGKILL)
            other.wait(30)
            assert here.recover() == 1
            with sessions() as session:
                row = session.get(Job, job_id)
                assert row.status is JobStatus.FAILED
                assert row.error.startswith("interrupted: the server process running it stopped")
        finally:
            here.shutdown()
    finally:
        if other.poll() is None:
            other.kill()
            other.wait(30)


@pytest.fixture
def impatient() -> Any:
    before = jobs.TIMINGS
    yield lambda **kw: jobs.configure(JobTimings(**kw))
    jobs.configure(before)


def _hold_write_lock(path: str, seconds: float) -> threading.Thread:
    """Another connection (as another process would) holds SQLite's write lock a while."""
    started = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        started.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    started.wait(10)
    return thread


def _busy_run(tmp_path: Path, template: Path, lock_s: float) -> tuple[sessionmaker, int]:
    """Run a test-write job on a SQLite file whose write lock another connection takes
    (for ``lock_s``) once the job has started, before it writes."""
    import shutil

    path = tmp_path / "busy.sqlite3"
    shutil.copy(template, path)
    sessions = sessions_for(f"sqlite:///{path}?timeout=0.2")
    org_id = _org(sessions)
    GO.clear()
    STARTED.clear()
    TRIES.clear()
    runner = JobRunner(sessions, max_workers=1)
    try:
        with sessions.begin() as session:
            job_id = submit(
                runner, session, Principal(org_id, Role.ADMIN, "a"), org_id, "test-write", {}
            ).id
        assert STARTED.wait(30)
        holder = _hold_write_lock(str(path), lock_s)
        GO.set()
        runner.wait(job_id, timeout=120)
        holder.join()
    finally:
        runner.shutdown()
    return sessions, job_id


def test_work_meeting_a_busy_database_is_tried_again(tmp_path, sqlite_template, impatient):
    impatient(busy_patience_s=30)
    sessions, job_id = _busy_run(tmp_path, sqlite_template, 1.5)
    assert len(TRIES) >= 2, "the work met the lock and was done again"
    with sessions() as session:
        row = session.get(Job, job_id)
        assert row.status is JobStatus.SUCCEEDED, row.error
        made = session.scalar(select(func.count()).where(Organization.slug == f"made-{job_id}"))
        assert made == 1


def test_a_job_kept_out_by_a_busy_database_fails_saying_what_to_do(
    tmp_path, sqlite_template, impatient
):
    impatient(busy_patience_s=1.0)
    sessions, job_id = _busy_run(tmp_path, sqlite_template, 4.0)
    with sessions() as session:
        row = session.get(Job, job_id)
    assert row.status is JobStatus.FAILED
    assert "the database stayed busy" in row.error and "start the job again" in row.error
    for leak in ("OperationalError", "sqlite", "database is locked", "INSERT", "BEGIN"):
        assert leak not in row.error and leak not in (row.message or "")


def test_database_errors_are_described_not_quoted() -> None:
    exc = IntegrityError(
        "INSERT INTO assets (ref) VALUES (?)",
        ("a",),
        Exception("UNIQUE constraint failed: assets.ref"),
    )
    said = explain(exc)
    assert "a row with the same key" in said and "nothing was stored" in said
    assert "assets" not in said and "UNIQUE" not in said and "INSERT" not in said
