"""Checks prepared ahead of sessions, so that opening one does not wait for the crypto.

Preparing some checks takes a noticeable part of a second or more: ACVP ML-DSA sigVer (some
40 signatures, PQClean's taking 5 to 25 ms each) and keyGen (key derivation in pure Python),
ACVP ML-KEM (kyber-py), the ML-DSA verifier checks; SLH-DSA signing and Classic McEliece key
generation are slow in any library. ACVP ML-DSA sigGen takes 10 to 30 ms since its
signatures come from C (liboqs's Sign_internal), but stays pooled: taking a case costs less.
The pool keeper, a worker of its own (a child process of ``pqcplan serve`` on SQLite, a
thread of each ``pqcplan worker`` on PostgreSQL), keeps :data:`POOL_SIZE` cases of every
wanted kind in ``vendor_case_pool``; opening a session with the default input takes the
oldest one and deletes it in the same transaction, so no case serves two sessions. A session
with non-default input (``tests_per_group``, capabilities, signature options) or a
``kem_receiver`` session (built on the vendor's own
key) is prepared on the request, as is any kind the pool has run out of.

Wanted kinds: :data:`SEED` (every ACVP mode, the ML-DSA verifier checks, the ML-KEM sender
checks), and every (algorithm, check, mode) whose preparation took more than
:data:`SLOW_MS` in a session of the last :data:`DEMAND_WINDOW`.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from testbed.conformance.common import OracleDisagreement, Prepared
from testbed.conformance.kinds import prepare
from testbed.conformance.models import CheckKind, PooledCase, VendorSession

log = logging.getLogger(__name__)

#: cases kept of each kind: a vendor opening sessions back to back (the rate limit allows one
#: every two seconds, with its answer) finds them ready while the keeper makes more; twice as
#: many of the kinds that take longest to make
POOL_SIZE = 4
DEEP = {
    (CheckKind.ACVP_MLDSA, "sigVer"),
    (CheckKind.SIG_VENDOR_VERIFIES, ""),
}


def depth(spec: tuple[str, CheckKind, str], size: int = POOL_SIZE) -> int:
    """How many cases of ``spec`` to keep."""
    return 2 * size if (spec[1], spec[2]) in DEEP else size


#: a kind whose preparation took longer than this joins the pool
SLOW_MS = 100
DEMAND_WINDOW = timedelta(days=7)
#: how often the keeper looks for used-up cases
INTERVAL_S = 1.0

_MLKEM = ("ML-KEM-512", "ML-KEM-768", "ML-KEM-1024")
_MLDSA = ("ML-DSA-44", "ML-DSA-65", "ML-DSA-87")
#: (algorithm, check, mode) kept ready from the start
SEED: tuple[tuple[str, CheckKind, str], ...] = (
    *((a, CheckKind.ACVP_MLKEM, m) for a in _MLKEM for m in ("keyGen", "encapDecap")),
    *((a, CheckKind.ACVP_MLDSA, m) for a in _MLDSA for m in ("keyGen", "sigGen", "sigVer")),
    *((a, CheckKind.SIG_VENDOR_VERIFIES, "") for a in _MLDSA),
    *((a, CheckKind.KEM_SENDER, "") for a in (*_MLKEM, "X25519MLKEM768")),
)


@dataclass(frozen=True)
class Taken:
    """A pooled case, now a session's: its challenge, secret, nonce and preparation time."""

    prepared: Prepared
    nonce: bytes
    prepare_ms: int


def poolable(check: CheckKind, data: dict[str, Any]) -> bool:
    """Only default-input checks that do not depend on the vendor's key come from the pool."""
    return check is not CheckKind.KEM_RECEIVER and not data


def take(db: Session, algorithm: str, check: CheckKind, mode: str | None) -> Taken | None:
    """Take (delete) the oldest pooled case of this kind, or None if there is none."""
    for _ in range(3):  # another request may take the same row first (SQLite)
        stmt = (
            select(PooledCase)
            .where(
                PooledCase.algorithm == algorithm,
                PooledCase.check == check,
                PooledCase.mode == (mode or ""),
            )
            .order_by(PooledCase.id)
            .limit(1)
        )
        if db.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        row = db.scalars(stmt).first()
        if row is None:
            return None
        gone = db.execute(
            delete(PooledCase)
            .where(PooledCase.id == row.id)
            .execution_options(synchronize_session=False)
        )
        if gone.rowcount == 1:
            secret = dict(row.secret)
            oracles = {**secret.pop("_oracles", {}), "prepared_ahead": True}
            prepared = Prepared(row.challenge, secret, list(row.engines), oracles)
            return Taken(prepared, bytes.fromhex(row.nonce), row.prepare_ms)
    return None


