"""The scaled runner: jobs on procrastinate, a PostgreSQL-backed queue, run by `pqcplan worker`.

`QueueBackend.enqueue` defers the procrastinate job on the caller's own connection, in the
caller's transaction: the job row and its queue entry commit together or not at all.
A worker runs each attempt through `core.jobs.run_attempt`, so the job row says the
same things as on the embedded runner.

Workers send heartbeats; `reap_stalled` (run by every worker every few seconds) finds
attempts whose worker stopped beating (``kill -9``, a lost machine) and, under a lock on
the job row, retries them (up to `JobTimings.max_attempts`) or fails them with the reason. An
attempt
whose work already committed is recorded as succeeded, never run twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import procrastinate
from procrastinate import jobs as pjobs
from procrastinate import manager
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from core.models import Job, JobStatus

log = logging.getLogger(__name__)

TASK_NAME = "pqcplan.run_job"
DEFAULT_QUEUE = "jobs"
QUEUE_BY_KIND = {"benchmark": "benchmarks"}
"""Benchmarks get their own queue, so a machine can be kept for them alone."""
QUEUES = (DEFAULT_QUEUE, "benchmarks")


def not_queue_table(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic ``include_name``: procrastinate's own tables are its schema, not our models."""
    return not (type_ == "table" and (name or "").startswith("procrastinate_"))


def conninfo(database_url: str) -> str:
    """A libpq connection string from the SQLAlchemy URL."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def is_scaled(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "postgresql"


_apps: dict[str, procrastinate.App] = {}
_sessions: dict[str, sessionmaker[Session]] = {}


def queue_app(database_url: str) -> procrastinate.App:
    """This process's procrastinate app for a database (one per event loop that opens it)."""
    if database_url not in _apps:
        _apps[database_url] = new_queue_app(database_url)
    return _apps[database_url]


def new_queue_app(database_url: str) -> procrastinate.App:
    """A procrastinate app with the one task that runs any job."""
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo(database_url))
    )

    @app.task(name=TASK_NAME, pass_context=False)
    def run_job(job_id: int, payload: dict[str, Any] | None = None) -> str:
        from core.jobs import run_attempt

        return run_attempt(_sessionmaker(database_url), job_id, payload)

    return app


def _sessionmaker(database_url: str) -> sessionmaker[Session]:
    if database_url not in _sessions:
        from core.db import session_factory

        _sessions[database_url] = session_factory(database_url)
    return _sessions[database_url]


class QueueBackend:
    """`JobBackend` on procrastinate; the API process only enqueues."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.app = queue_app(database_url)
        self._sessions = _sessionmaker(database_url)
        # Defers on the caller's own (sync) connection, whether or not the app's async
        # pool is open in this process.
        self._deferrer = manager.JobManager(
            procrastinate.SyncPsycopgConnector(conninfo=conninfo(database_url))
        )

    def enqueue(self, session: Session, job: Job, payload: dict[str, Any]) -> None:
        connection = session.connection().connection.driver_connection
        self._deferrer.defer_job(
            pjobs.Job(
                id=None,
                queue=QUEUE_BY_KIND.get(job.kind, DEFAULT_QUEUE),
                task_name=TASK_NAME,
                # the job's private arguments stay in job_payloads (a JSON value of the
                # queue is capped at 255 MB); entries made before 0015 carried them here
                task_kwargs={"job_id": job.id, "payload": payload or None},
                lock=None,
                queueing_lock=None,
                priority=0,
            ),
            connection=connection,
        )

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        """Run queued jobs in this process until ``job_id`` is over: a burst worker.

        For tests and one-shot tools; servers leave jobs to `pqcplan worker` processes.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._sessions() as session:
                status = session.scalar(select(Job.status).where(Job.id == job_id))
            if status is None or not status.active:
                return
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} is still {status.value}")
            burst = new_queue_app(self.database_url)  # its own pool, on its own event loop
            burst.run_worker(wait=False, install_signal_handlers=False, delete_jobs="successful")
            time.sleep(0.05)

    def recover(self) -> int:
        return 0  # workers reap stalled attempts; queued jobs wait for a worker

    def shutdown(self) -> None:
        """Nothing to stop: this process only enqueues (on callers' connections)."""


