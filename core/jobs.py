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
  the job with the reason. Status writes wait out a busy database; work that meets a busy
  database (and committed nothing) is tried again with backoff, and a job fails with a
  sentence a person can act on, never a driver's message or SQL.

A job's private arguments (who started it, uploaded bytes) live in `job_payloads` beside
the job row, not in the queue entry, and are deleted when the job is over. The embedded
runner stamps the jobs it runs with its process (`owner`) and a heartbeat, so another
process on the same SQLite file recovers only the jobs whose runner is gone. Timings are
`JobTimings`, set once per process from the settings (`configure`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import delete, event, func, select, text, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from core.choices import Role
from core.db import READ_ONLY, describe_refusal, is_busy
from core.i18n import N_, say
from core.models import Job, JobPayload, JobStatus
from core.tenancy import Principal

log = logging.getLogger(__name__)

ProgressFn = Callable[[float, str], None]
JobFn = Callable[[ProgressFn], dict[str, Any]]


@dataclass(frozen=True)
class JobTimings:
    """How jobs wait, beat and give up (settings `JOB_*`, see `app.settings`)."""

    busy_patience_s: float = 60.0
    """How long a status write, or a job's work, keeps retrying a busy database."""
    heartbeat_s: float = 2.0
    """How often a runner says it is alive (workers to the queue, the embedded runner to
    its jobs' rows)."""
    stalled_after_s: float = 8.0
    """Silence after which a worker's attempt is presumed dead and retried (queue)."""
    orphaned_after_s: float = 120.0
    """Silence after which the embedded runner on another machine is presumed gone (a
    runner on this machine is checked directly: its process exists or not)."""
    reap_every_s: float = 3.0
    """How often workers, and the embedded runner, look for attempts to retry or fail."""
    max_attempts: int = 3
    """Attempts of a job whose worker died (then it fails, saying why)."""


TIMINGS = JobTimings()


def configure(timings: JobTimings) -> None:
    """Set this process's job timings (once, at start-up, from the settings)."""
    global TIMINGS
    TIMINGS = timings


#: job kinds with a limit per organization, as a sentence names them
JOB_KINDS = {"benchmark": N_("benchmark")}


class JobLimitReached(RuntimeError):
    """The organization already runs as many jobs of this kind as it may: retry later."""

    retry_after_s = 10

    def __init__(self, kind: str, limit: int) -> None:
        super().__init__(
            say(
                N_("your organization already runs {limit} {kind} jobs; wait for one to finish"),
                limit=limit,
                kind=say(JOB_KINDS[kind]) if kind in JOB_KINDS else kind,
            )
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
    """Private arguments (a caller's identity, a request body): not shown on the job."""
    attempt: int = 1
    content: bytes | None = None
    """Private bytes (an uploaded file), stored as they are."""


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
    content: bytes | None = None,
    limit: int | None = None,
) -> Job:
    """Start a job of ``kind`` for an organization, on behalf of ``principal``.

    The one entry for the faces (API, web console, CLI): ``params`` are shown on the job;
    ``private`` arguments and ``content`` (uploaded bytes) are kept unseen in `job_payloads`
    with who started it (read back as ``ctx.payload``, ``ctx.content`` and
    `principal_from(ctx.payload["principal"])`). With ``limit``, `JobLimitReached` when the
    organization already has that many of this kind queued or running. The job runs once
    the caller's transaction commits.
    """
    if limit is not None and active_jobs(session, organization_id, kind) >= limit:
        raise JobLimitReached(kind, limit)
    job = Job(organization_id=organization_id, kind=kind, created_by=principal.name, params=params)
    session.add(job)
    session.flush()
    stored = {**(private or {}), "principal": caller(principal)}
    session.add(JobPayload(job_id=job.id, private=stored, content=content))
    start_job(backend, session, job)  # the queue entry names the job only
    return job


# --------------------------------------------------------------------------------------
# One attempt


def patiently(work: Callable[[], Any], patience_s: float | None = None) -> Any:
    """``work()``, tried again with backoff (50 ms doubling to 1 s) while the database is
    busy, for at most ``patience_s`` (default `JobTimings.busy_patience_s`)."""
    deadline = time.monotonic() + (TIMINGS.busy_patience_s if patience_s is None else patience_s)
    delay = 0.05
    while True:
        try:
            return work()
        except Exception as exc:
            if not is_busy(exc) or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


def _set_patiently(sessions: sessionmaker[Session], job_id: int, *where: Any, **values: Any) -> int:
    """Update the job row (if ``where`` holds), retried while the database is busy; a job
    that is over no longer needs its private payload, which goes in the same transaction."""

    def write() -> int:
        with sessions.begin() as session:
            stmt = update(Job).where(Job.id == job_id, *where).values(**values)
            n = session.execute(stmt).rowcount or 0
            if n and values.get("status") in _OVER:
                forget_payload(session, job_id)
            return n

    # a job's record outlasts its work's patience: a job that gave up still says so
    return int(patiently(write, max(TIMINGS.busy_patience_s, STATUS_PATIENCE_S)))


STATUS_PATIENCE_S = 60.0
"""The least time a job's status write waits out a busy database."""


_OVER = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


def forget_payload(session: Session, job_id: int) -> None:
    """Delete a finished job's private payload (its starter, uploaded bytes)."""
    session.execute(delete(JobPayload).where(JobPayload.job_id == job_id))


def _forget_now(sessions: sessionmaker[Session], job_id: int) -> None:
    with sessions.begin() as session:
        forget_payload(session, job_id)


# What a failed job's record says (in English; a page reads it back by these templates)
BUSY_FAILURE = N_(
    "the database stayed busy (other writers held it) for longer than {seconds} s; nothing "
    "was stored: start the job again, or when the server is less busy"
)
REFUSED_FAILURE = N_("{refusal}; nothing was stored")
DATABASE_FAILURE = N_("the database refused the work; nothing was stored (the server log says why)")
CANCELLED = N_("cancelled on request")
INTERRUPTED = N_("interrupted: the server process running it stopped; start it again")
NOT_STARTED = N_("it could not start")
NOT_STORED = N_("its result could not be stored")
JOB_STEPS = (NOT_STARTED, NOT_STORED)  # what led to a failure, before its reason
FAILURES = (BUSY_FAILURE, REFUSED_FAILURE, DATABASE_FAILURE, CANCELLED, INTERRUPTED, *JOB_STEPS)


def explain(exc: BaseException, what: str = "") -> str:
    """Why a job failed, in words a person can act on: a database error is described, never
    quoted (its text names tables, constraints and SQL; the log keeps it)."""
    if is_busy(exc):
        reason = BUSY_FAILURE.format(seconds=f"{TIMINGS.busy_patience_s:g}")
    elif isinstance(exc, sa_exc.IntegrityError | sa_exc.DataError):
        reason = say(REFUSED_FAILURE, refusal=describe_refusal(exc))
    elif isinstance(exc, sa_exc.SQLAlchemyError):
        reason = DATABASE_FAILURE
    else:
        reason = str(exc) or type(exc).__name__
    return f"{what}: {reason}" if what else reason


def _reason(exc: BaseException, what: str = "") -> dict[str, Any]:
    if isinstance(exc, sa_exc.SQLAlchemyError):
        log.warning("job failed on a database error: %s", exc)
    text_ = explain(exc, what)
    return {"error": text_[:4000], "message": text_[:500]}


def _claim(sessions: sessionmaker[Session], job_id: int) -> Any:
    """queued -> running with the next attempt number (None if not queued); waits if busy."""

    def claim() -> Any:
        with sessions.begin() as session:
            return session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
                .values(
                    status=JobStatus.RUNNING,
                    started_at=datetime.now(UTC),
                    attempt=Job.attempt + 1,
                )
                .returning(Job.attempt, Job.kind, Job.organization_id, Job.created_by, Job.params)
            ).one_or_none()

    return patiently(claim)


