"""Engine and session factory. SQLite is the embedded default; PostgreSQL works by URL.

SQLite allows one writer at a time. A transaction that reads first and writes later cannot
wait for the write lock: when another connection committed in between, SQLite answers
"database is locked" at once (SQLITE_BUSY_SNAPSHOT), whatever the busy timeout. So on
SQLite every transaction begins explicitly: writers with ``BEGIN IMMEDIATE``, which takes
the write lock up front and waits for it (busy timeout, across threads and processes
alike), readers with ``BEGIN DEFERRED`` (see ``READ_ONLY``), which never wait under WAL.
Sessions write by default; pass ``execution_options=READ_ONLY`` for a session that only
reads. The driver's own implicit transactions are switched off so that nothing runs
outside the transaction SQLAlchemy began.

SQLite's busy wait polls (sleeps of up to 100 ms between tries), so many threads of one
process waiting for the write lock leave it idle most of the time. Writers of one process
therefore first queue on a per-file lock of that process (``_WriterGate``) and are handed
the write lock at once; the busy timeout still arbitrates between processes. Writers of an
event loop (API requests) first wait for their turn on the loop (``write_turn``), without
taking a worker thread: see ``_WriterGate`` for the stall that prevents.
"""

from __future__ import annotations

import contextvars
import logging
import os
import sqlite3
import sys
import threading
import time
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager, nullcontext
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from core.i18n import N_, Said, say
from core.private_files import prepare_sqlite_file

SQLITE_BUSY_TIMEOUT_S = 10.0
"""How long a SQLite writer waits for the write lock (override with ``?timeout=`` in the URL)."""

SQLITE_POOL_SIZE = 16
SQLITE_MAX_OVERFLOW = 64  # more than the server's worker threads: nobody waits for a connection

PG_POOL_SIZE = 20
"""Connections one process keeps to PostgreSQL, and the most it opens: kept, not overflow,
so a busy API (more request threads than that) waits for a pooled connection instead of
opening and closing one per request (a new PostgreSQL backend each time)."""

READ_ONLY: dict[str, Any] = {"sqlite_begin": "DEFERRED"}
"""Execution options for a session that only reads (a plain ``BEGIN`` on SQLite)."""

RETRY_AFTER_S = 2
"""What a 503 for a busy database tells the client to wait before retrying."""


def normalize_url(url: str) -> str:
    """Route plain `postgresql://` URLs to psycopg 3, the driver this project installs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # no implicit BEGIN: _sqlite_begin emits it
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


log = logging.getLogger(__name__)

GATE_STALL_REPORT_S = 1.0
"""A writer that waits this long for its turn logs who holds the gate and where it is."""


@dataclass
class GateStats:
    """What one process's writer gate saw since start-up (``/metrics`` shows it).

    ``longest_hold_s`` and ``longest_holder``: the longest time one transaction held the
    gate, and where that transaction began. ``timeouts``: writers that waited the whole
    busy timeout for the gate and were refused ("database is locked"); ``held_s``: all
    holds together (over ``writes``, the mean hold). ``most_waiting``: the most threads
    ever blocked on the gate at once (request writers wait for their turn in
    :meth:`_WriterGate.turn` without a thread, so only one of them, plus writers outside
    requests such as jobs). The ``turn_`` figures are that asynchronous wait's."""

    writes: int = 0
    held_s: float = 0.0
    longest_hold_s: float = 0.0
    longest_holder: str = ""
    longest_wait_s: float = 0.0
    timeouts: int = 0
    most_waiting: int = 0
    turns: int = 0
    turn_longest_wait_s: float = 0.0
    turn_timeouts: int = 0


