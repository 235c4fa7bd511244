"""Sessions of the expensive kinds open from cases the pool keeper prepared ahead."""

from __future__ import annotations

import os
import threading
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


def test_the_keeper_thread_lowers_its_own_priority_only():
    """A worker's keeper thread yields the CPU to the API; the worker's other threads do not.
    (Per-thread nice is Linux's; the project runs on Linux, so this always runs.)"""
    seen: dict[str, int] = {}

    def run() -> None:
        pool.nice_this_thread()
        seen["keeper"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert seen["keeper"] == min(19, before + pool.NICE)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before