def _stored_payload(sessions: sessionmaker[Session], job_id: int) -> tuple[dict[str, Any], Any]:
    def read() -> tuple[dict[str, Any], Any]:
        with sessions(execution_options=READ_ONLY) as session:
            row = session.get(JobPayload, job_id)
            return ({}, None) if row is None else (dict(row.private), row.content)

    return patiently(read)


def run_attempt(
    sessions: sessionmaker[Session],
    job_id: int,
    payload: dict[str, Any] | None = None,
    fn: Callable[[JobContext], JobFn] | None = None,
) -> str:
    """Run one attempt of a job; returns its final status (or "skipped" if not queued).

    ``payload`` None: the job's private arguments are read from `job_payloads` (queue
    entries made before migration 0015 carry them instead)."""
    try:
        row = _claim(sessions, job_id)
    except Exception as exc:
        _set_patiently(
            sessions, job_id, Job.status == JobStatus.QUEUED,
            status=JobStatus.FAILED, finished_at=datetime.now(UTC),
            **_reason(exc, NOT_STARTED),
        )  # fmt: skip
        return "failed"
    if row is None:
        return "skipped"  # cancelled before it started, or another attempt has it
    attempt, kind, org_id, created_by, params = row
    owned = (Job.status == JobStatus.RUNNING, Job.attempt == attempt)
    content = None
    if payload is None:
        payload, content = _stored_payload(sessions, job_id)
    ctx = JobContext(
        FencedSessions(sessions, job_id, attempt), job_id, org_id, created_by,
        params or {}, payload, attempt, content,
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
        result = _work_patiently(sessions, job_id, lambda: work(progress))
    except JobCancelled:
        patiently(lambda: _forget_now(sessions, job_id))  # over: nobody reads it again
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
                finished_at=values["finished_at"], **_reason(exc, NOT_STORED),
            )  # fmt: skip
        except Exception:
            log.exception("job %s: could not record its failure", job_id)
        return "failed"
    return "succeeded"