class _WriterGate:
    """One writer at a time per SQLite file in this process, handed over without polling.

    It remembers who holds it (thread, since when, where the transaction began), so a
    writer kept waiting longer than :data:`GATE_STALL_REPORT_S` logs the holder and what
    the holder's thread is doing now (once per holder), and it keeps :class:`GateStats`.

    A request's transaction holds the gate across ``await``: FastAPI runs a sync handler
    on a worker thread, then validates its answer on another, then commits (the request
    session's exit) on a third. Writers blocked on the gate each occupy one of the event
    loop's worker threads (anyio's limiter, 40), so enough of them left the holder without
    a thread to validate its answer on, and nothing moved until one of them gave up at the
    busy timeout (issue 24: ~10 s stalls, then a burst of 503s, under 50 clients). So
    request writers first wait for their process's turn with :meth:`turn`, an ``asyncio``
    lock that costs no thread; only the request whose turn it is (and writers outside
    requests, such as jobs, which never await while they hold it) block on the gate.
    (Letting a few writers past their turn at once, so the next one's thread is awake
    when the gate is handed over, measured no better: the gate's mean hold doubled.)"""

    _gates: dict[str, _WriterGate] = {}
    _gates_lock = threading.Lock()

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._lock = threading.Lock()
        self.holder: _Holder | None = None
        self._reported: _Holder | None = None
        self._count_lock = threading.Lock()
        self._waiting: set[int] = set()  # ids of the threads blocked on the gate now
        self.stats = GateStats()
        self._turns: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()

    @classmethod
    def for_file(cls, path: str, timeout: float) -> _WriterGate:
        key = os.path.realpath(os.path.expanduser(path))
        with cls._gates_lock:
            gate = cls._gates.setdefault(key, cls(timeout))
            gate.timeout = max(gate.timeout, timeout)
            return gate

    def enter(self, conn: Connection) -> None:
        if not self._lock.acquire(blocking=False):
            self._wait()
        self.holder = _Holder.here()
        self.stats.writes += 1
        conn.info[_GATE_KEY] = self
        turn = _TURN.get()
        if turn is not None:  # the next request writer may set off for the gate now
            turn.pass_on_threadsafe()

    def _wait(self) -> None:
        me = threading.get_ident()
        started = time.monotonic()
        with self._count_lock:
            self._waiting.add(me)
            self.stats.most_waiting = max(self.stats.most_waiting, len(self._waiting))
        try:
            first_wait = min(GATE_STALL_REPORT_S, self.timeout)
            acquired = self._lock.acquire(timeout=first_wait)
            if not acquired:
                self._report_wait(first_wait)
                acquired = self._lock.acquire(timeout=self.timeout - first_wait)
        finally:
            with self._count_lock:
                self._waiting.discard(me)
        waited = time.monotonic() - started
        self.stats.longest_wait_s = max(self.stats.longest_wait_s, waited)
        if not acquired:
            self.stats.timeouts += 1
            raise _locked(f"no turn to write within {self.timeout:g} s")

    @staticmethod
    def leave(info: dict[Any, Any]) -> None:
        gate = info.pop(_GATE_KEY, None)
        if gate is not None:
            holder, gate.holder = gate.holder, None
            if holder is not None:
                held = time.monotonic() - holder.since
                gate.stats.held_s += held
                if held > gate.stats.longest_hold_s:
                    gate.stats.longest_hold_s = held
                    gate.stats.longest_holder = f"thread {holder.thread_name} at{holder.began_at}"
            gate._lock.release()

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """This event loop's turn to write, waited for without a thread (at most the busy
        timeout, then "database is locked" as the gate itself would say)."""
        import asyncio

        loop = asyncio.get_running_loop()
        lock = self._turns.get(loop)
        if lock is None:
            lock = self._turns[loop] = asyncio.Lock()
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.timeout):
                await lock.acquire()
        except TimeoutError:
            self.stats.turn_timeouts += 1
            raise _locked(f"no turn to write within {self.timeout:g} s") from None
        self.stats.turns += 1
        self.stats.turn_longest_wait_s = max(
            self.stats.turn_longest_wait_s, time.monotonic() - started
        )
        turn = _Turn(loop, lock)
        token = _TURN.set(turn)
        try:
            yield
        finally:
            _TURN.reset(token)
            turn.pass_on()

    def _report_wait(self, waited: float) -> None:
        holder = self.holder
        if holder is None or holder is self._reported:
            return
        self._reported = holder
        frames = sys._current_frames().get(holder.thread_id)
        now = "".join(_where(frames, 12)) if frames is not None else " (thread gone)"
        if holder.thread_id in self._waiting:  # the holder's work is parked on an await
            now = " (not the holder's transaction, which left it holding the gate) waiting" + (
                f" for the gate for another transaction:{now}"
            )
        log.warning(
            "a SQLite writer waited %.1f s for this process's turn to write: held for %.1f s "
            "by a transaction begun on thread %s at%s; that thread is now at:%s",
            waited,
            time.monotonic() - holder.since,
            holder.thread_name,
            holder.began_at,
            now,
        )


class _Turn:
    """A request writer's turn, passed on once: when its transaction takes the gate (from
    the worker thread, through the loop), or when the request is done, whichever is first.
    Passed on at the gate, the next writer wakes its worker thread and waits at the gate
    while this one finishes, instead of only once it has: still one waiter at most."""

    __slots__ = ("_lock", "_loop", "_passed")

    def __init__(self, loop: Any, lock: Any) -> None:
        self._loop, self._lock, self._passed = loop, lock, False

    def pass_on_threadsafe(self) -> None:
        if not self._passed:
            self._passed = True
            self._loop.call_soon_threadsafe(self._lock.release)

    def pass_on(self) -> None:  # on the loop
        if not self._passed:
            self._passed = True
            self._lock.release()


