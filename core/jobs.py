"""Jobs: one function starts a job, whichever runner runs it.

A job is a row (`Job`) plus a handler registered for its kind (`job_kind`). The faces call
`submit` (kind, params, private payload, per-organization limit), which calls `start_job`:
that adds the job to the caller's transaction; the embedded default (SQLite) runs it on an
in-process thread pool once that transaction commits; the scaled mode (PostgreSQL) defers
it to procrastinate in the same transaction (see `core.job_queue`), and `pqcplan worker`
processes run it. Nothing above `start_job` knows which.

Every attempt goes through `run_attempt`:

- it claims the row (queued -> running, ``attempt`` + 1); a cancelled job never starts;
- the handler's work commits through `JobContext.sessions`, whose transactions commit only
  while this attempt still owns the row and mark ``work_committed`` in the same transaction,
  so the work lands at most once, and a cancelled or superseded attempt rolls back;
- progress writes, also fenced, are where a running job notices it was cancelled;
- success is recorded only after the work committed; a result that cannot be stored fails
  the job with the reason. Status writes wait out a busy database.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import event, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from core.choices import Role
from core.db import is_busy
from core.models import Job, JobStatus
from core.tenancy import Principal

log = logging.getLogger(__name__)

ProgressFn = Callable[[float, str], None]
JobFn = Callable[[ProgressFn], dict[str, Any]]
BUSY_PATIENCE_S = 60.0
"""How long status writes keep retrying while the database is busy."""


class JobLimitReached(RuntimeError):
    """The organization already runs as many jobs of this kind as it may: retry later."""

    retry_after_s = 10

    def __init__(self, kind: str, limit: int) -> None:
        super().__init__(
            f"your organization already runs {limit} {kind} jobs; wait for one to finish"
        )
        self.kind, self.limit = kind, limit


class JobCancelled(RuntimeError):
    """The job was cancelled (or another attempt took it over): stop and commit nothing."""


def active_jobs(session: Session, organization_id: int, kind: str) -> int:
    """Queued or running jobs of one kind; on PostgreSQL the count holds until commit.

    A transaction-scoped advisory lock per (organization, kind) makes "count, then insert
    the job" atomic across every API process, so a per-organization limit holds globally.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
            {"k": f"pqcplan-jobs:{organization_id}:{kind}"},
        )
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


# --------------------------------------------------------------------------------------
# Handlers: one per job kind, the same on both runners


class FencedSessions:
    """`sessionmaker`-like: ``begin()`` commits only while the attempt still owns its job."""

    def __init__(self, sessions: sessionmaker[Session], job_id: int, attempt: int) -> None:
        self.plain = sessions
        """Unfenced sessions, for reads before the work (never for the work's writes)."""
        self.job_id = job_id
        self.attempt = attempt

    @contextmanager
    def begin(self) -> Iterator[Session]:
        with self.plain.begin() as session:
            yield session
            session.flush()
            owned = session.execute(
                update(Job)
                .where(
                    Job.id == self.job_id,
                    Job.status == JobStatus.RUNNING,
                    Job.attempt == self.attempt,
                )
                .values(work_committed=True)
            ).rowcount
            if owned != 1:
                raise JobCancelled(f"job {self.job_id} was cancelled; its work is rolled back")


@dataclass(frozen=True)
class JobContext:
    sessions: FencedSessions
    job_id: int
    organization_id: int
    created_by: str
    params: dict[str, Any]
    payload: dict[str, Any] = field(default_factory=dict)
    """Private arguments (uploaded bytes, a caller's identity): not shown on the job."""
    attempt: int = 1


def caller(principal: Principal) -> dict[str, Any]:
    """Who started a job, for the job's private payload (its audit entries name them)."""
    return {
        "organization_id": principal.organization_id,
        "role": principal.role.value,
        "name": principal.name,
        "api_key_id": principal.api_key_id,
    }


def principal_from(data: dict[str, Any]) -> Principal:
    return Principal(
        organization_id=data["organization_id"],
        role=Role(data["role"]),
        name=data["name"],
        api_key_id=data.get("api_key_id"),
    )


Handler = Callable[[JobContext, ProgressFn], dict[str, Any]]
_HANDLERS: dict[str, Handler] = {}