def wanted(db: Session, now: datetime | None = None) -> list[tuple[str, CheckKind, str]]:
    """:data:`SEED`, and the slow kinds recent sessions asked for."""
    since = (now or datetime.now(UTC)) - DEMAND_WINDOW
    recent = db.execute(
        select(VendorSession.algorithm, VendorSession.check, VendorSession.mode)
        .where(
            VendorSession.prepare_ms > SLOW_MS,
            VendorSession.created_at >= since,
            VendorSession.check != CheckKind.KEM_RECEIVER,
        )
        .distinct()
    ).all()
    out = list(SEED)
    for alg, check, mode in recent:
        spec = (alg, check, mode or "")
        if spec not in out:
            out.append(spec)
    return out


def fill(
    sessions: sessionmaker[Session],
    size: int = POOL_SIZE,
    stop: threading.Event | None = None,
    specs: list[tuple[str, CheckKind, str]] | None = None,
) -> int:
    """Top every wanted kind (or ``specs``) up to its :func:`depth`, emptiest kind first, one
    case at a time (a used-up kind waits for one case of each kind below it, not for all);
    returns how many were made."""
    with sessions() as db:
        specs = specs if specs is not None else wanted(db)
        counts = {
            (a, c, m): n
            for a, c, m, n in db.execute(
                select(
                    PooledCase.algorithm, PooledCase.check, PooledCase.mode, func.count()
                ).group_by(PooledCase.algorithm, PooledCase.check, PooledCase.mode)
            ).all()
        }
    have = {spec: counts.get(spec, 0) for spec in specs}
    failed: set[tuple[str, CheckKind, str]] = set()
    made = 0
    while True:
        short = [s for s in specs if have[s] < depth(s, size) and s not in failed]
        if not short or (stop is not None and stop.is_set()):
            return made
        spec = min(short, key=lambda s: have[s] / depth(s, size))
        if _make(sessions, *spec):
            have[spec] += 1
            made += 1
        else:
            failed.add(spec)


def _make(sessions: sessionmaker[Session], algorithm: str, check: CheckKind, mode: str) -> bool:
    nonce = secrets.token_bytes(32)
    started = time.perf_counter()
    try:
        prepared = prepare(check, algorithm, mode or None, {}, nonce)
    except (OracleDisagreement, ValueError, RuntimeError) as exc:
        log.warning("pool: cannot prepare %s %s %s: %s", algorithm, check.value, mode, exc)
        return False
    ms = round((time.perf_counter() - started) * 1000)
    with sessions.begin() as db:
        db.add(
            PooledCase(
                algorithm=algorithm,
                check=check,
                mode=mode,
                nonce=nonce.hex(),
                engines=prepared.engines,
                challenge=prepared.challenge,
                secret={**prepared.secret, "_oracles": prepared.oracles},
                prepare_ms=ms,
            )
        )
    return True


#: how much lower the keeper's CPU priority is than the API's (nice increment)
NICE = 10


def keep(
    sessions: sessionmaker[Session],
    stop: threading.Event,
    interval: float = INTERVAL_S,
) -> None:
    """The keeper's loop: top the pool up, then look again every ``interval`` seconds."""
    while not stop.is_set():
        try:
            fill(sessions, stop=stop)
        except Exception:  # a busy or restarting database: try again on the next round
            log.exception("pool: filling failed")
        stop.wait(interval)


def run_keeper(database_url: str, stop: Any) -> None:
    """Entry point of the keeper's own process (``stop``: a multiprocessing Event)."""
    import os

    from core.db import session_factory

    logging.basicConfig(level=logging.INFO)
    os.nice(NICE)  # background work: the API's requests come first on a busy machine
    threading.Thread(
        target=_stop_when_orphaned, args=(os.getppid(), stop), name="orphan-watch", daemon=True
    ).start()
    keep(session_factory(database_url), stop)


def _stop_when_orphaned(parent: int, stop: Any, every_s: float = 1.0) -> None:
    """Stop the keeper once the process that started it is gone: a `serve` or `worker`
    killed with SIGKILL cannot stop its children, and an orphaned keeper would go on
    writing to the pool (and using a CPU) with no one to serve. It sleeps rather than wait on
    ``stop``: a second waiter on a multiprocessing Event can deadlock the parent's `set`."""
    while not stop.is_set():
        time.sleep(every_s)
        if os.getppid() != parent:
            log.warning("pool: the process that started the keeper is gone; stopping")
            stop.set()
            return