_TURN: contextvars.ContextVar[_Turn | None] = contextvars.ContextVar("pqcplan_turn", default=None)
"""The current request's turn: worker threads run in a copy of the request's context."""


def _locked(why: str) -> sa_exc.OperationalError:
    """The error SQLite's own busy timeout gives, so callers treat both alike (503)."""
    return sa_exc.OperationalError(
        "BEGIN IMMEDIATE", None, sqlite3.OperationalError(f"database is locked ({why})")
    )


class _Holder:
    """Who holds a writer gate: enough to find them in a stall, cheap to record."""

    __slots__ = ("began_at", "since", "thread_id", "thread_name")

    def __init__(self, thread_id: int, thread_name: str, since: float, began_at: str) -> None:
        self.thread_id, self.thread_name = thread_id, thread_name
        self.since, self.began_at = since, began_at

    @classmethod
    def here(cls) -> _Holder:
        thread = threading.current_thread()
        began_at = "".join(_where(sys._getframe(1), 4, project_only=True))
        return cls(thread.ident or 0, thread.name, time.monotonic(), began_at)


def _where(frame: Any, most: int, *, project_only: bool = False) -> list[str]:
    """`` dir/file:line function`` of the innermost ``most`` frames; ``project_only`` keeps
    the project's own (not the standard library, installed packages or this module)."""
    out: list[str] = []
    while frame is not None and len(out) < most:
        path = frame.f_code.co_filename
        if not project_only or (
            "/lib/python" not in path
            and "site-packages" not in path
            and path != __file__
            and not path.startswith("<")  # code SQLAlchemy generates
        ):
            short = "/".join(path.rsplit("/", 2)[-2:])
            out.append(f" {short}:{frame.f_lineno} {frame.f_code.co_name}")
        frame = frame.f_back
    return out


_GATE_KEY = "pqcplan_writer_gate"


def _sqlite_begin(gate: _WriterGate | None) -> Any:
    def begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        if mode not in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE"):
            raise ValueError(f"sqlite_begin must be DEFERRED, IMMEDIATE or EXCLUSIVE: {mode!r}")
        if gate is not None and mode != "DEFERRED":
            gate.enter(conn)
        try:
            conn.exec_driver_sql(f"BEGIN {mode}")
        except BaseException:
            _WriterGate.leave(conn.info)
            raise

    return begin


def _commit_then_leave(conn: Connection) -> None:
    """COMMIT, then hand the gate on (the ``commit`` event fires before SQLAlchemy's own
    commit, which then finds no transaction open and does nothing). Handed on first, the
    next writer's ``BEGIN IMMEDIATE`` could find the write lock still taken and sleep in
    SQLite's busy handler. A failed COMMIT keeps the gate for the rollback that follows."""
    if _GATE_KEY not in conn.info:
        return
    try:
        conn.connection.dbapi_connection.execute("COMMIT")  # type: ignore[union-attr]
    except sqlite3.Error as exc:
        raise sa_exc.DBAPIError.instance("COMMIT", None, exc, sqlite3.Error) from exc
    _WriterGate.leave(conn.info)


def _rollback_then_leave(conn: Connection) -> None:
    if _GATE_KEY not in conn.info:
        return
    try:
        conn.connection.dbapi_connection.execute("ROLLBACK")  # type: ignore[union-attr]
    except sqlite3.Error:
        pass  # no transaction left to end (SQLite ended it); the driver's rollback follows
    finally:
        _WriterGate.leave(conn.info)


def _leave_gate_pool(_dbapi_connection: Any, record: Any, *_: Any) -> None:
    if record is not None:
        _WriterGate.leave(record.info)  # a connection returned or dropped mid-transaction


def create_db_engine(url: str) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            prepare_sqlite_file(Path(parsed.database))  # 0600: it holds secrets
        connect_args: dict[str, Any] = {"check_same_thread": False}
        timeout = float(parsed.query.get("timeout", SQLITE_BUSY_TIMEOUT_S))  # type: ignore[arg-type]
        connect_args["timeout"] = timeout  # sqlite3_busy_timeout, between processes
        pool: dict[str, Any] = {}
        gate = None
        if parsed.database and parsed.database != ":memory:":
            pool = {"pool_size": SQLITE_POOL_SIZE, "max_overflow": SQLITE_MAX_OVERFLOW}
            gate = _WriterGate.for_file(parsed.database, timeout)
        engine = create_engine(url, connect_args=connect_args, **pool)
        if gate is not None:
            _ENGINE_GATES[engine] = gate
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin(gate))
        event.listen(engine, "commit", _commit_then_leave)  # fires before SQLAlchemy's own
        event.listen(engine, "rollback", _rollback_then_leave)
        for name in ("checkin", "invalidate", "close"):
            event.listen(engine.pool, name, _leave_gate_pool)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=PG_POOL_SIZE, max_overflow=0)


