"""Sessions of the expensive kinds open from cases the pool keeper prepared ahead."""

from __future__ import annotations

import os
import time

from sqlalchemy import func, select

from app.api import pool_keeper
from testbed.conformance import pool
from testbed.conformance.models import CheckKind, PooledCase, VendorSession
from tests.testbed.conformance.test_vendor_acvp import _answer, mlkem_keygen_liboqs

SPEC = ("ML-KEM-768", CheckKind.ACVP_MLKEM, "keyGen")


def _pooled(sessions) -> int:
    with sessions() as db:
        return db.scalar(select(func.count(PooledCase.id)))


def test_a_session_takes_a_pooled_case_once(vendors):
    v = vendors()
    pid = v.product()
    assert pool.fill(v.sessions, size=1, specs=[SPEC]) == 1
    s = v.open(pid, "ML-KEM-768", "acvp_mlkem", mode="keyGen")
    assert _pooled(v.sessions) == 0  # taken, and gone
    assert s["challenge"]["vector_set"]["vsId"] == s["id"]
    report = v.answer(s["id"], _answer(s["challenge"]["vector_set"], mlkem_keygen_liboqs))
    assert report["report"]["summary"]["verdict"] == "pass"
    assert report["report"]["reference"]["prepared_ahead"] is True
    assert report["report"]["timings"]["prepare_ms"] > 0  # the keeper's time, reported

    # the pool is empty now: the next one is prepared on the request, as is any with options
    s = v.open(pid, "ML-KEM-768", "acvp_mlkem", mode="keyGen")
    assert pool.fill(v.sessions, size=1, specs=[SPEC]) == 1
    with_options = v.open(pid, "ML-KEM-768", "acvp_mlkem", mode="keyGen", tests_per_group=1)
    assert _pooled(v.sessions) == 1
    with v.sessions() as db:
        rows = {r.id: r for r in db.scalars(select(VendorSession))}
    assert "prepared_ahead" not in rows[s["id"]].secret["_oracles"]
    assert "prepared_ahead" not in rows[with_options["id"]].secret["_oracles"]


def test_slow_kinds_are_wanted_and_the_keeper_process_fills_the_pool(sqlite_vendors):
    v = sqlite_vendors()
    pid = v.product(algorithms=["Falcon-512"])
    with v.sessions() as db:
        assert ("Falcon-512", CheckKind.SIG_VENDOR_VERIFIES, "") not in pool.wanted(db)
    s = v.open(pid, "Falcon-512", "sig_vendor_verifies")
    with v.sessions.begin() as db:
        db.get(VendorSession, s["id"]).prepare_ms = pool.SLOW_MS + 1
    with v.sessions() as db:
        assert ("Falcon-512", CheckKind.SIG_VENDOR_VERIFIES, "") in pool.wanted(db)

    url = str(v.client.app.state.settings.database_url)
    keeper = pool_keeper.KeeperProcess(url).start()
    try:
        deadline = time.monotonic() + 120
        while _pooled(v.sessions) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _pooled(v.sessions) >= 2
        first = keeper.process
        first.kill()  # a keeper that dies is started again
        deadline = time.monotonic() + 60
        while keeper.restarts == 0 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert keeper.restarts == 1 and keeper.process is not first
    finally:
        keeper.stop()
    assert not keeper.process.is_alive()


def _children(pid: int) -> dict[int, str]:
    """The processes whose parent is ``pid``: {pid: command line}."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                ppid = int(stat.read().rsplit(b")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as cmd:
                line = cmd.read().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            found[int(entry)] = line
    return found


def _threads_nice(pid: int) -> set[int]:
    return {os.getpriority(os.PRIO_PROCESS, int(tid)) for tid in os.listdir(f"/proc/{pid}/task")}


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def test_a_worker_keeps_the_pool_from_a_process_of_its_own_that_dies_with_it(workers):
    """The keeper is a niced child of `pqcplan worker`, never a niced thread of it: a
    low-priority thread that holds the GIL on a busy machine is descheduled with it, and the
    worker's event loop (its heartbeats, its jobs) waits behind it (16x fewer turns of a loop
    beside a niced busy thread at load 4 on 2 CPUs). Killed with SIGKILL, the
    worker cannot stop its child, so the keeper stops itself when its parent is gone."""
    base = os.getpriority(os.PRIO_PROCESS, 0)
    worker = workers(name="keeper-host", env={"TESTBED_POOL_KEEPER": "true"})
    deadline = time.monotonic() + 60
    keepers: list[int] = []
    while not keepers and time.monotonic() < deadline:
        keepers = [p for p, cmd in _children(worker.pid).items() if "spawn_main" in cmd]
        time.sleep(0.2)
    assert keepers, f"no keeper process under the worker: {_children(worker.pid)}"
    (keeper,) = keepers
    niced = min(19, base + pool.NICE)
    while os.getpriority(os.PRIO_PROCESS, keeper) != niced and time.monotonic() < deadline:
        time.sleep(0.2)  # it lowers its own priority once it has started
    assert os.getpriority(os.PRIO_PROCESS, keeper) == niced
    assert _threads_nice(worker.pid) == {base}  # every thread of the worker itself

    worker.kill()
    worker.wait(10)
    deadline = time.monotonic() + 30
    while _alive(keeper) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(keeper), "the keeper outlived its killed worker"