def _work_patiently(sessions: sessionmaker[Session], job_id: int, work: JobFn) -> Any:
    """The job's work (it commits itself, fenced), done again with backoff while it meets a
    busy database, as long as nothing of it has committed; then its busy error stands."""

    def committed() -> bool:
        with sessions(execution_options=READ_ONLY) as session:
            return bool(session.scalar(select(Job.work_committed).where(Job.id == job_id)))

    deadline = time.monotonic() + TIMINGS.busy_patience_s
    delay = 0.5
    while True:
        try:
            return work()
        except Exception as exc:
            if not is_busy(exc) or time.monotonic() + delay > deadline or committed():
                raise
            log.info("job %s met a busy database; trying again in %.1f s", job_id, delay)
        time.sleep(delay)
        delay = min(delay * 2, 8.0)


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
            error=CANCELLED,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if n == 1 and job.status is JobStatus.QUEUED:  # a running attempt forgets it itself
        forget_payload(session, job.id)
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


def _process_start(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot; Linux), None if unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return None


def process_owner() -> str:
    """This process as a job owner: "host:pid:start" (the start tells a reused pid apart)."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_process_start(pid) or ''}"[:120]


def owner_alive(owner: str) -> bool | None:
    """Whether the process an owner names still runs; None when it is another machine's.

    >>> owner_alive(process_owner()), owner_alive("elsewhere:1:1")
    (True, None)
    """
    host, pid_text, start = [*owner.rsplit(":", 2), "", ""][:3]
    if host != socket.gethostname():
        return None
    if not pid_text.isdigit() or int(pid_text) <= 0:
        return False
    running_since = _process_start(int(pid_text))
    if running_since is not None:  # the same pid, and the same process (not a reuse)?
        return not start or running_since == start
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user's process
        return True
    return True


class JobRunner:
    """In-process runner (the embedded default): jobs run on this process's threads.

    It stamps each job it will run with its process (`process_owner`) and, while it has
    jobs, beats on their rows every `JobTimings.heartbeat_s`. `recover` (at start-up and
    every `reap_every_s`) fails the queued and running jobs of runners that are gone: a
    process on this machine that no longer exists, one elsewhere silent for
    `orphaned_after_s`, or a job from before migration 0015 that names no runner (at
    start-up only). Another process's live jobs on the same SQLite file are left alone.
    """

    def __init__(self, sessions: sessionmaker[Session], max_workers: int = 2) -> None:
        self._sessions = sessions
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="pqcplan-job")
        self._futures: dict[int, Future[str]] = {}
        self._lock = threading.Lock()
        self.owner = process_owner()
        self._stop = threading.Event()
        self._beater: threading.Thread | None = None
        self._started_up = False

    def enqueue(self, session: Session, job: Job, payload: dict[str, Any]) -> None:
        job.owner, job.heartbeat_at = self.owner, datetime.now(UTC)
        session.info.setdefault(_PENDING, []).append((self, job.id, payload or None))
        self._start_beating()

    def recover(self) -> int:
        """Fail the jobs whose runner is gone (see the class); returns how many."""
        first = not self._started_up
        self._started_up = True
        self._start_beating()
        return self._reap(include_unowned=first)

    def _reap(self, *, include_unowned: bool = False) -> int:
        active = Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING))
        with self._sessions(execution_options=READ_ONLY) as session:
            candidates = session.execute(
                select(Job.id, Job.owner, Job.heartbeat_at).where(active)
            ).all()
        silent_since = datetime.now(UTC).timestamp() - TIMINGS.orphaned_after_s
        gone = []
        for job_id, owner, beat in candidates:
            if owner is None:
                if include_unowned:
                    gone.append(job_id)
                continue
            if owner == self.owner:
                continue
            alive = owner_alive(owner)
            silent = beat is None or beat.timestamp() < silent_since
            if alive is False or (alive is None and silent):
                gone.append(job_id)
        failed = 0
        for job_id in gone:
            failed += _set_patiently(
                self._sessions, job_id, active,
                status=JobStatus.FAILED, finished_at=datetime.now(UTC),
                error=INTERRUPTED,
                message="interrupted: the server process running it stopped",
            )  # fmt: skip
        return failed

    def _start_beating(self) -> None:
        with self._lock:
            if self._beater is None and not self._stop.is_set():
                self._beater = threading.Thread(
                    target=self._beat, name="pqcplan-job-heartbeat", daemon=True
                )
                self._beater.start()

    def _beat(self) -> None:
        last_reap = time.monotonic()
        while not self._stop.wait(TIMINGS.heartbeat_s):
            try:
                with self._lock:
                    busy = any(not f.done() for f in self._futures.values())
                if busy:
                    with self._sessions.begin() as session:
                        session.execute(
                            update(Job)
                            .where(
                                Job.owner == self.owner,
                                Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
                            )
                            .values(heartbeat_at=datetime.now(UTC))
                        )
                if time.monotonic() - last_reap >= TIMINGS.reap_every_s:
                    last_reap = time.monotonic()
                    self._reap()
            except Exception as exc:  # a busy database or a closed engine: beat again later
                log.debug("job heartbeat skipped: %s", exc)

    def submit_attempt(self, job_id: int, payload: dict[str, Any] | None) -> None:
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
        self._stop.set()
        self._pool.shutdown(wait=True, cancel_futures=False)
        if self._beater is not None:
            self._beater.join(timeout=TIMINGS.heartbeat_s + 1)