_ENGINE_GATES: weakref.WeakKeyDictionary[Engine, _WriterGate] = weakref.WeakKeyDictionary()


def _gate_of(bind: Engine | sessionmaker[Session]) -> _WriterGate | None:
    engine = bind.kw.get("bind") if isinstance(bind, sessionmaker) else bind
    return _ENGINE_GATES.get(engine) if engine is not None else None


def write_turn(bind: Engine | sessionmaker[Session]) -> AbstractAsyncContextManager[None]:
    """``async with write_turn(sessions):`` around work of a request that writes, on the event
    loop: it waits, without taking a worker thread, until no other request of this process
    writes to the same SQLite file (see :class:`_WriterGate`), and refuses like a busy
    database after the busy timeout. Nothing to wait for on PostgreSQL or ``:memory:``."""
    gate = _gate_of(bind)
    return gate.turn() if gate is not None else nullcontext()


def gate_stats(bind: Engine | sessionmaker[Session]) -> GateStats | None:
    """This process's writer gate figures for the engine's SQLite file (None on PostgreSQL)."""
    gate = _gate_of(bind)
    return gate.stats if gate is not None else None


_PRESENT: weakref.WeakKeyDictionary[Engine, set[str]] = weakref.WeakKeyDictionary()


def table_present(session: Session, name: str) -> bool:
    """Whether the session's database has the table (a virtual one too). Looked up until
    it is there, then known for the engine: tables appear with upgrades (a database at an
    older revision lacks a later one's), and a lookup on every use would be a query on
    every search or write."""
    engine = session.get_bind().engine
    known = _PRESENT.setdefault(engine, set())
    if name not in known and inspect(session.connection()).has_table(name):
        known.add(name)
    return name in known


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return create_db_engine(url)


def session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=engine_for(url), expire_on_commit=False)


@contextmanager
def transaction(url: str, *, read_only: bool = False) -> Iterator[Session]:
    """One unit of work: commits on success, rolls everything back on any error."""
    session = session_factory(url)(execution_options=READ_ONLY if read_only else {})
    try:
        with session.begin():
            yield session
    finally:
        session.close()


_PG_TRANSIENT = {"40001", "40P01", "55P03", "57014"}  # serialization, deadlock, lock, cancel


def is_busy(exc: BaseException) -> bool:
    """True when a database error means "busy, try again", not "your data is wrong".

    SQLite's "database is locked" after its busy timeout, PostgreSQL's serialization
    failures, deadlocks and lock timeouts, and a connection pool that stayed exhausted.
    """
    if isinstance(exc, sa_exc.TimeoutError):
        return True
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    orig = exc.orig
    if isinstance(orig, sqlite3.OperationalError):
        text = str(orig).lower()
        return "locked" in text or "busy" in text
    return getattr(orig, "sqlstate", None) in _PG_TRANSIENT


_CONSTRAINTS = {  # PostgreSQL SQLSTATE / SQLite message start -> what a person is told
    ("23505", "unique constraint failed"): N_(
        "a row with the same key (a ref, a name, a pair) already exists"
    ),
    ("23503", "foreign key constraint failed"): N_(
        "it refers to a row that does not exist, or a row it needs was removed meanwhile"
    ),
    ("23502", "not null constraint failed"): N_("a required value is missing"),
    ("23514", "check constraint failed"): N_("a value is outside what is allowed"),
}
DOES_NOT_FIT = N_("{what} does not fit what the database stores (too long, or out of range)")
CONFLICTS = N_("the write conflicts with existing data")
CONFLICTS_BECAUSE = N_("the write conflicts with existing data: {meaning}")


def describe_refusal(exc: BaseException, what: str | None = None) -> Said:
    """What a database refusal (integrity or data error) means, in words that name no
    table, column, constraint or SQL: those are the server's business (its log has them).
    `what` names the value a refused data error was ("a value in the request").

    >>> from sqlalchemy.exc import IntegrityError
    >>> said = describe_refusal(IntegrityError("INSERT ...", (), Exception(
    ...     "UNIQUE constraint failed: assets.organization_id, assets.ref")))
    >>> said.endswith("a row with the same key (a ref, a name, a pair) already exists")
    True
    """
    if isinstance(exc, sa_exc.DataError):
        return say(DOES_NOT_FIT, what=say(what or N_("a value")))
    orig = getattr(exc, "orig", None)
    state = getattr(orig, "sqlstate", None)
    text = str(orig).lower()
    for (sqlstate, sqlite_start), meaning in _CONSTRAINTS.items():
        if state == sqlstate or text.startswith(sqlite_start):
            return say(CONFLICTS_BECAUSE, meaning=say(meaning))
    return say(CONFLICTS)