def job_kind(kind: str) -> Callable[[Handler], Handler]:
    """Register the handler that runs jobs of ``kind`` (in any process that imports it)."""

    def register(handler: Handler) -> Handler:
        _HANDLERS[kind] = handler
        return handler

    return register


def handler_for(kind: str) -> Handler:
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise LookupError(f"no handler for job kind {kind!r} in this process") from None


# --------------------------------------------------------------------------------------
# Starting a job


class JobBackend(Protocol):
    def enqueue(self, session: Session, job: Job, payload: dict[str, Any]) -> None:
        """Make the job run once ``session``'s transaction commits (and never if not)."""
        ...

    def recover(self) -> int: ...

    def shutdown(self) -> None: ...


def start_job(
    backend: JobBackend, session: Session, job: Job, payload: dict[str, Any] | None = None
) -> int:
    """The one way to start a job: add ``job`` to the caller's transaction; returns its id.

    The job runs after that transaction commits; if it rolls back, the job never existed.
    """
    if job.id is None:
        session.add(job)
        session.flush()
    backend.enqueue(session, job, payload or {})
    return job.id


def submit(
    backend: JobBackend,
    session: Session,
    principal: Principal,
    organization_id: int,
    kind: str,
    params: dict[str, Any],
    *,
    private: dict[str, Any] | None = None,
    limit: int | None = None,
) -> Job:
    """Start a job of ``kind`` for an organization, on behalf of ``principal``.

    The one entry for the faces (API, web console, CLI): ``params`` are shown on the job;
    ``private`` arguments (uploaded bytes...) travel with it unseen, together with who
    started it (read back with `principal_from(ctx.payload["principal"])`). With ``limit``,
    `JobLimitReached` when the organization already has that many of this kind queued or
    running. The job runs once the caller's transaction commits.
    """
    if limit is not None and active_jobs(session, organization_id, kind) >= limit:
        raise JobLimitReached(kind, limit)
    job = Job(organization_id=organization_id, kind=kind, created_by=principal.name, params=params)
    start_job(backend, session, job, {**(private or {}), "principal": caller(principal)})
    return job


# --------------------------------------------------------------------------------------
# One attempt


def _set_patiently(sessions: sessionmaker[Session], job_id: int, *where: Any, **values: Any) -> int:
    """Update the job row (if ``where`` holds), retried while the database is busy."""
    deadline = time.monotonic() + BUSY_PATIENCE_S
    delay = 0.05
    while True:
        try:
            with sessions.begin() as session:
                stmt = update(Job).where(Job.id == job_id, *where).values(**values)
                return session.execute(stmt).rowcount or 0
        except Exception as exc:
            if not is_busy(exc) or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


def _reason(exc: BaseException, what: str = "") -> dict[str, Any]:
    reason = f"{type(exc).__name__}: {exc}"
    return {
        "error": (f"{what}: {reason}" if what else reason)[:4000],
        "message": traceback.format_exception_only(exc)[-1].strip()[:500],
    }


def _claim(sessions: sessionmaker[Session], job_id: int) -> Any:
    """queued -> running with the next attempt number (None if not queued); waits if busy."""
    deadline = time.monotonic() + BUSY_PATIENCE_S
    delay = 0.05
    while True:
        try:
            with sessions.begin() as session:
                return session.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
                    .values(
                        status=JobStatus.RUNNING,
                        started_at=datetime.now(UTC),
                        attempt=Job.attempt + 1,
                    )
                    .returning(
                        Job.attempt, Job.kind, Job.organization_id, Job.created_by, Job.params
                    )
                ).one_or_none()
        except Exception as exc:
            if not is_busy(exc) or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


