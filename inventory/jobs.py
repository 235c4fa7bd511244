"""Run jobs in-process on a small thread pool, recording status and progress in the database.

The embedded default needs no queue server: a job is a row plus a function. Progress
writes are throttled and each runs in its own short transaction, so readers see them at
once. A job is marked succeeded only after its function has returned, and a job function
commits its own work before it returns; status writes wait out a busy database, and a
result that cannot be stored fails the job with the reason. Jobs left running by a
process that died are marked failed at start-up.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from inventory.db import is_busy
from inventory.models import Job, JobStatus

log = logging.getLogger(__name__)

ProgressFn = Callable[[float, str], None]
JobFn = Callable[[ProgressFn], dict[str, Any]]


class JobLimitReached(RuntimeError):
    """The organization already runs as many jobs of this kind as it may."""


def active_jobs(session: Session, organization_id: int, kind: str) -> int:
    return (
        session.scalar(
            select(func.count(Job.id)).where(
                Job.organization_id == organization_id,
                Job.kind == kind,
                Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
            )
        )
        or 0
    )


class JobRunner:
    BUSY_PATIENCE_S = 60.0
    """How long status writes keep retrying while the database is busy."""

    def __init__(self, sessions: sessionmaker[Session], max_workers: int = 2) -> None:
        self._sessions = sessions
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="pqcplan-job")
        self._futures: dict[int, Future[None]] = {}
        self._lock = threading.Lock()

    def recover(self) -> int:
        """Mark jobs a dead process left queued or running as failed; returns how many."""
        with self._sessions.begin() as session:
            result = session.execute(
                update(Job)
                .where(Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)))
                .values(
                    status=JobStatus.FAILED,
                    error="interrupted: the server stopped",
                    finished_at=datetime.now(UTC),
                )
            )
            return result.rowcount or 0

    def submit(self, job_id: int, fn: JobFn) -> None:
        future = self._pool.submit(self._run, job_id, fn)
        with self._lock:
            self._futures[job_id] = future

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        with self._lock:
            future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout=timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)

    def _set(self, job_id: int, **values: Any) -> None:
        with self._sessions.begin() as session:
            session.execute(update(Job).where(Job.id == job_id).values(**values))

    def _set_patiently(self, job_id: int, **values: Any) -> None:
        """``_set``, retried while the database is busy (for a bounded time)."""
        deadline = time.monotonic() + self.BUSY_PATIENCE_S
        delay = 0.05
        while True:
            try:
                self._set(job_id, **values)
                return
            except Exception as exc:
                if not is_busy(exc) or time.monotonic() + delay > deadline:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def _finish(self, job_id: int, result: dict[str, Any]) -> None:
        """Record success; if that cannot be committed, the job fails and says why."""
        try:
            self._set_patiently(
                job_id,
                status=JobStatus.SUCCEEDED,
                progress=1.0,
                result=result,
                finished_at=datetime.now(UTC),
                message="done",
            )
        except Exception as exc:
            self._fail(job_id, exc, "its result could not be stored")

    def _fail(self, job_id: int, exc: BaseException, what: str = "") -> None:
        reason = f"{type(exc).__name__}: {exc}"
        try:
            self._set_patiently(
                job_id,
                status=JobStatus.FAILED,
                finished_at=datetime.now(UTC),
                error=(f"{what}: {reason}" if what else reason)[:4000],
                message=traceback.format_exception_only(exc)[-1].strip()[:500],
            )
        except Exception:
            # The database refuses even the failure; recover() marks it at the next start.
            log.exception("job %s: could not record its failure", job_id)

    def _run(self, job_id: int, fn: JobFn) -> None:
        try:
            self._set_patiently(job_id, status=JobStatus.RUNNING, started_at=datetime.now(UTC))
        except Exception as exc:
            self._fail(job_id, exc, "it could not start")
            return
        last = 0.0

        def progress(fraction: float, message: str) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= 0.25 or fraction >= 1.0:
                last = now
                try:
                    self._set(job_id, progress=max(0.0, min(1.0, fraction)), message=message[:500])
                except Exception as exc:
                    if not is_busy(exc):
                        raise
                    # progress is advisory: skip this update rather than wait or fail

        try:
            result = fn(progress)  # commits its own work before it returns
        except Exception as exc:  # the job's own failure is its result, not the server's
            self._fail(job_id, exc)
        else:
            self._finish(job_id, result)