def reap_stalled(sessions: sessionmaker[Session], stalled_after_s: float | None = None) -> int:
    """Retry or fail attempts whose worker stopped sending heartbeats; returns how many."""
    from core import jobs

    if stalled_after_s is None:
        stalled_after_s = jobs.TIMINGS.stalled_after_s
    found = 0
    with sessions() as session:
        stalled = session.execute(
            text(
                "SELECT j.id, (j.args->>'job_id')::bigint AS job_id FROM procrastinate_jobs j "
                "LEFT JOIN procrastinate_workers w ON w.id = j.worker_id "
                "WHERE j.status = 'doing' AND j.task_name = :task AND (j.worker_id IS NULL "
                "OR w.last_heartbeat < now() - make_interval(secs => :secs))"
            ),
            {"task": TASK_NAME, "secs": stalled_after_s},
        ).all()
    for queue_id, job_id in stalled:
        with sessions.begin() as session:
            # Lock both rows; another reaper that got here first leaves 'doing' behind.
            still = session.scalar(
                text(
                    "SELECT 1 FROM procrastinate_jobs WHERE id = :id AND status = 'doing' "
                    "FOR UPDATE SKIP LOCKED"
                ),
                {"id": queue_id},
            )
            job = session.scalar(select(Job).where(Job.id == job_id).with_for_update())
            if not still:
                continue
            found += 1
            _settle(session, queue_id, job)
    return found


def _settle(session: Session, queue_id: int, job: Job | None) -> None:
    from core import jobs

    now = datetime.now(UTC)
    max_attempts = jobs.TIMINGS.max_attempts

    def finish(status: str) -> None:
        session.execute(
            text(
                "SELECT procrastinate_finish_job_v1("
                ":id, CAST(:st AS procrastinate_job_status), false)"
            ),
            {"id": queue_id, "st": status},
        )

    retry = "SELECT procrastinate_retry_job_v2(:id, now(), NULL, NULL, NULL)"
    if job is not None and job.status is JobStatus.QUEUED:  # lost before it was claimed
        job.message = "requeued: its worker stopped before the job began"
        session.execute(text(retry), {"id": queue_id})
        return
    if job is None or job.status is not JobStatus.RUNNING:
        finish("failed" if job is None else "succeeded")  # nothing of ours is running
        return
    lost = f"its worker stopped during attempt {job.attempt} of {max_attempts}"
    if job.work_committed:
        job.status, job.progress, job.finished_at = JobStatus.SUCCEEDED, 1.0, now
        job.message = f"done ({lost}, after its work was committed)"
        job.result = job.result or {"note": "the worker stopped before reporting a summary"}
        jobs.forget_payload(session, job.id)
        finish("succeeded")
    elif job.attempt < max_attempts:
        job.status, job.message = JobStatus.QUEUED, f"retrying: {lost}"
        session.execute(text(retry), {"id": queue_id})
    else:
        job.status, job.finished_at = JobStatus.FAILED, now
        job.error = job.message = f"failed: {lost}"
        jobs.forget_payload(session, job.id)
        finish("failed")
    log.warning("job %s: %s -> %s", job.id, lost, job.status.value)


@asynccontextmanager
async def in_api_worker(backend: object, enabled: bool) -> AsyncIterator[None]:
    """While the API serves, work its 'jobs' queue too (scaled backend, when enabled)."""
    if not (enabled and isinstance(backend, QueueBackend)):
        yield
        return
    from core.jobs import TIMINGS

    async with backend.app.open_async():
        task = asyncio.create_task(
            backend.app.run_worker_async(
                queues=[DEFAULT_QUEUE],
                concurrency=2,
                install_signal_handlers=False,
                update_heartbeat_interval=TIMINGS.heartbeat_s,
                stalled_worker_timeout=TIMINGS.stalled_after_s,
                delete_jobs="successful",
            )
        )
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def run_worker(
    database_url: str,
    *,
    concurrency: int = 1,
    queues: list[str] | None = None,
    name: str | None = None,
) -> None:
    """Run one worker process until SIGINT/SIGTERM (graceful: finishes its jobs).

    The caller imports the modules that register job handlers and sets the timings (see
    `pqcplan worker`)."""
    from core.jobs import TIMINGS

    app = queue_app(database_url)
    sessions = _sessionmaker(database_url)

    async def reaper() -> None:
        while True:
            await asyncio.sleep(TIMINGS.reap_every_s)
            try:
                await asyncio.to_thread(reap_stalled, sessions)
            except Exception:
                log.exception("reaping stalled jobs failed; trying again")

    async with app.open_async():
        task = asyncio.create_task(reaper())
        try:
            await app.run_worker_async(
                queues=queues,
                concurrency=concurrency,
                name=name,
                update_heartbeat_interval=TIMINGS.heartbeat_s,
                stalled_worker_timeout=TIMINGS.stalled_after_s,
                delete_jobs="successful",
            )
        finally:
            task.cancel()