def run_attempt(
    sessions: sessionmaker[Session],
    job_id: int,
    payload: dict[str, Any] | None = None,
    fn: Callable[[JobContext], JobFn] | None = None,
) -> str:
    """Run one attempt of a job; returns its final status (or "skipped" if not queued)."""
    try:
        row = _claim(sessions, job_id)
    except Exception as exc:
        _set_patiently(
            sessions, job_id, Job.status == JobStatus.QUEUED,
            status=JobStatus.FAILED, finished_at=datetime.now(UTC),
            **_reason(exc, "it could not start"),
        )  # fmt: skip
        return "failed"
    if row is None:
        return "skipped"  # cancelled before it started, or another attempt has it
    attempt, kind, org_id, created_by, params = row
    owned = (Job.status == JobStatus.RUNNING, Job.attempt == attempt)
    ctx = JobContext(
        FencedSessions(sessions, job_id, attempt), job_id, org_id, created_by,
        params or {}, payload or {}, attempt,
    )  # fmt: skip
    last = 0.0

    def progress(fraction: float, message: str) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < 0.25 and fraction < 1.0:
            return
        last = now
        try:
            with sessions.begin() as session:
                n = session.execute(
                    update(Job)
                    .where(Job.id == job_id, *owned)
                    .values(progress=max(0.0, min(1.0, fraction)), message=message[:500])
                ).rowcount
        except Exception as exc:
            if not is_busy(exc):
                raise
            return  # progress is advisory: skip this update rather than wait or fail
        if n != 1:
            raise JobCancelled(f"job {job_id} was cancelled")

    try:
        work = fn(ctx) if fn is not None else (lambda p: handler_for(kind)(ctx, p))
        result = work(progress)  # commits its own work (fenced) before it returns
    except JobCancelled:
        return "cancelled"
    except Exception as exc:  # the job's own failure is its result, not the server's
        try:
            _set_patiently(
                sessions, job_id, *owned,
                status=JobStatus.FAILED, finished_at=datetime.now(UTC), **_reason(exc),
            )  # fmt: skip
        except Exception:
            log.exception("job %s: could not record its failure", job_id)
        return "failed"
    values = {"progress": 1.0, "finished_at": datetime.now(UTC), "message": "done"}
    try:
        _set_patiently(
            sessions, job_id, *owned, status=JobStatus.SUCCEEDED, result=result, **values
        )
    except Exception as exc:
        try:
            _set_patiently(
                sessions, job_id, *owned, status=JobStatus.FAILED,
                finished_at=values["finished_at"], **_reason(exc, "its result could not be stored"),
            )  # fmt: skip
        except Exception:
            log.exception("job %s: could not record its failure", job_id)
        return "failed"
    return "succeeded"


def cancel_job(session: Session, job: Job) -> bool:
    """Cancel a queued or running job in the caller's transaction; False if already over.

    A running attempt notices at its next progress write, and its work cannot commit.
    """
    n = session.execute(
        update(Job)
        .where(Job.id == job.id, Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)))
        .values(
            status=JobStatus.CANCELLED,
            finished_at=datetime.now(UTC),
            message="cancelled",
            error="cancelled on request",
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(job)
    return n == 1


# --------------------------------------------------------------------------------------
# The embedded runner: a thread pool in this process


_PENDING = "pqcplan_pending_jobs"


@event.listens_for(Session, "after_commit")
def _start_pending(session: Session) -> None:
    for runner, job_id, payload in session.info.pop(_PENDING, []):
        runner.submit_attempt(job_id, payload)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        session.info.pop(_PENDING, None)


class JobRunner:
    """In-process runner (the embedded default): jobs run on this process's threads."""

    def __init__(self, sessions: sessionmaker[Session], max_workers: int = 2) -> None:
        self._sessions = sessions
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="pqcplan-job")
        self._futures: dict[int, Future[str]] = {}
        self._lock = threading.Lock()

    def enqueue(self, session: Session, job: Job, payload: dict[str, Any]) -> None:
        session.info.setdefault(_PENDING, []).append((self, job.id, payload))

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

    def submit_attempt(self, job_id: int, payload: dict[str, Any]) -> None:
        self._track(job_id, self._pool.submit(run_attempt, self._sessions, job_id, payload))

    def submit(self, job_id: int, fn: JobFn) -> None:
        """Run a committed job row with an ad-hoc function (tests, one-off tools)."""
        future = self._pool.submit(run_attempt, self._sessions, job_id, None, lambda _ctx: fn)
        self._track(job_id, future)

    def _track(self, job_id: int, future: Future[str]) -> None:
        with self._lock:
            self._futures[job_id] = future

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        with self._lock:
            future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout=timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
